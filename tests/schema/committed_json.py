#!/usr/bin/env python3
"""Every committed JSON output of ptverify matches its schema (docs/schema/).

    committed_json.py SOURCE_DIR

Walks the folders that hold saved outputs (the CLI goldens, tests/cli/golden/, and the fixtures,
tests/fixtures/), tells each *.json file's kind from its content (a check report, a mapping set,
a prove report, ...) and validates it against that kind's schema with validate_json.py. A JSON
file of no known kind fails, unless NON_REPORT_INPUTS below lists it: those are inputs ptverify
reads (layout specs, capture manifests), not outputs it writes. Exit 77 (skipped) without the
jsonschema module.
"""
import fnmatch
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import validate_json  # noqa: E402

SEARCHED = ["tests/cli/golden", "tests/fixtures"]

# Glob (relative to the source folder) -> what the files are. Inputs, not ptverify's outputs.
NON_REPORT_INPUTS = {
    "tests/fixtures/specs/*.json": "layout specs (JSON with comments) for single tests, read by check and prove",
    "tests/fixtures/*/capture.json": "capture manifests (ptverify capture), beside a capture's files",
}

# Each kind of output: its schema, and how its content is recognised (first match wins).
KINDS = [
    ("batch-summary", lambda d: isinstance(d, dict) and d.get("tool") == "ptverify check batch"),
    ("check-report", lambda d: isinstance(d, dict) and "rules" in d and "violations" in d and "verdict" in d),
    ("mappings", lambda d: isinstance(d, dict) and "mappings" in d and "format_version" in d),
    ("prove-report", lambda d: isinstance(d, dict) and d.get("tool") == "ptverify prove"),
    ("diff", lambda d: isinstance(d, dict) and "differences" in d and "counts" in d),
    ("walk", lambda d: isinstance(d, dict) and "outcome" in d and "walk" in d),
    ("prove-obligations", lambda d: isinstance(d, list) and all(isinstance(e, dict) and "id" in e for e in d)),
]


def kind_of(path):
    """The kind of the JSON output at path, or None (also when it is not strict JSON)."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError):
        return None
    for kind, matches in KINDS:
        if matches(document):
            return kind
    return None


def committed_json(root):
    """Every *.json under the searched folders, relative to root, sorted."""
    found = []
    for top in SEARCHED:
        for folder, _, names in os.walk(os.path.join(root, top)):
            for name in names:
                if name.endswith(".json"):
                    found.append(os.path.relpath(os.path.join(folder, name), root))
    return sorted(found)


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if not validate_json.have_jsonschema():
        print("skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
        return validate_json.SKIP
    root = argv[1]
    os.chdir(root)
    by_kind = {}
    failed = 0
    for path in committed_json("."):
        reason = next((why for glob, why in NON_REPORT_INPUTS.items() if fnmatch.fnmatch(path, glob)), None)
        if reason:
            print(f"ok - {path} # skip: an input, not an output: {reason}")
            continue
        kind = kind_of(path)
        if kind is None:
            failed += 1
            print(f"not ok - {path}: a JSON file of no known output kind; if it is an input, list it in "
                  "NON_REPORT_INPUTS (tests/schema/committed_json.py)")
            continue
        by_kind.setdefault(kind, []).append(path)
    for kind, paths in sorted(by_kind.items()):
        failed += validate_json.validate(f"docs/schema/{kind}.schema.json", paths)
    checked = sum(len(p) for p in by_kind.values())
    if checked == 0:
        failed += 1
        print(f"not ok - no committed output found under {', '.join(SEARCHED)} (moved?)")
    print(f"{checked} committed outputs validated, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
