// The HTML map's inline style sheet and script. Nothing here loads anything from the network:
// no @import, no url() but same-document SVG patterns, no fetch.
#include "verifier/report/html_map_parts.h"

namespace ptv::html {

// Rights classes c0..c10 (address_map.h rights_class(); 9 unknown range, 10 fault) share one
// palette with the legend, the overview strips and the zoomed runs.
const std::string_view kStyle = R"CSS(
:root { --fg: #1f2328; --muted: #59636e; --line: #d0d7de; --panel: #f6f8fa; --red: #cf222e; --blue: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
header { padding: 10px 20px 9px; border-bottom: 1px solid var(--line); background: var(--panel); }
h1 { font-size: 18px; margin: 0 0 2px; }
h1 .src { font-weight: normal; font-family: "DejaVu Sans Mono", monospace; font-size: 13px; color: var(--muted); margin-left: 6px; }
h2 { font-size: 14px; margin: 14px 0 6px; }
h3 { font-size: 14px; margin: 0 0 2px; }
.meta { margin: 0; color: var(--muted); }
.verdict { margin: 4px 0 0; font-weight: 600; font-family: "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.verdict.violated { color: var(--red); } .verdict.holds { color: #1a7f37; } .verdict.unknown { color: #9a6700; }
main { display: flex; gap: 18px; padding: 10px 20px 20px; align-items: flex-start; }
#map-panel { flex: 0 0 600px; position: sticky; top: 0; max-height: 100vh; overflow-y: auto; }
#side { flex: 1 1 auto; min-width: 0; }
#crumbs { margin: 0 0 4px; font-size: 12.5px; min-height: 24px; display: flex; align-items: center; flex-wrap: wrap; gap: 2px; }
#crumbs button { font: inherit; font-size: 12px; padding: 1px 8px; margin-right: 6px; border: 1px solid var(--line); border-radius: 5px; background: #fff; cursor: pointer; }
#crumbs button:disabled { color: #afb8c1; cursor: default; }
.crumb { color: var(--blue); cursor: pointer; }
.crumb.current { color: var(--fg); font-weight: 600; cursor: default; }
.crumb-sep { color: var(--muted); margin: 0 3px; }
svg#map { display: block; font-family: system-ui, "DejaVu Sans", sans-serif; user-select: none; }
svg#map .frame { fill: #fff; stroke: #8c959f; stroke-width: 0.8; }
#map .box.guard .frame { fill: #f0f1f3; }
#map .box.none .frame { fill: #fcfcfc; stroke-dasharray: 3 2; }
#map .box.required .frame { fill: #f1f8ff; }
#map .box.hole .frame { fill: url(#hatch); }
#map .box.violating .frame { stroke: var(--red); stroke-width: 1.4; }
.hatch-bg { fill: #eceef1; } .hatch-line { stroke: #dadde1; stroke-width: 3; }
.box[role=button] { cursor: zoom-in; outline: none; }
#map .box[role=button]:hover .frame, #map .box[role=button]:focus .frame { stroke: var(--blue); stroke-width: 2; }
#map .box.selected .frame { stroke: var(--blue); stroke-width: 2.5; }
.name { font-size: 12px; font-weight: 600; fill: var(--fg); }
.size { font-size: 11px; fill: var(--muted); text-anchor: end; font-family: "DejaVu Sans Mono", monospace; }
.sum, .info { font-size: 11px; fill: var(--muted); }
text.vio, tspan.vio { font-size: 11px; fill: var(--red); font-weight: 700; }
.hole-label { font-size: 12px; fill: var(--muted); text-anchor: middle; font-style: italic; }
.addresses text, .tick text { font: 10.5px "DejaVu Sans Mono", monospace; fill: var(--muted); }
.strip-bg { fill: #f6f8fa; stroke: #d0d7de; stroke-width: 0.5; }
.c0 { fill: #8fa9c9; } .c1 { fill: #c4a7e7; } .c2 { fill: #2f6fd0; } .c3 { fill: #8250df; }
.c4 { fill: #2da44e; } .c5 { fill: #e16f24; } .c6 { fill: #cf222e; } .c7 { fill: #82071e; }
.c8 { fill: #d4a72c; } .c9 { fill: url(#unknown-hatch); } .c10 { fill: #24292f; }
.vmark { cursor: pointer; }
.vmark line { stroke: var(--red); stroke-width: 1.5; }
.vmark path { fill: var(--red); }
.vmark.active line { stroke-width: 3; }
#zoom .zframe { fill: #fff; stroke: #8c959f; }
#zoom .zone { fill: #f6f8fa; }
#zoom .ztitle { font-size: 13px; font-weight: 600; fill: var(--fg); }
#zoom .zsub { font-size: 11px; fill: var(--muted); }
#zoom .run:hover { stroke: #000; stroke-width: 1; }
#zoom .band { fill: rgba(207, 34, 46, 0.16); stroke: var(--red); stroke-width: 1.5; }
#zoom .band.active { fill: rgba(207, 34, 46, 0.28); stroke-width: 2.5; }
#zoom .band-label { fill: var(--red); font-size: 11.5px; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
#zoom .tick line { stroke: #8c959f; }
#zoom .area { cursor: zoom-in; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.groups { display: flex; flex-wrap: wrap; gap: 3px 14px; margin: 4px 0; padding: 0; list-style: none; font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.groups svg, .swatches svg { vertical-align: -2px; margin-right: 4px; border: 1px solid #d0d7de; }
details.violation { border: 1px solid var(--line); border-left: 4px solid var(--red); border-radius: 6px; margin: 0 0 8px; padding: 6px 10px; background: #fff; }
details.violation[open] { background: #fffbfb; }
details.violation.active { box-shadow: 0 0 0 2px rgba(207, 34, 46, 0.3); }
summary { cursor: pointer; }
.rule { font-weight: 700; color: var(--red); font-family: "DejaVu Sans Mono", monospace; }
.message { margin: 6px 0 2px; }
.hex { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.tag { font-size: 11px; border-radius: 10px; padding: 0 7px; }
.tag.new { background: #ffebe9; color: var(--red); } .tag.baselined { background: #fff8c5; color: #9a6700; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 4px 0 8px; }
dt { color: var(--muted); } dd { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num { text-align: right; }
table.walk tr.level td { border-bottom: none; padding-bottom: 1px; }
table.walk tr.decoded td { border-bottom: 1px solid var(--line); padding-top: 1px; }
table.walk .dec { color: var(--muted); font-family: "DejaVu Sans Mono", monospace; font-size: 11px; margin-top: 2px; }
table.walk tr.deciding td { background: #ffebe9; }
table.walk .mark { color: var(--red); width: 12px; padding-right: 0; }
.why { color: var(--red); font-weight: 700; }
.bits { display: inline-flex; flex-wrap: wrap; gap: 2px; }
.bit { font: 10.5px "DejaVu Sans Mono", monospace; padding: 0 3px; border-radius: 3px; border: 1px solid #d0d7de; color: #8c959f; background: #fff; }
.bit.on { background: #ddf4ff; color: #0a3069; border-color: #54aeff; }
.bit.field { color: var(--muted); }
.bit.decides { background: var(--red); color: #fff; border-color: var(--red); font-weight: 700; }
.status { font-weight: 600; }
.status.holds { color: #1a7f37; } .status.violated { color: var(--red); } .status.unknown { color: #9a6700; } .status.not-applicable { color: var(--muted); }
.swatches { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 2px 10px; font-size: 12px; }
.hint { color: var(--muted); font-size: 12px; margin: 4px 0; }
.none { color: var(--muted); }
#notes ul { padding-left: 18px; margin: 0; color: var(--muted); font-size: 12px; }
)CSS";

const std::string_view kScript = R"JS(
(() => {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  const data = JSON.parse(document.getElementById('ptv-data').textContent);
  const svg = document.getElementById('map');
  const overview = document.getElementById('overview');
  const zoom = document.getElementById('zoom');
  const crumbs = document.getElementById('crumbs');
  const back = document.getElementById('back');
  const selection = document.getElementById('selection');
  const X = parseFloat(svg.dataset.boxX), BW = parseFloat(svg.dataset.boxWidth), M = parseFloat(svg.dataset.margin);
  const H = parseFloat(svg.getAttribute('height'));
  const TOP = M + 34, PH = H - TOP - M;   // the zoomed range's rectangle
  const MIN_SPAN = 0x10000n;              // deepest zoom: 64K
  const CLASS = ['-r-- read-only', 'ur-- user read-only', '-rw- writable', 'urw- user writable', '-r-x executable',
                 'ur-x user executable', '-rwx writable + executable', 'urwx user, W+X', 'rights unknown',
                 'unknown to this dump', 'faults (reserved bits)'];
  const boxes = data.boxes.map((b, i) => Object.assign(b, { i, lo: BigInt(b.first), hi: BigInt(b.last) }));
  let stack = [];   // zoom levels: { box, lo, hi }, inclusive
  let active = 0;   // the selected violation (1-based), 0: none

  const hex = (v) => '0x' + v.toString(16).padStart(16, '0');
  const svgEl = (tag, attrs, parent, text) => {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const htmlEl = (tag, cls, parent, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  };
  const sizeText = (n) => {
    const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
    let u = 0, v = n;
    while (u < 6 && v >= 1024n && v % 1024n === 0n) { v /= 1024n; u++; }
    if (v < 100000n) return v.toString() + units[u];
    let f = Number(n); u = 0;
    while (f >= 1024 && u < 6) { f /= 1024; u++; }
    return '~' + f.toFixed(1) + units[u];
  };
  const perPixel = (span) => {
    const b = Number(span) / PH;
    return b < 1024 ? Math.round(b) + ' bytes' : sizeText(BigInt(Math.round(b)));
  };
  const ranges = (b, key) => b[key].map((r) => ({ lo: b.lo + BigInt('0x' + r[0]), hi: b.lo + BigInt('0x' + r[1]), r }));
  const runsOf = (b) => b.runsCache || (b.runsCache = ranges(b, 'r'));
  const swatch = (cls, parent) => {
    const s = svgEl('svg', { width: 11, height: 11 }, parent);
    svgEl('rect', { class: 'c' + cls, width: 11, height: 11 }, s);
  };

  function zoomTo(b, lo, hi) { stack.push({ box: b, lo, hi }); render(); }

  function zoomAround(b, a, span) {
    const whole = b.hi - b.lo + 1n;
    if (span < MIN_SPAN) span = MIN_SPAN;
    if (span >= whole) { render(); return; }
    let lo = a - span / 2n;
    if (lo < b.lo) lo = b.lo;
    if (lo + span - 1n > b.hi) lo = b.hi - span + 1n;
    lo = lo - (lo % 0x1000n);
    if (lo < b.lo) lo = b.lo;
    zoomTo(b, lo, lo + span - 1n);
  }

  function renderCrumbs(view) {
    crumbs.querySelectorAll('.crumb, .crumb-sep').forEach((e) => e.remove());
    const add = (text, depth) => {
      if (depth > 0) htmlEl('span', 'crumb-sep', crumbs, '\u203a');
      const c = htmlEl('span', depth === stack.length ? 'crumb current' : 'crumb', crumbs, text);
      if (depth !== stack.length) c.addEventListener('click', () => { stack.length = depth; render(); });
    };
    add('whole space', 0);
    stack.forEach((v, k) => add(k === 0 ? v.box.name : sizeText(v.hi - v.lo + 1n) + ' at ' + hex(v.lo), k + 1));
    back.disabled = !view;
  }

  function showSelection(view) {
    selection.textContent = '';
    if (!view) {
      htmlEl('p', 'hint', selection, 'The whole 64-bit address space, highest address at the top. Click a box to zoom in.');
      return;
    }
    const b = view.box;
    htmlEl('h3', '', selection, b.name);
    const meta = [];
    if (b.parents.length) meta.push('in ' + b.parents.join(' \u203a '));
    if (b.rule) meta.push(b.rule);
    if (b.shape) meta.push('array: ' + b.shape);
    if (meta.length) htmlEl('p', 'hint', selection, meta.join(' \u00b7 '));
    htmlEl('p', 'hex', selection, '[' + b.first + ', ' + b.end + ')  ' + b.size);
    htmlEl('p', '', selection, b.runs ? b.runs + (b.runs === 1 ? ' run, ' : ' runs, ') + b.mapped + ' mapped' : 'Nothing mapped.');
    if (b.groups.length) {
      const ul = htmlEl('ul', 'groups', selection);
      for (const g of b.groups) {
        const li = htmlEl('li', '', ul);
        const cls = g[0].includes('?') ? 8 : (g[0][0] === 'u' ? 1 : 0) | (g[0][2] === 'w' ? 2 : 0) | (g[0][3] === 'x' ? 4 : 0);
        swatch(cls, li);
        li.appendChild(document.createTextNode(g[0] + ' ' + g[1] + (g[2] ? ' \u00d7' + g[2] : '') + '  ' + g[3]));
      }
    }
    if (b.unknown[0]) htmlEl('p', 'hint', selection, '?? ' + b.unknown[0] + ' unknown ranges, ' + b.unknown[1] + ': ' + b.unknown[2]);
    if (b.faults) htmlEl('p', 'hint', selection, '!! ' + b.faults + ' faulting ranges (reserved bits)');
    if (b.gap) htmlEl('p', 'hint', selection, 'For display, runs of one class closer than ' + b.gap + ' are drawn merged.');
    if (b.bundle) htmlEl('p', 'hint', selection, 'For display, every ' + b.bundle + ' neighbouring runs are drawn as one, in the class with the most bytes.');
    htmlEl('p', 'hint', selection, 'Click inside the map to zoom 8\u00d7 around a point; Escape zooms out.');
  }

  // One rectangle per run, at least 1px tall; neighbours of one class in the same pixel row merge.
  function drawRuns(view, edge, layer) {
    const runs = runsOf(view.box);
    let k0 = 0, k1 = runs.length;
    while (k0 < k1) { const m = (k0 + k1) >> 1; if (runs[m].hi < view.lo) k0 = m + 1; else k1 = m; }
    let cur = null;
    const flush = () => {
      if (!cur) return;
      const rect = svgEl('rect', { class: 'run c' + cur.cls, x: X + 1, y: cur.top.toFixed(2), width: BW - 2,
                                   height: Math.max(1, cur.bot - cur.top).toFixed(2) }, layer);
      const bytes = cur.hi - cur.lo + 1n;
      svgEl('title', {}, rect, hex(cur.lo) + ' \u2013 ' + hex(cur.hi) + '  ' + sizeText(bytes) + '  ' + CLASS[cur.cls] +
            (cur.ps ? '  ' + cur.ps + ' pages' : '') + (cur.n > 1 ? '  (' + cur.n + ' runs)' : ''));
    };
    for (let k = k0; k < runs.length && runs[k].lo <= view.hi; k++) {
      const r = runs[k], lo = r.lo < view.lo ? view.lo : r.lo, hi = r.hi > view.hi ? view.hi : r.hi;
      let top = edge(hi + 1n), bot = edge(lo);
      if (bot - top < 1) { const mid = (top + bot) / 2; top = mid - 0.5; bot = mid + 0.5; }
      if (cur && cur.cls === r.r[2] && bot >= cur.top - 0.5) {
        cur.top = Math.min(cur.top, top); cur.hi = hi; cur.n += r.r[4];
        if (cur.ps !== r.r[3]) cur.ps = '';
        continue;
      }
      flush();
      cur = { cls: r.r[2], top, bot, lo, hi, n: r.r[4], ps: r.r[3] };
    }
    flush();
    for (const [key, cls] of [['u', 9], ['f', 10]]) {
      for (const r of ranges(view.box, key)) {
        if (r.hi < view.lo || r.lo > view.hi) continue;
        const lo = r.lo < view.lo ? view.lo : r.lo, hi = r.hi > view.hi ? view.hi : r.hi;
        const top = edge(hi + 1n), bot = edge(lo);
        const rect = svgEl('rect', { class: 'run c' + cls, x: X + 1, y: top.toFixed(2), width: BW - 2, height: Math.max(1, bot - top).toFixed(2) }, layer);
        svgEl('title', {}, rect, hex(lo) + ' \u2013 ' + hex(hi) + '  ' + CLASS[cls] + (r.r[2] ? ': ' + r.r[2] : ''));
      }
    }
  }

  function drawZoom(view) {
    zoom.textContent = '';
    const b = view.box, span = view.hi - view.lo + 1n, spanN = Number(span);
    const edge = (a) => TOP + Number(view.hi + 1n - a) / spanN * PH;   // y of the boundary below address a
    svgEl('text', { class: 'ztitle', x: X, y: M + 12 }, zoom, b.name);
    svgEl('text', { class: 'zsub', x: X, y: M + 27 }, zoom,
          (stack.length > 1 ? 'zoomed: ' : 'linear scale: ') + sizeText(span) + ' of ' + b.size + ', ' +
          perPixel(span) + ' per pixel');
    const area = svgEl('g', { class: 'area' }, zoom);
    svgEl('rect', { class: 'zframe', x: X, y: TOP, width: BW, height: PH }, area);
    drawRuns(view, edge, area);
    const ticks = svgEl('g', { class: 'tick' }, zoom);
    for (let k = 0; k <= 8; k++) {
      const a = view.lo + span * BigInt(k) / 8n, y = edge(a);
      svgEl('line', { x1: X + BW, x2: X + BW + 5, y1: y, y2: y }, ticks);
      svgEl('text', { x: X + BW + 8, y: y + 3.5 }, ticks, hex(k === 8 ? view.hi : a));
    }
    for (const v of data.violations) {
      if (v.box !== b.i) continue;
      const lo0 = BigInt(v.first), hi0 = BigInt(v.last);
      if (hi0 < view.lo || lo0 > view.hi) continue;
      const lo = lo0 < view.lo ? view.lo : lo0, hi = hi0 > view.hi ? view.hi : hi0;
      let top = edge(hi + 1n), bot = edge(lo);
      if (bot - top < 4) { const mid = (top + bot) / 2; top = mid - 2; bot = mid + 2; }
      svgEl('rect', { class: 'band' + (v.n === active ? ' active' : ''), id: 'band-' + v.n, x: X - 6, y: top, width: BW + 6, height: bot - top }, zoom);
      svgEl('text', { class: 'band-label', x: X + 8, y: top - 4 }, zoom, '!! ' + v.rule + ' at ' + v.first);
    }
  }

  function render() {
    const view = stack[stack.length - 1];
    renderCrumbs(view);
    overview.querySelectorAll('.box').forEach((g) => g.classList.toggle('selected', !!view && +g.dataset.box === view.box.i));
    if (!view) {
      overview.removeAttribute('display');
      zoom.setAttribute('display', 'none');
      svg.dataset.view = 'overview';
    } else {
      overview.setAttribute('display', 'none');
      zoom.removeAttribute('display');
      drawZoom(view);
      svg.dataset.view = 'zoom:' + view.box.name;
    }
    showSelection(view);
  }

  function markViolation(n) {
    active = n;
    document.querySelectorAll('details.violation').forEach((d) => d.classList.toggle('active', +d.dataset.n === n));
    document.querySelectorAll('.vmark').forEach((m) => m.classList.toggle('active', +m.dataset.violation === n));
  }

  function selectViolation(n) {
    const v = data.violations[n - 1];
    if (!v) return;
    markViolation(n);
    const b = boxes[v.box], lo = BigInt(v.first), size = BigInt(v.last) - lo + 1n;
    stack = [{ box: b, lo: b.lo, hi: b.hi }];
    zoomAround(b, lo + size / 2n, size * 64n);
  }

  overview.addEventListener('click', (ev) => {
    const mark = ev.target.closest('.vmark');
    if (mark) { openViolation(+mark.dataset.violation, true); return; }
    const g = ev.target.closest('.box[role=button]');
    if (!g) return;
    const b = boxes[+g.dataset.box];
    stack = [];
    zoomTo(b, b.lo, b.hi);
  });
  overview.addEventListener('keydown', (ev) => {
    const g = ev.target.closest('.box[role=button]');
    if (g && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); const b = boxes[+g.dataset.box]; stack = []; zoomTo(b, b.lo, b.hi); }
  });
  zoom.addEventListener('click', (ev) => {
    const view = stack[stack.length - 1];
    if (!view) return;
    const pt = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(svg.getScreenCTM().inverse());
    if (pt.y < TOP || pt.y > TOP + PH) return;
    const span = view.hi - view.lo + 1n;
    if (span <= MIN_SPAN) return;
    const frac = BigInt(Math.round((TOP + PH - pt.y) / PH * 1e6));
    zoomAround(view.box, view.lo + span * frac / 1000000n, span / 8n);
  });
  back.addEventListener('click', () => { stack.pop(); render(); });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && stack.length) { stack.pop(); render(); }
  });
  function openViolation(n, scroll) {
    const d = document.getElementById('violation-' + n);
    if (!d) return;
    d.open = true;
    selectViolation(n);
    if (scroll) d.scrollIntoView({ block: 'nearest' });
  }
  document.querySelectorAll('details.violation').forEach((d) => {
    d.addEventListener('toggle', () => { if (d.open && active !== +d.dataset.n) selectViolation(+d.dataset.n); });
  });

  // #violation-N selects that violation (walk shown, map zoomed to it), #zoom-N zooms to box N;
  // ?open=violation-N only opens the walk and marks it on the whole-space map, without
  // scrolling (for screenshots).
  const m = /^#(violation|zoom)-(\d+)$/.exec(location.hash);
  const o = /^\?open=violation-(\d+)$/.exec(location.search);
  if (m && m[1] === 'violation') openViolation(+m[2], true);
  else if (m && boxes[+m[2]]) zoomTo(boxes[+m[2]], boxes[+m[2]].lo, boxes[+m[2]].hi);
  else if (o && document.getElementById('violation-' + o[1])) { markViolation(+o[1]); document.getElementById('violation-' + o[1]).open = true; render(); }
  else render();
  document.documentElement.dataset.ptvReady = 'yes';
})();
)JS";

}  // namespace ptv::html
