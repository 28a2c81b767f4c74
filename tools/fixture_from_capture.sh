#!/usr/bin/env bash
# Make a committed test fixture (tests/fixtures/NAME/) from a real capture folder: a QEMU
# dump-guest-memory core (core.elf or core.elf.zst) with the files QEMU and the guest printed at
# the same moment (registers.txt, cpuinfo.txt, info-tlb.txt, optionally registers-all.txt,
# proc-1-maps.txt, proc-self-maps.txt). The core becomes a slice of its page tables (ptverify
# slice: a few kilobytes, with the registers and the CPU facts in its note); QEMU's own info tlb
# of the same moment stays beside it as the independent walk the tests compare with.
#
#   tools/fixture_from_capture.sh CAPTURE_DIR NAME [PTVERIFY]
set -euo pipefail
src=$1
name=$2
bin=${3:-build/cli/ptverify}
out=tests/fixtures/$name
mkdir -p "$out"
core=$src/core.elf.zst
[ -f "$core" ] || core=$src/core.elf
"$bin" slice "$core" --registers "$src/registers.txt" --cpuinfo "$src/cpuinfo.txt" -o "$out/core.slice.elf"
zstd -q -19 -f --rm "$out/core.slice.elf" -o "$out/core.slice.elf.zst"
cp "$src/registers.txt" "$src/cpuinfo.txt" "$out/"
for f in registers-all.txt proc-1-maps.txt proc-self-maps.txt; do
  [ -f "$src/$f" ] && cp "$src/$f" "$out/"
done
tr -d '\r' < "$src/info-tlb.txt" | zstd -q -19 -f -o "$out/info-tlb.txt.zst"
echo "$out: $(du -sh "$out" | cut -f1)"
