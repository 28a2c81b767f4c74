#!/usr/bin/env bash
# The robustness cases' harness (docs/robustness.md). A case script sources this file, then
# states each case with `expect`; the script's CTest test fails if any case does.
#
#   expect NAME EXIT REGEX [--time SECONDS] [--mem MIB] [--stdin FILE] -- COMMAND ARGS...
#
# runs COMMAND in the repository's root under `timeout SECONDS` (default 20) and an
# address-space limit of MIB (`ulimit -v`, default 3072; not under AddressSanitizer, PTV_ASAN=ON), and passes when the exit code is EXIT
# and REGEX (grep -E) matches a line of stdout or of stderr (an empty REGEX matches anything).
# Running past the time limit, or any exit other than EXIT (an allocation failure under the
# memory limit is one), fails the case. `$PTV` is the ptverify binary, `$WORK` a scratch
# directory removed at the end, `$FIXTURES` tests/fixtures.
set -uo pipefail

PTV=${PTV:?the ptverify binary (PTV=...)}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FIXTURES=$ROOT/tests/fixtures
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ptv-robust.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
_failed=0
_passed=0
cd "$ROOT" || exit 2

expect() {
  local name=$1 want=$2 regex=$3 time=20 mem=3072 stdin=/dev/null
  shift 3
  while [[ $# -gt 0 && $1 != -- ]]; do
    case $1 in
      --time) time=$2; shift 2 ;;
      --mem) mem=$2; shift 2 ;;
      --stdin) stdin=$2; shift 2 ;;
      *) echo "expect $name: unknown option $1" >&2; exit 2 ;;
    esac
  done
  shift
  # A sanitizer build (Debug, instrumented) runs several times slower: its bound is scaled.
  [[ ${PTV_ASAN:-OFF} == ON ]] && time=$(awk -v t="$time" 'BEGIN { print t * 5 }')
  local out=$WORK/.out err=$WORK/.err start end rc
  start=$(date +%s.%N)
  # AddressSanitizer reserves terabytes of shadow address space: under it the memory bound is
  # left to ptverify's own --memory-limit and to the sanitizer build's other tests.
  ( [[ ${PTV_ASAN:-OFF} == ON ]] || ulimit -v $((mem * 1024)); exec timeout -k 5 "$time" "$@" ) <"$stdin" >"$out" 2>"$err"
  rc=$?
  end=$(date +%s.%N)
  local secs
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  local why=""
  if [[ $rc == 124 || $rc == 137 ]] && [[ $want != 124 && $want != 137 ]]; then
    why="ran past ${time} s"
  elif [[ $rc != "$want" ]]; then
    why="exit $rc, expected $want"
  elif [[ -n $regex ]] && ! grep -Eqs -- "$regex" "$out" "$err"; then  # not `cat | grep -q`: under pipefail, cat may die of SIGPIPE
    why="output does not match /$regex/"
  fi
  if [[ -n $why ]]; then
    echo "not ok $name ($secs s): $why"
    echo "  command: $*"
    sed 's/^/  stdout: /' "$out" | head -20
    sed 's/^/  stderr: /' "$err" | head -20
    _failed=$((_failed + 1))
  else
    echo "ok $name ($secs s)"
    _passed=$((_passed + 1))
  fi
}

# check_true NAME DESCRIPTION -- COMMAND...: a plain assertion (a file's state after a case).
check_true() {
  local name=$1 what=$2
  shift 3
  if "$@"; then
    echo "ok $name"
    _passed=$((_passed + 1))
  else
    echo "not ok $name: $what"
    _failed=$((_failed + 1))
  fi
}

# skip_under_asan NAME REASON: a case that cannot keep its bounds in a sanitizer build (which
# lifts every memory limit); counted as passed, and said.
skip_under_asan() {
  [[ ${PTV_ASAN:-OFF} == ON ]] || return 1
  echo "ok $1 # SKIP under AddressSanitizer: $2"
  _passed=$((_passed + 1))
}

# Call at the end of a case script.
finish() {
  echo "$_passed passed, $_failed failed"
  [[ $_failed == 0 ]]
}
