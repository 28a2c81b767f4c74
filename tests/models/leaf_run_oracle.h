// An oracle for for_each_leaf_run, shared by the model tests (hand-built and random tables)
// and the real-capture tests: every entry of every leaf run is walked on its own with walk()
// from the address the run says it translates, and must be that entry, holding that value,
// mapping that frame with those attributes; runs must be maximal within their stretch; and
// the runs must hold exactly AddressSpace::leaf_uses entries.
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>

#include "models/walk.h"

namespace ptv::test {

struct LeafRunAudit {
  std::uint64_t runs = 0, leaves = 0;
  std::uint64_t mismatches = 0;
  std::string first_mismatch;  ///< empty when there is none
};

/// Walks every leaf entry of every leaf run of `as` (enumerated from `root`, or CR3).
inline LeafRunAudit audit_leaf_runs(const AddressSpace& as, const PagingState& s, const TableReader& read,
                                    std::optional<PhysAddr> root = std::nullopt) {
  LeafRunAudit a;
  auto fail = [&](const std::string& what) {
    if (a.mismatches++ == 0) a.first_mismatch = what;
  };
  std::optional<LeafRun> prev;
  for_each_leaf_run(as, s, read, [&](const LeafRun& r) {
    ++a.runs;
    a.leaves += r.count;
    if (r.count == 0 || r.first_index + r.count > kEntriesPerTable) {
      std::ostringstream os;
      os << "run at " << r.table << " [" << r.first_index << "] has " << r.count << " entries";
      fail(os.str());
      return;
    }
    for (unsigned k = 0; k < r.count; ++k) {
      const WalkResult w = walk(s, read, r.va(k), root);
      const bool ok = w.translation && w.translation->frame == r.frame_at(k) &&
                      w.translation->attributes == r.attributes && w.path.back().entry_address == r.entry_address(k) &&
                      w.path.back().entry.raw() == r.entry_at(k).raw() &&
                      w.path.back().entry.level() == r.entry.level();
      if (!ok) {
        std::ostringstream os;
        os << "entry " << k << " of the run at " << r.entry_address(0) << " (" << r.count << " entries, frame "
           << r.frame << ", " << r.attributes << "): walk(" << r.va(k) << ") gives " << w;
        fail(os.str());
      }
    }
    // Maximal: the next run of the same table does not simply continue this one.
    if (prev && prev->table == r.table && prev->entry.level() == r.entry.level() &&
        prev->first_index + prev->count == r.first_index && prev->attributes == r.attributes &&
        prev->entry_at(prev->count).raw() == r.entry.raw()) {
      std::ostringstream os;
      os << "the runs at " << prev->entry_address(0) << " and " << r.entry_address(0) << " should be one";
      fail(os.str());
    }
    prev = r;
  });
  if (a.leaves != as.leaf_uses) {
    std::ostringstream os;
    os << "the runs hold " << a.leaves << " entries, the walk counted " << as.leaf_uses << " leaf uses";
    fail(os.str());
  }
  return a;
}

}  // namespace ptv::test
