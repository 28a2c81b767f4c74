#!/usr/bin/env bash
# `ptverify diff --spec` on real pairs of captures of one Debian 6.1 kernel: what KASLR, ESPfix
# and vmalloc move is not listed, what changed is. Two boots (nokaslr-nopti and nokaslr-boot2,
# the second with XD cleared in one direct-map entry): the plain diff lists every moved ESPfix
# page (over 100,000 lines), the spec diff fits on a screen (< 40 lines) and names the injected
# change; a KASLR capture against a PTI capture paused in user mode, kernel half only, fits too
# and names the same kind of change at its offset. Usage: diff_kernel.sh PTVERIFY SOURCE_DIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
F=tests/fixtures
BOOT1=$F/linux-6.1-4level-nokaslr-nopti/core.slice.elf.zst
BOOT2=$F/linux-6.1-4level-nokaslr-boot2/core.slice.mutated-wx.elf.zst

run() {  # run EXPECTED_EXIT OUT ARGS...: the exit code must be EXPECTED_EXIT
  local want=$1 out=$2 code=0
  shift 2
  "$PTV" "$@" -q >"$out" 2>"$WORK/stderr" || code=$?
  [ "$code" = "$want" ] || fail "ptverify $*: exit $code, expected $want: $(head -3 "$WORK/stderr")"
}

run 1 "$WORK/plain.txt" diff $BOOT1 $BOOT2
plain=$(wc -l <"$WORK/plain.txt")
[ "$plain" -gt 100000 ] || fail "the plain diff of two boots has $plain lines: expected the moved ESPfix pages"
echo "ok: the plain diff of two boots is $plain lines"

run 1 "$WORK/spec.txt" diff $BOOT1 $BOOT2 --spec linux-x86_64-4level
lines=$(wc -l <"$WORK/spec.txt")
[ "$lines" -lt 40 ] || fail "the spec diff of two boots has $lines lines: $(cat "$WORK/spec.txt")"
grep -q '^changed  *direct-map+0x1000  *4K  0xffff888000001000 0xffff888000001000  executable: no -> yes' "$WORK/spec.txt" ||
  fail "the spec diff does not name the injected change: $(cat "$WORK/spec.txt")"
grep -q '^identical (21): .*vmalloc, .*espfix' "$WORK/spec.txt" || fail "vmalloc and ESPfix are not identical by counts"
echo "ok: the spec diff of two boots is $lines lines and names the injected change"

run 1 "$WORK/json.json" diff $BOOT1 $BOOT2 --spec linux-x86_64-4level --json -
python3 - "$WORK/json.json" <<'PY' || fail "the JSON does not say the same"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["verdict"] == "different", j["verdict"]
assert [d["region"] for d in j["differences"]] == ["direct-map"], j["differences"]
regions = {r["name"]: r for r in j["regions"]}
assert regions["direct-map"]["status"] == "different" and regions["direct-map"]["changed"] == 4096
assert regions["espfix"]["randomised"] and regions["espfix"]["status"] == "identical"
assert regions["espfix"]["classes"][0]["a_pages"] == regions["espfix"]["classes"][0]["b_pages"] > 60000
assert "vmap-stacks" in regions["vmalloc"]["absorbed"]
assert j["a"]["parameters"]["page_offset_base"] == "0xffff888000000000"
PY
echo "ok: the JSON names the same change, ESPfix as counts"

run 1 "$WORK/kaslr.txt" diff $F/linux-6.1-4level-pti-user/core.slice.elf.zst \
  $F/linux-6.1-4level-kaslr/core.slice.mutated-wx.elf.zst --spec linux-x86_64-4level --kernel-only
lines=$(wc -l <"$WORK/kaslr.txt")
[ "$lines" -lt 40 ] || fail "the spec diff of the KASLR pair has $lines lines"
grep -q '^changed  *direct-map+0x1000  *4K  0xffff8e7c40001000 0xffff8c4700001000  executable: no -> yes' "$WORK/kaslr.txt" ||
  fail "the KASLR pair does not name the injected change at its offset: $(cat "$WORK/kaslr.txt")"
grep -q '^identical (.*kernel-image' "$WORK/kaslr.txt" || fail "the kernel image moved by KASLR is not identical"
echo "ok: the KASLR pair, kernel half, is $lines lines and names the change at each side's address"
