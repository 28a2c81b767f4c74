// Human-readable text for mapping sets and walks (what `ptverify mappings` and `walk` print).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "models/format.h"
#include "models/walk.h"
#include "verifier/ingest/symbols.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// One line per run, then unknown and fault ranges, then notes. Strings from the input (the
/// source, format, reasons, notes, facts) are written made printable (printable.h).
void write_mapping_set_text(const MappingSet& m, std::ostream& os);
/// The walk: each level's table, index, entry address, raw entry, decoded bits; the outcome.
void write_walk_text(const WalkResult& w, const PagingState& s, std::ostream& os);
/// The same walk as a JSON object; with `symbol` (walk with the kernel's symbols), what names the
/// address: {"symbol", "section"}.
void write_walk_json(const WalkResult& w, const PagingState& s, std::ostream& os, const SymbolHit* symbol = nullptr);

}  // namespace ptv
