#!/usr/bin/env bash
# A self-test of bench/spec_family.py (not part of `make bench`, which only times it): every
# spec it makes must be a consistent spec (`ptverify prove` exits 0) and must HOLD on the dump
# it was made from (`ptverify check` exits 0), for 4- and 5-level captures alike.
#   bash bench/check_spec_family.sh BUILD_DIR [CAPTURE...]   (default: every committed capture)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build}/cli/ptverify
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
caps=("$@")
if [ ${#caps[@]} -eq 0 ]; then
  for d in tests/fixtures/linux-*/; do caps+=("$(basename "$d")"); done
fi
bad=0 n=0
for name in "${caps[@]}"; do
  dump=tests/fixtures/$name/core.slice.elf.zst
  [ -f "$dump" ] || continue
  "$bin" mappings -q "$dump" --json "$work/$name.json" >/dev/null
  python3 bench/spec_family.py "$work/$name.json" "$work/$name" --clusters 8,40 --free 0,3,9 >"$work/list" 2>/dev/null
  while read -r _ _ _ spec; do
    n=$((n + 1))
    rc=0
    "$bin" prove "$spec" >"$work/out" 2>&1 </dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "FAIL prove $name $(basename "$spec"): exit $rc"; sed 's/^/    /' "$work/out" | head -20; bad=1
    fi
    rc=0
    "$bin" check -q "$dump" --spec "$spec" --time-limit 120 >"$work/out" 2>&1 </dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
      echo "FAIL check $name $(basename "$spec"): exit $rc"; sed 's/^/    /' "$work/out" | grep -v ' holds ' | head -20; bad=1
    fi
  done <"$work/list"
done
echo "spec_family.py: $n specs over ${#caps[@]} captures, $([ "$bad" -eq 0 ] && echo "all prove and hold" || echo FAILURES)"
exit "$bad"
