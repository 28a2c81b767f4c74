// The writers of `ptverify diff`: text for people, JSON for scripts. The JSON schema is in
// docs/inspect.md, "ptverify diff"; in short:
//
//   {"format_version": 1, "verdict": "different", "summary": "ptverify diff: DIFFERENT - ...",
//    "a": {"file": "a.elf", "format": "elf-core", "mode": "4-level"}, "b": {...},
//    "counts": {"added": 0, "removed": 0, "changed": 1, "cannot_compare": 0},
//    "differences": [{"kind": "changed", "start": "0x...", "end": "0x...", "size": "4K",
//                     "a": {"state": "mapped", "writable": "yes", ...}, "b": {...},
//                     "changes": [{"attribute": "executable", "a": "no", "b": "yes"}]}]}
//
// Addresses are hex strings ("0x" + 16 digits); "end" is exclusive, "0x10000000000000000" for 2^64.
#pragma once

#include <ostream>

#include "verifier/mapping/diff.h"

namespace ptv {

/// The summary line, the two files, then one line per difference: kind, range, size, what changed.
void write_diff_text(const MappingDiff& d, std::ostream& os);
/// The same as one JSON object, indented by two, ending with '\n'.
void write_diff_json(const MappingDiff& d, std::ostream& os);

}  // namespace ptv
