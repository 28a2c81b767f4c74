// What changed between two mapping sets (`ptverify diff A B`): address ranges mapped in B but
// not in A (added), in A but not in B (removed), mapped in both with different attributes
// (changed), and ranges that one side cannot tell about (cannot compare).
//
// Every canonical address is in exactly one state per side (docs/how-ptverify-works.md): in a
// run, in an unknown range, in a fault range, or unmapped. The diff is a merge sweep over both
// sides' sorted ranges: each step covers the longest range over which neither side changes
// state, so the work is linear in the number of runs, never in the number of pages. An unknown
// range on either side is reported as "cannot compare" and never treated as unmapped, and a
// right that one side knows and the other does not is a change ("unknown -> yes").
//
// Physical frames are not compared: a run's frames need not be contiguous (mapping_set.h), so
// two runs with equal attributes may map different frames; `ptverify walk` tells an address's own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/base/exit_codes.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// What one side says about the addresses of a difference.
struct DiffSide {
  enum class State : std::uint8_t { kUnmapped, kMapped, kUnknown, kFault };
  State state = State::kUnmapped;
  std::optional<Run> run;               ///< kMapped: the run (its whole range, which may be wider)
  std::optional<UnknownRange> unknown;  ///< kUnknown
  std::optional<FaultRange> fault;      ///< kFault: the entry whose reserved bit makes the walk fault

  /// Same state and, when mapped, Run::same_attributes; unknown ranges by reason, faults by entry.
  [[nodiscard]] bool same(const DiffSide& o) const;
};
const char* to_string(DiffSide::State s);  // "unmapped", "mapped", "unknown", "faults"

/// One attribute that differs: e.g. {"executable", "no", "yes"}, {"page size", "2M", "4K"}.
struct AttributeChange {
  std::string attribute;
  std::string a, b;
  bool operator==(const AttributeChange&) const = default;
};

enum class DiffKind : std::uint8_t {
  kAdded,          ///< B translates, A does not (unmapped or faulting)
  kRemoved,        ///< A translates, B does not
  kChanged,        ///< both translate with different attributes, or both fault differently
  kCannotCompare,  ///< A or B cannot tell what the addresses translate to
};
const char* to_string(DiffKind k);  // "added", "removed", "changed", "cannot-compare"

struct Difference {
  DiffKind kind = DiffKind::kChanged;
  VirtRange range;
  DiffSide a, b;
  std::vector<AttributeChange> changes;  ///< kChanged: every attribute that differs, in a fixed order
};

struct MappingDiff {
  std::string a_source, b_source;  ///< the files compared
  std::string a_format, b_format;  ///< the readers that loaded them ("elf-core", "ptdump", ...)
  PagingMode mode = PagingMode::k4Level;
  std::vector<Difference> differences;  ///< sorted by address, disjoint; adjacent equal ones merged

  /// The number of differences of kind k.
  [[nodiscard]] std::size_t count(DiffKind k) const;
  /// kOk when no difference at all; kViolations when something was added, removed or changed
  /// (a proven difference, whatever else cannot be compared); else kUnknown (only ranges that
  /// cannot be compared: the dumps may or may not be identical).
  [[nodiscard]] ExitCode exit_code() const;
  /// "ptverify diff: DIFFERENT - 1 changed, 0 added, 0 removed, 0 cannot compare"
  [[nodiscard]] std::string summary_line() const;
};

/// The attributes of `a` and `b` that differ (writable, user, executable, global, page size,
/// protection key, PWT, PCD, PAT), as "no" / "yes" / "unknown" and sizes like "4K".
std::vector<AttributeChange> attribute_changes(const Run& a, const Run& b);

/// Compares two mapping sets of the same paging mode. Requires: a.validate() and b.validate()
/// hold. An error when the paging modes differ (their canonical spaces differ).
Expected<MappingDiff> diff_mappings(const MappingSet& a, const MappingSet& b);

/// The part of `m` inside `pieces` moved down by `base`: what maps base + o in `m` maps o in the
/// result (runs, unknown and fault ranges clipped to the pieces; everything else unmapped). Two
/// views of one region at two KASLR bases then compare with diff_mappings offset by offset
/// (`ptverify diff --spec`). The result keeps m's mode, format and source, and is a valid set
/// apart from canonicality. Requires: pieces sorted, disjoint, every address >= base.
MappingSet relative_view(const MappingSet& m, const std::vector<VirtRange>& pieces, std::uint64_t base);

}  // namespace ptv
