#!/usr/bin/env bash
# Every kind of JSON ptverify writes matches its schema (docs/schema/), written now by the built
# binary on the committed fixtures: check reports (holding, violating, unknown, baselined; a raw
# core and a text dump; to stdout and to a file), prove reports (proved, refuted, unknown) and
# the obligation list, mapping sets (raw, text, and a mapping set read back), walks (mapped, not
# present, non-canonical), diffs (identical, different, cannot compare) and batch summaries (a
# batch, and shards merged by report --merge). Each run's exit code
# is checked first, so a crash is not mistaken for a report. The invocations of the CLI tests that
# write JSON (tests/cli/*.cmake.in) are among them. Then the schemas' rule and obligation enums
# must be the registries the binary lists, and last, a renamed key in a report must be refused,
# so the schemas are not vacuous.
#
# Exit 77 (a visible skip) when the Python module jsonschema is not installed.
set -euo pipefail


here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schemas="$root/docs/schema"
PTV=${PTV:?set PTV to the ptverify binary}
cd "$root"

fail=0
ok() { echo "ok - $*"; }
not_ok() {
  echo "not ok - $*"
  fail=1
}

# The schemas themselves first: this also says whether jsonschema is there at all.
for s in "$schemas"/*.schema.json; do
  rc=0
  python3 "$here/validate_json.py" "$s" || rc=$?
  [ "$rc" = 77 ] && exit 77
  [ "$rc" = 0 ] || fail=1
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ptv-schema-XXXXXX")
trap 'rm -rf "$tmp"' EXIT

declare -A kind_of  # output file -> schema name
# write KIND NAME EXIT ARGS...: runs ptverify ARGS with stdout into $tmp/NAME.json and expects
# exit code EXIT.
write() {
  local kind=$1 name=$2 want=$3 rc=0
  shift 3
  "$PTV" "$@" >"$tmp/$name.json" 2>"$tmp/$name.stderr" || rc=$?
  if [ "$rc" != "$want" ]; then
    not_ok "$name: ptverify $* exited $rc, expected $want; stderr:"
    sed 's/^/  /' "$tmp/$name.stderr"
    return
  fi
  kind_of[$tmp/$name.json]=$kind
}

PTI=tests/fixtures/linux-6.1-ptdump-4level-pti
KASLR=tests/fixtures/linux-6.1-4level-kaslr
PTIUSER=tests/fixtures/linux-6.1-4level-pti-user
L5=tests/fixtures/linux-6.1-5level
SPECS=tests/fixtures/specs
# JSON on standard output; --json FILE writes a file.
J=(--json -)

# check: holds (to a file, with -o), violated on a raw core and on a text dump (unknown rules,
# no walks), a fixed parameter, the PTI user copy (facts stated by a flag), a baselined
# violation, and unknown at a resource limit.
write check-report check-holds-stdout 0 check $PTI/core.slice.elf.zst --spec $SPECS/outside-pti.json "${J[@]}"
rc=0
"$PTV" check $PTI/core.slice.elf.zst --spec $SPECS/outside-pti.json --json "$tmp/check-holds-file.json" \
  2>"$tmp/check-holds-file.stderr" || rc=$?
if [ "$rc" = 0 ] && [ -s "$tmp/check-holds-file.json" ]; then
  kind_of[$tmp/check-holds-file.json]=check-report
else
  not_ok "check-holds-file: check ... --json FILE exited $rc or wrote nothing"
  sed 's/^/  /' "$tmp/check-holds-file.stderr"
fi
write check-report check-violated 1 check $PTI/core.slice.elf.zst --spec $SPECS/mutation-pti.json "${J[@]}"
write check-report check-violated-ptdump 1 check $PTI/ptdump-kernel.txt --spec $SPECS/mutation-pti.json "${J[@]}"
write check-report check-param-fixed 1 check $PTI/core.slice.elf.zst --spec $SPECS/mutation-pti.json \
  --param dmap=0xffff980440000000 "${J[@]}"
write check-report check-pti-user 0 check $PTIUSER/core.slice.elf.zst --spec specs/linux-x86_64-4level.json \
  --pti user "${J[@]}"
write check-report check-baselined 0 check $KASLR/core.slice.mutated-wx.elf.zst --spec specs/linux-x86_64-4level.json \
  --baseline tests/fixtures/reports/baseline-mutated-wx.json "${J[@]}"
# A spec with a scoped exception: the rule lists it under "exceptions" (docs/spec-language.md 6.1).
write check-report check-exception 0 check $KASLR/core.slice.mutated-text-wx.elf.zst \
  --spec $SPECS/linux-text-wx-excepted.json "${J[@]}"
write check-report check-unknown 3 check $PTI/core.slice.elf.zst --spec $SPECS/outside-pti.json --solver-only --rlimit 1 "${J[@]}"

# prove: proved, refuted (counterexamples), unknown (unknown_reason), and the registry.
write prove-report prove-proved 0 prove specs/linux-x86_64-4level.json "${J[@]}"
write prove-report prove-refuted 1 prove specs/reference-layout.json "${J[@]}"
write prove-report prove-unknown 3 prove specs/linux-x86_64-4level.json --rlimit 1 "${J[@]}"
write prove-obligations prove-obligations 0 prove --list-obligations "${J[@]}"

# mappings: a raw walk (tables, provenance by entry), a 5-level one, text dumps (unknown ranges,
# markers, provenance by line), and a mapping set read back (its claimed source and format).
write mappings mappings-raw 0 mappings $PTI/core.slice.elf.zst "${J[@]}"
write mappings mappings-5level 0 mappings $L5/core.slice.elf.zst "${J[@]}"
write mappings mappings-ptdump 0 mappings $PTI/ptdump-kernel.txt "${J[@]}"
write mappings mappings-maps 0 mappings $PTI/proc-1-maps.txt "${J[@]}"
if [ -n "${kind_of[$tmp/mappings-ptdump.json]:-}" ]; then
  write mappings mappings-reread 0 mappings "$tmp/mappings-ptdump.json" "${J[@]}"
fi

# walk: mapped, not present (5-level), non-canonical, through the PTI user copy.
write walk walk-mapped 0 walk $PTI/core.slice.elf.zst 0xffff980440099000 "${J[@]}"
write walk walk-not-present 0 walk $L5/core.slice.elf.zst 0xffffffffff600000 "${J[@]}"
write walk walk-noncanonical 0 walk $PTI/core.slice.elf.zst 0x0000800000000000 "${J[@]}"
write walk walk-user-pgd 0 walk $PTI/core.slice.elf.zst --user-pgd 0x400000 "${J[@]}"

# diff: different, identical, raw against text (cannot compare, added), only unknown.
write diff diff-different 1 diff $KASLR/core.slice.elf.zst $KASLR/core.slice.mutated-wx.elf.zst "${J[@]}"
write diff diff-identical 0 diff $KASLR/core.slice.elf.zst $KASLR/core.slice.elf.zst "${J[@]}"
write diff diff-raw-vs-ptdump 1 diff $PTI/core.slice.elf.zst $PTI/ptdump-kernel.txt "${J[@]}"
write diff diff-unknown 3 diff $PTI/ptdump-kernel.txt $PTI/ptdump-kernel.txt "${J[@]}"
# --spec: region by region (a change, randomised regions as counts; regions left out).
write diff diff-spec-different 1 diff $KASLR/core.slice.elf.zst $KASLR/core.slice.mutated-wx.elf.zst \
  --spec linux-x86_64-4level "${J[@]}"
write diff diff-spec-kernel-only 1 diff tests/fixtures/linux-6.1-4level-pti-user/core.slice.elf.zst \
  $KASLR/core.slice.mutated-wx.elf.zst --spec linux-x86_64-4level --kernel-only --ignore vmemmap "${J[@]}"

# Batch summaries: a batch (one dump holds, one violated), two shards, and the shards merged.
B=(--spec specs/linux-x86_64-4level.json --summary-json -)
write batch-summary batch 1 check $KASLR/core.slice.elf.zst $KASLR/core.slice.mutated-wx.elf.zst "${B[@]}" \
  --jobs 2 --reports "$tmp/batch-reports"
write batch-summary batch-shard-a 0 check $KASLR/core.slice.elf.zst "${B[@]}" --reports "$tmp/shard-a"
write batch-summary batch-shard-b 1 check $KASLR/core.slice.mutated-wx.elf.zst "${B[@]}" --reports "$tmp/shard-b"
write batch-summary batch-merged 1 report --merge "$tmp/batch-shard-a.json" "$tmp/batch-shard-b.json" \
  --summary-json -

# Every output written, against its kind's schema.
for kind in check-report prove-report prove-obligations mappings walk diff batch-summary; do
  files=()
  for f in "${!kind_of[@]}"; do
    [ "${kind_of[$f]}" = "$kind" ] && files+=("$f")
  done
  if [ ${#files[@]} = 0 ]; then
    not_ok "no $kind output was written"
    continue
  fi
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort)
  python3 "$here/validate_json.py" "$schemas/$kind.schema.json" "${files[@]}" || fail=1
done

# The schemas' rule and obligation enums are the registries the binary lists, no more, no less.
rc=0
"$PTV" check --list-rules >"$tmp/rules.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || not_ok "check --list-rules exited $rc"
if [ "$rc" = 0 ] && [ -s "$tmp/prove-obligations.json" ]; then
  if python3 - "$schemas" "$tmp/rules.txt" "$tmp/prove-obligations.json" <<'PY'; then
import json, sys
schemas, rules_txt, obligations_json = sys.argv[1:]
load = lambda name: json.load(open(f"{schemas}/{name}.schema.json"))
rules = [line.split(":")[0].split(" ")[0] for line in open(rules_txt) if line.strip()]
obligations = json.load(open(obligations_json))
wrong = []
if load("check-report")["$defs"]["ruleName"]["enum"] != rules:
    wrong.append(f"check-report ruleName enum, want {rules}")
for name in ("prove-report", "prove-obligations"):
    s = load(name)
    o = s["$defs"]["obligation"] if name == "prove-report" else s["items"]
    if o["properties"]["id"]["enum"] != [e["id"] for e in obligations]:
        wrong.append(f"{name} obligation id enum")
    if o["properties"]["name"]["enum"] != [e["name"] for e in obligations]:
        wrong.append(f"{name} obligation name enum")
for w in wrong:
    print("  differs from the registry:", w)
sys.exit(1 if wrong else 0)
PY
    ok "the rule and obligation enums are the registries"
  else
    not_ok "a schema's rule or obligation enum differs from the registry"
  fi
fi

# A renamed key must be refused: the schemas list every key the writers write.
# refused KIND FILE FROM TO: FILE with the key "FROM" renamed "TO" must not validate.
refused() {
  local kind=$1 file=$2 from=$3 to=$4
  [ -s "$file" ] || return 0  # its run failed above
  sed "s/\"$from\":/\"$to\":/" "$file" >"$tmp/renamed.json"
  if cmp -s "$file" "$tmp/renamed.json"; then
    not_ok "$kind: no key \"$from\" in $(basename "$file") to rename"
  elif python3 "$here/validate_json.py" "$schemas/$kind.schema.json" "$tmp/renamed.json" >/dev/null; then
    not_ok "$kind: a report with \"$from\" renamed \"$to\" passes the schema"
  else
    ok "$kind: \"$from\" renamed \"$to\" is refused"
  fi
}
refused check-report "$tmp/check-violated.json" fingerprint fingerprnt
refused check-report "$tmp/check-violated.json" deciding_bits decidingbits
refused prove-report "$tmp/prove-refuted.json" goals_apart apart
refused mappings "$tmp/mappings-raw.json" writable writeable
refused walk "$tmp/walk-mapped.json" entry_address entry
refused diff "$tmp/diff-different.json" cannot_compare cannot-compare
refused batch-summary "$tmp/batch.json" violated_rules violatedrules

exit $fail
