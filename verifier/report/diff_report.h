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
//
// With a spec (`ptverify diff --spec SPEC`), the two sides are compared region by region
// (SpecDiff): each region of the spec is placed on each side with that side's own parameters
// (KASLR bases), and compared relative to its own base, so a region that moved with KASLR but
// maps the same pages with the same rights is identical. A region whose placement is
// randomised within (ESPfix, vmalloc allocations, stacks, modules, user-space ASLR) is compared as counts of
// pages per rights class, never page by page. The JSON adds "spec" and "regions" keys, and each
// difference says its region and offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "verifier/checks/result.h"
#include "verifier/mapping/diff.h"
#include "verifier/spec/concrete.h"

namespace ptv {

/// The summary line, the two files, then one line per difference: kind, range, size, what changed.
void write_diff_text(const MappingDiff& d, std::ostream& os);
/// The same as one JSON object, indented by two, ending with '\n'.
void write_diff_json(const MappingDiff& d, std::ostream& os);

/// Pages of one rights class (rights and page size, as `ptverify mappings` prints them) in a
/// region on each side.
struct ClassCount {
  std::string rights;  ///< "-rw- 4K"
  std::uint64_t a_pages = 0, b_pages = 0;
  std::uint64_t a_bytes = 0, b_bytes = 0;
};

/// One region of the spec compared on both sides.
struct RegionDiff {
  std::string name;
  std::size_t region = 0;  ///< into Spec::regions
  spec::Half half = spec::Half::kKernel;
  /// Placement randomised within: compared as ClassCount per rights class, not page by page.
  bool randomised = false;
  /// Regions nested in this one whose pages are counted with it (randomised regions only).
  std::vector<std::string> absorbed;
  std::uint64_t a_base = 0, b_base = 0;      ///< the region's start on each side
  std::uint64_t a_size = 0, b_size = 0;      ///< its extent on each side (0: 2^64)
  std::uint64_t a_mapped = 0, b_mapped = 0;  ///< bytes translated in the addresses it governs
  /// Not randomised: the differences, at offsets from each side's base.
  MappingDiff diff;
  std::uint64_t added_bytes = 0, removed_bytes = 0, changed_bytes = 0, cannot_compare_bytes = 0;
  /// Randomised: pages per rights class, by class name.
  std::vector<ClassCount> classes;

  /// A rights class present on one side only (randomised), or any difference (otherwise).
  [[nodiscard]] bool differs() const;
  /// Randomised: some class has another count on each side.
  [[nodiscard]] bool counts_differ() const;
};

/// What `ptverify diff --spec` compares.
struct SpecDiffOptions {
  bool kernel_only = false, user_only = false;
  std::set<std::string> ignore;  ///< region names not compared
};

struct SpecDiff {
  std::string spec_name;
  std::string a_source, b_source, a_format, b_format;
  PagingMode mode = PagingMode::k4Level;
  std::vector<check::Parameter> a_parameters, b_parameters;
  std::vector<RegionDiff> regions;   ///< the regions compared, in address order (side a)
  std::vector<std::string> ignored;  ///< regions not compared (--ignore, --kernel-only, --user-only)
  std::vector<std::string> notes;

  /// The differences of every region, as MappingDiff counts them.
  [[nodiscard]] std::size_t count(DiffKind k) const;
  /// kOk when no region differs (randomised regions' counts aside), kViolations when some
  /// region has something added, removed or changed or a randomised region gained or lost a
  /// rights class; kUnknown when the only differences cannot be compared.
  [[nodiscard]] ExitCode exit_code() const;
  /// "ptverify diff: DIFFERENT - 1 of 23 regions differ (1 changed, 0 added, 0 removed, 0 cannot
  /// compare; 1 randomised region differs in counts only), each relative to its own base"
  [[nodiscard]] std::string summary_line() const;
};

/// The region kinds whose placement is randomised within: espfix, vmalloc, stack, modules, ldt,
/// and user-space mmap and heap (ASLR).
[[nodiscard]] bool placement_randomised(spec::RegionKind k);

/// Compares a and b region by region, each region relative to its base in the layout of its own
/// side. Requires: both layouts of one spec; a and b valid. Error: the paging modes differ.
[[nodiscard]] Expected<SpecDiff> diff_by_region(const MappingSet& a, const spec::Layout& la, const MappingSet& b,
                                                const spec::Layout& lb, const SpecDiffOptions& options);

/// Text: the summary line, the two files with their parameters, one line per region that
/// differs (sizes added, removed, changed; counts per rights class for a randomised region),
/// the regions that do not, and then, unless `summary_only`, the differences themselves (at most
/// `max_listed`, 0: all) with each side's address.
void write_spec_diff_text(const SpecDiff& d, std::ostream& os, bool summary_only, std::size_t max_listed);
/// The same as JSON (the MappingDiff keys, plus "spec" and "regions").
void write_spec_diff_json(const SpecDiff& d, std::ostream& os);

}  // namespace ptv
