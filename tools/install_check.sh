#!/usr/bin/env bash
# The installed ptverify (make install-check, after the package is installed): run from a folder
# outside the source tree, with the bundled spec named by name, on a committed fixture; its
# --version, man page and completion are there too.
set -euo pipefail
bin=${1:-/usr/bin/ptverify}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" --version
fixture="$src/tests/fixtures/linux-6.1-4level-kaslr/core.slice.elf.zst"
"$bin" check "$fixture" --spec linux-x86_64-4level -q --json report.json --sarif report.sarif --ktap report.ktap \
  --junit junit.xml
for f in report.json report.sarif report.ktap junit.xml; do [ -s "$f" ] || { echo "install-check: $f is empty" >&2; exit 1; }; done
prefix=$(dirname "$(dirname "$bin")")
[ -f "$prefix/share/man/man1/ptverify.1.gz" ] || [ -f "$prefix/share/man/man1/ptverify.1" ] || {
  echo "install-check: no man page under $prefix/share/man/man1" >&2; exit 1; }
[ -f "$prefix/share/bash-completion/completions/ptverify" ] || {
  echo "install-check: no bash completion under $prefix/share/bash-completion/completions" >&2; exit 1; }
command -v ptverify-ci >/dev/null || [ -x "$(dirname "$bin")/ptverify-ci" ]
echo "install-check: the installed $bin checks a committed fixture with the bundled spec by name"
