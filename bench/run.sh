#!/usr/bin/env bash
# `make bench` (or `bash bench/run.sh BUILD_DIR`, BUILD_DIR configured with -DPTV_BUILD_BENCH=ON):
# every benchmark in one run on this machine.
# Writes bench/results/*.csv, regenerates docs/img/scaling-*.svg with bench/plot.py, and prints
# the Markdown tables that docs/performance.md quotes. Times are wall-clock, medians of repeats
# (the machine may be shared: the load average is printed before and after). About 3-4 minutes.
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
echo "## Real captures: check end to end (ptverify check, median of 5 runs)"
echo
echo "capture,dump,spec,exit_code,wall_s,cpu_s,max_rss_kib" > "$results/real.csv"
echo "| capture | dump | exit | wall (median of 5) | CPU, user + sys (median of 5) | peak RSS |"
echo "|---|---|---:|---:|---:|---:|"
timing=$(mktemp)
trap 'rm -f "$timing"' EXIT
# Wall time moves with whatever else the machine runs; CPU time much less, so both are shown.
time_check() {  # NAME DUMP SPEC [ptverify options...]
  local name=$1 dump=$2 spec=$3
  shift 3
  local walls="" cpus="" rss=0 rc=0 wall user sys
  for _ in 1 2 3 4 5; do
    rc=0
    /usr/bin/time -o "$timing" -f "%e %U %S %M" "$bin" check -q "$dump" --spec "$spec" --json /dev/null "$@" \
      2>/dev/null || rc=$?
    read -r wall user sys rss < <(tail -1 "$timing")
    walls="$walls $wall"
    cpus="$cpus $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')"
  done
  local cpu
  wall=$(tr ' ' '\n' <<<"$walls" | grep . | sort -n | sed -n 3p)
  cpu=$(tr ' ' '\n' <<<"$cpus" | grep . | sort -n | sed -n 3p)
  echo "| $name | $(basename "$dump") | $rc | $wall s | $cpu s | $((rss / 1024)) MiB |"
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
sets=$(mktemp -d)
trap 'rm -f "$timing"; rm -rf "$sets"' EXIT
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
