#!/usr/bin/env bash
# A crash dump filtered as a distribution's kdump service filters it, made at test time from a
# real kernel: `ptverify capture --boot` boots the test kernel under QEMU with the vmcoreinfo
# device and the kernel's qemu_fw_cfg driver loaded (so that the core carries the kernel's
# VMCOREINFO note), then makedumpfile filters the core with -d 31 (no zero, cache, user or free
# pages) into kdump-compressed files (zlib, lzo) and a filtered ELF vmcore, and with -d 1. Each
# must give what the unfiltered core gives (tests/kdump/real_captures.sh): the same mapping set
# from the moment's CR3, a kernel half walked from init_top_pgt equal to the CR3 walk's, and the
# same check verdict.
#
#   filtered_e2e.sh KERNEL    KERNEL: a vmlinuz, or an unpacked Debian kernel package (what
#                             `make kernel` leaves in build/kernel: boot/ and modules/)
# Exit 77 (a visible skip) without QEMU, busybox-static, makedumpfile, the kernel or its
# qemu_fw_cfg module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PTV=${PTV:?set PTV to the ptverify binary}
skip() {
  echo "SKIPPED: $*"
  exit 77
}
kernel=${1:-}
[ -n "$kernel" ] || skip "no test kernel (the CMake variable PTV_TEST_KERNEL; make kernel downloads one)"
vmlinuz=$kernel module=""
if [ -d "$kernel" ]; then
  vmlinuz=$(ls "$kernel"/boot/vmlinuz-* 2>/dev/null | head -1 || true)
  module=$(ls "$kernel"/modules/qemu_fw_cfg.ko "$kernel"/lib/modules/*/kernel/drivers/firmware/qemu_fw_cfg.ko \
    2>/dev/null | head -1 || true)
fi
[ -f "$vmlinuz" ] || skip "no vmlinuz at $kernel"
[ -f "$module" ] || skip "no qemu_fw_cfg.ko beside the test kernel (make kernel keeps it in modules/)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
command -v makedumpfile >/dev/null || skip "makedumpfile is not installed (apt-get install makedumpfile)"
[ -x /bin/busybox ] || skip "busybox-static is not installed"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptv-kdump-filtered-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cap=$tmp/cap
"$PTV" capture --boot "$vmlinuz" --memory 256M -o "$cap" --initramfs-add "$module:/lib/qemu_fw_cfg.ko" \
  --init-cmd "insmod /lib/qemu_fw_cfg.ko" >"$tmp/capture.log" 2>&1 || {
  cat "$tmp/capture.log"
  echo "not ok - capture --boot failed"
  exit 1
}
grep -q VMCOREINFO "$cap/core.elf" || {
  echo "not ok - the core has no VMCOREINFO note (was qemu_fw_cfg loaded?)"
  exit 1
}
chmod u+w "$cap/core.elf"
python3 "$here/makedumpfile_headers.py" "$cap/core.elf"
mkd() { makedumpfile "$@" >"$tmp/mkd.log" 2>&1 || { cat "$tmp/mkd.log"; exit 1; }; }
mkd -c -d 31 "$cap/core.elf" "$cap/core.mkd-zlib-d31"
mkd -l -d 31 "$cap/core.elf" "$cap/core.mkd-lzo-d31"
mkd -c -d 1 "$cap/core.elf" "$cap/core.mkd-zlib-d1"
mkd -E -d 31 "$cap/core.elf" "$cap/core.mkd-elf-d31"
echo "# $(du -m "$cap/core.elf" | cut -f1) MiB core filtered to $(du -m "$cap/core.mkd-zlib-d31" | cut -f1) MiB (zlib, -d 31)"
PTV_KDUMP_CAPTURE=$cap bash "$here/real_captures.sh"
