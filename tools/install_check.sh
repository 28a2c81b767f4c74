#!/usr/bin/env bash
# The installed ptverify (make install-check, after the package is installed): run from a folder
# outside the source tree, with the bundled spec named by name, on a committed fixture; its
# --version, man page and completion are there too; and, where QEMU and a kernel are at hand, the
# installed ptverify-ci runs the CI job of docs/ci.md end to end.
# Usage: install_check.sh [INSTALLED_PTVERIFY [KERNEL]]   KERNEL: a vmlinuz or an unpacked package
set -euo pipefail
bin=${1:-/usr/bin/ptverify}
kernel=${2:-}
[ -z "$kernel" ] || [ ! -e "$kernel" ] || kernel=$(realpath "$kernel")
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" --version
fixture="$src/tests/fixtures/linux-6.1-4level-kaslr/core.slice.elf.zst"
"$bin" check "$fixture" --spec linux-x86_64-4level -q -o report.txt --json report.json --sarif report.sarif --ktap report.ktap \
  --junit junit.xml
head -1 report.txt
for f in report.txt report.json report.sarif report.ktap junit.xml; do [ -s "$f" ] || { echo "install-check: $f is empty" >&2; exit 1; }; done
prefix=$(dirname "$(dirname "$bin")")
[ -f "$prefix/share/man/man1/ptverify.1.gz" ] || [ -f "$prefix/share/man/man1/ptverify.1" ] || {
  echo "install-check: no man page under $prefix/share/man/man1" >&2; exit 1; }
[ -f "$prefix/share/bash-completion/completions/ptverify" ] || {
  echo "install-check: no bash completion under $prefix/share/bash-completion/completions" >&2; exit 1; }
ci="$(dirname "$bin")/ptverify-ci"
[ -x "$ci" ] || { echo "install-check: no $ci" >&2; exit 1; }
echo "install-check: the installed $bin checks a committed fixture with the bundled spec by name"

if [ -d "$kernel" ]; then kernel=$(ls "$kernel"/boot/vmlinuz-* 2>/dev/null | head -1 || true); fi
if [ -z "$kernel" ] || [ ! -r "$kernel" ] || ! command -v qemu-system-x86_64 >/dev/null; then
  echo "install-check: SKIPPED the CI job: no kernel ('$kernel') or no QEMU"
  exit 0
fi
PATH="$(dirname "$bin"):$PATH" "$ci" "$kernel" -o "$work/reports" --append "pti=on" >"$work/ci.out" 2>"$work/ci.err" ||
  { cat "$work/ci.err"; tail -20 "$work/ci.out"; echo "install-check: ptverify-ci failed" >&2; exit 1; }
for f in report.txt report.json report.sarif junit.xml report.ktap map.html; do
  [ -s "$work/reports/$f" ] || { echo "install-check: ptverify-ci wrote no $f" >&2; exit 1; }
done
head -1 "$work/reports/report.txt"
echo "install-check: the installed ptverify-ci booted $(basename "$kernel"), checked it and wrote every report"
