#include "models/walk.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "models/memory_hint.h"

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

// Decodes the present entries of one table under one rights context. Whether an entry faults
// (reserved bits), whether it is a leaf, and a leaf's effective attributes depend on the raw
// value only through the bits outside its address field [SDM 3A Tables 4-15 to 4-20: the
// address field holds no flag and no reserved bit], so the decoder remembers the last
// combination of those bits: the neighbouring entries of a table almost always share it, and
// a table of 512 alike leaves costs one decode.
class EntryDecoder {
 public:
  struct Decoded {
    std::uint64_t reserved = 0;  ///< Entry::reserved_bits_set
    bool leaf = false;           ///< Entry::leaf
    Attributes attributes;       ///< effective_attributes; set when leaf && reserved == 0
  };

  EntryDecoder(const PagingState& s, Level level, AccumulatedRights above) : state_(s), level_(level), above_(above) {
    // Entry::address selects bits of the raw value; which ones depends only on bit 7 (PS).
    address_mask_[0] = Entry(~bits::kPsOrPat7, level).address(s).value();
    address_mask_[1] = Entry(~std::uint64_t{0}, level).address(s).value();
  }

  /// The raw value without its address bits: equal keys decode alike.
  [[nodiscard]] std::uint64_t key(std::uint64_t raw) const { return raw & ~address_mask(raw); }
  /// Entry(raw, level).address(state).value().
  [[nodiscard]] std::uint64_t address(std::uint64_t raw) const { return raw & address_mask(raw); }

  /// The first index at or after `from` whose entry does not decode like `key` (a key of a
  /// present entry: P is outside the address bits, so a match is present too); 512 if none.
  /// A tight loop over the raw bytes: a table of alike leaves is one pass at memory speed.
  [[nodiscard]] unsigned alike_until(const TableView& view, unsigned from, std::uint64_t key) const {
    const std::uint64_t not_mask0 = ~address_mask_[0], not_mask1 = ~address_mask_[1];
    unsigned j = from;
    for (; j < kEntriesPerTable; ++j) {
      const std::uint64_t raw = view[j];
      if ((raw & ((raw >> 7) & 1 ? not_mask1 : not_mask0)) != key) break;
    }
    return j;
  }

  /// Requires: raw has P set.
  const Decoded& decode(std::uint64_t raw) {
    const std::uint64_t k = key(raw);
    if (cached_ && k == key_) return decoded_;
    const Entry e(raw, level_);
    decoded_.reserved = e.reserved_bits_set(state_);
    decoded_.leaf = e.leaf();
    if (decoded_.leaf && decoded_.reserved == 0) decoded_.attributes = effective_attributes(above_, e, state_);
    key_ = k;
    cached_ = true;
    return decoded_;
  }

 private:
  [[nodiscard]] std::uint64_t address_mask(std::uint64_t raw) const { return address_mask_[(raw >> 7) & 1]; }

  const PagingState& state_;
  Level level_;
  AccumulatedRights above_;
  std::uint64_t address_mask_[2];
  bool cached_ = false;
  std::uint64_t key_ = 0;
  Decoded decoded_;
};

// Decodes each (table, level, inherited rights) once and composes the results. A summary's
// ranges are offsets from the first address the table maps, so one summary serves every
// place the table is linked from; the parent shifts it by the entry's base.
//
// The leaf uses are produced in a second pass (emit_leaves): the first records, in walk order,
// each stretch of a table's entries that holds leaves, and counts them; the second re-reads
// those stretches into a list reserved to the exact size. Growing the list while walking
// copied it at every doubling and held two copies at the peak (56 bytes per leaf: 2.9 GB for
// the 51 M leaves of 100k full page tables).
class Enumerator {
 public:
  Enumerator(const PagingState& s, const TableReader& r, PhysAddr root, const EnumerateLimits& l)
      : state_(s), read_(r), root_(root), limits_(l) {}

  /// The pre-pass: how many present, well-formed non-leaf entries point to each (table,
  /// level) reachable from `view`. Reads each reachable table once, decodes nothing else.
  void count_references(Level level, const TableView& view) {
    if (level == Level::kPt) return;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Entry e(view[i], level);
      if (!e.p() || e.leaf() || e.reserved_bits_set(state_)) continue;
      const PhysAddr child = e.address(state_);
      if (++references_[table_key(child, child_level(level))] > 1) continue;  // its own entries are counted once
      if (const std::optional<TableView> child_view = read_(child)) count_references(child_level(level), *child_view);
    }
  }

  std::shared_ptr<const Summary> summarise(PhysAddr table, Level level, AccumulatedRights above,
                                           std::uint64_t abs_base, const TableView& view) {
    const std::uint64_t key = table_key(table, level) | (std::uint64_t{above.key()} << 3);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    if (seen_tables_.insert(table_key(table, level)).second)
      out_.tables.push_back(ReachedTable{table, level});
    on_path_.push_back(table);

    auto sum = std::make_shared<Summary>();
    const std::uint64_t span = entry_span(level);
    EntryDecoder decoder(state_, level, above);
    LeafStretch stretch{table, level, above, abs_base, 0, 0};
    bool stretch_open = false;
    auto close_stretch = [&](unsigned end) {
      if (!stretch_open) return;
      stretch.last = end;
      if (limits_.leaf_uses) stretches_.push_back(stretch);
      stretch_open = false;
    };
    // The run of entry i - 1 and its decoder key when that entry was a mapped leaf (the run
    // is then sum->back()), for the common case of a leaf continuing its neighbour's run.
    AddressRun* leaf_run = nullptr;
    std::uint64_t leaf_key = 0;
    std::size_t leaves = 0;
    out_.entries_read += kEntriesPerTable;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const std::uint64_t raw = view[i];
      if (!(raw & bits::kP)) {
        leaf_run = nullptr;
        continue;
      }
      const std::uint64_t base = span * i;
      const std::uint64_t k = decoder.key(raw);
      if (leaf_run && k == leaf_key) {
        // Adjacent to the last run, and decoded alike: append() would extend it, and so on
        // for every alike entry that follows.
        const unsigned end = decoder.alike_until(view, i + 1, k);
        leaf_run->range.last = VirtAddr(span * end - 1);
        leaves += end - i;
        i = end - 1;
        continue;
      }
      leaf_run = nullptr;
      const EntryDecoder::Decoded& d = decoder.decode(raw);
      const Entry e(raw, level);
      const PhysAddr entry_addr(table.value() + 8ull * i);
      AddressRun run;
      run.range = VirtRange{VirtAddr(base), VirtAddr(base + (span - 1))};
      run.entry = e;
      run.entry_address = entry_addr;
      if (d.reserved) {
        run.kind = AddressRun::Kind::kReserved;
        run.reserved_bits = d.reserved;
        append(*sum, run, 0);
        continue;
      }
      if (d.leaf) {
        run.kind = AddressRun::Kind::kMapped;
        run.attributes = d.attributes;
        run.phys = PhysAddr(decoder.address(raw));
        if (!stretch_open) {
          stretch.first = i;
          stretch_open = true;
        }
        ++leaves;
        append(*sum, run, 0);
        leaf_run = &sum->back();
        leaf_key = k;
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
      close_stretch(i);  // the child's leaves come next in walk order
      const auto child_sum = summarise(child, child_level(level), above.then(e), abs_base + base, *child_view);
      // Every run held at once counts against one budget, checked before the copy: a hostile
      // table composing billions of runs is refused before it takes the memory.
      if (held_ + child_sum->size() > limits_.max_runs) throw too_many_runs();
      // Room for the child's runs at once (a shared table's summary can be large: Linux's
      // ESPfix area composes 65,536 runs), still growing geometrically, within the budget.
      if (const std::size_t need = sum->size() + child_sum->size(); need > sum->capacity())
        sum->reserve(std::max(need, std::min(2 * sum->capacity(), limits_.max_runs)));
      for (const AddressRun& c : *child_sum) append(*sum, c, base);
      if (!shared(child, child_level(level))) held_ -= child_sum->size();  // dropped below
    }
    close_stretch(kEntriesPerTable);
    leaf_count_ += leaves;
    on_path_.pop_back();
    // Only a table more than one entry points to can be met again under the same rights;
    // any other summary lives just until its parent has copied it.
    if (shared(table, level)) memo_.emplace(key, sum);
    return sum;
  }

  /// The second pass: every leaf of every recorded stretch, in walk order, with first_va made
  /// canonical. Each (leaf entry, rights context) appears once, as the walk met it.
  void emit_leaves() {
    const PagingMode mode = state_.mode();
    out_.leaves.reserve(leaf_count_);
    advise_huge_pages(out_.leaves.data(), out_.leaves.capacity() * sizeof(LeafUse));
    for (const LeafStretch& st : stretches_) {
      const std::optional<TableView> view = read_(st.table);
      if (!view) continue;  // read once already: a reader answers the same every time
      EntryDecoder decoder(state_, st.level, st.above);
      const std::uint64_t span = entry_span(st.level);
      for (unsigned i = st.first; i < st.last; ++i) {
        const std::uint64_t raw = (*view)[i];
        if (!(raw & bits::kP)) continue;
        const EntryDecoder::Decoded& d = decoder.decode(raw);
        if (d.reserved || !d.leaf) continue;
        out_.leaves.push_back(LeafUse{PhysAddr(st.table.value() + 8ull * i), Entry(raw, st.level), d.attributes,
                                      PhysAddr(decoder.address(raw)), canonicalize(st.abs_base + span * i, mode)});
      }
    }
  }

  AddressSpace& out() { return out_; }

 private:
  /// Entries [first, last) of a table read under one context: the leaves among them are
  /// leaf uses, in order.
  struct LeafStretch {
    PhysAddr table;
    Level level;
    AccumulatedRights above;
    std::uint64_t abs_base;
    unsigned first, last;
  };

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
    if (held_ >= limits_.max_runs) throw too_many_runs();
    s.push_back(r);
    s.back().range = range;
    ++held_;
  }

  TooManyRuns too_many_runs() const {
    return TooManyRuns("the page tables describe more than " + std::to_string(limits_.max_runs) +
                       " distinct runs (hostile or corrupt tables?)");
  }

  bool shared(PhysAddr table, Level level) const {
    const auto it = references_.find(table_key(table, level));
    return it != references_.end() && it->second > 1;
  }

  const PagingState& state_;
  const TableReader& read_;
  PhysAddr root_;
  const EnumerateLimits& limits_;
  // Keys pack (table, level) into one word: a table is 4 KiB-aligned, so bits 2:0 hold the
  // level and, for the memo, bits 5:3 the rights context (AccumulatedRights::key()).
  static std::uint64_t table_key(PhysAddr table, Level level) { return table.value() | static_cast<unsigned>(level); }
  std::unordered_map<std::uint64_t, std::shared_ptr<const Summary>> memo_;
  std::unordered_set<std::uint64_t> seen_tables_;
  std::unordered_map<std::uint64_t, unsigned> references_;  // (table, level) -> entries pointing to it
  std::size_t held_ = 0;  // runs held by live summaries, against limits_.max_runs
  std::vector<PhysAddr> on_path_;
  std::vector<LeafStretch> stretches_;
  std::size_t leaf_count_ = 0;
  AddressSpace out_;
};

}  // namespace

Expected<AddressSpace> enumerate_address_space(const PagingState& state, const TableReader& read_table,
                                               std::optional<PhysAddr> root, const EnumerateLimits& limits) {
  const PagingMode mode = state.mode();
  const PhysAddr top = root.value_or(state.root_table());
  if (top.value() % kTableBytes != 0) {  // a table is a 4 KiB page; CR3 cannot say otherwise
    std::ostringstream os;
    os << "the top-level table " << top << " is not 4 KiB-aligned";
    return Error{os.str()};
  }
  const std::optional<TableView> view = read_table(top);
  if (!view) {
    std::ostringstream os;
    os << "the top-level table " << top << " is outside the dumped memory";
    return Error{os.str()};
  }
  Enumerator en(state, read_table, top, limits);
  std::shared_ptr<const Summary> sum;
  try {
    en.count_references(top_level(mode), *view);
    sum = en.summarise(top, top_level(mode), AccumulatedRights{}, 0, *view);
    if (limits.leaf_uses) en.emit_leaves();
  } catch (const TooManyRuns& e) {
    return Error{e.what()};
  }
  AddressSpace out = std::move(en.out());
  out.mode = mode;
  out.leaves_collected = limits.leaf_uses;
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
  // Ancestor references were recorded with offsets too.
  for (AncestorReference& ref : out.ancestor_refs)
    ref.range = VirtRange{canonicalize(ref.range.first.value(), mode), canonicalize(ref.range.last.value(), mode)};
  return out;
}

}  // namespace ptv
