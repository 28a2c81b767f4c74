#!/usr/bin/env bash
# ptverify check DUMP... (a batch, docs/check.md "Many dumps in one run") on committed real
# captures: a folder of four dumps (one holds, one violated, a file that is not a dump, a 5-level
# dump against the 4-level spec) checked two at a time gives one verdict each, each dump's text
# and JSON report, a summary with the right counts, failed dumps and rules, a JSON summary
# valid against its schema, and the worst exit code; a --dump-list (comments, blank lines, paths
# relative to the list) likewise, two dumps of one file name each their own reports; a time limit too short to decide anything gives unknown
# (exit 3); report --merge of two shards equals the whole batch and refuses a dump in two shards
# and shards of different specs; options of one dump and bad input are refused with exit 2.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KASLR=tests/fixtures/linux-6.1-4level-kaslr
L5=tests/fixtures/linux-6.1-5level
SPEC=specs/linux-x86_64-4level.json

# run EXPECTED NAME ARGS...: ptverify ARGS with stdout in $WORK/NAME.out, stderr in NAME.err.
run() {
  local want=$1 name=$2 rc=0
  shift 2
  "$PTV" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
  [ "$rc" = "$want" ] || fail "$name: ptverify $* exited $rc, expected $want; stdout: $(cat "$WORK/$name.out"); stderr: $(cat "$WORK/$name.err")"
}
has() { grep -qF -- "$2" <"$WORK/$1.out" || fail "$1: no '$2' in: $(cat "$WORK/$1.out")"; }
json_counts() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["counts"])' "$1"; }

mkdir "$WORK/dumps"
ln -s "$PWD/$KASLR/core.slice.elf.zst" "$WORK/dumps/a-holds.elf.zst"
ln -s "$PWD/$KASLR/core.slice.mutated-wx.elf.zst" "$WORK/dumps/b-wx.elf.zst"
printf 'this is not a page-table dump\n' >"$WORK/dumps/c-not-a-dump.bin"
ln -s "$PWD/$L5/core.slice.elf.zst" "$WORK/dumps/d-5level.elf.zst"
touch "$WORK/dumps/.hidden"

# A folder, two workers at once.
run 1 dir check "$WORK/dumps" --spec $SPEC --jobs 2 --reports "$WORK/r-dir" --summary-json "$WORK/dir.json"
has dir "ptverify check: VIOLATED - 4 dumps: 1 hold, 1 violated, 0 unknown, 2 error"
has dir "violated $WORK/dumps/b-wx.elf.zst: wx"
has dir "error    $WORK/dumps/c-not-a-dump.bin: $WORK/dumps/c-not-a-dump.bin: cannot detect the format"
has dir "is a 5-level dump"
has dir "wx                       1 violated"
grep -q "a-holds" <"$WORK/dir.out" && fail "dir: a dump that holds is listed among the failed"
for f in a-holds.elf.zst b-wx.elf.zst d-5level.elf.zst c-not-a-dump.bin; do
  [ -s "$WORK/r-dir/$f.log" ] || fail "dir: no log of $f"
done
for f in a-holds.elf.zst b-wx.elf.zst; do
  [ -s "$WORK/r-dir/$f.json" ] && [ -s "$WORK/r-dir/$f.txt" ] || fail "dir: no text or JSON report of $f"
done
grep -qF '"verdict": "violated"' <"$WORK/r-dir/b-wx.elf.zst.json" || fail "dir: b-wx's report is not violated"
[ "$(json_counts "$WORK/dir.json")" = "{'dumps': 4, 'holds': 1, 'violated': 1, 'unknown': 0, 'error': 2}" ] ||
  fail "dir: JSON counts $(json_counts "$WORK/dir.json")"
rc=0
python3 tests/schema/validate_json.py docs/schema/batch-summary.schema.json "$WORK/dir.json" >"$WORK/valid.out" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "dir: the JSON summary does not match its schema: $(cat "$WORK/valid.out")"

# --fail-on: violations alone fail; errors count as unknown.
run 3 dir-fail-unknown check "$WORK/dumps" --spec $SPEC --jobs 2 --reports "$WORK/r-dir" --fail-on unknown
run 0 dir-fail-none check "$WORK/dumps" --spec $SPEC --jobs 2 --reports "$WORK/r-dir" --fail-on none

# A --dump-list: comments, blank lines, paths relative to the list's folder; two dumps of the
# same file name get their place in front of their reports' names.
mkdir "$WORK/lists" "$WORK/other"
cp "$WORK/dumps/c-not-a-dump.bin" "$WORK/other/"
cat >"$WORK/lists/all.txt" <<EOF
# the W+X mutation, the clean slice by its absolute path, and two files that are not dumps

../dumps/b-wx.elf.zst
  $PWD/$KASLR/core.slice.elf.zst
../dumps/c-not-a-dump.bin
../other/c-not-a-dump.bin
EOF
run 1 list check --dump-list "$WORK/lists/all.txt" --spec $SPEC --jobs 2 --reports "$WORK/r-list"
has list "4 dumps: 1 hold, 1 violated, 0 unknown, 2 error"
has list "violated $WORK/dumps/b-wx.elf.zst: wx"
has list "error    $WORK/other/c-not-a-dump.bin: $WORK/other/c-not-a-dump.bin: cannot detect"
for f in b-wx.elf.zst.json core.slice.elf.zst.json 003-c-not-a-dump.bin.log 004-c-not-a-dump.bin.log; do
  [ -s "$WORK/r-list/$f" ] || fail "list: no $f among: $(ls "$WORK/r-list")"
done

# A time limit too short to decide a rule: unknown, with the undecided rules, exit 3.
run 3 time-limit check "$WORK/dumps/a-holds.elf.zst" "$WORK/dumps/b-wx.elf.zst" --spec $SPEC --time-limit 0.01 \
  --reports "$WORK/r-time"
has time-limit "2 dumps: 0 hold, 0 violated, 2 unknown, 0 error"
has time-limit "unknown  $WORK/dumps/a-holds.elf.zst: not decided: "

# Shards merged: the same counts as the whole batch; a dump in two shards and shards of
# different specs are refused, naming the files.
printf '../dumps/a-holds.elf.zst\n../dumps/c-not-a-dump.bin\n' >"$WORK/lists/shard-1.txt"
printf '../dumps/b-wx.elf.zst\n../dumps/d-5level.elf.zst\n' >"$WORK/lists/shard-2.txt"
run 3 shard-1 check --dump-list "$WORK/lists/shard-1.txt" --spec $SPEC --summary-json "$WORK/shard-1.json" \
  --reports "$WORK/r-1"
run 1 shard-2 check --dump-list "$WORK/lists/shard-2.txt" --spec $SPEC --summary-json "$WORK/shard-2.json" \
  --reports "$WORK/r-2"
run 1 merged report --merge "$WORK/shard-1.json" "$WORK/shard-2.json" --summary-json "$WORK/merged.json"
has merged "ptverify check: VIOLATED - 4 dumps: 1 hold, 1 violated, 0 unknown, 2 error"
has merged "summed over 2 shards"
[ "$(json_counts "$WORK/merged.json")" = "$(json_counts "$WORK/dir.json")" ] ||
  fail "merged: counts $(json_counts "$WORK/merged.json"), the whole batch's $(json_counts "$WORK/dir.json")"
run 2 merge-dup report --merge "$WORK/shard-1.json" "$WORK/merged.json"
grep -qF "is in both $WORK/shard-1.json and $WORK/merged.json" <"$WORK/merge-dup.err" ||
  fail "merge-dup: $(cat "$WORK/merge-dup.err")"
run 3 shard-5level check "$WORK/other/c-not-a-dump.bin" --spec specs/linux-x86_64-5level.json \
  --reports "$WORK/r-5" --summary-json "$WORK/shard-5level.json"
run 2 merge-specs report --merge "$WORK/shard-1.json" "$WORK/shard-5level.json"
grep -qF "$WORK/shard-5level.json: checked against spec specs/linux-x86_64-5level.json" <"$WORK/merge-specs.err" ||
  fail "merge-specs: $(cat "$WORK/merge-specs.err")"

# Refused: an option of one dump, a report file of one dump, a missing folder, an unreadable list,
# a listed dump that does not exist, reports into the folder of dumps.
run 2 registers check "$WORK/dumps" --spec $SPEC --registers "$PWD/$KASLR/core.slice.elf.zst" --reports "$WORK/r-x"
grep -qF -- "--registers belongs to one dump" <"$WORK/registers.err" || fail "registers: $(cat "$WORK/registers.err")"
run 2 json check "$WORK/dumps" --spec $SPEC --json "$WORK/x.json" --reports "$WORK/r-x"
grep -qF -- "--json names one report file" <"$WORK/json.err" || fail "json: $(cat "$WORK/json.err")"
run 2 missing check "$WORK/dumps" "$WORK/no-such-folder" --spec $SPEC --reports "$WORK/r-x"
grep -qF "$WORK/no-such-folder: no such file or folder" <"$WORK/missing.err" || fail "missing: $(cat "$WORK/missing.err")"
run 2 no-list check --dump-list "$WORK/no-such-list.txt" --spec $SPEC --reports "$WORK/r-x"
grep -qF "$WORK/no-such-list.txt" <"$WORK/no-list.err" || fail "no-list: $(cat "$WORK/no-list.err")"
printf 'nothing-here.elf\n' >"$WORK/lists/bad.txt"
run 2 bad-list check --dump-list "$WORK/lists/bad.txt" --spec $SPEC --reports "$WORK/r-x"
grep -qF "$WORK/lists/bad.txt:1: $WORK/lists/nothing-here.elf: no such file" <"$WORK/bad-list.err" ||
  fail "bad-list: $(cat "$WORK/bad-list.err")"
run 2 reports-in-dumps check "$WORK/dumps" --spec $SPEC --reports "$WORK/dumps"
grep -qF "$WORK/dumps: the --reports folder cannot be a folder of dumps" <"$WORK/reports-in-dumps.err" ||
  fail "reports-in-dumps: $(cat "$WORK/reports-in-dumps.err")"
# A batch stopped by SIGTERM stops its workers (once both have started) and ends by the signal;
# one killed outright (SIGKILL: no handler runs) leaves none running either (each asked the kernel
# to stop it with its parent). --solver-only keeps the workers busy for about a second.
stop_batch() { # SIGNAL EXPECTED_EXIT FOLDER
  "$PTV" check "$WORK/dumps/a-holds.elf.zst" "$WORK/dumps/b-wx.elf.zst" --spec $SPEC --jobs 2 --solver-only \
    --reports "$WORK/$3" >/dev/null 2>&1 &
  local batch=$! rc=0
  for _ in $(seq 100); do
    [ -e "$WORK/$3/a-holds.elf.zst.log" ] && [ -e "$WORK/$3/b-wx.elf.zst.log" ] && break
    sleep 0.1
  done
  kill -"$1" $batch
  wait $batch || rc=$?
  [ "$rc" = "$2" ] || fail "$3: the batch exited $rc, expected $2 (SIG$1)"
  for _ in $(seq 50); do
    pgrep -f -- "--json=$WORK/$3/" >/dev/null || break
    sleep 0.1
  done
  if pgrep -f -- "--json=$WORK/$3/" >/dev/null; then
    pkill -f -- "--json=$WORK/$3/" || true
    fail "$3: a worker still runs after the batch was stopped by SIG$1"
  fi
}
stop_batch TERM 143 r-term
stop_batch KILL 137 r-kill
echo "ok - batch"
