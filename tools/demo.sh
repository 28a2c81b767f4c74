#!/usr/bin/env bash
# `make demo`: ptverify end to end on a bundled real dump (a slice of Debian's 6.1 kernel booted
# under QEMU with KASLR and PTI): its mappings, one walk, the Linux spec proved, the dump checked
# against it, then a copy with one real entry mutated (XD cleared on a writable direct-map page),
# which fails with its counterexample.
set -uo pipefail
bin=${1:-build/cli/ptverify}
cap=tests/fixtures/linux-6.1-4level-kaslr
spec=specs/linux-x86_64-4level.json
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step ptverify mappings "$cap/core.slice.elf.zst" "| head -12"
"$bin" mappings -q "$cap/core.slice.elf.zst" | head -12
step ptverify walk "$cap/core.slice.elf.zst" 0xffffffffb9000000
"$bin" walk "$cap/core.slice.elf.zst" 0xffffffffb9000000
step ptverify prove "$spec"
"$bin" prove "$spec" | head -30
step ptverify check "$cap/core.slice.elf.zst" --spec "$spec"
"$bin" check -q "$cap/core.slice.elf.zst" --spec "$spec" | head -40
rc=$?
step ptverify check "$cap/core.slice.mutated-wx.elf.zst" --spec "$spec" "  # XD cleared on one writable page"
"$bin" check -q "$cap/core.slice.mutated-wx.elf.zst" --spec "$spec" --max-violations 5 | head -60
echo
echo "demo: done (exit codes: 0 holds, 1 violations, 2 bad input, 3 unknown, 4 internal error)"
exit 0
