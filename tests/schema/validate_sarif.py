#!/usr/bin/env python3
"""Validates SARIF files against the SARIF 2.1.0 JSON schema committed beside this script.

Usage: validate_sarif.py FILE.sarif [FILE.sarif ...]

Exit codes: 0 every file is valid, 1 some file is not (each error is printed with its JSON
path), 2 a usage or input error, 77 (ctest's skip code here) when the Python module jsonschema
is not installed (Debian: python3-jsonschema); the skip is printed, never silent.
"""
import json
import os
import sys

SKIP = 77
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sarif-schema-2.1.0.json")


def load_validator():
    try:
        import jsonschema
    except ImportError:
        print("SKIP: the Python module jsonschema is not installed (apt-get install python3-jsonschema)")
        sys.exit(SKIP)
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    # The schema names its own draft (the OASIS 2.1.0 schema with errata 01: draft-04); the
    # validator must be that draft's.
    validators = {
        "http://json-schema.org/draft-04/schema#": jsonschema.Draft4Validator,
        "http://json-schema.org/draft-07/schema#": jsonschema.Draft7Validator,
    }
    draft = schema.get("$schema", "")
    if draft not in validators:
        print(f"error: {SCHEMA} declares {draft!r}, expected JSON Schema draft-04 or draft-07")
        sys.exit(2)
    validator = validators[draft]
    validator.check_schema(schema)
    return validator(schema)


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip())
        return 2
    validator = load_validator()
    failed = 0
    for path in argv[1:]:
        try:
            with open(path, encoding="utf-8") as f:
                log = json.load(f)
        except (OSError, ValueError) as e:
            print(f"not ok {path}: cannot read JSON: {e}")
            failed += 1
            continue
        errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        if errors:
            failed += 1
            print(f"not ok {path}: {len(errors)} schema error(s)")
            for e in errors[:20]:
                where = "/".join(str(p) for p in e.absolute_path) or "(root)"
                print(f"  at {where}: {e.message}")
        else:
            print(f"ok {path}: valid SARIF 2.1.0")
    print(f"{len(argv) - 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
