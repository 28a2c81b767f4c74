#!/usr/bin/env bash
# The CI recipe of docs/ci.md, end to end: tools/ptverify-ci.sh boots a real Debian kernel under
# QEMU, captures it, checks it against the bundled spec and writes every report; the bundled spec
# holds, and every report is there and well formed (SARIF and JSON against their schemas).
# Usage: recipe.sh PTVERIFY SOURCE_DIR KERNEL. Skips (77) without QEMU, busybox or the kernel.
set -euo pipefail
PTV=$1 src=$2 kernel=${3:-}
# A vmlinuz, or an unpacked Debian kernel package (what make kernel leaves in the build folder).
if [ -d "$kernel" ]; then kernel=$(ls "$kernel"/boot/vmlinuz-* 2>/dev/null | head -1 || true); fi
if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
  echo "skipped: no test kernel ('$kernel'): make kernel downloads Debian's"; exit 77
fi
command -v qemu-system-x86_64 >/dev/null || { echo "skipped: qemu-system-x86 is not installed"; exit 77; }
[ -x /bin/busybox ] || { echo "skipped: busybox-static is not installed"; exit 77; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

set +e
bash "$src/tools/ptverify-ci.sh" "$kernel" -o "$WORK/reports" --ptverify "$PTV" --append "pti=on" \
  >"$WORK/stdout" 2>"$WORK/stderr"
code=$?
set -e
cat "$WORK/stderr"
head -1 "$WORK/stdout"
[ $code = 0 ] || { tail -40 "$WORK/stdout"; fail "ptverify-ci exited $code, expected 0 (the bundled spec holds)"; }
r=$WORK/reports
for f in report.txt report.json report.sarif junit.xml report.ktap map.html capture/core.elf capture/capture.json; do
  [ -s "$r/$f" ] || fail "ptverify-ci wrote no $f"
done
head -1 "$r/report.txt" | grep -q '^ptverify check: HOLDS' || fail "report.txt: $(head -1 "$r/report.txt")"
head -1 "$r/report.ktap" | grep -qx 'KTAP version 1' || fail "report.ktap is not KTAP"
grep -qE '^1\.\.[0-9]+$' "$r/report.ktap" || fail "report.ktap has no plan line"
! grep -q '^not ok' "$r/report.ktap" || fail "report.ktap has a failing test"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$r/junit.xml" || fail "junit.xml is not XML"
tail -c 200 "$r/map.html" | grep -q '</html>' || fail "map.html is not complete"
if python3 -c 'import jsonschema' 2>/dev/null; then
  python3 "$src/tests/schema/validate_sarif.py" "$r/report.sarif" || fail "report.sarif is not valid SARIF 2.1.0"
  python3 "$src/tests/schema/validate_json.py" "$src/docs/schema/check-report.schema.json" "$r/report.json" ||
    fail "report.json does not match docs/schema/check-report.schema.json"
else
  echo "note: python3-jsonschema is not installed: SARIF and JSON not validated against their schemas"
fi
echo "ok: ptverify-ci booted $(basename "$kernel"), checked it, and wrote every report"
