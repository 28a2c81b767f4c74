#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` from the build tree; its dependencies are Debian's runtime
# packages of the libraries the binary links; it holds the binary, the CI script, the bundled
# specs, the man page and the completion; and the unpacked binary, run from elsewhere, finds the
# bundled spec by name in its own share/ptverify/specs. Usage: deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v $tool >/dev/null || { echo "skipped: $tool is not installed (Debian: cmake, dpkg-dev)"; exit 77; }
done
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

(cd "$WORK" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$WORK/out" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$WORK"/out/ptverify_*_amd64.deb)
echo "built $(basename "$deb")"

info=$(dpkg-deb -I "$deb")
depends=$(printf '%s\n' "$info" | sed -n 's/^ Depends: //p')
echo "Depends: $depends"
for pkg in libz3-4 libzstd1 zlib1g libkdumpfile libc6 libstdc++6; do
  printf '%s\n' "$depends" | grep -q "\b$pkg" || fail "the package does not depend on $pkg"
done
printf '%s\n' "$info" | grep -q '^ Package: ptverify$' || fail "the package is not called ptverify"

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/ptverify ./usr/bin/ptverify-ci ./usr/share/ptverify/specs/linux-x86_64-4level.json \
         ./usr/share/ptverify/specs/linux-x86_64-5level.json ./usr/share/ptverify/specs/reference-layout.json \
         ./usr/share/man/man1/ptverify.1.gz ./usr/share/bash-completion/completions/ptverify \
         ./usr/share/doc/ptverify/README.md ./usr/share/doc/ptverify/docs/ci.md; do
  printf '%s\n' "$contents" | grep -q " $f\$" || fail "the package lacks $f"
done
echo "ok: dependencies and contents"

dpkg-deb -x "$deb" "$WORK/root"
cd "$WORK"
"$WORK/root/usr/bin/ptverify" --version
"$WORK/root/usr/bin/ptverify" check "$src/tests/fixtures/linux-6.1-4level-kaslr/core.slice.elf.zst" \
  --spec linux-x86_64-4level -q >"$WORK/report.txt" || fail "the unpacked ptverify check did not hold"
grep -q "^spec:  $WORK/root/usr/share/ptverify/specs/linux-x86_64-4level.json" "$WORK/report.txt" ||
  fail "the unpacked binary did not take the spec from its own share/: $(grep '^spec:' "$WORK/report.txt")"
"$WORK/root/usr/bin/ptverify-ci" --help >/dev/null || fail "ptverify-ci --help"
# Not `zcat | grep -q`: under pipefail, zcat dies of SIGPIPE when grep stops reading at the first line.
man=$(zcat "$WORK/root/usr/share/man/man1/ptverify.1.gz")
grep -q '^\.TH PTVERIFY 1' <<<"$man" || fail "the man page is not roff"
echo "ok: the unpacked binary checks a committed fixture with the bundled spec by name"
