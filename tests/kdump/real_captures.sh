#!/usr/bin/env bash
# The full crash dumps of the linux-6.1-kdump-4level-kaslr capture (16 to 285 MB, not in the
# repository; tests/fixtures/README.md, "Crash dumps"), when PTV_KDUMP_CAPTURE names the folder
# holding them: every form QEMU and makedumpfile wrote of the one paused moment (kdump-zlib
# flattened and reassembled, makedumpfile zlib and lzo filtered with -d 31, zlib with -d 1, a
# filtered ELF vmcore) must give
#
#   1. with the moment's registers (--registers), the QEMU ELF core's mapping set, run for run;
#   2. with no CR3, a walk from init_top_pgt (VMCOREINFO) whose kernel half is the CR3 walk's;
#   3. check with the bundled 4-level spec: the ELF core's verdict.
#
# Exit 77 (a visible skip) when PTV_KDUMP_CAPTURE is not set or does not hold the dumps.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PTV=${PTV:?set PTV to the ptverify binary}
cap=${PTV_KDUMP_CAPTURE:-}
spec="$root/specs/linux-x86_64-4level.json"
if [ -z "$cap" ] || [ ! -r "$cap/core.elf" ] || [ ! -r "$cap/registers.txt" ]; then
  echo "SKIPPED: PTV_KDUMP_CAPTURE does not name a folder holding the capture's core.elf and its kdump forms"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptv-kdump-real-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fail=1
}
runs() { grep -v '^#' "$1" | grep -v '^$' || true; }
kernel_half() { runs "$1" | awk '{ split($1, r, "-"); if (r[1] >= "0xffff800000000000") print }'; }
# The moment's CR0, CR4 and EFER (QEMU's info registers), as flags: the crash-dump forms carry none.
reg() { grep -o "$1=[0-9a-f]*" "$cap/registers.txt" | head -1 | cut -d= -f2; }
regs=(--cr0 "0x$(reg CR0)" --cr4 "0x$(reg CR4)" --efer "0x$(reg EFER)")

"$PTV" mappings "$cap/core.elf" --registers "$cap/registers.txt" -q >"$tmp/ref.map"
set +e
"$PTV" check "$cap/core.elf" --spec "$spec" "${regs[@]}" -q >"$tmp/ref.check" 2>&1
ref_rc=$?
set -e
for f in core.kdump-zlib core.kdump-zlib.reassembled core.mkd-zlib-d31 core.mkd-lzo-d31 core.mkd-zlib-d1 \
  core.mkd-elf-d31; do
  [ -r "$cap/$f" ] || {
    echo "# $f: not in the capture folder"
    continue
  }
  "$PTV" mappings "$cap/$f" --registers "$cap/registers.txt" -q >"$tmp/$f.map"
  [ "$(runs "$tmp/$f.map")" = "$(runs "$tmp/ref.map")" ] && ok "$f: the ELF core's $(runs "$tmp/ref.map" | wc -l) runs" ||
    not_ok "$f: the mapping set differs from the ELF core's"
  "$PTV" mappings "$cap/$f" "${regs[@]}" -q >"$tmp/$f.vmci.map"
  [ "$(kernel_half "$tmp/$f.vmci.map")" = "$(kernel_half "$tmp/ref.map")" ] &&
    ok "$f: init_top_pgt's kernel half equals the CR3 walk's" || not_ok "$f: init_top_pgt's kernel half differs"
  set +e
  "$PTV" check "$cap/$f" --spec "$spec" "${regs[@]}" -q >"$tmp/$f.check" 2>&1
  rc=$?
  set -e
  [ "$rc" = "$ref_rc" ] && ok "$f: check exits $rc as for the ELF core" || not_ok "$f: check exits $rc, the ELF core $ref_rc"
done
exit "$fail"
