// Where a spec's regions are written: nlohmann's DOM keeps no positions, so a scan of the spec
// text finds the line of each element of a top-level array. Reports use it to point into the
// spec file (SARIF's physical locations).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ptv::spec {

/// The 1-based line on which each element of the array `key` of the top-level object starts,
/// in order. Only that member of the top-level object counts: a "regions" key nested anywhere
/// else is not it. Skips strings and // and /* */ comments as the spec parser does. Empty when
/// the text has no such member; on text the parser refuses, whatever the scan found.
[[nodiscard]] std::vector<unsigned> top_level_element_lines(std::string_view text, std::string_view key);

/// The 1-based line on which each value of the text starts, by its JSON path as the spec
/// parser spells it ("" for the whole document, "rules.wx", "regions[3].start"); the first
/// occurrence wins (the last with `last_wins`: where a duplicate key is). Skips strings and
/// comments as top_level_element_lines does; on text the parser refuses, whatever the scan found.
[[nodiscard]] std::map<std::string, unsigned> value_lines(std::string_view text, bool last_wins = false);

}  // namespace ptv::spec
