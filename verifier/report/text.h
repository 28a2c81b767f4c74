// Human-readable text for mapping sets and walks (what `ptverify mappings` and `walk` print).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "models/walk.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// A byte count in the largest exact unit, as Linux's ptdump prints it: 4K, 2M, 16777096T.
/// 0 stands for 2^64.
std::string format_size(std::uint64_t bytes_or_zero);
/// "0x%016llx"
std::string hex16(std::uint64_t v);
/// The exclusive end of a range as text: 16 hex digits, or "0x10000000000000000" for 2^64.
std::string hex_end(const VirtRange& r);

/// One line per run, then unknown and fault ranges, then notes. Strings from the input (the
/// source, format, reasons, notes, facts) are written made printable (printable.h).
void write_mapping_set_text(const MappingSet& m, std::ostream& os);
/// The walk: each level's table, index, entry address, raw entry, decoded bits; the outcome.
void write_walk_text(const WalkResult& w, const PagingState& s, std::ostream& os);
/// The same walk as a JSON object.
void write_walk_json(const WalkResult& w, const PagingState& s, std::ostream& os);

}  // namespace ptv
