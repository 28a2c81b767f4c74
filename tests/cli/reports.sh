#!/usr/bin/env bash
# One check run writes every report (text, JSON, SARIF, JUnit, KTAP, HTML), each the same as the
# format written alone; `ptverify report` writes the same bytes from the saved JSON; files are
# complete whatever happens to standard output; the man page and the completion list every
# option --help lists. Usage: reports.sh PTVERIFY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DUMP=tests/fixtures/linux-6.1-4level-kaslr/core.slice.mutated-wx.elf.zst
SPEC=linux-x86_64-4level

set +e
"$PTV" check $DUMP --spec $SPEC -q -o "$WORK/r.txt" --json "$WORK/r.json" --sarif "$WORK/r.sarif" \
  --junit "$WORK/junit.xml" --ktap "$WORK/r.ktap" --html "$WORK/map.html" >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
[ $code = 1 ] || fail "check with every report: exit $code, expected 1 (violated)"
[ ! -s "$WORK/stdout" ] || fail "the text went to -o, yet standard output has: $(head -3 "$WORK/stdout")"
grep -q '^ptverify check: VIOLATED' "$WORK/stderr" || fail "no summary line on stderr"
head -1 "$WORK/r.txt" | grep -q '^ptverify check: VIOLATED' || fail "r.txt does not start with the summary"
grep -q '"verdict": "violated"' "$WORK/r.json" || fail "r.json has no verdict"
grep -q '"version": "2.1.0"' "$WORK/r.sarif" || fail "r.sarif is not SARIF 2.1.0"
grep -q '<testsuites' "$WORK/junit.xml" || fail "junit.xml is not JUnit"
head -1 "$WORK/r.ktap" | grep -qx 'KTAP version 1' || fail "r.ktap is not KTAP"
tail -c 200 "$WORK/map.html" | grep -q '</html>' || fail "map.html is not complete"
echo "ok: one check run wrote text, JSON, SARIF, JUnit, KTAP and HTML"

# The same report written alone to standard output (the run's seconds differ: compare without them).
norm() { sed -E 's/[0-9]+\.[0-9]+ s\b/S s/g; s/"seconds": [0-9.e+-]+/"seconds": S/g; s/time="[0-9.]+"/time="S"/g' "$1"; }
for f in sarif junit ktap; do
  out="$WORK/alone.$f"
  "$PTV" check $DUMP --spec $SPEC -q --$f - >"$out" 2>/dev/null || true
  case $f in junit) mine="$WORK/junit.xml" ;; *) mine="$WORK/r.$f" ;; esac
  diff <(norm "$mine") <(norm "$out") >/dev/null || fail "--$f in a run with every report differs from --$f alone"
done
echo "ok: each report equals the same format written alone"

# ptverify report: from the saved JSON, byte for byte what check wrote.
set +e
"$PTV" report "$WORK/r.json" -o "$WORK/again.txt" --sarif "$WORK/again.sarif" --junit "$WORK/again.xml" \
  --ktap "$WORK/again.ktap" --html "$WORK/again.html" -q 2>"$WORK/report.err"
code=$?
set -e
[ $code = 1 ] || fail "report: exit $code, expected 1 (the saved verdict): $(cat "$WORK/report.err")"
cmp -s "$WORK/r.txt" "$WORK/again.txt" || fail "report's text differs from check's"
cmp -s "$WORK/r.sarif" "$WORK/again.sarif" || fail "report's SARIF differs from check's"
cmp -s "$WORK/junit.xml" "$WORK/again.xml" || fail "report's JUnit differs from check's"
cmp -s "$WORK/r.ktap" "$WORK/again.ktap" || fail "report's KTAP differs from check's"
cmp -s "$WORK/map.html" "$WORK/again.html" || fail "report's HTML differs from check's"
"$PTV" report "$WORK/r.json" --fail-on none --ktap - >/dev/null || fail "report --fail-on none did not exit 0"
echo "ok: ptverify report writes what check wrote, from the saved JSON, without checking again"

# A reader that goes away does not cost the files.
set +e
"$PTV" check $DUMP --spec $SPEC -q --json "$WORK/p.json" --html "$WORK/p.html" | head -1 >/dev/null
codes=("${PIPESTATUS[@]}")
set -e
[ "${codes[0]}" = 1 ] || fail "check | head: exit ${codes[0]}, expected 1"
tail -c 200 "$WORK/p.html" | grep -q '</html>' || fail "check | head: the HTML file is not complete"
cmp -s <(norm "$WORK/p.json") <(norm "$WORK/r.json") || fail "check | head: the JSON file differs"
echo "ok: check | head keeps every file complete and its exit status"

# The man page and the completion come from the same definitions as --help.
"$PTV" --man-page >"$WORK/ptverify.1"
"$PTV" --bash-completion >"$WORK/completion"
bash -n "$WORK/completion" || fail "the completion is not valid bash"
for sub in mappings walk check map slice prove explain report diff capture; do
  grep -q "^\.SS $sub\$" "$WORK/ptverify.1" || fail "the man page has no section for $sub"
  grep -q '^Examples\?:' <<<"$("$PTV" $sub --help)" || fail "ptverify $sub --help has no example"
  for opt in $("$PTV" $sub --help | grep -oE '^ +(-[A-Za-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u); do
    [ "$opt" = --help ] && continue
    grep -q -- "${opt//-/\\\\-}" "$WORK/ptverify.1" || fail "the man page lacks $sub $opt"
    grep -q -- "    $sub) opts=\".*$opt" "$WORK/completion" || fail "the completion lacks $sub $opt"
  done
done
echo "ok: every --help has an example; the man page and the completion list every option of every subcommand's --help"

# The completion, run: subcommands first, a group's members after it, options after either.
complete_words() {  # the words offered for the command line "$@" (its last word being completed)
  bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ptverify; printf "%s\n" "${COMPREPLY[@]}"' \
    "$WORK/completion" "$@"
}
[[ "$(complete_words ptverify sp)" == spec ]] || fail "the completion does not offer spec: $(complete_words ptverify sp)"
[[ "$(complete_words ptverify spec sh)" == show ]] || fail "the completion does not offer spec show: $(complete_words ptverify spec sh)"
[[ "$(complete_words ptverify check x --explain-p)" == --explain-params ]] ||
  fail "the completion does not offer check --explain-params: $(complete_words ptverify check x --explain-p)"
echo "ok: the completion offers subcommands, a group's members and options"
