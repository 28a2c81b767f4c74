#!/usr/bin/env bash
# `make bench` (or `bash bench/run.sh BUILD_DIR`, BUILD_DIR configured with -DPTV_BUILD_BENCH=ON):
# every benchmark in one run on this machine.
# Writes bench/results/*.csv, regenerates docs/img/scaling-*.svg with bench/plot.py, and prints
# the Markdown that docs/performance.md quotes, also saved as bench/results/bench.md (one run,
# one file to quote). Times are wall-clock, medians of repeats (the machine may be shared: the
# load average is printed before and after); runs slower than the targets by far are timed
# fewer times, and say so, to keep the whole run within a few minutes.
# PTV_BENCH_FAMILY_CAPTURE names the committed capture the spec families are built from
# (default linux-6.1-4level-kaslr); PTV_REALDUMPS a folder of full cores to time as well.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin=$build/cli/ptverify
results=bench/results
if [ ! -x "$build/bench/walk_scaling" ]; then
  echo "bench/run.sh: $build has no benchmarks: configure it with -DPTV_BUILD_BENCH=ON (make bench does)" >&2
  exit 2
fi
mkdir -p "$results" docs/img
start=$(date +%s)
# One scratch folder for every temporary file of the run, removed however the run ends.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# wall.py: sub-millisecond wall times (/usr/bin/time rounds to 10 ms, as long as the targets'
# smallest numbers), "MEDIAN EXIT RUNS"; --slow S: a first run over S seconds is the only one.
wall() { python3 bench/wall.py "$@"; }
# What this ptverify can do decides which sections run (a section for an option not there yet
# says it was skipped).
check_help=$("$bin" check --help)

# A check run over this many seconds (more than ten times the 0.15 s floor of the target) is
# timed once instead of five times: today's slow checks would otherwise take most of the budget.
slow_s=2
# Set when a section finds something wrong with the benchmark itself (a generated spec that
# does not hold); the run still writes everything, then exits 1.
failed=0

spec_for() {  # CAPTURE_NAME: the bundled spec of its paging mode (the name says 5level)
  if [[ $1 == *5level* ]]; then echo specs/linux-x86_64-5level.json; else echo specs/linux-x86_64-4level.json; fi
}

# --- The proof-speed target: check within max(2 x mappings, 0.15 s) on every real capture ------
# Every committed slice, 4- and 5-level, its bundled spec, parameters inferred; registers.txt
# passed when the capture has one, as the tests do (the slice's own note says the same).
check_vs_mappings() {
  local csv=$results/check_vs_mappings.csv
  echo
  echo "## check against mappings on every real capture (the target: check <= max(2 x mappings, 0.15 s))"
  echo
  echo "Committed slices, bundled specs, parameters inferred. Median of 5 wall times each (\`ptverify mappings DUMP\`;"
  echo "\`ptverify check -q DUMP --spec SPEC --json /dev/null\`), 1 run when a check takes over $slow_s s."
  echo
  echo "capture,paging,spec,mappings_s,mappings_exit,check_s,check_exit,check_runs,target_s,ratio,met" >"$csv"
  echo "| capture | paging | mappings | check | exit | target | check / target | met |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  local cap name dump spec paging m mrc c crc cn target ratio met runs total=0 ok=0
  local regs
  for cap in tests/fixtures/linux-*/; do
    cap=${cap%/}
    name=$(basename "$cap")
    dump=$cap/core.slice.elf.zst
    [ -f "$dump" ] || continue
    spec=$(spec_for "$name")
    paging=4
    [[ $name == *5level* ]] && paging=5
    regs=()
    [ -f "$cap/registers.txt" ] && regs=(--registers "$cap/registers.txt")
    read -r m mrc _ < <(wall --repeat 5 -- "$bin" mappings "$dump" "${regs[@]}")
    read -r c crc cn < <(wall --repeat 5 --slow "$slow_s" -- "$bin" check -q "$dump" --spec "$spec" --json /dev/null "${regs[@]}")
    read -r target ratio met < <(awk -v m="$m" -v c="$c" -v rc="$crc" 'BEGIN {
      t = 2 * m; if (t < 0.15) t = 0.15
      printf "%.3f %.2f %s\n", t, c / t, (c <= t && rc == 0) ? "yes" : "no" }')
    runs=""
    [ "$cn" -eq 5 ] || runs=" ($cn run)"
    total=$((total + 1))
    [ "$met" = yes ] && ok=$((ok + 1))
    printf '| %s | %s | %.3f s | %.3f s%s | %s | %s s | %s× | %s |\n' "$name" "$paging" "$m" "$c" "$runs" "$crc" "$target" "$ratio" "$met"
    echo "$name,$paging,$(basename "$spec"),$m,$mrc,$c,$crc,$cn,$target,$ratio,$met" >>"$csv"
  done
  echo
  echo "target met on $ok of $total captures"
  echo
  echo "### check --timings (one 4-level and one 5-level capture)"
  echo
  if [[ $check_help != *--timings* ]]; then
    echo "timings: skipped, this ptverify has no \`check --timings\`"
    return 0
  fi
  for name in linux-6.1-4level-kaslr linux-6.1-5level; do
    cap=tests/fixtures/$name
    regs=()
    [ -f "$cap/registers.txt" ] && regs=(--registers "$cap/registers.txt")
    # The breakdown goes to standard error; the exit code is the verdict's, shown with it.
    crc=0
    "$bin" check "$cap/core.slice.elf.zst" --spec "$(spec_for "$name")" --json /dev/null "${regs[@]}" --timings \
      >/dev/null 2>"$work/timings.txt" || crc=$?
    echo "\`$name\` (exit $crc):"
    echo
    echo '```text'
    cat "$work/timings.txt"
    echo '```'
    echo
  done
}

# --- Growth with free parameters and regions ------------------------------------------------
# bench/spec_family.py cuts one real capture's runs into C clusters (guards between them) and
# frees k of the cluster boundaries, each over a range in which the spec still holds; check
# then has to infer them. Every spec must hold: one that does not is a generator bug.
param_growth() {
  local name=${PTV_BENCH_FAMILY_CAPTURE:-linux-6.1-4level-kaslr}
  local cap=tests/fixtures/$name csv=$results/param_growth.csv
  local dump=$cap/core.slice.elf.zst
  local regs=()
  [ -f "$cap/registers.txt" ] && regs=(--registers "$cap/registers.txt")
  echo
  echo "## check: growth with free parameters and regions (bench/spec_family.py on $name)"
  echo
  echo "Specs made from the capture's own runs: C clusters of neighbouring runs, each a region allowing the union"
  echo "of its runs' rights and requiring their intersection, the gaps between them unmapped guards (so \"regions\""
  echo "counts both), k cluster boundaries free parameters that check infers. Every spec holds. Median of 3"
  echo "(1 run over 20 s), \`--time-limit 60\`."
  echo
  "$bin" mappings -q "$dump" "${regs[@]}" --json "$work/family-mappings.json" >/dev/null
  python3 bench/spec_family.py "$work/family-mappings.json" "$work/family" \
    --clusters 8,32,128 --free 0,1,2,4,7,10,16,32 >"$work/family.list" 2>"$work/family.err"
  echo "capture,clusters,regions,free_params,check_s,runs,exit,status" >"$csv"
  echo "| clusters | regions | free parameters | check | runs | status |"
  echo "|---:|---:|---:|---:|---:|---|"
  local clusters regions k path t rc n status
  while read -r clusters regions k path; do
    read -r t rc n < <(wall --repeat 3 --slow 20 -- "$bin" check -q "$dump" --spec "$path" --json /dev/null \
      --time-limit 60 "${regs[@]}")
    if [ "$rc" -eq 0 ]; then
      status=holds
    elif [ "$rc" -eq 3 ] && awk -v t="$t" 'BEGIN {exit !(t >= 60)}'; then
      status="time limit (60 s): unknown"
    else
      status="DOES NOT HOLD (exit $rc): a spec_family.py bug"
      echo "bench/run.sh: $path does not hold on $dump (exit $rc)" >&2
      failed=1
    fi
    printf '| %s | %s | %s | %.3f s | %s | %s |\n' "$clusters" "$regions" "$k" "$t" "$n" "$status"
    echo "$name,$clusters,$regions,$k,$t,$n,$rc,$status" >>"$csv"
  done <"$work/family.list"
  if [ -s "$work/family.err" ]; then
    echo
    sed 's/^/- /' "$work/family.err"
  fi
}

# --- Batch throughput on this machine's cores -------------------------------------------------
# Many dumps in one run: a shell loop of single checks against `check DIR --jobs 1` and
# `--jobs 2` (one worker process per dump). The folder holds symbolic links to the committed
# 4-level slices, repeated (their names differ, so the batch takes each as a dump of its own).
batch_throughput() {
  echo
  echo "## Batch throughput (ptverify check DIR --jobs N)"
  echo
  if [[ $check_help != *--jobs* ]]; then
    echo "batch: skipped, this ptverify has no --jobs"
    return 0
  fi
  local spec=specs/linux-x86_64-4level.json csv=$results/batch.csv
  # 24 dumps, unless one check takes so long today that three passes over 24 would take
  # minutes: then as many as fit about 20 s per pass (at least 4), from section 1's medians;
  # a pass over 15 s is timed once.
  local per n
  per=$(awk -F, 'NR > 1 && $2 == 4 {print $6}' "$results/check_vs_mappings.csv" | sort -g |
    awk '{a[NR] = $1} END {print NR ? a[int((NR + 1) / 2)] : 1}')
  n=$(awk -v p="$per" 'BEGIN {n = int(20 / p); if (n > 24) n = 24; if (n < 4) n = 4; print n}')
  local slices=() cap i=0
  for cap in tests/fixtures/linux-*/; do
    [[ $cap == *5level* ]] && continue
    [ -f "$cap/core.slice.elf.zst" ] && slices+=("$PWD/${cap%/}/core.slice.elf.zst")
  done
  mkdir -p "$work/batch"
  while [ "$i" -lt "$n" ]; do
    cap=${slices[$((i % ${#slices[@]}))]}
    ln -s "$cap" "$work/batch/$(printf '%02d' "$i")-$(basename "$(dirname "$cap")").elf.zst"
    i=$((i + 1))
  done
  echo "$n dumps (the ${#slices[@]} committed 4-level slices, repeated; median 4-level check today $per s),"
  echo "spec $(basename "$spec"), $(nproc) cores. Median of 3 (1 run when a pass takes over 15 s)."
  echo
  echo "mode,dumps,wall_s,dumps_per_s,exit,runs" >"$csv"
  echo "| mode | wall | dumps / s | exit | runs |"
  echo "|---|---:|---:|---:|---:|"
  local mode t rc runs
  for mode in loop jobs1 jobs2; do
    case $mode in
      loop)
        # One process per dump, one after the other, as a CI script without --jobs would.
        # shellcheck disable=SC2016 # $1..$3 are the inner shell's arguments
        read -r t rc runs < <(wall --repeat 3 --slow 15 -- bash -c \
          'for f in "$1"/*; do "$2" check -q "$f" --spec "$3" --json /dev/null || exit; done' \
          _ "$work/batch" "$bin" "$spec") ;;
      jobs1 | jobs2)
        read -r t rc runs < <(wall --repeat 3 --slow 15 -- "$bin" check -q "$work/batch" --spec "$spec" \
          --jobs "${mode#jobs}" --reports "$work/reports-$mode" --summary-json "$work/summary-$mode.json") ;;
    esac
    local label=$mode
    [ "$mode" = loop ] && label="shell loop, one \`check\` per dump"
    [ "$mode" = jobs1 ] && label="\`check DIR --jobs 1\`"
    [ "$mode" = jobs2 ] && label="\`check DIR --jobs 2\`"
    printf '| %s | %.2f s | %s | %s | %s |\n' "$label" "$t" "$(awk -v n="$n" -v t="$t" 'BEGIN {printf "%.2f", n / t}')" "$rc" "$runs"
    echo "$mode,$n,$t,$(awk -v n="$n" -v t="$t" 'BEGIN {printf "%.3f", n / t}'),$rc,$runs" >>"$csv"
  done
}

run_all() {
echo "# ptverify benchmarks, $(date -u +%Y-%m-%d)"
echo
echo "## Machine"
echo
echo "- $(nproc) cores: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
echo "- memory: $(free -g | awk '/^Mem:/ {print $2}') GiB; transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"
echo "- $(uname -sr), $(g++ --version | head -1), Z3 $(z3 --version 2>/dev/null | awk '{print $3}')"
echo "- build: $build ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"))"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "## Raw walk against the read floor, and peak memory (synthetic tables)"
echo
"$build/bench/walk_scaling" --csv-dir "$results"

echo
echo "## check: formula size and time as runs and pages grow"
"$build/bench/check_scaling" --csv "$results/check.csv"

echo
echo "## Real captures: walk, trie, one query (committed slices)"
for cap in tests/fixtures/linux-*/; do
  echo "### $(basename "$cap")"
  "$build/bench/trie_query" "$cap/core.slice.elf.zst"
done

echo
echo "## Real captures: check end to end (ptverify check, median of 5 runs; 1 run when it takes over $slow_s s)"
echo
echo "capture,dump,spec,exit_code,wall_s,cpu_s,max_rss_kib" > "$results/real.csv"
echo "| capture | dump | exit | wall (median of 5) | CPU, user + sys (median of 5) | peak RSS |"
echo "|---|---|---:|---:|---:|---:|"
timing=$work/time.txt
# Wall time moves with whatever else the machine runs; CPU time much less, so both are shown.
# A run over $slow_s s (more than ten times the target) is timed once: five would take minutes.
time_check() {  # NAME DUMP SPEC [ptverify options...]
  local name=$1 dump=$2 spec=$3
  shift 3
  local walls="" cpus="" rss=0 rc=0 n=0 wall user sys
  for _ in 1 2 3 4 5; do
    rc=0
    /usr/bin/time -o "$timing" -f "%e %U %S %M" "$bin" check -q "$dump" --spec "$spec" --json /dev/null "$@" \
      >/dev/null 2>&1 || rc=$?
    read -r wall user sys rss < <(tail -1 "$timing")
    walls="$walls $wall"
    cpus="$cpus $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')"
    n=$((n + 1))
    if awk -v w="$wall" -v s="$slow_s" 'BEGIN {exit !(w > s)}'; then break; fi
  done
  local cpu mid=$(((n + 1) / 2))
  wall=$(tr ' ' '\n' <<<"$walls" | grep . | sort -n | sed -n "${mid}p")
  cpu=$(tr ' ' '\n' <<<"$cpus" | grep . | sort -n | sed -n "${mid}p")
  local runs=""
  [ "$n" -eq 5 ] || runs=" ($n run)"
  echo "| $name | $(basename "$dump") | $rc | $wall s$runs | $cpu s | $((rss / 1024)) MiB |"
  echo "$name,$(basename "$dump"),$(basename "$spec"),$rc,$wall,$cpu,$rss" >> "$results/real.csv"
}
for cap in linux-6.1-4level-kaslr linux-6.1-debsrc-ptdump-4level linux-6.1-ptdump-4level-pti; do
  time_check "$cap" "tests/fixtures/$cap/core.slice.elf.zst" specs/linux-x86_64-4level.json
done
time_check linux-6.1-5level tests/fixtures/linux-6.1-5level/core.slice.elf.zst specs/linux-x86_64-5level.json
# The full cores (the whole guest memory, zstd-compressed) when PTV_REALDUMPS names a directory
# of captures (one directory per capture: core.elf.zst and registers.txt).
realdumps=${PTV_REALDUMPS:-}
if [ -z "$realdumps" ]; then
  echo "full cores: skipped (set PTV_REALDUMPS to a directory of captures to time them)"
elif [ -d "$realdumps" ]; then
  for cap in "$realdumps"/linux-*/; do
    name=$(basename "$cap")
    spec=specs/linux-x86_64-4level.json
    [[ $name == *5level* ]] && spec=specs/linux-x86_64-5level.json
    if [ -f "$cap/core.elf.zst" ]; then
      time_check "$name" "$cap/core.elf.zst" "$spec" --registers "$cap/registers.txt"
    fi
  done
else
  echo "full cores: skipped (PTV_REALDUMPS=$realdumps is not a directory)"
fi


check_vs_mappings
param_growth
batch_throughput

echo
echo "## ptdump parsing"
echo
"$build/bench/parse_ptdump" --csv "$results/parse.csv"

echo
echo "## prove: bundled specs"
echo
"$build/bench/prove_specs" --csv "$results/prove.csv" specs/*.json || echo "(prove_specs: a spec took a second or more)"

echo
echo "## map --html as runs grow (synthetic mapping sets, bench/mapping_set.py)"
echo
# One-page runs of alternating rights: no two merge, so every box holds them all. The terminal
# map alone is the floor (reading the JSON); the page must add time linear in the runs.
echo "runs,map_wall_s,map_html_wall_s,html_bytes,max_rss_kib" > "$results/html_map.csv"
echo "| runs | map (terminal) | map --html | page size | peak RSS |"
echo "|---:|---:|---:|---:|---:|"
sets=$work/sets
mkdir -p "$sets"
for n in 10000 100000 1000000; do
  python3 bench/mapping_set.py "$n" "$sets/set.json"
  /usr/bin/time -o "$timing" -f "%e %M" "$bin" map -q "$sets/set.json" --width 100 >/dev/null
  read -r plain _ < <(tail -1 "$timing")
  /usr/bin/time -o "$timing" -f "%e %M" "$bin" map -q "$sets/set.json" --width 100 --html "$sets/map.html" >/dev/null
  read -r html rss < <(tail -1 "$timing")
  bytes=$(stat -c %s "$sets/map.html")
  echo "| $n | $plain s | $html s | $((bytes / 1024)) KiB | $((rss / 1024)) MiB |"
  echo "$n,$plain,$html,$bytes,$rss" >> "$results/html_map.csv"
done

echo
echo "## Plots"
echo
python3 bench/plot.py "$results" docs/img

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); total $(( $(date +%s) - start )) s"
return "$failed"
}

run_all | tee "$results/bench.md"
