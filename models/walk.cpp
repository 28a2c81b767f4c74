#include "models/walk.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace ptv {

const char* to_string(WalkOutcome o) {
  switch (o) {
    case WalkOutcome::kMapped: return "mapped";
    case WalkOutcome::kNotPresent: return "not present";
    case WalkOutcome::kReservedBit: return "reserved bit set";
    case WalkOutcome::kTableOutsideMemory: return "table outside dumped memory";
    case WalkOutcome::kNonCanonical: return "non-canonical address";
  }
  return "?";
}

// [SDM 3A §4.5.4] Linear-address translation: from the top-level table whose address CR3
// holds, each level selects an entry with 9 bits of the address; a present entry either maps
// a page (PTE, or PDE/PDPTE with PS = 1) or references the next table. A present entry with a
// reserved bit set ends the walk with a page fault (PFEC.RSVD = 1).
WalkResult walk(const PagingState& state, const TableReader& read_table, VirtAddr va, std::optional<PhysAddr> root) {
  WalkResult r;
  r.va = va;
  const PagingMode mode = state.mode();
  if (!is_canonical(va, mode)) {
    r.outcome = WalkOutcome::kNonCanonical;  // [SDM 1 §3.3.7.1] #GP before any walk
    return r;
  }
  PhysAddr table = root.value_or(state.root_table());
  AccumulatedRights above;
  for (Level level = top_level(mode);; level = child_level(level)) {
    const std::optional<TableView> view = read_table(table);
    if (!view) {
      r.outcome = WalkOutcome::kTableOutsideMemory;
      r.missing_table = table;
      return r;
    }
    const unsigned index = table_index(va, level);
    const Entry e((*view)[index], level);
    r.path.push_back(WalkStep{level, table, index, PhysAddr(table.value() + 8ull * index), e, above.then(e)});
    if (!e.p()) {
      r.outcome = WalkOutcome::kNotPresent;
      return r;
    }
    if (const std::uint64_t rsv = e.reserved_bits_set(state)) {
      r.outcome = WalkOutcome::kReservedBit;
      r.reserved_bits = rsv;
      return r;
    }
    if (e.leaf()) {
      const PhysAddr frame = e.address(state);
      const std::uint64_t offset = va.value() & (e.span() - 1);
      r.outcome = WalkOutcome::kMapped;
      r.translation = Translation{PhysAddr(frame.value() + offset), frame, effective_attributes(above, e, state)};
      return r;
    }
    // Requires a next level: a PT entry is always a leaf, so the loop ends at Level::kPt.
    above = above.then(e);
    table = e.address(state);
  }
}

std::ostream& operator<<(std::ostream& os, const WalkResult& r) {
  os << r.va << ": " << to_string(r.outcome);
  if (r.translation) os << " -> " << r.translation->pa << " (" << r.translation->attributes << ')';
  return os;
}

namespace {

struct TooManyRuns : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Summary = std::vector<AddressRun>;  // ranges relative to the table's own base (offset 0)

// Decodes each (table, level, inherited rights) once and composes the results. A summary's
// ranges are offsets from the first address the table maps, so one summary serves every
// place the table is linked from; the parent shifts it by the entry's base.
class Enumerator {
 public:
  Enumerator(const PagingState& s, const TableReader& r, PhysAddr root, const EnumerateLimits& l)
      : state_(s), read_(r), root_(root), limits_(l) {}

  std::shared_ptr<const Summary> summarise(PhysAddr table, Level level, AccumulatedRights above,
                                           std::uint64_t abs_base, const TableView& view) {
    const auto key = std::make_tuple(table.value(), static_cast<unsigned>(level), above.key());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    if (seen_tables_.insert({table.value(), static_cast<unsigned>(level)}).second)
      out_.tables.push_back(ReachedTable{table, level});
    on_path_.push_back(table);

    auto sum = std::make_shared<Summary>();
    const std::uint64_t span = entry_span(level);
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Entry e(view[i], level);
      ++out_.entries_read;
      if (!e.p()) continue;
      const std::uint64_t base = span * i;
      const PhysAddr entry_addr(table.value() + 8ull * i);
      AddressRun run;
      run.range = VirtRange{VirtAddr(base), VirtAddr(base + (span - 1))};
      run.entry = e;
      run.entry_address = entry_addr;
      if (const std::uint64_t rsv = e.reserved_bits_set(state_)) {
        run.kind = AddressRun::Kind::kReserved;
        run.reserved_bits = rsv;
        append(*sum, run, 0);
        continue;
      }
      if (e.leaf()) {
        run.kind = AddressRun::Kind::kMapped;
        run.attributes = effective_attributes(above, e, state_);
        run.phys = e.address(state_);
        out_.leaves.push_back(LeafUse{entry_addr, e, run.attributes, run.phys, VirtAddr(abs_base + base)});
        append(*sum, run, 0);
        continue;
      }
      const PhysAddr child = e.address(state_);
      if (std::find(on_path_.begin(), on_path_.end(), child) != on_path_.end()) {
        out_.ancestor_refs.push_back(AncestorReference{
            entry_addr, level, i, child,
            VirtRange{VirtAddr(abs_base + base), VirtAddr(abs_base + base + (span - 1))},
            level == top_level(state_.mode()) && child == root_});
      }
      const std::optional<TableView> child_view = read_(child);
      if (!child_view) {
        run.kind = AddressRun::Kind::kUnreadable;
        run.missing_table = child;
        append(*sum, run, 0);
        continue;
      }
      const auto child_sum = summarise(child, child_level(level), above.then(e), abs_base + base, *child_view);
      for (const AddressRun& c : *child_sum) append(*sum, c, base);
    }
    on_path_.pop_back();
    memo_.emplace(key, sum);
    return sum;
  }

  AddressSpace& out() { return out_; }

 private:
  // Append `r` shifted by `shift`, merging with the previous run when it continues it with
  // the same outcome: equal attributes for mappings, the same entry for faults.
  void append(Summary& s, const AddressRun& r, std::uint64_t shift) {
    const VirtRange range{VirtAddr(r.range.first.value() + shift), VirtAddr(r.range.last.value() + shift)};
    if (!s.empty()) {
      AddressRun& last = s.back();
      const bool adjacent = last.range.last.value() + 1 == range.first.value();
      bool same = adjacent && last.kind == r.kind;
      if (same) {
        same = r.kind == AddressRun::Kind::kMapped ? last.attributes == r.attributes
                                                   : last.entry_address == r.entry_address;
      }
      if (same) {
        last.range.last = range.last;
        return;
      }
    }
    if (s.size() >= limits_.max_runs)
      throw TooManyRuns("the page tables describe more than " + std::to_string(limits_.max_runs) +
                        " distinct runs (hostile or corrupt tables?)");
    s.push_back(r);
    s.back().range = range;
  }

  const PagingState& state_;
  const TableReader& read_;
  PhysAddr root_;
  const EnumerateLimits& limits_;
  std::map<std::tuple<std::uint64_t, unsigned, unsigned>, std::shared_ptr<const Summary>> memo_;
  std::set<std::pair<std::uint64_t, unsigned>> seen_tables_;
  std::vector<PhysAddr> on_path_;
  AddressSpace out_;
};

}  // namespace

Expected<AddressSpace> enumerate_address_space(const PagingState& state, const TableReader& read_table,
                                               std::optional<PhysAddr> root, const EnumerateLimits& limits) {
  const PagingMode mode = state.mode();
  const PhysAddr top = root.value_or(state.root_table());
  const std::optional<TableView> view = read_table(top);
  if (!view) {
    std::ostringstream os;
    os << "the top-level table " << top << " is outside the dumped memory";
    return Error{os.str()};
  }
  Enumerator en(state, read_table, top, limits);
  std::shared_ptr<const Summary> sum;
  try {
    sum = en.summarise(top, top_level(mode), AccumulatedRights{}, 0, *view);
  } catch (const TooManyRuns& e) {
    return Error{e.what()};
  }
  AddressSpace out = std::move(en.out());
  out.mode = mode;
  // Offsets from the top table are va_bits wide; the upper half (index >= 256) becomes the
  // canonical upper range. A run straddling the middle is split there.
  const std::uint64_t half = std::uint64_t{1} << (va_bits(mode) - 1);
  out.runs.reserve(sum->size() + 1);
  for (const AddressRun& r : *sum) {
    const std::uint64_t a = r.range.first.value(), b = r.range.last.value();
    auto emit = [&](std::uint64_t lo, std::uint64_t hi, bool continuation) {
      AddressRun c = r;
      c.range = VirtRange{canonicalize(lo, mode), canonicalize(hi, mode)};
      if (continuation && c.kind == AddressRun::Kind::kMapped) {
        // The upper part starts at another page: take its frame from a walk.
        const WalkResult w = walk(state, read_table, c.range.first, top);
        if (w.translation) c.phys = w.translation->frame;
      }
      out.runs.push_back(c);
    };
    if (a < half && b >= half) {
      emit(a, half - 1, false);
      emit(half, b, true);
    } else {
      emit(a, b, false);
    }
  }
  for (LeafUse& l : out.leaves) l.first_va = canonicalize(l.first_va.value(), mode);
  // Ancestor references were recorded with offsets too.
  for (AncestorReference& ref : out.ancestor_refs)
    ref.range = VirtRange{canonicalize(ref.range.first.value(), mode), canonicalize(ref.range.last.value(), mode)};
  return out;
}

}  // namespace ptv
