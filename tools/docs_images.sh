#!/usr/bin/env bash
# Regenerates the images of `ptverify map` that the README and docs/inspect.md show:
#   docs/img/map-terminal.txt  `ptverify map --spec` on the committed KASLR slice, captured in a
#                              real pseudo-terminal (script(1)) of 100 columns: Unicode boxes, the
#                              width from TIOCGWINSZ; NO_COLOR so the text reads anywhere
#   docs/img/map-html.png      chromium's screenshot of `check --html` on the mutated slice, the
#                              violation's walk open (?open=violation-1), palette-compressed with
#                              pngquant when it is installed (apt-get install pngquant)
# Usage: tools/docs_images.sh [PTVERIFY]   (default: build/cli/ptverify), from the repository root.
set -eu
ptv=${1:-build/cli/ptverify}
kaslr=tests/fixtures/linux-6.1-4level-kaslr
spec=specs/linux-x86_64-4level.json
mkdir -p docs/img

cmd="ptverify map $kaslr/core.slice.elf.zst --spec $spec"
{
  echo "\$ $cmd"
  script -q -c "stty cols 100 rows 60; NO_COLOR=1 $ptv map $kaslr/core.slice.elf.zst --spec $spec 2>/dev/null" /dev/null | tr -d '\r'
} > docs/img/map-terminal.txt
echo "wrote docs/img/map-terminal.txt ($(wc -l < docs/img/map-terminal.txt) lines)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$ptv" check $kaslr/core.slice.mutated-wx.elf.zst --spec $spec --html "$tmp/check.html" -q > /dev/null || true
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-extensions --hide-scrollbars --user-data-dir="$tmp/profile" \
  --window-size=1280,1500 --screenshot="$tmp/map.png" "file://$tmp/check.html?open=violation-1" > /dev/null 2>&1
if command -v pngquant > /dev/null; then
  pngquant --quality 70-95 --speed 1 --strip --force --output docs/img/map-html.png "$tmp/map.png"
else
  cp "$tmp/map.png" docs/img/map-html.png
  echo "note: pngquant is not installed; the PNG is uncompressed"
fi
echo "wrote docs/img/map-html.png ($(stat -c %s docs/img/map-html.png) bytes)"
