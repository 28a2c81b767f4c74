#!/usr/bin/env python3
"""A mapping-set JSON (docs/formats.md) of N runs, for benchmarks that grow the run count.

    python3 bench/mapping_set.py N OUT.json

N runs of one 4 KiB page each, one page apart (so no two merge), from 0xffffc90000000000 up,
alternating read-only and writable (so no two share a rights class either). Written as ptverify
writes the format, one mapping per line.
"""
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    base = 0xFFFFC90000000000
    with open(out, "w") as f:
        f.write('{\n  "format_version": 1,\n  "mode": "4-level",\n  "source": "bench/mapping_set.py %d",\n'
                '  "format": "synthetic",\n  "mappings": [\n' % n)
        for i in range(n):
            start = base + i * 0x2000
            f.write('    {"start": "0x%016x", "end": "0x%016x", "phys": "0x%016x", "page_size": 4096, '
                    '"writable": %s, "user": false, "executable": false, "global": true, "valid": true}%s\n'
                    % (start, start + 0x1000, 0x100000 + i * 0x1000, "true" if i % 2 else "false",
                       "," if i + 1 < n else ""))
        f.write('  ],\n  "unknown": [],\n  "faults": []\n}\n')


if __name__ == "__main__":
    main()
