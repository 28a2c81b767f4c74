#!/usr/bin/env bash
# `ptverify spec show`: the flattened spec is a spec check and prove read as they read the
# original. For each bundled Linux spec (the 5-level one extends the 4-level one) and a committed
# capture of its paging mode, check gives the same exit code and the same JSON report (but for
# the spec's file name and the seconds) with the flattened spec as with the original, and prove
# the same verdict; -o FILE writes what standard output gets; bad input exits 2 naming the file
# and line. Usage: spec_show.sh PTVERIFY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# The report without what differs by construction: timings and the spec file's name and lines.
norm() {
  sed -E 's/"seconds": [0-9.e+-]+/"seconds": S/g; s/[0-9]+\.[0-9]+ s\b/S s/g' "$1" |
    sed -E 's#"file": "[^"]*"#"file": F#g; s#"spec": "[^"]*"#"spec": F#g; s#"spec_file": "[^"]*"#"spec_file": F#g' |
    grep -v '"line":'
}

for pair in "linux-x86_64-4level tests/fixtures/linux-6.1-4level-kaslr/core.slice.mutated-wx.elf.zst 1" \
            "linux-x86_64-5level tests/fixtures/linux-6.1-5level/core.slice.elf.zst 0"; do
  read -r SPEC DUMP WANT <<<"$pair"
  "$PTV" spec show $SPEC -o "$WORK/$SPEC.flat.json" || fail "spec show $SPEC: exit $?"
  "$PTV" spec show $SPEC >"$WORK/$SPEC.stdout.json" || fail "spec show $SPEC to standard output: exit $?"
  cmp -s "$WORK/$SPEC.flat.json" "$WORK/$SPEC.stdout.json" || fail "spec show -o and standard output differ"
  grep -q '"extends"' "$WORK/$SPEC.flat.json" && fail "the flattened $SPEC still has an extends"
  python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/$SPEC.flat.json" ||
    fail "the flattened $SPEC is not plain JSON"

  set +e
  "$PTV" check $DUMP --spec $SPEC -q --json "$WORK/original.json" >/dev/null 2>"$WORK/original.err"
  a=$?
  "$PTV" check $DUMP --spec "$WORK/$SPEC.flat.json" -q --json "$WORK/flat.json" >/dev/null 2>"$WORK/flat.err"
  b=$?
  set -e
  [ $a = "$WANT" ] || fail "check $DUMP --spec $SPEC: exit $a, expected $WANT: $(cat "$WORK/original.err")"
  [ $b = $a ] || fail "check with the flattened $SPEC: exit $b, with the original $a: $(cat "$WORK/flat.err")"
  diff <(norm "$WORK/original.json") <(norm "$WORK/flat.json") >"$WORK/diff" ||
    fail "check's JSON report differs with the flattened $SPEC: $(head -20 "$WORK/diff")"
  echo "ok: $SPEC flattened: check $DUMP gives exit $a and the same JSON report"

  set +e
  "$PTV" prove $SPEC >"$WORK/prove-original.txt" 2>&1
  a=$?
  "$PTV" prove "$WORK/$SPEC.flat.json" >"$WORK/prove-flat.txt" 2>&1
  b=$?
  set -e
  [ $a = 0 ] && [ $b = 0 ] || fail "prove $SPEC: exit $a, flattened: exit $b"
  echo "ok: $SPEC flattened: prove proves both"
done

# An extending spec with a mistake: exit 2, the file and line named; show writes nothing.
cat >"$WORK/mine.json" <<'JSON'
{
  "extends": "linux-x86_64-4level",
  "name": "mine",
  "regions": [
    {"name": "kaslr-window", "remove": true}
  ]
}
JSON
set +e
"$PTV" spec show "$WORK/mine.json" -o "$WORK/mine.flat.json" 2>"$WORK/mine.err"
code=$?
set -e
[ $code = 2 ] || fail "spec show of a bad spec: exit $code, expected 2"
grep -q "^ptverify: $WORK/mine.json:5: regions\[0\]: cannot remove \"kaslr-window\": \"direct-map\" is nested_in it" \
  "$WORK/mine.err" || fail "no file:line error: $(cat "$WORK/mine.err")"
[ ! -e "$WORK/mine.flat.json" ] || fail "spec show wrote a file for a bad spec"
echo "ok: a bad extending spec exits 2 naming the file and line"

set +e
"$PTV" spec show no-such-spec 2>"$WORK/none.err"
code=$?
set -e
[ $code = 2 ] || fail "spec show of no spec: exit $code, expected 2"
grep -q "no bundled spec has that name" "$WORK/none.err" || fail "no such spec: $(cat "$WORK/none.err")"
grep -q 'ptverify spec show linux-x86_64-5level' <<<"$("$PTV" spec show --help)" || fail "spec show --help has no example"
echo "ok: spec show of no spec exits 2; --help has an example"
