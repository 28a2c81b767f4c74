// Two readings of one dump under two values of the processor facts the dump does not give, made
// into one mapping set that says only what both agree on.
//
// When CR0.WP, CR4.SMEP, CR4.PGE, EFER.NXE, MAXPHYADDR or 1 GiB page support is not known, the
// raw walk runs twice: once with each unknown fact at one value, once at the other
// (verifier/ingest/machine.h explains the choice). Every right and every outcome of a walk is
// monotone in each of those facts, and the two walks put every unknown fact at opposite
// extremes, so a right (or an outcome) that is the same in both walks is the same for every
// combination of values in between; where the walks differ, the merged set says unknown.
#pragma once

#include <string>

#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// The addresses and fields on which `a` and `b` differ, in summary.
struct MergeSummary {
  std::size_t differing_ranges = 0;  ///< pieces where the class (mapped / unmapped / ...) differs
  std::size_t differing_rights = 0;  ///< pieces mapped in both, with some right different
  [[nodiscard]] bool same() const { return differing_ranges == 0 && differing_rights == 0; }
};

/// Requires: a and b valid, of the same mode. The result has a's runs, fault and unknown ranges
/// where b agrees; a run whose rights differ keeps a's values for the fields that agree and
/// unknown for the others; an address whose class differs becomes an unknown range with
/// `reason`. Everything else (format, tables, notes, facts) is a's.
MappingSet merge_alternatives(const MappingSet& a, const MappingSet& b, const std::string& reason,
                              MergeSummary* summary = nullptr);

}  // namespace ptv
