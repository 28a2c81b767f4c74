#!/usr/bin/env bash
# The HTML map in a real browser. Strategy: write the pages the way a user does (`check --html`
# on the committed mutated slice, `map --html` on the clean one), render each in Debian's
# chromium headless, and assert on the DOM after the page's script ran (--dump-dom) that the map,
# its region names, the violation and its walk are there and that the script zoomed where the
# URL asked; then take screenshots (--screenshot) and check they are real PNGs.
#
# Usage: render_test.sh PTVERIFY SOURCE_DIR OUT_DIR
# Without chromium the test is skipped (exit 77, CTest's SKIP_RETURN_CODE) and says so; `make deps`
# installs it, so CI runs it.
set -u
ptverify=$1 src=$2 out=$3
mkdir -p "$out"
cd "$src" || exit 2

fail() { echo "FAIL: $*"; exit 1; }

if ! command -v chromium > /dev/null; then
  echo "SKIPPED: chromium is not installed, so the HTML map cannot be rendered: apt-get install chromium (or make deps)"
  exit 77
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network, no first-run or background work: a file:// page and nothing else.
chrome=(chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
        --disable-component-update --disable-sync --disable-extensions --hide-scrollbars --user-data-dir="$profile")

kaslr=tests/fixtures/linux-6.1-4level-kaslr
spec=specs/linux-x86_64-4level.json

# 1. The pages, exit codes as documented: check finds the W+X page (1), map draws (0).
"$ptverify" check $kaslr/core.slice.mutated-wx.elf.zst --spec $spec --html "$out/check.html" -q > "$out/check.txt"
rc=$?; [ $rc -eq 1 ] || fail "check --html exited $rc, expected 1 (violations)"
"$ptverify" map $kaslr/core.slice.elf.zst --spec $spec --html "$out/map.html" -q > "$out/map.txt"
rc=$?; [ $rc -eq 0 ] || fail "map --html exited $rc, expected 0"

dump_dom() {  # URL FILE
  timeout 60 "${chrome[@]}" --dump-dom "$1" > "$2" 2> "$2.stderr" || { cat "$2.stderr"; fail "chromium --dump-dom $1 failed"; }
  [ -s "$2" ] || { cat "$2.stderr"; fail "chromium --dump-dom $1 printed nothing"; }
}
expect() {  # FILE REGEX WHAT
  grep -Eq -- "$2" "$1" || fail "$3: no match for /$2/ in $1"
  echo "ok: $3"
}
reject() {  # FILE REGEX WHAT
  ! grep -Eq -- "$2" "$1" || fail "$3: unexpected match for /$2/ in $1"
  echo "ok: $3"
}

# 2. The check page, opened at its first violation: the script opens the walk and zooms the map to it.
dom=$out/check.dom.html
dump_dom "file://$out/check.html#violation-1" "$dom"
expect "$dom" '<html[^>]* data-ptv-ready="yes"' "the page's script ran to the end"
expect "$dom" '<svg id="map"' "the map is an inline svg with id map"
expect "$dom" '<g class="box[^"]*" id="box-[0-9]+" data-box="[0-9]+" data-name="direct-map"' "the direct map is a box of the map"
expect "$dom" 'data-name="kernel-image"' "the kernel image is a box of the map"
expect "$dom" 'non-canonical hole' "the non-canonical hole is drawn"
expect "$dom" '<details class="violation active" id="violation-1"[^>]* data-rule="wx"[^>]* open' "violation 1 is the wx violation, opened and selected"
expect "$dom" '0xffff8c4700001000' "the violation's range starts at 0xffff8c4700001000"
expect "$dom" '<table class="walk" id="walk-1">' "violation 1 shows its walk"
expect "$dom" '<tr class="level deciding">.*<td>PT</td>' "the walk marks the deciding PT entry"
expect "$dom" 'class="bit on decides"[^>]*>R/W=1' "the deciding R/W bit is highlighted"
expect "$dom" 'data-view="zoom:direct-map"' "the script zoomed the map into the direct map"
expect "$dom" '<rect class="run c6"' "the zoomed map draws the W+X run in its rights colour"
expect "$dom" 'id="band-1"' "the zoomed map highlights the violation's range"
expect "$dom" 'class="crumb current"' "the breadcrumb shows where the zoom is"
expect "$dom" 'class="vmark active" id="vmark-1"' "the violation is marked on the whole-space map"
reject "$dom" '<(script|img|link|iframe)[^>]+(src|href)=' "the page loads nothing from elsewhere"

# 3. The map page (every rule holds), opened at the whole space: no zoom, no violation.
dom=$out/map.dom.html
dump_dom "file://$out/map.html" "$dom"
expect "$dom" '<html[^>]* data-ptv-ready="yes"' "the map page's script ran"
expect "$dom" '<svg id="map"[^>]* data-view="overview"' "the map page starts at the whole space"
expect "$dom" 'data-name="direct-map"' "the map page names the direct map"
expect "$dom" 'data-name="espfix"' "the map page names the ESPfix area"
expect "$dom" 'None: every rule that could be decided holds' "the map page lists no violation"
reject "$dom" '<details class="violation' "the map page has no violation entry"

# 4. Screenshots: real PNGs of a plausible size (a blank page is a few KB).
shoot() {  # URL FILE
  timeout 60 "${chrome[@]}" --window-size=1280,1600 --screenshot="$2" "$1" > "$2.log" 2>&1 || { cat "$2.log"; fail "chromium --screenshot $1 failed"; }
  [ "$(head -c 8 "$2" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$2 is not a PNG"
  size=$(stat -c %s "$2")
  [ "$size" -gt 40000 ] || fail "$2 is only $size bytes: is the page blank?"
  echo "ok: screenshot $2 ($size bytes)"
}
shoot "file://$out/check.html?open=violation-1" "$out/check.png"
shoot "file://$out/map.html" "$out/map.png"
echo "PASS: HTML map rendered in $(chromium --version 2>/dev/null)"
