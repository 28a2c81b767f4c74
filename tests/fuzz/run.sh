#!/usr/bin/env bash
# Runs every libFuzzer harness built by -DPTV_BUILD_FUZZERS=ON (`make fuzz`) for a bounded time
# under ASan + UBSan, and fails if any of them finds a crash, leak, timeout or out-of-memory.
#
#   tests/fuzz/run.sh [BUILD_DIR]        (default build-fuzz)
#   FUZZ_SECONDS=N      seconds per target (default 60)
#   FUZZ_TARGETS="a b"  only these targets (default: all)
#   FUZZ_SUMMARY=FILE   where the summary table goes (default BUILD_DIR/fuzz-summary.tsv)
#
# Each target works on a copy of its seed corpus and regressions in BUILD_DIR/corpus/<target>
# (the repository's corpus is never written), keeps its log in BUILD_DIR/logs/<target>.log and
# its findings in BUILD_DIR/artifacts/<target>/ (emptied at the start of each run). A summary
# line per target goes to stdout and to the summary table.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
all="fuzz_ptdump fuzz_qemu_tlb fuzz_qemu_mem fuzz_proc_maps fuzz_mapping_json fuzz_text_auto
     fuzz_elf_core fuzz_raw_image fuzz_registers fuzz_spec fuzz_expression"
targets="${FUZZ_TARGETS:-$all}"

export ASAN_OPTIONS="detect_leaks=1:${ASAN_OPTIONS:-}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"

mkdir -p "$build/logs" "$build/dict"
# fuzz_text_auto sees every text format: it gets every text dictionary.
cat "$here"/dict/{ptdump,qemu_tlb,qemu_mem,proc_maps,mapping_json}.dict > "$build/dict/text_auto.dict"

dict_for() {
  case "$1" in
    fuzz_text_auto) echo "$build/dict/text_auto.dict" ;;
    fuzz_elf_core|fuzz_raw_image) echo "" ;;
    *) echo "$here/dict/${1#fuzz_}.dict" ;;
  esac
}

summary="${FUZZ_SUMMARY:-$build/fuzz-summary.tsv}"
printf 'target\tseconds\texecutions\texec_per_s\tcov\tft\tcorpus\tfindings\n' > "$summary"
failed=""
for t in $targets; do
  bin="$build/tests/fuzz/$t"
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin is missing (build the ptv_fuzzers target)" >&2
    failed="$failed $t(missing)"
    continue
  fi
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  log="$build/logs/$t.log"
  mkdir -p "$corpus"
  rm -rf "$artifacts" && mkdir -p "$artifacts"
  cp -r "$here/corpus/$t/." "$here/regressions/$t/." "$corpus/"
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  dict="$(dict_for "$t")"
  [ -n "$dict" ] && args+=(-dict="$dict")
  # Real cores are hundreds of KiB; mutating those whole is slow and the cut seeds cover them.
  case "$t" in fuzz_elf_core|fuzz_raw_image) args+=(-max_len=131072) ;; esac

  start=$SECONDS
  "$bin" "${args[@]}" "$corpus" > "$log" 2>&1
  rc=$?
  elapsed=$((SECONDS - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  # A crash ends the run before the final stats: take the last status line's count instead.
  [ -z "$execs" ] && execs=$(grep -Eo '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  files=$(find "$corpus" -type f | wc -l)
  found=$(cd "$artifacts" && ls -1 | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ')
  verdict="${found:-none}"
  [ "$rc" -ne 0 ] && [ -z "$found" ] && verdict="exit code $rc (see $log)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
    "$files" "$verdict" >> "$summary"
  printf 'fuzz: %-18s %4ss  %10s execs  %7s/s  cov %5s  ft %6s  corpus %5s  findings: %s\n' "$t" "$elapsed" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$files" "$verdict"
  if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
    failed="$failed $t"
    for a in $found; do echo "fuzz: $t: finding $artifacts/$a" >&2; done
    grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz invariant broken|.*runtime error)' "$log" | head -5 >&2
  fi
done

if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed (minimise with: BIN -minimize_crash=1 -runs=10000 ARTIFACT; then add it to tests/fuzz/regressions/<target>/)" >&2
  exit 1
fi
echo "fuzz: all targets ran ${seconds}s each without a finding (summary: $summary)"
