#!/usr/bin/env bash
# Parameters read from the kernel, on full real cores: with the kallsyms lines saved at the same
# boot, `check` reads page_offset_base, vmalloc_base and vmemmap_base from the kernel's own
# variables in the core's memory, and _stext/_end give the image. The debsrc capture's own ptdump
# (printed by the kernel at the same boot) is the independent oracle: its "Low Kernel Mapping",
# "vmalloc() Area" and "Vmemmap" markers start at those variables' values.
# Usage: real_cores.sh PTVERIFY SHARED_DIR. Exit 77 (skipped) without SHARED_DIR/realdumps.
set -euo pipefail
bin=$1
real=$2/realdumps
if [ ! -f "$real/linux-6.1-debsrc-ptdump-4level/core.elf.zst" ]; then
  echo "SKIP: $real/linux-6.1-debsrc-ptdump-4level/core.elf.zst is not here (the full real captures)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The value of parameter NAME in a JSON report, and where it came from.
param() { python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["parameters"][sys.argv[2]], r["parameter_sources"][sys.argv[2]]["source"])' "$1" "$2"; }

d=$real/linux-6.1-debsrc-ptdump-4level
"$bin" check "$d/core.elf.zst" --spec linux-x86_64-4level --kallsyms "$d/kallsyms-selected.txt" --quiet \
  --registers "$d/registers.txt" --cpuinfo "$d/cpuinfo.txt" \
  --json "$work/debsrc.json" -o "$work/debsrc.txt" || fail "check of $d exited $? (see $work/debsrc.txt)"
marker() { awk -v m="---[ $1 ]---" '$0 == m { getline; split($1, a, "-"); print a[1]; exit }' "$d/ptdump-kernel.txt"; }
for pair in "page_offset_base:Low Kernel Mapping" "vmalloc_base:vmalloc() Area" "vmemmap_base:Vmemmap"; do
  name=${pair%%:*}
  want=$(printf '0x%016x' "$(marker "${pair#*:}")")
  got=$(param "$work/debsrc.json" "$name")
  [ "$got" = "$want read" ] || fail "$name: '$got', ptdump's marker says $want (read)"
  echo "ok: $name = $want, read from the kernel (ptdump agrees)"
done
stext=$(awk '$3 == "_stext" { print "0x" $1 }' "$d/kallsyms-selected.txt")
[ "$(param "$work/debsrc.json" kernel_text)" = "$stext read" ] || fail "kernel_text is not _stext ($stext)"
grep -q "page_offset_base: read from the kernel: the variable page_offset_base read from the dump, at its address in kallsyms" "$work/debsrc.txt" ||
  fail "the text report does not say where page_offset_base came from"
echo "ok: kernel_text = _stext = $stext"

# The Debian kernels: every base read, and the check still holds.
for c in linux-6.1-4level-kaslr linux-6.1-5level; do
  d=$real/$c
  spec=linux-x86_64-4level
  [ "$c" = linux-6.1-5level ] && spec=linux-x86_64-5level
  "$bin" check "$d/core.elf.zst" --spec $spec --kallsyms "$d/kallsyms-selected.txt" --quiet \
    --registers "$d/registers.txt" --cpuinfo "$d/cpuinfo.txt" \
    --json "$work/$c.json" -o "$work/$c.txt" || fail "check of $c exited $? ($(head -1 "$work/$c.txt"))"
  for name in page_offset_base vmalloc_base vmemmap_base kernel_text kernel_image_size; do
    got=$(param "$work/$c.json" "$name")
    [ "${got#* }" = read ] || fail "$c: $name is '$got', not read from the kernel"
  done
  echo "ok: $c: every base read from the kernel, and the spec holds"
done
