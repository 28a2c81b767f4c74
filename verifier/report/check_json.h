// The JSON report of `ptverify check` (`--json FILE`), and its reader (for `ptverify explain`
// and `--baseline`): read_check_json(write_check_json(r)) equals r field for field. The schema is
// docs/schema/check-report.schema.json, described in docs/check.md, "JSON report"; in short:
//
//   {"format_version": 3, "verdict": "violated", "complete": true, "summary": "ptverify check: ...",
//    "dump": "core.elf", "dump_format": "elf-core", "spec": "linux.json", "mode": "4-level",
//    "parameters": {"kernel_text": "0xffffffffa5000000"},
//    "parameter_sources": {"kernel_text": {"source": "read", "origin": "_stext in kallsyms (k.txt)"}},
//    "parameters_admissible": true,
//    "rules": [{"rule": "wx", "status": "violated", "violations": 1, "detail": "", "seconds": 0.01}],
//    "violations": [{"rule": "wx", "region": "direct-map", "address": "0x...", "start": "0x...",
//                    "end": "0x...", "rights": "-rwx 2M", "message": "...", "phys": null,
//                    "fingerprint": "wx:direct-map:0x...-0x...", "baselined": false,
//                    "walk": [{"level": "PML4", "table": "0x...", "index": 273,
//                              "entry_address": "0x...", "raw": "0x...", "decoded": "P RW A",
//                              "deciding": false, "deciding_bits": ""}],
//                    "places": {"first": {"symbol": "", "section": "", "area": "Low Kernel Mapping"},
//                               "last": {"symbol": "", "section": "", "area": "Low Kernel Mapping"}}}],
//    "notes": [], "seconds": 0.21, "queries": 17, "formula_nodes": 412}
//
// Addresses and raw entries are hex strings ("0x" + 16 digits); "end" is exclusive, and the end of
// a range reaching the top of the address space is "0x10000000000000000" (2^64). "verdict" and
// "summary" are derived from the rest (CheckResult::verdict(), summary_line()); the reader checks
// that "verdict" agrees and ignores "summary". A rule the spec excepts somewhere has the optional
// "exceptions": [{"region": "direct-map", "reason": "..."}] (docs/spec-language.md §6.1), in any
// version from 2 on. Reader errors name the file and the JSON Pointer of
// the offending value ("r.json:/violations/2/end: expected ..., found ...").
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"
#include "verifier/checks/result.h"

namespace ptv {

/// The format_version this code writes; it also reads 1 (before facts) and 2 (before places and
/// parameter sources).
inline constexpr int kCheckJsonVersion = 3;

/// Writes `r` as one JSON object, indented by two, ending with '\n'. Requires: parameter names
/// are distinct (they become object keys). Bytes that are not UTF-8 are written as U+FFFD.
void write_check_json(const check::CheckResult& r, std::ostream& os);

/// Reads a saved check JSON report to be used (explain, --baseline): parse_check_json, and then
/// every violation's walk is recomputed from its own raw entries (check::check_saved_walk); a
/// walk they contradict (its text, levels, tables, the deciding entry, or the rule it claims) is
/// an error naming the violation.
Expected<check::CheckResult> read_check_json(std::string_view text, const std::string& source);

/// The format alone: parses a check JSON report. `source` names the text in diagnostics (a file
/// name). Unknown keys are errors (a typo must not silently drop a field), and so is a "verdict"
/// that disagrees with the rules and violations.
Expected<check::CheckResult> parse_check_json(std::string_view text, const std::string& source);

/// `check --baseline FILE`: the fingerprints (checks/baseline.h) of every violation in the check
/// JSON report at `path` (gzip/zstd read transparently), baselined or not, in report order.
/// Errors name the file (and the JSON Pointer for a bad report).
Expected<std::vector<std::string>> load_baseline(const std::string& path);

}  // namespace ptv
