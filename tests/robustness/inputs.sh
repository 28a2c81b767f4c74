#!/usr/bin/env bash
# Every input path: what is not a regular file is refused without blocking (a size-0 procfs file
# is read), compressed input is refused by the size it declares, JSON nesting is bounded, and
# text is read in every line ending QEMU's monitor produces. [docs/robustness.md "Input classes"]
source "$(dirname "$0")/lib.sh"
K=tests/fixtures/linux-6.1-4level-kaslr
CORE=$K/core.slice.elf.zst
S4=specs/linux-x86_64-4level.json
NOT_REGULAR="not a regular file \(inputs are read from regular files"

# --- special files, on every input path -----------------------------------------------------
mkfifo "$WORK/fifo"
FIFO="$WORK/fifo: a FIFO \(a pipe\), $NOT_REGULAR"
zstd -dcq $K/info-tlb.txt.zst >"$WORK/info-tlb.txt"
expect fifo-as-dump 2 "$FIFO" --time 10 -- "$PTV" mappings "$WORK/fifo"
expect fifo-as-check-dump 2 "$FIFO" --time 10 -- "$PTV" check "$WORK/fifo" --spec $S4
expect fifo-as-spec 2 "$FIFO" --time 10 -- "$PTV" check $CORE --spec "$WORK/fifo"
expect fifo-as-prove-spec 2 "$FIFO" --time 10 -- "$PTV" prove "$WORK/fifo"
expect fifo-as-registers 2 "$FIFO" --time 10 -- "$PTV" check $CORE --spec $S4 --registers "$WORK/fifo"
expect fifo-as-cpuinfo 2 "$FIFO" --time 10 -- "$PTV" check $CORE --spec $S4 --cpuinfo "$WORK/fifo"
expect fifo-as-baseline 2 "$FIFO" --time 10 -- "$PTV" check -q $CORE --spec $S4 --baseline "$WORK/fifo"
expect fifo-as-with-mem 2 "$FIFO" --time 10 -- "$PTV" mappings "$WORK/info-tlb.txt" --with-mem "$WORK/fifo"
expect fifo-as-report 2 "$FIFO" --time 10 -- "$PTV" explain "$WORK/fifo"
expect fifo-as-diff-after 2 "$FIFO" --time 10 -- "$PTV" diff -q $CORE "$WORK/fifo"
expect fifo-as-slice-input 2 "$FIFO" --time 10 -- "$PTV" slice "$WORK/fifo" -o "$WORK/out.elf"
expect dev-zero-as-spec 2 "/dev/zero: a character device, $NOT_REGULAR" --time 10 -- "$PTV" check $CORE --spec /dev/zero
expect dev-urandom-as-spec 2 "/dev/urandom: a character device, $NOT_REGULAR" --time 10 -- "$PTV" prove /dev/urandom
expect dev-zero-as-dump 2 "/dev/zero: a character device, $NOT_REGULAR" --time 10 -- "$PTV" walk /dev/zero 0 --cr3 0x1000
expect directory-as-spec 2 "specs: a directory, $NOT_REGULAR" -- "$PTV" check $CORE --spec specs
expect directory-as-dump 2 "tests: a directory, $NOT_REGULAR" -- "$PTV" mappings tests
expect missing-dump 2 "$WORK/none.elf: cannot open: No such file or directory" -- "$PTV" mappings "$WORK/none.elf"
expect missing-spec 2 "$WORK/none.json: cannot open: No such file or directory" -- "$PTV" prove "$WORK/none.json"
: >"$WORK/empty"
expect empty-dump 2 "$WORK/empty: empty input: nothing to detect the format from" -- "$PTV" mappings "$WORK/empty"
expect empty-spec 2 "$WORK/empty:1:1: JSON syntax error" -- "$PTV" prove "$WORK/empty"
# procfs reports size 0 for files that are not empty: read them (bounded) as what they are.
expect proc-self-maps 0 "format proc-maps" -- "$PTV" mappings /proc/self/maps

# --- compressed input -----------------------------------------------------------------------
# A sparse 80 MiB of zeros, compressed by zstd from a file: its frame declares its size, which
# is over a spec's 64 MiB, so it is refused before a byte is decompressed.
truncate -s 80M "$WORK/zeros"
zstd -q -1 "$WORK/zeros" -o "$WORK/zeros.json.zst"
expect zstd-declared-too-large-spec 2 "zeros.json.zst: its zstd frames declare 83886080 bytes, more than 64 MiB" --time 5 -- \
  "$PTV" prove "$WORK/zeros.json.zst"
# The same without a declared size (zstd from a pipe): stopped at the limit while streaming.
zstd -q -1 <"$WORK/zeros" >"$WORK/zeros-streamed.json.zst"
expect zstd-streamed-too-large-spec 2 "zeros-streamed.json.zst: decompresses to more than 64 MiB" --time 5 -- \
  "$PTV" prove "$WORK/zeros-streamed.json.zst"
rm -f "$WORK/zeros"
# An ELF core followed by 64 MiB of zeros it does not describe: the decompression stops at the
# end its headers describe (a bomb disguised as a core writes nothing past it).
{ zstd -dcq $CORE; head -c 64M /dev/zero; } | zstd -q -1 >"$WORK/padded.elf.zst"
expect zstd-core-past-its-headers 2 "decompresses past the [0-9]+ bytes its ELF headers describe" --time 10 -- \
  "$PTV" mappings -q "$WORK/padded.elf.zst"
# Content of exactly 2 MiB (a pmemsave image's usual shape) is a whole stream, not a truncated one.
truncate -s 2M "$WORK/raw2m"
zstd -q -1 "$WORK/raw2m" -o "$WORK/raw2m.zst"
expect zstd-exact-mib-multiple 0 "not present" -- "$PTV" walk "$WORK/raw2m.zst" 0 --format raw --cr3 0x1000
head -c "$(($(stat -c %s "$WORK/raw2m.zst") - 3))" "$WORK/raw2m.zst" >"$WORK/raw2m-cut.zst"
expect zstd-truncated 2 "raw2m-cut.zst\+0x[0-9a-f]+: zstd: stream is truncated" -- \
  "$PTV" walk "$WORK/raw2m-cut.zst" 0 --format raw --cr3 0x1000

# --- JSON -----------------------------------------------------------------------------------
python3 -c "print('[' * 100000 + ']' * 100000)" >"$WORK/deep.json"
DEEP="deep.json:1:129: nested deeper than 128 arrays and objects"
expect deep-json-mapping-set 2 "$DEEP" -- "$PTV" mappings "$WORK/deep.json" --format json
expect deep-json-report 2 "$DEEP" -- "$PTV" explain "$WORK/deep.json"
expect deep-json-baseline 2 "$DEEP" -- "$PTV" check -q $CORE --spec $S4 --baseline "$WORK/deep.json"
expect deep-json-spec 2 "$DEEP" -- "$PTV" prove "$WORK/deep.json"
cat >"$WORK/huge-int.json" <<'JSON'
{"name": "huge", "rules": {"paging_mode": 4},
 "regions": [{"name": "r", "kind": "guard", "half": "user", "start": 0, "end": 123456789012345678901234567890,
              "must": "unmapped"}]}
JSON
expect json-integer-out-of-range 2 "huge-int.json.*an integer out of range \(at most 2\^64 - 1\)" -- \
  "$PTV" prove "$WORK/huge-int.json"

# --- line endings ---------------------------------------------------------------------------
# The capture's info tlb and registers came over the monitor socket with CRLF; LF and a doubled
# CR (a CRLF conversion of CRLF text) read the same.
tr -d '\r' <"$WORK/info-tlb.txt" >"$WORK/tlb-lf.txt"
sed 's/\r$/\r\r/' "$WORK/info-tlb.txt" >"$WORK/tlb-crcrlf.txt"
zstd -dcq $K/info-mem.txt.zst | tr -d '\r' >"$WORK/mem-lf.txt"
sed 's/$/\r/' "$WORK/mem-lf.txt" >"$WORK/mem-crlf.txt"
"$PTV" mappings -q "$WORK/info-tlb.txt" --with-mem "$WORK/mem-lf.txt" --json - >"$WORK/tlb-as-captured.json" 2>/dev/null
same_set() {  # FILE...: `mappings --with-mem` of an info tlb and info mem equal the captured ones'
  "$PTV" mappings -q "$1" --with-mem "$2" --json - 2>/dev/null | python3 -c '
import json, sys
a = json.load(sys.stdin); b = json.load(open(sys.argv[1]))
sys.exit(0 if a["mappings"] == b["mappings"] and a["unknown"] == b["unknown"] else 1)' "$WORK/tlb-as-captured.json"
}
for pair in "tlb-lf.txt mem-crlf.txt" "tlb-crcrlf.txt mem-lf.txt"; do
  read -r tlb mem <<<"$pair"
  expect "line-endings-$tlb-$mem" 0 "" -- "$PTV" mappings -q "$WORK/$tlb" --with-mem "$WORK/$mem"
  check_true "line-endings-$tlb-$mem-same" "a line ending changed what was read" -- same_set "$WORK/$tlb" "$WORK/$mem"
done
tr -d '\r' <$K/registers.txt >"$WORK/regs-lf.txt"
sed 's/\r$/\r\r/' $K/registers.txt >"$WORK/regs-crcrlf.txt"
for regs in $K/registers.txt "$WORK/regs-lf.txt" "$WORK/regs-crcrlf.txt"; do
  expect "registers-$(basename "$regs")" 0 "PML4  table P0x000000000625c000 \\[511\\]" -- \
    "$PTV" walk $CORE 0xffffffff81000000 --registers "$regs"
done

# --- numbers on the command line: a count or a limit is never negative, never wraps ----------
for opt in "--rlimit -5" "--memory-limit -1" "--max-violations -1" "--max-violations 99999999999999999999"; do
  set -- $opt
  expect "option$1$2" 2 "$1: '$2' is not a whole number from 0 to 18446744073709551615" -- \
    "$PTV" check -q $CORE --spec $S4 "$1" "$2"
done
expect option-prove-rlimit-negative 2 "--rlimit: '-3' is not a whole number" -- "$PTV" prove $S4 --rlimit -3
expect option-time-limit-negative 2 "--time-limit: Value -1 not in range" -- "$PTV" check -q $CORE --spec $S4 --time-limit -1
expect option-timeout-negative 2 "Could not convert: --timeout = -1" -- "$PTV" check -q $CORE --spec $S4 --timeout -1
expect option-violation-negative 2 "--violation: '-1' is not a whole number" -- \
  "$PTV" explain tests/fixtures/reports/explain-wx.json --violation -1

# --- info mem across the non-canonical hole: every command reads it the same way ------------
printf '00007ffffffff000-ffff800000001000 0000000000002000 -rw\r\n' >"$WORK/mem-hole.txt"
expect info-mem-across-hole-mappings 0 "0xffff800000000000-0xffff800000001000" -- "$PTV" mappings "$WORK/mem-hole.txt"
expect info-mem-across-hole-check 3 "guard-unmapped +unknown" -- "$PTV" check "$WORK/mem-hole.txt" --spec $S4

# --- files that are not a dump ptverify reads: each named, with what to do (sniff.h) --------
head4k() { head -c 4096 /dev/zero; }
{ printf 'KDUMP   '; head4k; } >"$WORK/kdump.bin"
{ printf 'EMiL\001\000\000\000'; head4k; } >"$WORK/lime.bin"
{ printf 'PAGEDU64'; head4k; } >"$WORK/windows.dmp"
{ head -c 4086 /dev/zero; printf 'S1SUSPEND'; head4k; } >"$WORK/hibernation.bin"
{ printf 'QEVM'; head4k; } >"$WORK/savevm.bin"
head4k | xz -c >"$WORK/memory.xz" 2>/dev/null || printf '\3757zXZ\000rest' >"$WORK/memory.xz"
for row in "lime.bin|a LiME memory image" \
           "windows.dmp|a Windows crash dump" "hibernation.bin|hibernation image" "savevm.bin|QEMU migration stream" \
           "memory.xz|\(xz: xz -d\)"; do
  f=${row%%|*}
  for cmd in "mappings" "walk" "slice"; do
    args=("$PTV" "$cmd" "$WORK/$f" --cr3 0x1000)
    [[ $cmd == walk ]] && args+=(0)
    [[ $cmd == slice ]] && args+=(-o "$WORK/out.elf")
    expect "sniff-$f-$cmd" 2 "$WORK/$f: .*${row#*|}" --time 10 -- "${args[@]}"
  done
done
expect sniff-elf-executable 2 "$(type -P true): an ELF file that is not a core \(a shared object" -- \
  "$PTV" mappings "$(type -P true)"
# A file nothing recognises is raw memory only when it plainly is one: whole 4 KiB pages holding
# CR3's table; --format raw reads any file as raw.
{ head -c 8192 /dev/zero; printf 'x'; } >"$WORK/odd.bin"
expect raw-not-plainly 2 "odd.bin: not a format ptverify recognises, and not plainly a raw memory image" -- \
  "$PTV" mappings "$WORK/odd.bin" --cr3 0x1000
expect raw-asked 0 "" -- "$PTV" mappings -q "$WORK/odd.bin" --cr3 0x1000 --format raw
expect raw-asked-whatever-it-looks-like 0 "" -- "$PTV" mappings -q "$WORK/kdump.bin" --cr3 0x0 --format raw
head -c 8192 /dev/zero >"$WORK/pages.bin"
expect raw-root-outside 2 "pages.bin: CR3 = 0x2000 \(from --cr3\): the root table 0x2000 is outside the dumped memory" -- \
  "$PTV" walk "$WORK/pages.bin" 0 --cr3 0x2000

# --- a kcore-shaped file (tests/fuzz/make_kcore_seeds.py) through every subcommand that reads a dump
KC=tests/fuzz/corpus/fuzz_kernel_core/kcore-vmcoreinfo
expect kcore-mappings 0 "format kcore" -- "$PTV" mappings "$KC" --wp --nxe
expect kcore-walk 0 "PT +table P0x0000000000100000 \[  0\]" -- "$PTV" walk "$KC" 0xffff800000000000
expect kcore-slice 0 "" -- "$PTV" slice "$KC" -o "$WORK/kcore.slice.elf"
expect kcore-slice-read-back 0 "0xffff800000000000-0xffff800000001000" -- "$PTV" mappings "$WORK/kcore.slice.elf"
expect kcore-diff-with-its-slice 0 "" -- "$PTV" diff -q "$KC" "$WORK/kcore.slice.elf"
expect kcore-map 0 "" -- "$PTV" map -q "$KC"
# One page mapped at the start of the kernel half fits no instance of the Linux spec: decided, not unknown.
expect kcore-check 1 "dump:  .*\(kcore, 4-level\)" -- "$PTV" check "$KC" --spec $S4
expect kcore-no-vmcoreinfo 2 "kcore-no-vmcoreinfo: a kernel core without a VMCOREINFO note: its top-level table is not known; give --cr3" -- \
  "$PTV" mappings tests/fuzz/corpus/fuzz_kernel_core/kcore-no-vmcoreinfo

# --- slice --keep-pages: addresses as ptverify prints them, physical only ---------------------
printf '# kept\nP0x4401000\n0x4402000\np4403000\n' >"$WORK/keep.txt"
expect keep-pages-p-prefix 0 "slice: wrote" -- "$PTV" slice $CORE -o "$WORK/kept.elf" --keep-pages "$WORK/keep.txt"
printf 'P0x1000\nV0x2000\n' >"$WORK/keep-virtual.txt"
expect keep-pages-virtual-refused 2 "keep-virtual.txt:2: 'V0x2000' is a virtual address \\(V prefix\\), but a physical address is expected" -- \
  "$PTV" slice $CORE -o "$WORK/kept2.elf" --keep-pages "$WORK/keep-virtual.txt"
printf '0x1800\n' >"$WORK/keep-unaligned.txt"
expect keep-pages-unaligned 2 "keep-unaligned.txt:1: 0x1800 is not 4 KiB-aligned" -- \
  "$PTV" slice $CORE -o "$WORK/kept3.elf" --keep-pages "$WORK/keep-unaligned.txt"

finish
