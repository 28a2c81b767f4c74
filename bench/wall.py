#!/usr/bin/env python3
"""Wall time of a command with sub-millisecond resolution, for bench/run.sh.

    wall.py [--repeat N] [--slow S] [--stderr FILE] -- COMMAND [ARG...]

Runs COMMAND up to N times (default 5), its standard output and error discarded (standard
error kept in FILE from the last run with --stderr), and prints one line:
"MEDIAN_SECONDS EXIT_CODE RUNS". /usr/bin/time rounds to 10 ms, too coarse for runs of 30 ms;
this uses time.perf_counter() around each child, so the ~1 ms of fork and exec is included, as
it is in any shell's run of the command. When the first run takes longer than S seconds (--slow,
default: never), it is the only one: a run that slow is far from any target, and repeating it
would blow the bench's time budget. EXIT_CODE is the last run's. Standard library only.
"""
import argparse
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--slow", type=float, default=None)
    ap.add_argument("--stderr", default=None)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")
    walls, rc = [], 0
    for i in range(max(1, a.repeat)):
        err = open(a.stderr, "wb") if a.stderr else subprocess.DEVNULL
        t0 = time.perf_counter()
        rc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err).returncode
        walls.append(time.perf_counter() - t0)
        if a.stderr:
            err.close()
        if i == 0 and a.slow is not None and walls[0] > a.slow:
            break
    print(f"{statistics.median(walls):.4f} {rc} {len(walls)}")


if __name__ == "__main__":
    sys.exit(main())
