#!/usr/bin/env python3
"""Scaling plots for docs/performance.md, from bench/results/*.csv, as hand-written SVG.

Standard library only. Usage: python3 bench/plot.py [RESULTS_DIR] [IMG_DIR]
(defaults: bench/results and docs/img beside this script's repository). Writes
scaling-check.svg, scaling-walk.svg, scaling-memory.svg and (when run.sh timed spec families)
scaling-params.svg, and prints the fitted log-log
slope of every series (the exponent k in time ~ n^k), which docs/performance.md quotes.
"""

import csv
import math
import os
import sys

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
DASHES = ["", "6,3", "2,3", "8,3,2,3", "", "6,3"]
MARKERS = ["circle", "square", "triangle", "diamond", "circle", "square"]

PANEL_W = 470
PLOT_H = 250  # the axes' height; the legend goes below the x label, one line per series
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 70, 20, 36, 50
LEGEND_LINE = 15


def panel_height(legend_rows):
    return MARGIN_T + PLOT_H + MARGIN_B + LEGEND_LINE * legend_rows


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return None


def fit_slope(points):
    """Least-squares slope of log(y) against log(x); None with fewer than two points."""
    pts = [(math.log10(x), math.log10(y)) for x, y in points if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def si(v):
    """1000 -> '1k', 1e6 -> '1M', 0.1 -> '0.1'."""
    for div, unit in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= div:
            q = v / div
            return ("%g" % q) + unit
    return "%g" % v


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def marker(kind, x, y, colour):
    if kind == "square":
        return '<rect x="%.1f" y="%.1f" width="7" height="7" fill="%s"/>' % (x - 3.5, y - 3.5, colour)
    if kind == "triangle":
        return '<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>' % (
            x, y - 4.5, x - 4.5, y + 3.5, x + 4.5, y + 3.5, colour)
    if kind == "diamond":
        return '<polygon points="%.1f,%.1f %.1f,%.1f %.1f,%.1f %.1f,%.1f" fill="%s"/>' % (
            x, y - 5, x + 5, y, x, y + 5, x - 5, y, colour)
    return '<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"/>' % (x, y, colour)


def decades(lo, hi):
    """The decade range [floor, ceil] of log10 covering lo..hi, ignoring rounding noise."""
    a = math.floor(math.log10(lo) + 1e-9)
    b = math.ceil(math.log10(hi) - 0.02)
    return a, max(b, a + 1)


def panel(title, xlabel, ylabel, series, ox, oy):
    """One log-log panel at (ox, oy). series: [(name, [(x, y), ...])]. Returns SVG text."""
    pts = [p for _, s in series for p in s if p[0] and p[1] and p[0] > 0 and p[1] > 0]
    out = ['<g transform="translate(%d,%d)">' % (ox, oy)]
    out.append('<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>' % (MARGIN_L, esc(title)))
    if not pts:
        out.append('<text x="%d" y="%d" font-size="12">no data</text></g>' % (MARGIN_L, MARGIN_T + PLOT_H // 2))
        return "\n".join(out)
    x0, x1 = decades(min(p[0] for p in pts), max(p[0] for p in pts))
    y0, y1 = decades(min(p[1] for p in pts), max(p[1] for p in pts))
    w = PANEL_W - MARGIN_L - MARGIN_R
    h = PLOT_H

    def px(x):
        return MARGIN_L + (math.log10(x) - x0) / (x1 - x0) * w

    def py(y):
        return MARGIN_T + h - (math.log10(y) - y0) / (y1 - y0) * h

    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="white" stroke="#444"/>' % (MARGIN_L, MARGIN_T, w, h))
    for d in range(x0, x1 + 1):  # decades, with minor ticks at 2..9
        x = px(10 ** d)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ccc"/>' % (x, MARGIN_T, x, MARGIN_T + h))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>' % (x, MARGIN_T + h + 16, si(10 ** d)))
        for m in range(2, 10):
            if d < x1:
                xm = px(m * 10 ** d)
                out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#888"/>' % (xm, MARGIN_T + h, xm, MARGIN_T + h - 4))
    for d in range(y0, y1 + 1):
        y = py(10 ** d)
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ccc"/>' % (MARGIN_L, y, MARGIN_L + w, y))
        out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="end">%s</text>' % (MARGIN_L - 5, y + 4, si(10 ** d)))
        for m in range(2, 10):
            if d < y1:
                ym = py(m * 10 ** d)
                out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#888"/>' % (MARGIN_L, ym, MARGIN_L + 4, ym))
    out.append('<text x="%.1f" y="%d" font-size="12" text-anchor="middle">%s</text>' % (MARGIN_L + w / 2, MARGIN_T + h + 34, esc(xlabel)))
    out.append('<text x="14" y="%.1f" font-size="12" text-anchor="middle" transform="rotate(-90 14 %.1f)">%s</text>' % (
        MARGIN_T + h / 2, MARGIN_T + h / 2, esc(ylabel)))
    legend_y = MARGIN_T + h + MARGIN_B + 8
    for i, (name, s) in enumerate(series):
        colour, dash, mk = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)], MARKERS[i % len(MARKERS)]
        s = sorted(p for p in s if p[0] and p[1] and p[0] > 0 and p[1] > 0)
        if not s:
            continue
        path = " ".join("%s%.1f,%.1f" % ("M" if j == 0 else "L", px(x), py(y)) for j, (x, y) in enumerate(s))
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>' % (
            path, colour, ' stroke-dasharray="%s"' % dash if dash else ""))
        out.extend(marker(mk, px(x), py(y), colour) for x, y in s)
        k = fit_slope(s)
        label = name + ("  (slope %.2f)" % k if k is not None else "")
        out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (
            MARGIN_L + 8, legend_y - 4, MARGIN_L + 30, legend_y - 4, colour, ' stroke-dasharray="%s"' % dash if dash else ""))
        out.append(marker(mk, MARGIN_L + 19, legend_y - 4, colour))
        out.append('<text x="%d" y="%d" font-size="11">%s</text>' % (MARGIN_L + 36, legend_y, esc(label)))
        legend_y += 15
    out.append("</g>")
    return "\n".join(out)


def figure(path, title, panels, cols=2):
    rows = (len(panels) + cols - 1) // cols
    cols = min(cols, len(panels))
    panel_h = panel_height(max(len(p[3]) for p in panels))
    width, height = PANEL_W * cols, panel_h * rows + 30
    body = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="DejaVu Sans, Arial, sans-serif">' % (width, height, width, height),
            '<rect width="100%" height="100%" fill="white"/>',
            '<text x="%d" y="20" font-size="15" font-weight="bold" text-anchor="middle">%s</text>' % (width / 2, esc(title))]
    for i, p in enumerate(panels):
        body.append(panel(*p, ox=(i % cols) * PANEL_W, oy=30 + (i // cols) * panel_h))
    body.append("</svg>\n")
    with open(path, "w") as f:
        f.write("\n".join(body))
    print("wrote", path)


def report(label, series):
    for name, s in series:
        k = fit_slope(s)
        if k is not None:
            xs = [p[0] for p in s if p[0]]
            print("  %-62s slope %.2f over %s..%s" % (label + ": " + name, k, format(int(min(xs)), ","), format(int(max(xs)), ",")))


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    results = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "bench", "results")
    img = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "docs", "img")
    os.makedirs(img, exist_ok=True)

    check = read_csv(os.path.join(results, "check.csv"))

    def col(series, xkey, ykey):
        return [(num(r, xkey), num(r, ykey)) for r in check if r["series"] == series]

    t_runs = [("regular runs", col("regular", "runs", "check_ms")),
              ("irregular runs", col("irregular", "runs", "check_ms")),
              ("raw tables, 4M leaves", col("raw-runs", "runs", "check_ms"))]
    f_runs = [("regular runs", col("regular", "runs", "ite_nodes")),
              ("irregular runs", col("irregular", "runs", "ite_nodes")),
              ("raw tables, 4M leaves", col("raw-runs", "runs", "ite_nodes"))]
    t_pages = [("mapping set, 1k runs", col("pages", "pages", "check_ms")),
               ("raw tables, 1k runs", col("raw-pages", "pages", "check_ms")),
               ("raw tables: walk + set", col("raw-pages", "pages", "walk_ms"))]
    f_pages = [("mapping set, 1k runs", col("pages", "pages", "ite_nodes")),
               ("raw tables, 1k runs", col("raw-pages", "pages", "ite_nodes"))]
    figure(os.path.join(img, "scaling-check.svg"), "check: time and formula size",
           [("full check time vs runs", "runs", "ms", t_runs),
            ("formula size vs runs", "runs", "ite nodes", f_runs),
            ("time vs pages at 1,000 runs", "4 KiB pages", "ms", t_pages),
            ("formula size vs pages at 1,000 runs", "4 KiB pages", "ite nodes", f_pages)])
    print("fitted slopes (log-log):")
    for label, s in (("check ms vs runs", t_runs), ("ite nodes vs runs", f_runs),
                     ("check ms vs pages", t_pages), ("ite nodes vs pages", f_pages)):
        report(label, s)

    walk = [r for r in read_csv(os.path.join(results, "walk.csv")) if r["series"] == "tables"]

    def per_s(key):
        return [(num(r, "tables"), num(r, "entries") / (num(r, key) / 1000.0)) for r in walk if num(r, key)]

    def ms(key):
        return [(num(r, "tables"), num(r, key)) for r in walk]

    names = [("read floor", "floor_cold_ms"), ("walk", "walk_cold_ms"), ("walk + mapping set", "set_cold_ms"),
             ("walk + leaf runs read back", "leafruns_cold_ms"), ("walk, warm mapping", "walk_warm_ms")]
    rates = [(n, per_s(k)) for n, k in names]
    times = [(n, ms(k)) for n, k in names]
    by_runs = [r for r in read_csv(os.path.join(results, "walk.csv")) if r["series"] == "runs"]

    def ms_runs(key):
        return [(num(r, "runs"), num(r, key)) for r in by_runs if num(r, "runs") >= 1000]

    # Same order (and so colours) as the panels above for the series they share.
    runs_times = [("read floor", ms_runs("floor_cold_ms")), ("walk", ms_runs("walk_cold_ms")),
                  ("walk + mapping set", ms_runs("set_cold_ms")), ("out floor (read + write the runs)", ms_runs("out_cold_ms"))]
    figure(os.path.join(img, "scaling-walk.svg"), "raw walk against the floor of reading the tables (4 KiB leaves, fresh mapping)",
           [("entries per second vs tables (1k runs)", "page tables", "entries / s", rates),
            ("time vs tables (1k runs)", "page tables", "ms", times),
            ("time vs runs (4M leaves, 7.8k tables)", "runs", "ms", runs_times)])
    report("walk ms vs tables", times)
    report("walk ms vs runs", runs_times)

    mem = [r for r in read_csv(os.path.join(results, "memory.csv")) if r["series"] == "tables"]

    def rss(key):
        return [(num(r, "tables"), num(r, key) / 1024.0) for r in mem]

    series = [("walk + mapping set", rss("rss_walk_set_kib")), ("read floor (tables mapped and read)", rss("rss_floor_kib")),
              ("baseline (a child that does nothing)", rss("rss_baseline_kib"))]
    figure(os.path.join(img, "scaling-memory.svg"), "peak RSS per scenario (forked child, ru_maxrss)",
           [("peak RSS vs page tables (4 KiB leaves)", "page tables", "MiB", series)], cols=1)
    report("peak RSS MiB vs tables", series)

    # bench/spec_family.py's specs (run.sh, "growth with free parameters and regions"): one
    # series per cluster count. k = 0 has no place on a log axis; its time is the table's.
    growth = [r for r in read_csv(os.path.join(results, "param_growth.csv")) if r.get("exit") == "0"]
    if growth:
        counts = sorted({int(r["clusters"]) for r in growth})
        by_k = [("%d clusters (%s regions)" % (c, next(r["regions"] for r in growth if int(r["clusters"]) == c)),
                 [(num(r, "free_params"), num(r, "check_s")) for r in growth
                  if int(r["clusters"]) == c and num(r, "free_params")]) for c in counts]
        ks = sorted({int(r["free_params"]) for r in growth})
        by_regions = [("%d free parameters" % k, [(num(r, "regions"), num(r, "check_s")) for r in growth
                                                   if int(r["free_params"]) == k]) for k in ks if k in (0, 4, 10, 32)]
        capture = growth[0]["capture"]
        figure(os.path.join(img, "scaling-params.svg"), "check on %s: free parameters and regions" % capture,
               [("check time vs free parameters", "free parameters", "s", by_k),
                ("check time vs regions", "regions (clusters and guards)", "s", by_regions)])
        report("check s vs free parameters", by_k)
        report("check s vs regions", by_regions)


if __name__ == "__main__":
    main()
