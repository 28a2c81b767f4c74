#!/usr/bin/env bash
# `make bench`: every benchmark in one run on this machine; paste the output into
# docs/performance.md when it changes. Timings are wall-clock milliseconds.
set -euo pipefail
build=${1:-build}
bin=$build/cli/ptverify
echo "# ptverify benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo
echo "## check: formula size and time as runs and pages grow"
"$build/bench/check_scaling"
echo
echo "## Real captures: walk, trie, one query"
for cap in tests/fixtures/linux-*/; do
  echo "### $(basename "$cap")"
  "$build/bench/trie_query" "$cap/core.slice.elf.zst"
done
echo
echo "## Real captures: check end to end against the Linux spec (committed slices)"
for cap in linux-6.1-4level-kaslr linux-6.1-debsrc-ptdump-4level linux-6.1-ptdump-4level-pti; do
  /usr/bin/time -f "$cap: %e s wall, %M KiB max RSS" "$bin" check -q "tests/fixtures/$cap/core.slice.elf.zst" \
    --spec specs/linux-x86_64-4level.json -O json -o /dev/null || true
done
/usr/bin/time -f "linux-6.1-5level: %e s wall, %M KiB max RSS" "$bin" check -q tests/fixtures/linux-6.1-5level/core.slice.elf.zst \
  --spec specs/linux-x86_64-5level.json -O json -o /dev/null || true
echo
echo "## ptdump parsing"
"$build/bench/parse_ptdump"
echo
echo "## prove: bundled specs"
"$build/bench/prove_specs"
