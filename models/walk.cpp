#include "models/walk.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "models/entry_decoder.h"

namespace ptv {

const char* to_string(WalkOutcome o) {
  switch (o) {
    case WalkOutcome::kMapped:
      return "mapped";
    case WalkOutcome::kNotPresent:
      return "not present";
    case WalkOutcome::kReservedBit:
      return "reserved bit set";
    case WalkOutcome::kTableOutsideMemory:
      return "table outside dumped memory";
    case WalkOutcome::kNonCanonical:
      return "non-canonical address";
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
    // The SME mask is cleared before anything is decoded (PagingState::sme_mask).
    const std::optional<TableView> view = cleared(read_table(table), state.sme_mask);
    if (!view) {
      r.outcome = WalkOutcome::kTableOutsideMemory;
      r.missing_table = table;
      return r;
    }
    const unsigned index = table_index(va, level);
    const Entry e((*view)[index], level);
    r.path.push_back(WalkStep{level, table, index, PhysAddr(table.value() + kEntryBytes * index), e, above.then(e)});
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

using Summary = std::vector<AddressRun>;

// Decodes each (table, level, inherited rights) once and composes the results, writing each
// run once: a table linked from one entry (nearly all of them) appends its runs straight to
// its parent's output, shifted to where it sits; a table more than one entry points to is
// decoded into a summary of its own (offsets from its first address), kept, and copied in at
// every place it is linked from. Copying every level's runs into its parent, as the walk once
// did, cost about 100 bytes per run per level: at a million runs, most of the walk.
//
// Where the leaves are is recorded as stretches of table entries (LeafStretch), not leaf by
// leaf: one record per stretch keeps the walk at the cost of reading the tables, and
// for_each_leaf_run reads the leaves back when the physical rules ask.
class Enumerator {
 public:
  Enumerator(const PagingState& s, const TableReader& r, PhysAddr root, const EnumerateLimits& l)
      : state_(s), read_(r), root_(root), limits_(l) {}

  /// The pre-pass: how many present, well-formed non-leaf entries point to each (table,
  /// level) reachable from `view`. Reads each reachable table once, decodes nothing else.
  void count_references(Level level, const TableView& view) {
    if (level == Level::kPt) return;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      // Above the PT level an entry references a table only if P = 1 and PS = 0: PS = 1 is a
      // large leaf (PD, PDPT) or a reserved bit (PDPT without 1 GiB pages, PML4E, PML5E).
      if ((view[i] & (bits::kP | bits::kPsOrPat7)) != bits::kP) continue;
      const Entry e(view[i], level);
      if (e.reserved_bits_set(state_)) continue;
      const PhysAddr child = e.address(state_);
      if (++references_[table_key(child, child_level(level))] > 1) continue;  // its own entries are counted once
      if (const std::optional<TableView> child_view = cleared(read_(child), state_.sme_mask))
        count_references(child_level(level), *child_view);
    }
  }

  /// Appends the runs of `table`, read at `level` under `above`, to `out`, at `shift` (where
  /// the table's first address falls in `out`'s frame). `abs_base` is that address as an
  /// offset from the top table.
  void summarise(PhysAddr table, Level level, AccumulatedRights above, std::uint64_t abs_base, const TableView& view,
                 Summary& out, std::uint64_t shift) {
    if (!shared(table, level)) {
      decode_table(table, level, above, abs_base, view, out, shift);
      return;
    }
    const std::uint64_t key = table_key(table, level) | (std::uint64_t{above.key()} << 3);
    auto it = memo_.find(key);
    if (it == memo_.end()) {
      Summary own;
      decode_table(table, level, above, abs_base, view, own, 0);
      it = memo_.emplace(key, std::move(own)).first;  // unordered_map: references stay valid
    }
    const Summary& sum = it->second;
    // Every run held at once counts against one budget, checked before the copy: a hostile
    // table composing billions of runs is refused before it takes the memory.
    if (held_ + sum.size() > limits_.max_runs) throw too_many_runs();
    // Room for the summary at once (Linux's ESPfix area composes 65,536 runs from shared
    // tables), still growing geometrically, within the budget.
    if (const std::size_t need = out.size() + sum.size(); need > out.capacity())
      grow(out, std::max(need, std::min(2 * out.capacity(), limits_.max_runs)));
    for (const AddressRun& c : sum) append(out, c, shift);
  }

  AddressSpace& out() { return out_; }

 private:
  /// What decode_table carries from one entry of a table to the next.
  struct TableCursor {
    PhysAddr table;
    Level level;
    AccumulatedRights above;
    std::uint64_t abs_base, shift, span;
    LeafStretch stretch;
    bool stretch_open = false;
    // The run of entry i - 1 and its decoder key when that entry was a mapped leaf (the run
    // is then out.back()), for the common case of a leaf continuing its neighbour's run.
    AddressRun* leaf_run = nullptr;
    std::uint64_t leaf_key = 0;
    std::uint64_t leaves = 0;
  };

  void decode_table(PhysAddr table, Level level, AccumulatedRights above, std::uint64_t abs_base, const TableView& view,
                    Summary& out, std::uint64_t shift) {
    if (seen_tables_.insert(table_key(table, level)).second) out_.tables.push_back(ReachedTable{table, level});
    on_path_.push_back(table);
    const std::uint64_t span = entry_span(level);
    EntryDecoder decoder(state_, level, above);
    TableCursor t{table, level, above, abs_base, shift, span, LeafStretch{table, level, above, abs_base, 0, 0}};
    out_.entries_read += kEntriesPerTable;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const std::uint64_t raw = view[i];
      if (!(raw & bits::kP)) {
        t.leaf_run = nullptr;
        continue;
      }
      const std::uint64_t k = decoder.key(raw);
      if (t.leaf_run && k == t.leaf_key) {
        // Adjacent to the last run, and decoded alike: append() would extend it, and so on
        // for every alike entry that follows.
        const unsigned end = decoder.alike_until(view, i + 1, k);
        t.leaf_run->range.last = VirtAddr(shift + (span * end - 1));
        t.leaves += end - i;
        i = end - 1;
        continue;
      }
      t.leaf_run = nullptr;
      const EntryDecoder::Decoded& d = decoder.decode(raw);
      AddressRun run;
      run.range = VirtRange{VirtAddr(span * i), VirtAddr(span * i + (span - 1))};
      run.entry = Entry(raw, level);
      run.entry_address = PhysAddr(table.value() + kEntryBytes * i);
      if (d.reserved) {
        run.kind = AddressRun::Kind::kReserved;
        run.reserved_bits = d.reserved;
        append(out, run, shift);
      } else if (d.leaf) {
        run.kind = AddressRun::Kind::kMapped;
        run.attributes = d.attributes;
        run.phys = PhysAddr(decoder.address(raw));
        add_leaf(t, i, run, k, out);
      } else {
        descend(t, i, run, out);
      }
    }
    close_stretch(t, kEntriesPerTable);
    out_.leaf_uses += t.leaves;
    on_path_.pop_back();
  }

  void close_stretch(TableCursor& t, unsigned end) {
    if (!t.stretch_open) return;
    t.stretch.last = end;
    out_.leaf_stretches.push_back(t.stretch);
    t.stretch_open = false;
  }

  /// A mapped leaf at entry i: its run, and the stretch of leaves it opens or continues.
  void add_leaf(TableCursor& t, unsigned i, const AddressRun& run, std::uint64_t key, Summary& out) {
    if (!t.stretch_open) {
      t.stretch.first = i;
      t.stretch_open = true;
    }
    ++t.leaves;
    append(out, run, t.shift);
    t.leaf_run = &out.back();
    t.leaf_key = key;
  }

  /// A table pointer at entry i (run holds its entry): noted when it points back to a table on
  /// the path, an unreadable run when the child is outside memory, else the child's runs.
  void descend(TableCursor& t, unsigned i, AddressRun& run, Summary& out) {
    const Entry& e = run.entry;
    const std::uint64_t base = t.span * i;
    const PhysAddr child = e.address(state_);
    if (std::find(on_path_.begin(), on_path_.end(), child) != on_path_.end()) {
      out_.ancestor_refs.push_back(
          AncestorReference{run.entry_address, t.level, i, child,
                            VirtRange{VirtAddr(t.abs_base + base), VirtAddr(t.abs_base + base + (t.span - 1))},
                            t.level == top_level(state_.mode()) && child == root_});
    }
    const std::optional<TableView> child_view = cleared(read_(child), state_.sme_mask);
    if (!child_view) {
      run.kind = AddressRun::Kind::kUnreadable;
      run.missing_table = child;
      run.context = t.above.then(e);
      append(out, run, t.shift);
      return;
    }
    close_stretch(t, i);  // the child's leaves come next in walk order
    summarise(child, child_level(t.level), t.above.then(e), t.abs_base + base, *child_view, out, t.shift + base);
  }

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
    if (s.size() == s.capacity()) grow(s, 2 * s.size());
    s.push_back(r);
    s.back().range = range;
    ++held_;
  }

  // Moves `s` to a buffer of `capacity` runs whose pages are asked for as huge pages before
  // anything touches them: a million runs are 88 MB, and faulting that in 4 KiB pages cost
  // more than the walk itself (docs/performance.md).
  void grow(Summary& s, std::size_t capacity) const {
    Summary bigger;
    bigger.reserve(std::max<std::size_t>(capacity, 64));
    if (limits_.fresh_buffer) limits_.fresh_buffer(bigger.data(), bigger.capacity() * sizeof(AddressRun));
    bigger.insert(bigger.end(), s.begin(), s.end());
    s.swap(bigger);
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
  std::unordered_map<std::uint64_t, Summary> memo_;  // shared tables only
  std::unordered_set<std::uint64_t> seen_tables_;
  std::unordered_map<std::uint64_t, unsigned> references_;  // (table, level) -> entries pointing to it
  std::size_t held_ = 0;  // runs in the output and the kept summaries, against limits_.max_runs
  std::vector<PhysAddr> on_path_;
  AddressSpace out_;
};

/// Offsets from the top table are va_bits wide; the upper half (index >= 256) becomes the
/// canonical upper range. A run straddling the middle is split there, its upper part's frame
/// and first leaf taken from a walk (it is reached through another top-level entry).
void canonicalize_runs(Summary& runs, const PagingState& state, const TableReader& read_table, PhysAddr top) {
  const PagingMode mode = state.mode();
  const std::uint64_t half = std::uint64_t{1} << (va_bits(mode) - 1);
  std::optional<std::size_t> straddling;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    AddressRun& r = runs[i];
    const std::uint64_t a = r.range.first.value(), b = r.range.last.value();
    if (a < half && b >= half) {
      straddling = i;
      continue;
    }
    r.range = VirtRange{canonicalize(a, mode), canonicalize(b, mode)};
  }
  if (!straddling) return;
  AddressRun& lower = runs[*straddling];
  AddressRun upper = lower;
  upper.range = VirtRange{canonicalize(half, mode), canonicalize(lower.range.last.value(), mode)};
  lower.range = VirtRange{canonicalize(lower.range.first.value(), mode), canonicalize(half - 1, mode)};
  if (upper.kind == AddressRun::Kind::kMapped) {
    const WalkResult w = walk(state, read_table, upper.range.first, top);
    if (w.translation) upper.phys = w.translation->frame;
    if (!w.path.empty()) {
      upper.entry = w.path.back().entry;
      upper.entry_address = w.path.back().entry_address;
    }
  }
  runs.insert(runs.begin() + static_cast<std::ptrdiff_t>(*straddling) + 1, upper);
}

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
  const std::optional<TableView> view = cleared(read_table(top), state.sme_mask);
  if (!view) {
    std::ostringstream os;
    os << "the top-level table " << top << " is outside the dumped memory";
    return Error{os.str()};
  }
  Enumerator en(state, read_table, top, limits);
  Summary runs;
  try {
    en.count_references(top_level(mode), *view);
    en.summarise(top, top_level(mode), AccumulatedRights{}, 0, *view, runs, 0);
  } catch (const TooManyRuns& e) {
    return Error{e.what()};
  }
  AddressSpace out = std::move(en.out());
  out.mode = mode;
  canonicalize_runs(runs, state, read_table, top);
  out.runs = std::move(runs);
  // Ancestor references were recorded with offsets too.
  for (AncestorReference& ref : out.ancestor_refs)
    ref.range = VirtRange{canonicalize(ref.range.first.value(), mode), canonicalize(ref.range.last.value(), mode)};
  return out;
}

void for_each_leaf_run(const AddressSpace& space, const PagingState& state, const TableReader& read_table,
                       const std::function<void(const LeafRun&)>& fn) {
  const PagingMode mode = space.mode;
  // A table reached again under the same rights context through a parent that is not shared
  // (its own parent is reached under two contexts that the parent's entry makes equal) has its
  // stretches recorded again: the same (entry, context) pairs, read once here.
  std::unordered_set<std::uint64_t> seen;
  for (const LeafStretch& st : space.leaf_stretches) {
    const std::uint64_t key = st.table.value() | (std::uint64_t{st.above.key()} << 1) |
                              (static_cast<std::uint64_t>(st.level) << 4) | (std::uint64_t{st.first} << 52);
    if (!seen.insert(key).second) continue;
    const std::optional<TableView> view = cleared(read_table(st.table), state.sme_mask);
    if (!view) continue;  // read once already: a reader answers the same every time
    EntryDecoder decoder(state, st.level, st.above);
    const std::uint64_t span = entry_span(st.level);
    LeafRun run;
    std::uint64_t run_key = 0, next_raw = 0;  // the next entry continues `run` iff it is next_raw
    for (unsigned i = st.first; i < st.last; ++i) {
      const std::uint64_t raw = (*view)[i];
      // The frame field grows by one page; a carry out of it would change the key.
      if (run.count && raw == next_raw && decoder.key(raw) == run_key) {
        ++run.count;
        next_raw += span;
        continue;
      }
      if (run.count) fn(run);
      run.count = 0;
      if (!(raw & bits::kP)) continue;
      const EntryDecoder::Decoded& d = decoder.decode(raw);
      if (d.reserved || !d.leaf) continue;
      run = LeafRun{st.table,
                    i,
                    1,
                    Entry(raw, st.level),
                    d.attributes,
                    PhysAddr(decoder.address(raw)),
                    canonicalize(st.base + span * i, mode)};
      run_key = decoder.key(raw);
      next_raw = raw + span;
    }
    if (run.count) fn(run);
  }
}

}  // namespace ptv
