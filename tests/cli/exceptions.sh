#!/usr/bin/env bash
# Scoped exceptions (docs/spec-language.md section 6.1) on a real capture: the committed
# linux-6.1-4level-kaslr slice with one writable kernel-text page breaks W^X against the bundled
# 4-level spec; a spec that extends it and excepts wx for the kernel image excuses that page (the
# rule holds, and its detail says where and why), and one that excepts wx for the modules area
# instead still reports it. `spec show` prints the merged exceptions, prove proves the spec, and
# a meaningless exception exits 2 naming the file and line. Usage: exceptions.sh PTVERIFY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DUMP=tests/fixtures/linux-6.1-4level-kaslr/core.slice.mutated-text-wx.elf.zst
SPECS=tests/fixtures/specs
# rule STATUS DETAIL of one rule in a JSON report.
rule() {
  python3 -c 'import json,sys
r = [x for x in json.load(open(sys.argv[1]))["rules"] if x["rule"] == sys.argv[2]][0]
print(r["status"], r["detail"])' "$1" "$2"
}
# The addresses of one rule's violations, one a line.
violations() {
  python3 -c 'import json,sys
for v in json.load(open(sys.argv[1]))["violations"]:
    if v["rule"] == sys.argv[2]: print(v["address"])' "$1" "$2"
}

run_check() {  # NAME SPEC: exit code into $rc, report in $WORK/NAME.json
  set +e
  "$PTV" check $DUMP --spec "$2" -q --json "$WORK/$1.json" >"$WORK/$1.txt" 2>"$WORK/$1.err"
  rc=$?
  set -e
  [ -s "$WORK/$1.json" ] || fail "check --spec $2 wrote no report (exit $rc): $(cat "$WORK/$1.err")"
}

# The fault, against the bundled spec.
run_check base linux-x86_64-4level
[ $rc = 1 ] || fail "check --spec linux-x86_64-4level: exit $rc, expected 1"
read -r status _ < <(rule "$WORK/base.json" wx)
[ "$status" = violated ] || fail "wx is $status against the bundled spec, expected violated"
fault=$(violations "$WORK/base.json" wx)
[ -n "$fault" ] || fail "no wx violation listed against the bundled spec"
echo "ok: the bundled spec reports the W^X fault at $fault"

# Excepted for the kernel image: gone, and the rule says why.
run_check text $SPECS/linux-text-wx-excepted.json
read -r status detail < <(rule "$WORK/text.json" wx)
[ "$status" = holds ] || fail "wx is $status with the kernel-image exception, expected holds"
case "$detail" in
  "holds (except in kernel-image: a test kernel that patches its own text)"*) ;;
  *) fail "wx's detail does not name the exception: $detail" ;;
esac
[ -z "$(violations "$WORK/text.json" wx)" ] || fail "a wx violation is still listed with the kernel-image exception"
grep -q 'except in kernel-image: a test kernel that patches its own text' "$WORK/text.txt" ||
  fail "the text report does not show the exception: $(cat "$WORK/text.txt")"
# Nothing else changed: every other rule has the bundled spec's status.
python3 - "$WORK/base.json" "$WORK/text.json" <<'PY' || fail "another rule changed with the exception"
import json, sys
a = {r["rule"]: r["status"] for r in json.load(open(sys.argv[1]))["rules"]}
b = {r["rule"]: r["status"] for r in json.load(open(sys.argv[2]))["rules"]}
diff = {k: (a[k], b[k]) for k in a if k != "wx" and a[k] != b[k]}
if diff:
    print(diff, file=sys.stderr)
    sys.exit(1)
PY
python3 - "$WORK/text.json" <<'PY' || fail "the JSON report does not list the exception under the rule"
import json, sys
rules = {r["rule"]: r for r in json.load(open(sys.argv[1]))["rules"]}
want = [{"region": "kernel-image", "reason": "a test kernel that patches its own text"}]
assert rules["wx"]["exceptions"] == want, rules["wx"]
assert all("exceptions" not in r for name, r in rules.items() if name != "wx")
PY
# ptverify report writes the same JSON from the saved one (the exceptions read back).
"$PTV" report "$WORK/text.json" --json "$WORK/again.json" -o "$WORK/again.txt" || fail "report from the saved JSON: exit $?"
cmp -s "$WORK/text.json" "$WORK/again.json" || fail "report rewrites the saved JSON differently"
echo "ok: excepted for kernel-image, wx holds (exit $rc): $detail"

# Excepted for another region: still reported, at the same address.
run_check modules $SPECS/linux-modules-wx-excepted.json
[ $rc = 1 ] || fail "check with the modules exception: exit $rc, expected 1"
read -r status detail < <(rule "$WORK/modules.json" wx)
[ "$status" = violated ] || fail "wx is $status with the modules exception, expected violated"
[ "$(violations "$WORK/modules.json" wx)" = "$fault" ] || fail "the wx violations differ with the modules exception"
case "$detail" in
  *"except in modules: a test kernel whose modules patch themselves"*) ;;
  *) fail "wx's detail does not name the modules exception: $detail" ;;
esac
echo "ok: excepted for modules instead, the fault at $fault is still reported"

# spec show: the merged list (the base's exception removed, the new one added).
"$PTV" spec show $SPECS/linux-modules-wx-excepted.json >"$WORK/flat.json" || fail "spec show: exit $?"
python3 - "$WORK/flat.json" <<'PY' || fail "spec show does not print the merged exceptions: $(grep -A3 exceptions "$WORK/flat.json")"
import json, sys
e = json.load(open(sys.argv[1]))["exceptions"]
assert e == [{"rule": "wx", "region": "modules", "reason": "a test kernel whose modules patch themselves"}], e
PY
echo "ok: spec show prints the merged exceptions"

# prove accepts a spec with exceptions.
"$PTV" prove $SPECS/linux-text-wx-excepted.json >"$WORK/prove.txt" 2>&1 || fail "prove: exit $?: $(tail -5 "$WORK/prove.txt")"
echo "ok: prove proves the spec with an exception"

# A meaningless exception: exit 2, the file and line named.
cat >"$WORK/bad.json" <<'JSON'
{
  "extends": "linux-x86_64-4level",
  "name": "bad",
  "exceptions": [
    {"rule": "wx", "region": "kernel-imgae", "reason": "r"}
  ]
}
JSON
set +e
"$PTV" check $DUMP --spec "$WORK/bad.json" -q >/dev/null 2>"$WORK/bad.err"
rc=$?
set -e
[ $rc = 2 ] || fail "check with a misspelt region: exit $rc, expected 2"
grep -qF "$WORK/bad.json:5: exceptions[0].region: no region or array is named \"kernel-imgae\" (did you mean \"kernel-image\"?)" \
  "$WORK/bad.err" || fail "the error does not name the file and line: $(cat "$WORK/bad.err")"
echo "ok: a misspelt region exits 2: $(cat "$WORK/bad.err")"

# SARIF points the finding at the region's definition: kernel-image is written in the base the
# spec extends, so the location is that file's line, and that file is the artifact.
"$PTV" check $DUMP --spec tests/fixtures/specs/linux-modules-wx-excepted.json -q --sarif "$WORK/r.sarif" >/dev/null || true
line=$(grep -n '"name": "kernel-image"' specs/linux-x86_64-4level.json | cut -d: -f1)
python3 - "$WORK/r.sarif" "$line" <<'PY' || fail "the SARIF location is not the base spec's line"
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
loc = run["results"][0]["locations"][0]["physicalLocation"]
want = {"artifactLocation": {"uri": "specs/linux-x86_64-4level.json"}, "region": {"startLine": int(sys.argv[2])}}
assert loc == want, loc
assert [a["location"]["uri"] for a in run["artifacts"]][1:] == ["specs/linux-x86_64-4level.json"], run["artifacts"]
PY
echo "ok: SARIF points a finding in an inherited region at the base spec's line ($line)"
