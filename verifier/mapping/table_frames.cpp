#include "verifier/mapping/table_frames.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "models/format.h"

namespace ptv {

namespace {

/// Every 4 KiB virtual page translated to a table frame through one of the `flagged` leaf
/// entries under a rights context that can write the frame or reach it from user mode: a walk
/// that descends only into tables whose subtree holds such an entry. (The same entry reached
/// through a supervisor read-only path exposes nothing, and must not spend the page budget.)
class FlaggedPaths {
 public:
  FlaggedPaths(const PagingState& s, const TableReader& r, const std::set<std::uint64_t>& flagged,
               const std::vector<std::uint64_t>& tables, std::size_t cap)
      : state_(s), read_(r), flagged_(flagged), tables_(tables), cap_(cap) {}

  /// False when more than `cap` pages were found.
  bool run(PhysAddr root, std::vector<std::uint64_t>& pages, std::size_t& translations) {
    return visit(root, top_level(state_.mode()), AccumulatedRights{}, 0, pages, translations);
  }

 private:
  bool harmful(PhysAddr t, unsigned i, const Entry& e, const AccumulatedRights& above) const {
    if (!flagged_.count(t.value() + kEntryBytes * i)) return false;
    const Attributes a = effective_attributes(above, e, state_);
    return a.user || a.writable;
  }
  bool holds_flagged(PhysAddr t, Level l, const AccumulatedRights& above) {
    const auto key = std::make_tuple(t.value(), static_cast<unsigned>(l), above.key());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = false;  // levels strictly decrease, so this guards nothing but keeps it finite
    const auto view = cleared(read_(t), state_.sme_mask);
    bool any = false;
    if (view) {
      for (unsigned i = 0; i < kEntriesPerTable && !any; ++i) {
        const Entry e((*view)[i], l);
        if (!e.p() || e.reserved_bits_set(state_)) continue;
        if (e.leaf())
          any = harmful(t, i, e, above);
        else
          any = holds_flagged(e.address(state_), child_level(l), above.then(e));
      }
    }
    memo_[key] = any;
    return any;
  }
  bool visit(PhysAddr t, Level l, const AccumulatedRights& above, std::uint64_t base, std::vector<std::uint64_t>& pages,
             std::size_t& translations) {
    const auto view = cleared(read_(t), state_.sme_mask);
    if (!view) return true;
    const PagingMode mode = state_.mode();
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Entry e((*view)[i], l);
      if (!e.p() || e.reserved_bits_set(state_)) continue;
      const std::uint64_t b = base + entry_span(l) * i;
      if (e.leaf()) {
        if (!harmful(t, i, e, above)) continue;
        ++translations;
        const std::uint64_t frame = e.address(state_).value();
        for (auto it = std::lower_bound(tables_.begin(), tables_.end(), frame);
             it != tables_.end() && *it - frame < e.span(); ++it) {
          if (pages.size() >= cap_) return false;
          pages.push_back(canonicalize(b + (*it - frame), mode).value());
        }
      } else if (holds_flagged(e.address(state_), child_level(l), above.then(e))) {
        if (!visit(e.address(state_), child_level(l), above.then(e), b, pages, translations)) return false;
      }
    }
    return true;
  }

  const PagingState& state_;
  const TableReader& read_;
  const std::set<std::uint64_t>& flagged_;
  const std::vector<std::uint64_t>& tables_;
  std::size_t cap_;
  std::map<std::tuple<std::uint64_t, unsigned, unsigned>, bool> memo_;
};

/// The frames that hold (or may hold) paging structures, sorted: every table reached, and every
/// table an entry points to outside the dump. `any_frame_may_be_a_table` is set when one of the
/// missing tables is a PD or higher, which could point to further tables anywhere.
std::vector<std::uint64_t> table_frame_addresses(const AddressSpace& space, bool& any_frame_may_be_a_table) {
  std::vector<std::uint64_t> tables;
  for (const ReachedTable& t : space.tables) tables.push_back(t.pa.value());
  any_frame_may_be_a_table = false;
  for (const AddressRun& r : space.runs) {
    if (r.kind != AddressRun::Kind::kUnreadable) continue;
    tables.push_back(r.missing_table.value());
    if (child_level(r.entry.level()) != Level::kPt) any_frame_may_be_a_table = true;
  }
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
  return tables;
}

/// The leaf entries that map a table frame in a context that can write it or reach it from
/// user mode (by entry address).
std::set<std::uint64_t> flagged_entries(const AddressSpace& space, const PagingState& state, const TableReader& reader,
                                        const std::vector<std::uint64_t>& tables) {
  std::set<std::uint64_t> flagged;
  for_each_leaf_run(space, state, reader, [&](const LeafRun& l) {
    if (!l.attributes.user && !l.attributes.writable) return;
    for (auto it = std::lower_bound(tables.begin(), tables.end(), l.frame.value());
         it != tables.end() && *it <= l.frame_last(); ++it)
      flagged.insert(l.entry_address(static_cast<unsigned>((*it - l.frame.value()) / l.page_size())).value());
  });
  return flagged;
}

/// Cuts runs at the marked 4 KiB pages; a piece that starts inside a run is walked again for
/// its frame, leaf and provenance.
class RunSplitter {
 public:
  RunSplitter(const PagingState& state, const TableReader& reader, PhysAddr root, Tri unmarked)
      : state_(state), reader_(reader), root_(root), unmarked_(unmarked) {}

  std::vector<Run> split(const std::vector<Run>& runs, const std::vector<std::uint64_t>& pages) {
    out_.reserve(runs.size() + 2 * pages.size());
    auto next = pages.begin();
    for (const Run& r : runs) {
      std::uint64_t from = r.range.first.value();
      const std::uint64_t last = r.range.last.value();
      bool consumed = false;
      next = std::lower_bound(next, pages.end(), from & ~(kPageBytes - 1));
      while (next != pages.end() && *next <= last) {
        const std::uint64_t p0 = std::max(*next, from), p1 = std::min(*next + (kPageBytes - 1), last);
        if (p0 > from) piece(r, from, p0 - 1, false);
        piece(r, p0, p1, true);
        ++next;
        if (p1 == last) {
          consumed = true;
          break;
        }
        from = p1 + 1;
      }
      if (!consumed) piece(r, from, last, false);
    }
    return std::move(out_);
  }

 private:
  void piece(const Run& r, std::uint64_t first, std::uint64_t last, bool table) {
    Run p = r;
    p.range = VirtRange{VirtAddr(first), VirtAddr(last)};
    p.page_table_frame = table ? Tri::kYes : unmarked_;
    if (first != r.range.first.value()) {
      const WalkResult w = walk(state_, reader_, VirtAddr(first), root_);
      p.phys = w.translation ? std::optional<PhysAddr>(w.translation->pa) : std::nullopt;
      p.leaf_raw = w.path.empty() ? std::nullopt : std::optional<std::uint64_t>(w.path.back().entry.raw());
      if (!w.path.empty()) {
        const WalkStep& leaf = w.path.back();
        p.provenance = Provenance{0, leaf.table, leaf.index, leaf.entry_address};
      }
    }
    out_.push_back(std::move(p));
  }

  const PagingState& state_;
  const TableReader& reader_;
  PhysAddr root_;
  Tri unmarked_;  ///< what a page not marked is: no when the marking is complete and certain
  std::vector<Run> out_;
};

}  // namespace

TableFrameMarks mark_table_frames(MappingSet& m, const AddressSpace& space, const PagingState& state,
                                  const TableReader& reader, PhysAddr root, std::size_t cap) {
  TableFrameMarks marks;
  bool any_frame_may_be_a_table = false;
  const std::vector<std::uint64_t> tables = table_frame_addresses(space, any_frame_may_be_a_table);
  const std::set<std::uint64_t> flagged = flagged_entries(space, state, reader, tables);
  std::vector<std::uint64_t> pages;
  if (!flagged.empty()) {
    FlaggedPaths paths(state, reader, flagged, tables, cap);
    if (!paths.run(root, pages, marks.translations)) {
      marks.complete = false;
      m.notes.push_back("more than " + decimal(cap) + " virtual pages reach page-table frames: the first " +
                        decimal(cap) + " found are marked, whether any other page does is left unknown");
    }
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());

  const Tri unmarked = marks.complete && !any_frame_may_be_a_table ? Tri::kNo : Tri::kUnknown;
  m.runs = RunSplitter(state, reader, root, unmarked).split(m.runs, pages);
  coalesce(m.runs);
  return marks;
}

}  // namespace ptv
