#!/usr/bin/env python3
"""A family of layout specs that all HOLD on one dump, for timing `ptverify check` as free
parameters and regions grow (bench/run.sh, "check: growth with free parameters and regions").

    spec_family.py MAPPINGS.json OUTDIR [--clusters 8,32,128] [--free 0,1,2,4,7,10]

MAPPINGS.json is `ptverify mappings DUMP --json FILE` of the dump. For each cluster count C the
dump's runs are grouped into C clusters of neighbouring runs (split at the C - 1 widest gaps, and
always between the two canonical halves). Each canonical half is then partitioned, bottom to top,
into alternating regions: an unmapped guard for each gap (kind "guard") and a may-be-mapped
region for each cluster, allowing the union of its runs' rights and requiring their
intersection. Every address of the canonical space is in exactly one region, so the spec keeps
"outside_regions": "forbidden" and every global rule strict.

For each k, k of the cluster boundaries become free parameters. A boundary between a cluster and
the gap before it (its start) ranges over the upper half of that gap, one after it (its end)
over the lower half: [gap start, gap middle] and [gap middle, gap end], 4 KiB aligned. Any value
in those domains keeps every mapped page in its cluster and every gap unmapped, so every spec of
the family holds, whatever values `check` infers, and no constraint between parameters is
needed. The k boundaries are spread evenly over the space (starts first, then ends).

Writes OUTDIR/c{C}-k{K}.json and prints one line per spec: "C REGIONS K PATH" (REGIONS is the
spec's total region count, guards included). Python 3 standard library only.
"""
import argparse
import json
import os
import sys

PAGE = 4096
RIGHTS = ("user", "writable", "executable", "global")


def parse_list(text):
    return [int(x) for x in text.split(",") if x]


def halves(mode):
    """(user half, kernel half) as [start, end) for 4- or 5-level paging."""
    bits = 48 if mode == 4 else 57
    return (0, 1 << (bits - 1)), ((1 << 64) - (1 << (bits - 1)), 1 << 64)


def load_runs(path):
    doc = json.load(open(path))
    mode = 5 if doc["mode"].startswith("5") else 4
    if doc.get("unknown"):
        # Ranges the dump cannot tell would make a guard undecided: this generator is for
        # dumps whose every translation is known (the committed slices are).
        sys.exit(f"spec_family.py: {path} has unknown ranges; pick a dump without them")
    runs = []
    for m in doc["mappings"]:
        runs.append((int(m["start"], 16), int(m["end"], 16), frozenset(r for r in RIGHTS if m[r])))
    runs.sort()
    return mode, runs


def cluster(runs, count, half_split):
    """Split the sorted runs into at most `count` clusters of neighbouring runs: at the
    half boundary, then at the widest gaps (ties: the lower address first)."""
    gaps = []  # (width, index of the first run after the gap)
    forced = set()
    for i in range(1, len(runs)):
        if runs[i - 1][1] <= half_split <= runs[i][0]:
            forced.add(i)
        elif runs[i][0] > runs[i - 1][1]:
            gaps.append((runs[i][0] - runs[i - 1][1], i))
    gaps.sort(key=lambda g: (-g[0], g[1]))
    cuts = set(forced)
    for _, i in gaps:
        if len(cuts) >= count - 1:
            break
        cuts.add(i)
    clusters, first = [], 0
    for i in sorted(cuts) + [len(runs)]:
        clusters.append(runs[first:i])
        first = i
    return clusters


def hexs(v):
    return f"0x{v:016x}"


def make_spec(mode, clusters, free):
    user, kernel = halves(mode)
    # Per cluster: [least start, true start, true end, greatest end]. The gap between two
    # clusters [a, b) is cut at m: the end below ranges over [a, m], the start above over
    # [m + 4 KiB, b], so the guard between them is never empty. A gap at a half's edge belongs
    # to its cluster alone (the guard there keeps at least one page too).
    spans = [[None, c[0][0], c[-1][1], None] for c in clusters]
    for i, s in enumerate(spans):
        h0, h1 = user if s[1] < user[1] else kernel
        if i > 0 and spans[i - 1][2] >= h0:
            a, b = spans[i - 1][2], s[1]
            s[0] = a + ((b - a) // PAGE - 1) // 2 * PAGE + PAGE if b > a else b
        else:
            s[0] = min(h0 + PAGE, s[1])
        if i + 1 < len(spans) and spans[i + 1][1] < h1:
            a, b = s[2], spans[i + 1][1]
            s[3] = a + ((b - a) // PAGE - 1) // 2 * PAGE if b > a else a
        else:
            s[3] = max(h1 - PAGE, s[2])
    candidates = [("start", i) for i in range(len(spans)) if spans[i][0] < spans[i][1]]
    candidates += [("end", i) for i in range(len(spans)) if spans[i][2] < spans[i][3]]
    if free > len(candidates):
        return None
    # Spread evenly over the starts, then the ends: candidates j * n / free.
    chosen = {candidates[(j * len(candidates)) // free] for j in range(free)}
    params, bound = {}, {}  # bound: (kind, i) -> the boundary's expression
    for i, s in enumerate(spans):
        for kind, true, lo, hi in (("start", s[1], s[0], s[1]), ("end", s[2], s[2], s[3])):
            if (kind, i) in chosen:
                name = f"c{i}_{kind}"
                params[name] = {"min": hexs(lo), "max": hexs(hi), "align": "4 * KiB",
                                "description": f"cluster {i}'s {kind}; true value {hexs(true)}"}
                bound[(kind, i)] = name
            else:
                bound[(kind, i)] = hexs(true)
    regions = []
    for half_name, (h0, h1) in (("user", user), ("kernel", kernel)):
        idx = [i for i, s in enumerate(spans) if h0 <= s[1] < h1]
        cursor = hexs(h0)
        for i in idx:
            c = clusters[i]
            if bound[("start", i)] != cursor:
                regions.append(guard(f"gap{i}", half_name, cursor, bound[("start", i)]))
            rights = set().union(*(r for _, _, r in c))
            required = set(RIGHTS).intersection(*(r for _, _, r in c))
            region = {"name": f"cluster{i}", "kind": "other", "half": half_name, "start": bound[("start", i)],
                      "end": bound[("end", i)], "must": "may-be-mapped",
                      "rights": {"allowed": sorted(rights), "required": sorted(required)},
                      "description": f"{len(c)} runs, {hexs(c[0][0])} .. {hexs(c[-1][1])}"}
            # The direct map and the image map page tables writably: allow it wherever a
            # supervisor-writable run is, as the bundled specs do for those regions.
            if "writable" in rights and "user" not in rights:
                region["maps_page_tables"] = True
            regions.append(region)
            cursor = bound[("end", i)]
        if cursor != hexs(h1):
            regions.append(guard(f"top-{half_name}", half_name, cursor, None, hexs(h1 - 1)))
    return {
        "name": f"family-c{len(clusters)}-k{free}",
        "description": "bench/spec_family.py: clusters of a dump's runs, some boundaries free",
        "rules": {"paging_mode": mode, "null_guard": 0, "wx": "forbidden",
                  "user_kernel_split": {"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "forbidden"},
                  "outside_regions": "forbidden", "recursive_slot": "none", "conflicting_aliases": "forbidden"},
        "parameters": params,
        "regions": regions,
    }


def guard(name, half, start, end, last=None):
    g = {"name": name, "kind": "guard", "half": half, "start": start, "must": "unmapped"}
    if last is None:
        g["end"] = end
    else:
        g["last"] = last
    return g


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mappings")
    ap.add_argument("outdir")
    ap.add_argument("--clusters", default="8,32,128", type=parse_list)
    ap.add_argument("--free", default="0,1,2,4,7,10", type=parse_list)
    a = ap.parse_args()
    mode, runs = load_runs(a.mappings)
    os.makedirs(a.outdir, exist_ok=True)
    for count in a.clusters:
        clusters = cluster(runs, count, halves(mode)[0][1])
        for k in a.free:
            spec = make_spec(mode, clusters, k)
            if spec is None:
                print(f"spec_family.py: {len(clusters)} clusters have fewer than {k} free boundaries; skipped",
                      file=sys.stderr)
                continue
            path = os.path.join(a.outdir, f"c{count}-k{k}.json")
            with open(path, "w") as f:
                json.dump(spec, f, indent=1)
                f.write("\n")
            print(len(clusters), len(spec["regions"]), k, path)


if __name__ == "__main__":
    main()
