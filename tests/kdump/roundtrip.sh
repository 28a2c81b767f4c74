#!/usr/bin/env bash
# Crash dumps of one real moment, made at test time: makedumpfile turns the committed slice of
# the linux-6.1-kdump-4level-kaslr capture (page tables, the registers, and the kernel's
# VMCOREINFO note) into every form a kdump service or QEMU writes: kdump-compressed with zlib,
# lzo, snappy and zstd pages (the last two recompressed from the zlib file by recompress.py),
# makedumpfile's flattened format, and an ELF vmcore. Each must read back
# through libkdumpfile (or the ELF reader) as the same moment:
#
#   1. walked from the same CR3 with the same registers, the same mapping set as the slice;
#   2. with no CR3 (none of these carries control registers), walked from init_top_pgt as
#      VMCOREINFO names it, and said so: the kernel half equal to the CR3 walk's kernel half;
#   3. `check` with the bundled 4-level spec: the same verdict and the same status for every
#      rule as the slice, both given the same CR0/CR4/EFER.
#   4. a slice with one page table removed, made into a kdump file: the range that table maps
#      is unknown, exactly as in the ELF slice it came from, and check cannot hold.
#
# Exit 77 (a visible skip) when makedumpfile is not installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PTV=${PTV:?set PTV to the ptverify binary}
fixture="$root/tests/fixtures/linux-6.1-kdump-4level-kaslr"
spec="$root/specs/linux-x86_64-4level.json"

if ! command -v makedumpfile >/dev/null 2>&1; then
  echo "SKIPPED: makedumpfile is not installed (apt-get install makedumpfile)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptv-kdump-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fail=1
}

# The committed slice: page tables, the registers, VMCOREINFO, and the kernel data pages
# makedumpfile reads (tests/fixtures/README.md, "Crash dumps").
zstd -dq "$fixture/core.slice.elf.zst" -o "$tmp/slice.elf"
# The registers of the moment (QEMU's info registers), as flags: CR3 and the CPU bits.
regs=(--cr0 0x80050033 --cr4 0x750ef0 --efer 0xd01)
cr3=(--cr3 0x2a20000)

# The kdump forms, as makedumpfile writes them (-d 0: nothing filtered; a slice has no page
# descriptors to filter by).
mkd() { makedumpfile "$@" >"$tmp/mkd.log" 2>&1 || { cat "$tmp/mkd.log"; return 1; }; }
mkd -c -d 0 "$tmp/slice.elf" "$tmp/zlib.kdump"
mkd -l -d 0 "$tmp/slice.elf" "$tmp/lzo.kdump"
mkd -E -d 0 "$tmp/slice.elf" "$tmp/vmcore.elf"
makedumpfile -F -c -d 0 "$tmp/slice.elf" >"$tmp/zlib.flat" 2>"$tmp/mkd.log" || { cat "$tmp/mkd.log"; exit 1; }
# snappy and zstd pages: no Debian 12 tool writes them, so the zlib file's pages are recompressed
# page for page (tests/kdump/recompress.py, through the libraries libkdumpfile links).
for kind in snappy zstd; do
  python3 "$here/recompress.py" "$kind" "$tmp/zlib.kdump" "$tmp/$kind.kdump" >"$tmp/mkd.log" 2>&1 ||
    { cat "$tmp/mkd.log"; exit 1; }
done
forms=(zlib.kdump lzo.kdump snappy.kdump zstd.kdump zlib.flat vmcore.elf)

# The mapping lines alone (no header or notes, which name the file and its format).
runs() { grep -v '^#' "$1" | grep -v '^$' || true; }
kernel_half() { runs "$1" | awk '{ split($1, r, "-"); if (r[1] >= "0xffff800000000000") print }'; }

"$PTV" mappings "$tmp/slice.elf" "${regs[@]}" "${cr3[@]}" -q >"$tmp/slice.map"
"$PTV" mappings "$tmp/slice.elf" "${regs[@]}" -q >"$tmp/slice-note.map"
[ "$(runs "$tmp/slice.map")" = "$(runs "$tmp/slice-note.map")" ] && ok "the slice's own note gives the same CR3" ||
  not_ok "the slice walked from its note differs from the slice walked from --cr3"

for f in "${forms[@]}"; do
  # 1. The same CR3: the same mapping set.
  "$PTV" mappings "$tmp/$f" "${regs[@]}" "${cr3[@]}" -q >"$tmp/$f.map" 2>"$tmp/$f.err" || {
    cat "$tmp/$f.err"
    not_ok "$f: mappings from CR3 failed"
    continue
  }
  if [ "$(runs "$tmp/$f.map")" = "$(runs "$tmp/slice.map")" ]; then
    ok "$f: from CR3, the same $(runs "$tmp/slice.map" | wc -l) runs as the ELF slice"
  else
    not_ok "$f: from CR3, the mapping set differs from the ELF slice"
    diff <(runs "$tmp/slice.map") <(runs "$tmp/$f.map") | head -20
  fi

  # 2. No CR3: the kernel's own table from VMCOREINFO, and said so. (makedumpfile -E copies the
  # slice's notes, PTVERIFY included, into the ELF vmcore: there the note's CR3 wins, as it must.)
  "$PTV" mappings "$tmp/$f" "${regs[@]}" >"$tmp/$f.vmci.map" 2>"$tmp/$f.vmci.err"
  if [ "$f" = vmcore.elf ] && grep -q "PTVERIFY note" "$tmp/$f.vmci.map"; then
    ok "$f: the ELF vmcore keeps the slice's PTVERIFY note, whose CR3 wins over VMCOREINFO"
  elif grep -q "init_top_pgt" "$tmp/$f.vmci.err" && grep -q "master table" "$tmp/$f.vmci.err"; then
    ok "$f: without CR3 the root is init_top_pgt from VMCOREINFO, and the notes say so"
  else
    not_ok "$f: the notes do not say that the root came from VMCOREINFO"
    cat "$tmp/$f.vmci.err"
  fi
  if [ "$(kernel_half "$tmp/$f.vmci.map")" = "$(kernel_half "$tmp/slice.map")" ] &&
    [ -n "$(kernel_half "$tmp/slice.map")" ]; then
    ok "$f: init_top_pgt's kernel half equals the CR3 walk's kernel half"
  else
    not_ok "$f: init_top_pgt's kernel half differs from the CR3 walk's"
    diff <(kernel_half "$tmp/slice.map") <(kernel_half "$tmp/$f.vmci.map") | head -20
  fi

  # 3. check: the same verdict and rule statuses as the slice (whose root is its CR3).
  for d in slice.elf "$f"; do
    set +e
    "$PTV" check "$tmp/$d" --spec "$spec" "${regs[@]}" -q --json - >"$tmp/$d.check.json" 2>/dev/null
    echo $? >"$tmp/$d.check.rc"
    set -e
  done
  verdicts() { grep -o '"rule": *"[^"]*"\|"status": *"[^"]*"\|"verdict": *"[^"]*"' "$1" | tr -d ' ' || true; }
  if [ "$(cat "$tmp/$f.check.rc")" = "$(cat "$tmp/slice.elf.check.rc")" ] &&
    [ "$(verdicts "$tmp/$f.check.json")" = "$(verdicts "$tmp/slice.elf.check.json")" ]; then
    ok "$f: check gives the slice's verdict (exit $(cat "$tmp/$f.check.rc")) and the same status for every rule"
  else
    not_ok "$f: check differs from the slice (exit $(cat "$tmp/$f.check.rc") vs $(cat "$tmp/slice.elf.check.rc"))"
    diff <(verdicts "$tmp/slice.elf.check.json") <(verdicts "$tmp/$f.check.json") | head -20
  fi
done

# 4. A page table missing from the dump: the same unknown range from the ELF and the kdump form.
# The user half's PDPT (0x2a15000, one page, one PT_LOAD of its own) is moved out of reach by
# rewriting its segment's p_paddr and p_vaddr; makedumpfile then leaves it out of the kdump file.
put_u64() { # FILE OFFSET VALUE: a little-endian u64 written in place
  local v=$3 bytes="" i
  for i in 0 1 2 3 4 5 6 7; do
    bytes+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
  done
  printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$tmp/slice.elf" "$tmp/missing.elf"
index=$(readelf -lW "$tmp/missing.elf" | awk '/^  [A-Z]/ && $1 != "Type" { n++; if ($4 == "0x0000000002a15000") print n - 1 }')
if [ -z "$index" ]; then
  not_ok "the slice has no PT_LOAD at 0x2a15000 to remove"
else
  put_u64 "$tmp/missing.elf" $((64 + 56 * index + 0x10)) $((0x7f02a15000))
  put_u64 "$tmp/missing.elf" $((64 + 56 * index + 0x18)) $((0x7f02a15000))
  mkd -c -d 0 "$tmp/missing.elf" "$tmp/missing.kdump"
  unknowns() { grep '^# unknown\|outside' "$1" | grep -v '^# note\|^# fact' || true; }
  for d in missing.elf missing.kdump; do
    set +e
    "$PTV" mappings "$tmp/$d" "${regs[@]}" "${cr3[@]}" -q >"$tmp/$d.map" 2>/dev/null
    "$PTV" check "$tmp/$d" --spec "$spec" "${regs[@]}" "${cr3[@]}" -q >"$tmp/$d.check" 2>&1
    echo $? >"$tmp/$d.rc"
    set -e
  done
  if [ -n "$(unknowns "$tmp/missing.elf.map")" ] &&
    [ "$(unknowns "$tmp/missing.elf.map")" = "$(unknowns "$tmp/missing.kdump.map")" ] &&
    [ "$(runs "$tmp/missing.elf.map")" = "$(runs "$tmp/missing.kdump.map")" ]; then
    ok "a page table missing from the kdump file: the same unknown range as in the ELF slice"
  else
    not_ok "a missing page table reads differently from the ELF slice and from the kdump file"
    diff "$tmp/missing.elf.map" "$tmp/missing.kdump.map" | head -20
  fi
  if [ "$(cat "$tmp/missing.kdump.rc")" = 3 ] && [ "$(cat "$tmp/missing.elf.rc")" = 3 ]; then
    ok "check over the missing table is unknown (exit 3), never holds"
  else
    not_ok "check over a missing table exits $(cat "$tmp/missing.kdump.rc") (kdump), $(cat "$tmp/missing.elf.rc") (ELF), not 3"
  fi
fi

exit "$fail"
