#include "verifier/mapping/table_frames.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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
    if (!flagged_.count(t.value() + 8ull * i)) return false;
    const Attributes a = effective_attributes(above, e, state_);
    return a.user || a.writable;
  }
  bool holds_flagged(PhysAddr t, Level l, const AccumulatedRights& above) {
    const auto key = std::make_tuple(t.value(), static_cast<unsigned>(l), above.key());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = false;  // levels strictly decrease, so this guards nothing but keeps it finite
    const auto view = read_(t);
    bool any = false;
    if (view) {
      for (unsigned i = 0; i < kEntriesPerTable && !any; ++i) {
        const Entry e((*view)[i], l);
        if (!e.p() || e.reserved_bits_set(state_)) continue;
        if (e.leaf()) any = harmful(t, i, e, above);
        else any = holds_flagged(e.address(state_), child_level(l), above.then(e));
      }
    }
    memo_[key] = any;
    return any;
  }
  bool visit(PhysAddr t, Level l, const AccumulatedRights& above, std::uint64_t base, std::vector<std::uint64_t>& pages,
             std::size_t& translations) {
    const auto view = read_(t);
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

}  // namespace

TableFrameMarks mark_table_frames(MappingSet& m, const AddressSpace& space, const PagingState& state,
                                  const TableReader& reader, PhysAddr root, std::size_t cap) {
  TableFrameMarks marks;
  std::vector<std::uint64_t> tables;
  for (const ReachedTable& t : space.tables) tables.push_back(t.pa.value());
  // A table an entry points to outside the dump is a paging structure all the same; one that is
  // a PD or higher could point to further tables anywhere, so no frame is known not to be one.
  bool any_frame_may_be_a_table = false;
  for (const AddressRun& r : space.runs) {
    if (r.kind != AddressRun::Kind::kUnreadable) continue;
    tables.push_back(r.missing_table.value());
    if (child_level(r.entry.level()) != Level::kPt) any_frame_may_be_a_table = true;
  }
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());

  // The leaf entries that map a table frame in a context that can write it or reach it from
  // user mode.
  std::set<std::uint64_t> flagged;
  for_each_leaf_run(space, state, reader, [&](const LeafRun& l) {
    if (!l.attributes.user && !l.attributes.writable) return;
    for (auto it = std::lower_bound(tables.begin(), tables.end(), l.frame.value());
         it != tables.end() && *it <= l.frame_last(); ++it)
      flagged.insert(l.entry_address(static_cast<unsigned>((*it - l.frame.value()) / l.page_size())).value());
  });
  std::vector<std::uint64_t> pages;
  if (!flagged.empty()) {
    FlaggedPaths paths(state, reader, flagged, tables, cap);
    if (!paths.run(root, pages, marks.translations)) {
      marks.complete = false;
      m.notes.push_back("more than " + std::to_string(cap) + " virtual pages reach page-table frames: the first " +
                        std::to_string(cap) + " found are marked, whether any other page does is left unknown");
    }
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());

  std::vector<Run> out;
  out.reserve(m.runs.size() + 2 * pages.size());
  auto piece = [&](const Run& r, std::uint64_t first, std::uint64_t last, bool table) {
    Run p = r;
    p.range = VirtRange{VirtAddr(first), VirtAddr(last)};
    p.page_table_frame = table ? Tri::kYes : marks.complete && !any_frame_may_be_a_table ? Tri::kNo : Tri::kUnknown;
    if (first != r.range.first.value()) {
      const WalkResult w = walk(state, reader, VirtAddr(first), root);
      p.phys = w.translation ? std::optional<PhysAddr>(w.translation->pa) : std::nullopt;
      p.leaf_raw = w.path.empty() ? std::nullopt : std::optional<std::uint64_t>(w.path.back().entry.raw());
      if (!w.path.empty()) {
        const WalkStep& leaf = w.path.back();
        p.provenance = Provenance{0, leaf.table, leaf.index, leaf.entry_address};
      }
    }
    out.push_back(std::move(p));
  };
  auto next = pages.begin();
  for (const Run& r : m.runs) {
    std::uint64_t from = r.range.first.value();
    const std::uint64_t last = r.range.last.value();
    bool consumed = false;
    next = std::lower_bound(next, pages.end(), from & ~std::uint64_t{0xfff});
    while (next != pages.end() && *next <= last) {
      const std::uint64_t p0 = std::max(*next, from), p1 = std::min(*next + 0xfff, last);
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
  m.runs = std::move(out);
  coalesce(m.runs);
  return marks;
}

}  // namespace ptv
