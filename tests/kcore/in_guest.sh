#!/usr/bin/env bash
# /proc/kcore of a real guest against QEMU's own dump of the same guest.
#
#   in_guest.sh PTVERIFY KERNEL SPEC_DIR WORK
#
# KERNEL is a vmlinuz, or a folder holding boot/vmlinuz-* (an unpacked Debian kernel package).
# Inside the guest (an initramfs of busybox, ptverify and its shared libraries), /init runs
# `ptverify mappings /proc/kcore` and `ptverify check /proc/kcore --spec ...`, prints both between
# markers on the serial console, then prints PTV-READY and idles. Outside, the guest is paused
# through QMP and dumped with dump-guest-memory (paging=false); the same two commands run on that
# core walked from the root the guest reported (init_top_pgt, from VMCOREINFO), with the same
# processor facts. Required: the direct map and the kernel image agree run for run (nothing
# there changes while the guest idles; other kernel ranges such as vmalloc'd stacks may differ and
# are only counted), and the two checks give the same verdict.
#
# Exit 77 (skipped) when QEMU, busybox or the kernel is missing.
set -euo pipefail
PTV=$1
KERNEL=$2
SPECS=$3
WORK=$4
HERE=$(cd "$(dirname "$0")" && pwd)

skip() {
  echo "SKIPPED: $*"
  exit 77
}
[[ -n $KERNEL ]] || skip "no test kernel (set the CMake variable PTV_TEST_KERNEL to a vmlinuz or an unpacked kernel package)"
if [[ -d $KERNEL ]]; then
  KERNEL=$(ls "$KERNEL"/boot/vmlinuz-* 2>/dev/null | head -1 || true)
fi
[[ -f $KERNEL ]] || skip "no vmlinuz at PTV_TEST_KERNEL ($2)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
BUSYBOX=$(command -v busybox || true)
[[ -n $BUSYBOX ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1 || skip "no static busybox (busybox-static)"
command -v python3 >/dev/null || skip "python3 is not installed"

rm -rf "$WORK"
mkdir -p "$WORK/root/bin" "$WORK/root/lib" "$WORK/root/proc" "$WORK/root/dev" "$WORK/root/sys" "$WORK/root/tmp"
ROOT=$WORK/root
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$PTV" "$ROOT/bin/ptverify"
cp "$SPECS"/linux-x86_64-4level.json "$SPECS"/linux-x86_64-5level.json "$ROOT/"
# The binary's shared libraries at the paths the loader looks for them, and the loader itself.
ldd "$PTV" | awk '/=> \//{print $3} /^\t\//{print $1}' | while read -r lib; do
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done

cat >"$ROOT/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t devtmpfs dev /dev 2>/dev/null
mount -t sysfs sys /sys
exec >/dev/console 2>&1
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
# The processor facts, from the guest's cpuinfo: Linux sets CR0.WP always, and EFER.NXE, CR4.SMEP,
# CR4.PGE and CR4.LA57 when the CPU has them (the flags list only what the kernel uses).
F="--wp --maxphyaddr $(sed -n 's/^address sizes.*: \([0-9]*\) bits physical.*/\1/p' /proc/cpuinfo | head -1)"
for f in nx:nxe smep:smep pge:pge la57:la57 pdpe1gb:pdpe1gb; do
  if has "${f%%:*}"; then F="$F --${f#*:}"; else F="$F --no-${f#*:}"; fi
done
SPEC=/linux-x86_64-4level.json
has la57 && SPEC=/linux-x86_64-5level.json
echo "PTV-FACTS $F"
echo "PTV-SPEC $SPEC"
# Output to files first: on the console ptverify would draw progress lines and colours.
ptverify mappings /proc/kcore $F >/tmp/mappings 2>&1
echo PTV-MAPPINGS-BEGIN
cat /tmp/mappings
echo PTV-MAPPINGS-END
ptverify check /proc/kcore --spec $SPEC $F --time-limit 240 >/tmp/check 2>&1
rc=$?
echo PTV-CHECK-BEGIN
cat /tmp/check
echo PTV-CHECK-EXIT $rc
echo PTV-CHECK-END
# The one command docs/formats.md gives for a live machine, for the log: its verdict and exit.
ptverify check /proc/kcore --spec $SPEC --cpuinfo /proc/cpuinfo --wp --nxe --smep --pge --time-limit 240 >/tmp/one 2>&1
echo "PTV-ONE-COMMAND exit $?: $(grep -m1 '^ptverify check:' /tmp/one)"
echo PTV-ONE-BEGIN
cat /tmp/one
echo PTV-ONE-END
# Names with no symbol file: the kernel's own kallsyms tables, which VMCOREINFO locates, against
# /proc/kallsyms (read as root here).
line=$(grep -m1 ' [Tt] do_syscall_64$' /proc/kallsyms)
addr=${line%% *}
ptverify walk /proc/kcore 0x$addr $F >/tmp/walk 2>&1
echo "PTV-KALLSYMS $addr $(grep -m1 '^symbol:' /tmp/walk)"
ptverify walk /proc/kcore do_syscall_64+0x10 $F >/tmp/walk 2>&1
echo "PTV-KALLSYMS-NAME $(grep -m1 '^symbol:' /tmp/walk) $(grep -m1 -o '^walk V0x[0-9a-f]*' /tmp/walk)"
# The reproducer: a slice of /proc/kcore, carried out over the console (gzip, base64).
ptverify slice /proc/kcore $F -o /tmp/kcore.slice.elf >/tmp/slice 2>&1
echo "PTV-SLICE-EXIT $?"
echo PTV-SLICE-BEGIN
gzip -c /tmp/kcore.slice.elf | base64
echo PTV-SLICE-END
echo PTV-READY
while :; do sleep 3600; done
EOF
chmod +x "$ROOT/init"
python3 "$HERE/guest_tools.py" cpio "$ROOT" "$WORK/initrd.cpio"

# TCG by default: KVM is often missing or nested (and -cpu host then fails on MSRs the host does
# not pass through); PTV_GUEST_ACCEL=kvm uses it. la57=off: the common 4-level guest;
# PTV_GUEST_CPU=max boots it with 5-level paging.
ACCEL=(-accel tcg -cpu "${PTV_GUEST_CPU:-max,la57=off}")
[[ ${PTV_GUEST_ACCEL:-tcg} == kvm ]] && ACCEL=(-accel kvm -cpu host)
qemu-system-x86_64 "${ACCEL[@]}" -m 1024 -smp 1 -display none -no-reboot \
  -kernel "$KERNEL" -initrd "$WORK/initrd.cpio" -append "console=ttyS0 panic=-1 quiet" \
  -serial "file:$WORK/serial.log" -qmp "unix:$WORK/qmp.sock,server=on,wait=off" &
QEMU_PID=$!
trap 'kill $QEMU_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
  grep -q '^PTV-READY' "$WORK/serial.log" 2>/dev/null && break
  kill -0 $QEMU_PID 2>/dev/null || { cat "$WORK/serial.log"; echo "QEMU ended before the guest was ready"; exit 1; }
  sleep 0.5
done
grep -q '^PTV-READY' "$WORK/serial.log" || { tail -50 "$WORK/serial.log"; echo "the guest was not ready in 600 s"; exit 1; }
python3 "$HERE/guest_tools.py" qmp "$WORK/qmp.sock" "$WORK/core.elf"
wait $QEMU_PID || true
trap - EXIT

tr -d '\r' <"$WORK/serial.log" >"$WORK/serial.txt"
python3 "$HERE/guest_tools.py" between "$WORK/serial.txt" PTV-MAPPINGS-BEGIN PTV-MAPPINGS-END >"$WORK/inside.mappings"
python3 "$HERE/guest_tools.py" between "$WORK/serial.txt" PTV-CHECK-BEGIN PTV-CHECK-END >"$WORK/inside.check"
read -r -a FACTS <<<"$(sed -n 's/^PTV-FACTS //p' "$WORK/serial.txt")"
SPEC=$SPECS/$(basename "$(sed -n 's/^PTV-SPEC //p' "$WORK/serial.txt")")
ROOT_PA=$(sed -n 's/.*top-level table init_top_pgt at \(0x[0-9a-f]*\).*/\1/p' "$WORK/inside.mappings" | head -1)
BASE=$(sed -n 's/.*direct map at \(0x[0-9a-f]*\).*/\1/p' "$WORK/inside.mappings" | head -1)
[[ -n $ROOT_PA && -n $BASE ]] || { cat "$WORK/inside.mappings" | head -40; echo "the guest's output names no root or direct map"; exit 1; }
echo "inside: root $ROOT_PA, direct map at $BASE, facts ${FACTS[*]}"
sed -n 's/^PTV-ONE-COMMAND /inside, the documented command (--cpuinfo \/proc\/cpuinfo --wp --nxe --smep --pge): /p' "$WORK/serial.txt"
grep -q 'can change while they are read' "$WORK/inside.check" || { echo "the report does not say the live tables can change"; exit 1; }
# The kernel's own symbol table, decoded from its memory, names addresses without a symbol file.
sed -n 's/^PTV-KALLSYMS/kallsyms inside:/p' "$WORK/serial.txt"
grep -q '^PTV-KALLSYMS [0-9a-f]* symbol: do_syscall_64 (.text)' "$WORK/serial.txt" ||
  { echo "walk /proc/kcore did not name do_syscall_64 from the kernel's kallsyms tables"; exit 1; }
ADDR=$(sed -n 's/^PTV-KALLSYMS \([0-9a-f]*\) .*/\1/p' "$WORK/serial.txt")
grep -q "^PTV-KALLSYMS-NAME symbol: do_syscall_64+0x10 (.text) walk $(printf 'V0x%016x' $((0x$ADDR + 0x10)))" "$WORK/serial.txt" ||
  { echo "walk /proc/kcore do_syscall_64+0x10 did not walk the symbol's address plus 0x10"; exit 1; }
grep -q "symbols: kallsyms decoded from /proc/kcore's memory" "$WORK/inside.check" ||
  { echo "check /proc/kcore did not decode the kernel's kallsyms"; exit 1; }
# The direct map's base is a fact, not a guess: page_offset_base is read (the variable, at its
# address in the decoded kallsyms), and agrees with p_vaddr - p_paddr of /proc/kcore's RAM
# segments (a disagreement would be noted).
grep -q "page_offset_base: read from the kernel" "$WORK/inside.check" ||
  { grep -A8 '^parameters' "$WORK/inside.check"; echo "page_offset_base was not read from the kernel"; exit 1; }
if grep -q "page_offset_base: the value read from the kernel's variable.*differs" "$WORK/inside.check"; then
  echo "the variable page_offset_base and /proc/kcore's direct map disagree"; exit 1
fi
grep -q "^parameters:.*page_offset_base = $(printf '0x%016x' "$BASE")" "$WORK/inside.check" ||
  { grep '^parameters' "$WORK/inside.check"; echo "page_offset_base is not the direct map at $BASE"; exit 1; }

"$PTV" mappings "$WORK/core.elf" --cr3 "$ROOT_PA" "${FACTS[@]}" >"$WORK/outside.mappings" 2>"$WORK/outside.err"
python3 "$HERE/guest_tools.py" compare "$WORK/inside.mappings" "$WORK/outside.mappings" "$BASE"

set +e
"$PTV" check "$WORK/core.elf" --cr3 "$ROOT_PA" --spec "$SPEC" "${FACTS[@]}" --time-limit 240 >"$WORK/outside.check" 2>&1
OUT_RC=$?
set -e
IN_RC=$(sed -n 's/^PTV-CHECK-EXIT //p' "$WORK/serial.txt")
verdict() { grep -m1 '^ptverify check:' "$1" | sed 's/, [0-9.]* s$//'; }
echo "inside:  exit $IN_RC: $(verdict "$WORK/inside.check")"
echo "outside: exit $OUT_RC: $(verdict "$WORK/outside.check")"
[[ $IN_RC == "$OUT_RC" && "$(verdict "$WORK/inside.check")" == "$(verdict "$WORK/outside.check")" ]] ||
  { echo "the verdicts differ"; exit 1; }
# The slice taken inside is a core of its own: checked outside with no flags but the facts, it
# gives the same mapping set over the direct map and kernel image, and the same verdict.
[[ $(sed -n 's/^PTV-SLICE-EXIT //p' "$WORK/serial.txt") == 0 ]] || { echo "slice of /proc/kcore failed"; exit 1; }
python3 "$HERE/guest_tools.py" between "$WORK/serial.txt" PTV-SLICE-BEGIN PTV-SLICE-END | base64 -d | gzip -dc >"$WORK/kcore.slice.elf"
"$PTV" mappings "$WORK/kcore.slice.elf" "${FACTS[@]}" >"$WORK/slice.mappings" 2>/dev/null
python3 "$HERE/guest_tools.py" compare "$WORK/inside.mappings" "$WORK/slice.mappings" "$BASE"
set +e
"$PTV" check "$WORK/kcore.slice.elf" --spec "$SPEC" "${FACTS[@]}" --time-limit 240 >"$WORK/slice.check" 2>&1
SLICE_RC=$?
set -e
echo "slice:   exit $SLICE_RC: $(verdict "$WORK/slice.check")"
[[ $SLICE_RC == "$IN_RC" && "$(verdict "$WORK/slice.check")" == "$(verdict "$WORK/inside.check")" ]] ||
  { echo "the slice's verdict differs"; exit 1; }
echo "ok: /proc/kcore inside the guest, its slice and QEMU's dump of the guest agree"
