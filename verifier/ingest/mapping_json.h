// The ptverify JSON mapping set: what `mappings --json FILE` writes and every reader of this
// format loads back unchanged (read(write(m)) equals m field for field). The schema is in
// docs/formats.md, "ptverify JSON mapping set"; in short:
//
//   {"format_version": 1, "mode": "4-level", "source": "...", "format": "ptdump",
//    "mappings": [{"start": "0x...", "end": "0x...", "phys": null, "page_size": 4096,
//                  "writable": false, "user": null, ...}],
//    "unknown": [...], "faults": [...], "markers": [...], "tables": [...],
//    "self_refs": [...], "notes": [...]}
//
// Addresses and raw entries are hex strings ("0x" + 16 digits); ends are exclusive, and the end
// of a range reaching the top of the address space is "0x10000000000000000" (2^64, 17 digits).
// A right that the source cannot tell is null. Reader errors name the JSON Pointer of the
// offending value ("x.json:/mappings/3/start: expected ..., found ...").
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// The only format_version this code writes and reads.
inline constexpr int kMappingJsonVersion = 1;

/// Writes `set` as a JSON mapping set, one array element per line. Strings that are not valid
/// UTF-8 have their bad bytes replaced by U+FFFD (JSON cannot carry them).
void write_mapping_set_json(const MappingSet& set, std::ostream& out);

/// Confidence 0..100 that `content` is a JSON mapping set.
int sniff_mapping_json(std::string_view content);

/// Parses a JSON mapping set. MappingSet::source and ::format come from the JSON ("source" and
/// "format"), so a round trip is exact; `source` names the file in diagnostics (and stands in
/// for a missing "source"). options.mode, when given, must match "mode".
Expected<MappingSet> read_mapping_json(std::string_view content, const std::string& source,
                                       const TextReadOptions& options);

}  // namespace ptv
