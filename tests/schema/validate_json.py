#!/usr/bin/env python3
"""Validates JSON files against one of ptverify's JSON Schemas (docs/schema/).

    validate_json.py SCHEMA FILE...   validate each FILE; exit 1 if any does not match
    validate_json.py SCHEMA           check only that SCHEMA is itself a valid schema

One line per file: "ok - FILE" or "not ok - FILE", then each error with the JSON Pointer of the
offending value. Needs the Python module jsonschema (Debian: python3-jsonschema, 4.10 on Debian
12); without it the script says "skipped: ..." and exits 77, which the CTest tests mark as
skipped. Only draft 2020-12 keywords that jsonschema 4.10 already knows are used by the schemas.
"""
import json
import sys

SKIP = 77  # the tests' SKIP_RETURN_CODE
MAX_ERRORS = 10  # per file: enough to see a pattern, not a wall of text


def pointer(path):
    """The JSON Pointer (RFC 6901) of an error's absolute_path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path) or "/"


def load_validator(schema_path):
    """A validator for the schema at schema_path, after checking the schema itself."""
    from jsonschema import validators

    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def errors_of(validator, path):
    """The error lines for the JSON file at path: empty when it matches."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, ValueError) as e:
        return [f"cannot read as JSON: {e}"]
    found = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    lines = [f"{pointer(e.absolute_path)}: {e.message}" for e in found[:MAX_ERRORS]]
    if len(found) > MAX_ERRORS:
        lines.append(f"... and {len(found) - MAX_ERRORS} more")
    return lines


def validate(schema_path, files):
    """Prints one line per file (and its errors); returns the number of files that fail."""
    validator = load_validator(schema_path)
    failed = 0
    for path in files:
        lines = errors_of(validator, path)
        if lines:
            failed += 1
            print(f"not ok - {path} against {schema_path}")
            for line in lines:
                print(f"  {line}")
        else:
            print(f"ok - {path}")
    return failed


def have_jsonschema():
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if not have_jsonschema():
        print("skipped: python3-jsonschema is not installed (apt-get install python3-jsonschema)")
        return SKIP
    schema_path, files = argv[1], argv[2:]
    try:
        failed = validate(schema_path, files)
    except Exception as e:  # a broken schema or an unreadable schema file
        print(f"not ok - {schema_path}: not a usable JSON Schema: {e}")
        return 1
    if not files:
        print(f"ok - {schema_path} is a valid schema")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
