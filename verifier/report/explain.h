// `ptverify explain`: the story of one violation of a check report, in plain words, ending with
// the entry change that would fix it.
//
// The fix is computed from the report alone (the JSON report carries each walk level's raw
// entry), so it works on a report saved by CI without the dump at hand. For raw dumps it is
// concrete: which entry, at which physical address, changes from which raw value to which
// (wx: set XD (bit 63) in the leaf, 0x0000000000001063 -> 0x8000000000001063). Text dumps carry
// no entries, so their fix is told in words only, with a pointer to the raw dump that would
// show the entry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "verifier/checks/result.h"

namespace ptv {

/// One entry of a violation's walk, and the raw value it should hold instead.
struct EntryChange {
  std::size_t level = 0;     ///< index into Violation::walk
  std::uint64_t before = 0;  ///< the raw entry now (Violation::walk[level].raw)
  std::uint64_t after = 0;   ///< the raw entry that fixes the violation
  std::string what;          ///< e.g. "set XD (bit 63)"
  bool operator==(const EntryChange&) const = default;
};

/// Splitting a large page: the leaf at `level` becomes a pointer to a new table whose 512
/// entries map the same frames with the same attributes at the next size down.
struct PageSplit {
  std::size_t level = 0;           ///< index into Violation::walk of the large leaf
  std::uint64_t table_entry = 0;   ///< the leaf's replacement, with the new table's address left 0
  std::uint64_t first_child = 0;   ///< entry 0 of the new table
  std::uint64_t child_stride = 0;  ///< entry i = first_child + i * child_stride (i = 0..511)
  Level child_level = Level::kPt;  ///< PT (2 MiB split into 4 KiB) or PD (1 GiB into 2 MiB)
  bool operator==(const PageSplit&) const = default;
};

/// What would fix a violation.
struct Fix {
  std::string summary;               ///< one sentence in domain terms
  std::vector<EntryChange> changes;  ///< concrete entry changes; empty without a walk
  std::optional<PageSplit> split;    ///< page-size: the split, concretely
  std::vector<std::string> notes;    ///< alternatives, scope (other pages of the range), caveats
  /// The walk entry whose bits decide the violation (index into Violation::walk; empty without a
  /// walk), and those bits ("R/W=1, XD=0"). check's marking, except where check marks the leaf
  /// with a generic "P=1" (rules decided by frames): there, the entry and bits the fix changes.
  std::optional<std::size_t> deciding;
  std::string deciding_bits;
};

/// The change to the page tables that removes violation v, computed from the report alone.
/// With a walk (raw dumps) the entries and raw values are concrete; without one (text dumps),
/// `changes` is empty and the summary says which entry to change and how.
[[nodiscard]] Fix propose_fix(const check::Violation& v);

/// Every bit in which `after` differs from the entry's raw value, named for the entry's level:
/// "XD (bit 63) 0 -> 1, R/W (bit 1) 1 -> 0".
std::string describe_bit_changes(const check::WalkLevel& entry, std::uint64_t after);

/// Writes the story of r.violations[index]: the rule and its description, the region, the
/// witness address, the maximal range and its size, the rights, each level of the walk with
/// the deciding entry marked and its bits named, then propose_fix(). `colour`: ANSI SGR
/// sequences (callers pass true only for a terminal without NO_COLOR). Requires: index <
/// r.violations.size().
void write_explain_text(const check::CheckResult& r, std::size_t index, std::ostream& os, bool colour);

/// Violations of one report that share one story: the same rule and region and, with walks,
/// the same deciding level and bits (one entry, or one entry per range set alike), so that one
/// walk and one fix tell them all. Without a deciding entry (text dumps) the rule and region
/// alone group.
struct ViolationGroup {
  std::vector<std::size_t> members;  ///< indexes into CheckResult::violations, ascending
  std::uint64_t bytes = 0;           ///< the members' ranges in all, saturating at 2^64 - 1
};

/// r's violations in groups, most significant first: more bytes, then more members, then the
/// lower first member. Every violation is in exactly one group.
[[nodiscard]] std::vector<ViolationGroup> group_violations(const check::CheckResult& r);

/// `explain --all`: for each group of group_violations(r), the story of its first member, with
/// the group's ranges, their count and total size listed first (a group of one reads as
/// write_explain_text). Requires: !r.violations.empty().
void write_explain_groups(const check::CheckResult& r, std::ostream& os, bool colour);

/// For a report without violations: its verdict and why there is nothing to explain.
void write_explain_nothing(const check::CheckResult& r, std::ostream& os);

}  // namespace ptv
