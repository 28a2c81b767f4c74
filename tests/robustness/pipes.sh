#!/usr/bin/env bash
# A reader of standard output that leaves early (`| head -1`) or never reads (`| true`) costs
# no file and no exit status: each command that writes a file and text is run three ways, with
# standard output to /dev/null, into `head -1` and into `true`; piped, it must exit as it did
# unpiped (bash PIPESTATUS), say on stderr what it said unpiped (no complaint about the pipe),
# and leave its files whole (a page ends with </html>, a report ends as unpiped, a slice is the same bytes).
# [docs/formats.md "Output files"]
source "$(dirname "$0")/lib.sh"
K=tests/fixtures/linux-6.1-4level-kaslr
CORE=$K/core.slice.elf.zst
S4=specs/linux-x86_64-4level.json

# piped NAME READER COMMAND... (@OUT@ and @OUT2@ stand for output files): runs COMMAND with
# stdout to /dev/null, then into READER, and compares the exit codes, stderr and the files.
piped() {
  local name=$1 reader=$2
  shift 2
  local ref=$WORK/$name.ref got=$WORK/$name.got
  mkdir -p "$ref" "$got"
  local ref_cmd=("${@//@OUT@/$ref/out}") got_cmd=("${@//@OUT@/$got/out}")
  ref_cmd=("${ref_cmd[@]//@OUT2@/$ref/out2}")
  got_cmd=("${got_cmd[@]//@OUT2@/$got/out2}")
  timeout 60 "${ref_cmd[@]}" >/dev/null 2>"$ref.err"
  local want=$?
  timeout 60 "${got_cmd[@]}" 2>"$got.err" | $reader >/dev/null
  local status=${PIPESTATUS[0]}
  local why=""
  if [[ $status != "$want" ]]; then
    why="exit $status into \`$reader\`, $want into /dev/null"
  elif ! cmp -s <(sed -E 's/[0-9]+\.[0-9]+ s/TIME s/' "$ref.err") \
    <(sed -E "s/[0-9]+\.[0-9]+ s/TIME s/; s|$got|$ref|g" "$got.err"); then
    why="stderr into \`$reader\` differs from the unpiped run's: $(head -3 "$got.err")"
  else
    for f in "$ref"/*; do
      [[ -e $f ]] || continue
      # Pages and reports carry the run's time: they must be whole; a slice, the same bytes.
      local g=$got/${f##*/}
      if [[ ! -s $g ]]; then
        why="${f##*/} is missing or empty"
      elif [[ $f == *.html ]] && [[ $(tail -n 1 "$g") != "</html>" ]]; then
        why="${f##*/} does not end with </html>"
      elif [[ $f == *.txt ]] && ! cmp -s <(tail -n 1 "$f" | sed -E 's/[0-9]+\.[0-9]+ s/TIME s/') \
        <(tail -n 1 "$g" | sed -E 's/[0-9]+\.[0-9]+ s/TIME s/'); then
        why="${f##*/} does not end as the unpiped run's"
      elif [[ $f == *.elf ]] && ! cmp -s "$f" "$g"; then
        why="${f##*/} differs from the unpiped run's"
      fi
    done
  fi
  if [[ -n $why ]]; then
    echo "not ok $name: $why"
    echo "  command: ${got_cmd[*]}"
    _failed=$((_failed + 1))
  else
    echo "ok $name (exit $status)"
    _passed=$((_passed + 1))
  fi
}

for reader in "head -1" true; do
  r=${reader%% *}
  piped map-html-$r "$reader" "$PTV" map "$CORE" --width 200 --html @OUT@.html
  piped map-spec-html-$r "$reader" "$PTV" map "$CORE" --spec $S4 --width 200 --html @OUT@.html
  piped check-html-$r "$reader" "$PTV" check "$CORE" --spec $S4 --html @OUT@.html
  piped check-report-html-$r "$reader" "$PTV" check "$CORE" --spec $S4 -o @OUT@.txt --html @OUT2@.html
  piped slice-$r "$reader" "$PTV" slice "$CORE" -o @OUT@.elf
  piped mappings-$r "$reader" "$PTV" mappings "$CORE"
  piped walk-$r "$reader" "$PTV" walk "$CORE" 0xffffffff81000000
  piped explain-all-$r "$reader" "$PTV" explain tests/fixtures/reports/explain-grouped.json --all
  piped diff-$r "$reader" "$PTV" diff "$CORE" $K/core.slice.mutated-wx.elf.zst
done

finish
