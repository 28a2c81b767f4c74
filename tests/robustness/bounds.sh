#!/usr/bin/env bash
# Every run bounded: dumps that settle little, damaged dumps, pathological specs, and each run
# limit (time, memory, the violation cap) ending as unknown or violated, never as a pass.
# [docs/robustness.md "Input classes", docs/check.md "Limits"]
source "$(dirname "$0")/lib.sh"
K=tests/fixtures/linux-6.1-4level-kaslr
CORE=$K/core.slice.elf.zst
MUTATED=$K/core.slice.mutated-wx.elf.zst
S4=specs/linux-x86_64-4level.json

# --- dumps that settle little: each unknown range makes its rule unknown once ---------------
expect proc-maps-answers-fast 3 "^ptverify check: UNKNOWN" --time 2 -- \
  "$PTV" check -q $K/proc-1-maps.txt --spec $S4
: >"$WORK/empty.txt"
expect empty-ptdump 3 "^ptverify check: UNKNOWN" --time 5 -- "$PTV" check -q "$WORK/empty.txt" --format ptdump --spec $S4
grep -m1 '^0x' tests/fixtures/text/pti-ptdump-kernel.txt >"$WORK/one-line.txt"
expect one-line-ptdump 3 "^ptverify check: UNKNOWN" --time 5 -- "$PTV" check -q "$WORK/one-line.txt" --spec $S4
expect info-mem-alone 3 "^ptverify check: UNKNOWN" --time 5 -- "$PTV" check -q tests/fixtures/text/pti-info-mem.txt --spec $S4

# --- a real slice with 50 random bytes overwritten in its tables ----------------------------
python3 - "$WORK/damaged.elf" <<'PY'
import random, subprocess, sys
b = bytearray(subprocess.run(["zstd", "-dcq", "tests/fixtures/linux-6.1-4level-kaslr/core.slice.elf.zst"],
                             capture_output=True, check=True).stdout)
r = random.Random(2)
for _ in range(50):
    b[r.randrange(8192, len(b))] = r.randrange(256)
open(sys.argv[1], "wb").write(b)
PY
expect damaged-slice 1 "^ptverify check: VIOLATED" --time 60 -- "$PTV" check -q "$WORK/damaged.elf" --spec $S4

# --- the whole-run time limit ---------------------------------------------------------------
# (--solver-only: without it the concrete pass decides this dump in less than the limit.)
expect time-limit-check 3 "not decided: time limit \(--time-limit 0.05 s\)" --time 10 -- \
  "$PTV" check -q $CORE --spec $S4 --time-limit 0.05 --solver-only
expect time-limit-check-json 3 '"verdict": *"unknown"' --time 10 -- \
  "$PTV" check -q $CORE --spec $S4 --time-limit 0.05 --solver-only --json -
expect time-limit-prove 3 "time limit" --time 10 -- "$PTV" prove $S4 --time-limit 0.01
# A phase that never looks at the clock (reading a large mapping set) is stopped by the watchdog,
# and a report it was to write is not left half-written.
python3 bench/mapping_set.py 400000 "$WORK/large-set.json"
echo old >"$WORK/report.json"
expect time-limit-watchdog 3 "check: the run did not end within its time limit \(--time-limit 0.05 s" --time 20 -- \
  "$PTV" check -q "$WORK/large-set.json" --spec $S4 --time-limit 0.05 --json "$WORK/report.json"
check_true time-limit-watchdog-report-kept "the report was replaced by a stopped run" -- grep -qx old "$WORK/report.json"
expect time-limit-watchdog-mappings 3 "mappings: the run did not end within its time limit \(--time-limit 0.2 s\)" --time 20 -- \
  "$PTV" mappings -q "$WORK/large-set.json" --time-limit 0.2
# Every subcommand that reads a dump is bounded the same way: map and diff read the same set;
# walk and slice stop while decompressing 2 GiB of raw memory.
expect time-limit-watchdog-map 3 "map: the run did not end within its time limit \(--time-limit 0.2 s\)" --time 20 -- \
  "$PTV" map -q "$WORK/large-set.json" --time-limit 0.2
expect time-limit-watchdog-diff 3 "diff: the run did not end within its time limit \(--time-limit 0.2 s\)" --time 20 -- \
  "$PTV" diff -q "$WORK/large-set.json" "$WORK/large-set.json" --time-limit 0.2
rm -f "$WORK/large-set.json"
head -c 2G /dev/zero | zstd -1 -q -c >"$WORK/zeros-2g.raw.zst"
for cmd in walk slice; do
  args=("$PTV" "$cmd" "$WORK/zeros-2g.raw.zst" --format raw --cr3 0x1000 --time-limit 0.2)
  [[ $cmd == walk ]] && args+=(0)
  [[ $cmd == slice ]] && args+=(-o "$WORK/zeros.slice.elf")
  expect "time-limit-watchdog-$cmd" 3 "$cmd: the run did not end within its time limit \(--time-limit 0.2 s\)" --time 20 -- "${args[@]}"
done
rm -f "$WORK/zeros-2g.raw.zst"

# --- pathological specs ---------------------------------------------------------------------
# 60 definitions, each using the one before twice: evaluated once each (it was 4^60 evaluations).
# The bounds guard against that blow-up, not speed: about 3 s alone, several times that on a busy
# two-core CI machine.
python3 - "$WORK/defs60.json" <<'PY'
import json, sys
defs = {"d0": "1"}
for i in range(1, 61):
    defs[f"d{i}"] = f"max(d{i-1}, d{i-1} + 1)"
json.dump({"name": "deep-definitions", "rules": {"paging_mode": 4}, "definitions": defs,
           "regions": [{"name": "null-guard", "kind": "guard", "half": "user", "start": 0, "end": "d60 * 4096",
                        "must": "unmapped"}]}, open(sys.argv[1], "w"))
PY
expect definitions-60-prove 0 "verdict: proved" --time 5 -- "$PTV" prove "$WORK/defs60.json"
expect definitions-60-check 1 "^ptverify check: VIOLATED" --time 30 -- "$PTV" check -q $CORE --spec "$WORK/defs60.json"
expect definitions-60-map 0 "" --time 30 -- "$PTV" map -q $CORE --spec "$WORK/defs60.json"
python3 - "$WORK" <<'PY'
import json, sys
def spec(n, symbolic):
    base = "base" if symbolic else "0xffff800000000000"
    regions = [{"name": f"r{i}", "kind": "other", "half": "kernel", "start": f"{base} + {i} * 0x200000",
                "end": f"{base} + {i} * 0x200000 + 0x100000", "must": "may-be-mapped",
                "rights": {"allowed": ["writable"]}} for i in range(n)]
    s = {"name": "many", "rules": {"paging_mode": 4}, "regions": regions}
    if symbolic:
        s["parameters"] = {"base": {"values": ["0xffff800000000000", "0xffff900000000000"]}}
    return s
json.dump(spec(10000, False), open(sys.argv[1] + "/regions-10k.json", "w"))
json.dump(spec(10000, True), open(sys.argv[1] + "/regions-10k-symbolic.json", "w"))
PY
expect prove-10k-regions 0 "verdict: proved" --time 20 --mem 2048 -- \
  "$PTV" prove "$WORK/regions-10k.json" --memory-limit 512
skip_under_asan prove-10k-symbolic-regions-memory-limit "the memory limit is lifted" ||
  expect prove-10k-symbolic-regions-memory-limit 3 "the run reached its memory limit \(--memory-limit 512 MiB\)" \
    --time 30 --mem 2048 -- "$PTV" prove "$WORK/regions-10k-symbolic.json" --memory-limit 512

# --- the memory limit -----------------------------------------------------------------------
skip_under_asan memory-limit-1 "the memory limit is lifted" ||
  expect memory-limit-1 3 "memory limit \(--memory-limit 1 MiB\)" -- "$PTV" check -q $CORE --spec $S4 --memory-limit 1

# A large mapping set (a few MB of zstd become a few hundred MB of JSON): every subcommand stops
# at its --memory-limit with exit 3 and the reason (it reached 4.2 GB, or ended in std::terminate).
python3 bench/mapping_set.py 300000 "$WORK/set-300k.json"
zstd -q -19 --rm "$WORK/set-300k.json" -o "$WORK/set-300k.json.zst"
for cmd in mappings map; do
  skip_under_asan memory-limit-$cmd-large-set "the memory limit is lifted" ||
    expect memory-limit-$cmd-large-set 3 "out of memory: the run reached its memory limit \(--memory-limit 100 MiB\)" \
      --time 30 -- "$PTV" $cmd -q "$WORK/set-300k.json.zst" --memory-limit 100
done
skip_under_asan memory-limit-check-large-set "the memory limit is lifted" ||
  expect memory-limit-check-large-set 3 "out of memory: the run reached its memory limit \(--memory-limit 100 MiB\)" \
    --time 30 -- "$PTV" check -q "$WORK/set-300k.json.zst" --spec $S4 --memory-limit 100
rm -f "$WORK/set-300k.json.zst"

# --- the violation cap: a capped search is never a pass -------------------------------------
expect max-violations-0 1 "^ptverify check: VIOLATED.*\(list incomplete\)" -- \
  "$PTV" check -q $MUTATED --spec $S4 --max-violations 0
expect max-violations-0-json 1 '"verdict": *"violated"' -- \
  "$PTV" check -q $MUTATED --spec $S4 --max-violations 0 --json -
expect max-violations-0-junit 1 'failures="[1-9]' -- \
  "$PTV" check -q $MUTATED --spec $S4 --max-violations 0 --junit -
# Two W+X pages: with the first accepted by a baseline and the list capped at 1, the second
# still fails the run.
"$PTV" mappings -q $CORE --json - >"$WORK/set.json"
python3 - "$WORK/set.json" "$WORK/two-wx.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
# Two supervisor pages made writable and executable, far apart: two W^X violations.
runs = [m for m in s["mappings"] if m["writable"] and not m["executable"] and not m["user"]]
made = 0
for m in (runs[0], runs[-1]):
    m["executable"] = m["supervisor_executable"] = True
    made += 1
assert made == 2
json.dump(s, open(sys.argv[2], "w"))
PY
"$PTV" check -q "$WORK/two-wx.json" --spec $S4 --max-violations 1 --json "$WORK/first-only.json" 2>/dev/null
expect baseline-with-cap 1 "^ptverify check: VIOLATED" -- \
  "$PTV" check -q "$WORK/two-wx.json" --spec $S4 --max-violations 1 --baseline "$WORK/first-only.json"

# --- saved inputs that claim what they are not ----------------------------------------------
python3 - "$WORK/contradiction.json" <<'PY'
import json, sys
r = json.load(open("tests/fixtures/reports/explain-wx.json"))
r["violations"][0]["walk"][3]["raw"] = "0x8000000000001061"  # XD set, R/W clear; the text says RW, XD=0
json.dump(r, open(sys.argv[1], "w"))
PY
expect explain-contradictory-report 2 "the raw entry 0x8000000000001061 decodes as .*not " -- \
  "$PTV" explain "$WORK/contradiction.json"
python3 - "$WORK/pml9.json" <<'PY'
import json, sys
r = json.load(open("tests/fixtures/reports/explain-wx.json"))
r["violations"][0]["walk"][3]["level"] = "PML9"
json.dump(r, open(sys.argv[1], "w"))
PY
expect explain-unknown-level 2 "walk level 3 \(PML9\): the level here is PT, not PML9" -- "$PTV" explain "$WORK/pml9.json"
python3 - "$WORK/set.json" "$WORK/claims-core.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["format"] = "elf-core"
s["source"] = "core.elf"
json.dump(s, open(sys.argv[2], "w"))
PY
expect json-claiming-a-core 0 "dump: .*claims-core.json \(json \(says: elf-core, core.elf\)" -- \
  "$PTV" check "$WORK/claims-core.json" --spec $S4
expect json-claiming-a-core-raw-rules 0 "page-table-exposure +not-applicable" -- \
  "$PTV" check "$WORK/claims-core.json" --spec $S4

finish
