#!/usr/bin/env python3
"""The schema/sarif test: ptverify check writes SARIF for committed fixtures (one that holds,
three with violations), and each log is validated against the SARIF 2.1.0 schema
(validate_sarif.py). The log whose violation lies in a spec region must also point into the spec
file at that region's line, as code-scanning UIs show it.

Usage: check_sarif.py PTVERIFY SOURCE_DIR WORK_DIR
Exit codes: 0 pass, 1 fail, 77 skipped (jsonschema missing; printed by validate_sarif.py).
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (name, dump, spec, expected exit code of check, must some result point at a spec line)
CASES = [
    ("holds", "tests/fixtures/linux-6.1-ptdump-4level-pti/core.slice.elf.zst",
     "tests/fixtures/specs/outside-pti.json", 0, False),
    ("violations-pti", "tests/fixtures/linux-6.1-ptdump-4level-pti/core.slice.elf.zst",
     "tests/fixtures/specs/mutation-pti.json", 1, False),
    ("violations-wx", "tests/fixtures/linux-6.1-4level-kaslr/core.slice.mutated-wx.elf.zst",
     "specs/linux-x86_64-4level.json", 1, False),
    # required-mapped in the spec's region "program-head": located at that region's line.
    ("violations-region", "tests/fixtures/linux-6.1-ptdump-4level-pti/ptdump-kernel.txt",
     "tests/fixtures/specs/mutation-pti.json", 1, True),
]


def check_command(ptverify, dump, spec, out):
    """The one place that spells ptverify's command line: a SARIF report of `check` into `out`."""
    return [ptverify, "check", dump, "--spec", spec, "--sarif", out]


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip())
        return 2
    ptverify, source_dir, work_dir = argv[1:]
    os.makedirs(work_dir, exist_ok=True)
    files, failed = [], 0
    for name, dump, spec, expect, spec_line in CASES:
        out = os.path.join(work_dir, name + ".sarif")
        if os.path.exists(out):
            os.remove(out)
        cmd = check_command(ptverify, dump, spec, out)
        run = subprocess.run(cmd, cwd=source_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if run.returncode != expect or not os.path.isfile(out):
            print(f"not ok {name}: {' '.join(cmd)} exited {run.returncode} (expected {expect})"
                  f"{'' if os.path.isfile(out) else ', no report written'}\n{run.stdout}")
            failed += 1
            continue
        if spec_line:
            with open(out, encoding="utf-8") as f:
                results = json.load(f)["runs"][0]["results"]
            at_spec = [r for r in results
                       if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == spec
                       and r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0) > 0]
            if not at_spec:
                print(f"not ok {name}: no result points at a line of {spec}")
                failed += 1
                continue
        print(f"ok {name}: {' '.join(cmd)} exited {expect}")
        files.append(out)
    if failed:
        print(f"{len(CASES) - failed} passed, {failed} failed")
        return 1
    return subprocess.run([sys.executable, os.path.join(HERE, "validate_sarif.py")] + files).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
