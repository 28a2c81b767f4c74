// Hostile page tables, each built in its smallest form, walked by enumerate_address_space() and
// by walk(). Strategy: every case asserts the exact outcome (the runs, the ancestor references,
// the reserved bits, the missing table) and the bound the memoisation promises (entries read:
// 512 per (table, level, rights context); tables reached). The reference for the cases with
// several paths is a naive walk of every path with no memo (`every_path` below), which is
// feasible only because those tables hold one or two present entries each; walk() is checked
// against it too. Then every reserved bit of every entry form is looped through for four
// MAXPHYADDRs with and without EFER.NXE, and the tables are read in the wrong paging mode.
//
// The same shapes written into ELF cores and checked end to end (reserved-bits and
// recursive-slot findings) are in tests/verifier/ingest/elf_adversarial_test.cpp.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "leaf_run_oracle.h"
#include "models/walk.h"
#include "table_builder.h"

using namespace ptv;
using ptv::test::point_all;
using ptv::test::state_for_root;
using ptv::test::TableBuilder;
using ptv::test::va_of_indices;

namespace {

constexpr PagingMode kModes[] = {PagingMode::k4Level, PagingMode::k5Level};
constexpr std::uint64_t kTableBits = bits::kRW | bits::kUS;

/// One translation found by following one path of entries from the root.
struct PathLeaf {
  VirtAddr va;  // first address of the page
  PhysAddr frame;
  Level level;  // level of the leaf entry
  bool operator==(const PathLeaf&) const = default;
};

/// Every path from `t` at `l`, with no memo and no cycle detection (levels decrease, so it
/// ends); also the (table, level) pairs visited. Requires: few present entries per table.
void every_path(const PagingState& s, const TableReader& read, PhysAddr t, Level l, std::uint64_t base,
                std::vector<PathLeaf>& out, std::set<std::pair<std::uint64_t, Level>>& visited) {
  visited.insert({t.value(), l});
  const std::optional<TableView> view = read(t);
  REQUIRE(view);
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    const Entry e((*view)[i], l);
    if (!e.p()) continue;
    REQUIRE(e.reserved_bits_set(s) == 0);
    const std::uint64_t b = base + entry_span(l) * i;
    if (e.leaf())
      out.push_back({canonicalize(b, s.mode()), e.address(s), l});
    else
      every_path(s, read, e.address(s), child_level(l), b, out, visited);
  }
}

/// The four tables of a 4-level path 0 -> 0x9000 (or five for 5-level), all entries P|RW|US:
/// root, then one table per level below, allocated in that order from 0x10'0000.
struct Chain {
  TableBuilder tb;
  PhysAddr root = tb.alloc();
  std::vector<PhysAddr> tables;  // tables[0] = root, tables[levels - 1] = the PT
  explicit Chain(PagingMode mode) {
    tb.map(root, mode, VirtAddr(0), PhysAddr(0x9000), Level::kPt, kTableBits);
    PhysAddr t = root;
    for (Level l = top_level(mode);; l = child_level(l)) {
      tables.push_back(t);
      if (l == Level::kPt) break;
      t = PhysAddr(tb.get(t, 0) & bits::kAddress);
    }
  }
};

struct ExpectedRun {
  std::uint64_t first;
  std::uint64_t last;
  std::uint64_t phys;
};

void check_runs(const AddressSpace& as, const std::vector<ExpectedRun>& want) {
  REQUIRE(as.runs.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(as.runs[i].kind == AddressRun::Kind::kMapped);
    CHECK(as.runs[i].range == VirtRange{VirtAddr(want[i].first), VirtAddr(want[i].last)});
    CHECK(as.runs[i].phys == PhysAddr(want[i].phys));
  }
}

/// R/W = bit 0 of i, U/S = bit 1, XD = bit 2: the 8 rights contexts, cycling with i.
std::uint64_t rights_of_index(unsigned i) {
  return ((i & 1) ? bits::kRW : 0) | ((i & 2) ? bits::kUS : 0) | ((i & 4) ? bits::kXd : 0);
}

/// One table whose entry i points to the table itself with rights_of_index(i).
PhysAddr alternating_self_table(TableBuilder& tb) {
  const PhysAddr t = tb.alloc();
  for (unsigned i = 0; i < kEntriesPerTable; ++i) tb.set(t, i, t.value() | bits::kP | rights_of_index(i));
  return t;
}

/// The expected name of one reserved bit in a finding (describe_reserved).
std::string bit_name(unsigned bit) {
  if (bit == 63) return "XD(63)";
  if (bit == 7) return "PS(7)";
  return "bit " + std::to_string(bit);
}

}  // namespace

// --- Cycles ------------------------------------------------------------------------------

TEST_CASE("adversarial: tables in a cycle of length 1 to 5 (self, own parent, ...) are levels x 512 entry reads") {
  // Tables T0 -> T1 -> ... -> Tk-1 -> T0, every entry of Ti pointing to Ti+1, root T0. k = 1 is
  // the table pointing to itself; k = 2 is a table whose child is its own parent. At depth d
  // the walk is in T(d mod k), so the leaves map frame T(levels mod k) at every 4 KiB page
  // (2^36 or 2^45 paths), and an entry at depth d points to an ancestor iff d >= k - 1.
  for (PagingMode mode : kModes) {
    for (unsigned k = 1; k <= 5; ++k) {
      CAPTURE(to_string(mode));
      CAPTURE(k);
      TableBuilder tb;
      std::vector<PhysAddr> t;
      for (unsigned i = 0; i < k; ++i) t.push_back(tb.alloc());
      for (unsigned i = 0; i < k; ++i) point_all(tb, t[i], t[(i + 1) % k], kTableBits);
      const PagingState s = state_for_root(t[0], mode);
      const auto as = enumerate_address_space(s, tb.reader());
      REQUIRE(as.ok());
      const unsigned n = levels(mode);
      const PhysAddr frame = t[n % k];
      check_runs(*as, {{0, lower_half_last(mode).value(), frame.value()},
                       {upper_half_first(mode).value(), ~0ull, frame.value()}});
      CHECK(as->runs[0].attributes.level == Level::kPt);
      CHECK(as->entries_read == 512ull * n);
      CHECK(as->tables.size() == n);
      // Non-leaf depths are 0 .. n-2; those from k-1 on point to an ancestor, 512 entries each.
      const unsigned ref_depths = n >= k ? n - k : 0;
      CHECK(as->ancestor_refs.size() == 512ull * ref_depths);
      std::size_t slots = 0;
      for (const AncestorReference& r : as->ancestor_refs) slots += r.recursive_slot ? 1 : 0;
      CHECK(slots == (k == 1 ? 512u : 0u));  // only a top-level entry pointing to the root itself
      // 512 leaf entries of the PT-level table, one rights context, all mapping one frame: 512
      // leaf runs, each entry of which walks to itself.
      CHECK(as->leaf_uses == 512);
      const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
      CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
      CHECK(audit.runs == 512);
      const WalkResult w = walk(s, tb.reader(), VirtAddr(0xffff'ffff'ffff'f123));
      REQUIRE(w.outcome == WalkOutcome::kMapped);
      CHECK(w.translation->pa == PhysAddr(frame.value() + 0x123));
      CHECK(w.path.size() == n);
    }
  }
}

TEST_CASE("adversarial: a self-referencing table under 8 rights contexts is read 8 times per level, no more") {
  // The root's entry i carries R/W = bit 0 of i, U/S = bit 1, XD = bit 2, and points to S, whose
  // 512 entries all point to S with P|RW|US. S is decoded once per (level, rights context): the
  // memo key holds at most 8 contexts, so 512 + 8 x 512 x (levels - 1) entries, and one run per
  // root entry (neighbours always differ).
  for (PagingMode mode : kModes) {
    CAPTURE(to_string(mode));
    TableBuilder tb;
    const PhysAddr root = tb.alloc(), self = tb.alloc();
    point_all(tb, self, self, kTableBits);
    for (unsigned i = 0; i < 512; ++i) tb.set(root, i, self.value() | bits::kP | rights_of_index(i));
    const PagingState s = state_for_root(root, mode);
    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    CHECK(as->entries_read == 512ull + 8ull * 512ull * (levels(mode) - 1));
    REQUIRE(as->runs.size() == 512);
    const std::uint64_t span = entry_span(top_level(mode));
    for (unsigned i = 0; i < 512; ++i) {  // sorted by address: entries 0..255, then the upper half
      const AddressRun& r = as->runs[i];
      CAPTURE(i);
      CHECK(r.range == VirtRange::from_size(canonicalize(span * i, mode), span));
      CHECK(r.phys == self);
      CHECK(r.attributes.writable == bool(i & 1));
      CHECK(r.attributes.user == bool(i & 2));
      CHECK(r.attributes.executable == !(i & 4));
    }
    // 8 contexts x 512 leaf entries of S at the PT level, every one mapping S: as many runs.
    CHECK(as->leaf_uses == 8u * 512u);
    const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
    CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
    CHECK(audit.runs == 8u * 512u);
  }
}

TEST_CASE("adversarial: a self-referencing table whose entries alternate rights hits the run cap with an error") {
  // Entry i of the one table has R/W = bit 0 of i, U/S = bit 1, XD = bit 2: the PT-level decode
  // alone gives 512 runs, the PD level 262,144 and the PDPT level 2^27. The cap turns that into
  // an error naming the cap instead of a hang or an exhausted memory.
  for (PagingMode mode : kModes) {
    TableBuilder tb;
    const PhysAddr t = alternating_self_table(tb);
    EnumerateLimits limits;
    limits.max_runs = 100'000;
    const auto as = enumerate_address_space(state_for_root(t, mode), tb.reader(), std::nullopt, limits);
    REQUIRE_FALSE(as.ok());
    CHECK(as.error().message == "the page tables describe more than 100000 distinct runs (hostile or corrupt tables?)");
  }
}

// The default cap counts every run held at once and refuses a copy before making it: the
// one-page table above is refused with bounded memory (before the budget was per summary and
// checked after each copy: 3.9 GiB and 7-16 s).
TEST_CASE("adversarial: the default run cap bounds memory for a one-page hostile table") {
  TableBuilder tb;
  const PhysAddr t = alternating_self_table(tb);
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto as = enumerate_address_space(state_for_root(t, PagingMode::k4Level), tb.reader());
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  REQUIRE_FALSE(as.ok());
  CHECK(as.error().message.find("distinct runs (hostile or corrupt tables?)") != std::string::npos);
  CHECK(as.error().message.find("more than 4000000 distinct runs") != std::string::npos);
  MESSAGE("peak RSS " << before.ru_maxrss / 1024 << " MiB before, " << after.ru_maxrss / 1024 << " MiB after");
  // 4 M runs of about 100 bytes; AddressSanitizer's redzones and quarantine add to that (540 MiB
  // measured), so the bound is asserted on the uninstrumented build only.
#if !defined(__SANITIZE_ADDRESS__)
  CHECK(after.ru_maxrss - before.ru_maxrss < 512 * 1024);  // KiB
#endif
}

TEST_CASE("adversarial: a root whose 512 entries all fault is 512 reserved runs from 512 entry reads") {
  TableBuilder tb;
  const PhysAddr t = tb.alloc();
  PagingState s = state_for_root(t, PagingMode::k4Level);
  s.maxphyaddr = 46;
  point_all(tb, t, PhysAddr(t.value() | (std::uint64_t{1} << 51)), kTableBits);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  CHECK(as->entries_read == 512);
  REQUIRE(as->runs.size() == 512);  // each entry its own fault: runs merge only within one entry
  for (unsigned i = 0; i < 512; ++i) {
    CAPTURE(i);
    CHECK(as->runs[i].kind == AddressRun::Kind::kReserved);
    CHECK(as->runs[i].reserved_bits == std::uint64_t{1} << 51);
    CHECK(as->runs[i].entry_address == PhysAddr(t.value() + 8ull * i));
  }
  CHECK(as->ancestor_refs.empty());  // a faulting entry references nothing
}

// --- Entries pointing back to CR3 ----------------------------------------------------------

TEST_CASE("adversarial: an entry pointing back to CR3 at each level of a 4-level walk, exact runs") {
  // The chain R -> P -> D -> T maps 0x0 -> 0x9000. Entry 3 of one table at a time points back to
  // R (P|RW|US). What the hardware does: R is read as a table of the level below the entry, and
  // its entries as entries of that level; a PT entry maps R itself as a 4 KiB data page.
  struct Row {
    Level level;  // level of the table holding the back reference
    std::vector<ExpectedRun> runs;
    std::size_t refs;  // ancestor references
    unsigned decodes;  // (table, level) pairs decoded: entries_read / 512
  };
  const std::uint64_t R = 0x10'0000, P = 0x10'1000, D = 0x10'2000, T = 0x10'3000;
  const Row rows[] = {
      // T[3] -> R: a leaf. VA 0x3000 maps the PML4 page.
      {Level::kPt, {{0x0, 0xfff, 0x9000}, {0x3000, 0x3fff, R}}, 0, 4},
      // D[3] -> R read as a PT: R[0] -> P is a leaf mapping P at 3 << 21.
      {Level::kPd, {{0x0, 0xfff, 0x9000}, {0x60'0000, 0x60'0fff, P}}, 1, 5},
      // P[3] -> R read as a PD: R[0] -> P read as a PT: P[0] maps D, P[3] maps R.
      {Level::kPdpt, {{0x0, 0xfff, 0x9000}, {0xc000'0000, 0xc000'0fff, D}, {0xc000'3000, 0xc000'3fff, R}}, 2, 6},
      // R[3] -> R, a recursive slot: R as PDPT, PD and PT; each table appears as a page.
      {Level::kPml4,
       {{0x0, 0xfff, 0x9000},
        {0x180'0000'0000, 0x180'0000'0fff, T},
        {0x180'c000'0000, 0x180'c000'0fff, D},
        {0x180'c060'0000, 0x180'c060'0fff, P},
        {0x180'c060'3000, 0x180'c060'3fff, R}},
       3,
       10},
  };
  for (const Row& row : rows) {
    CAPTURE(level_name(row.level));
    Chain c(PagingMode::k4Level);
    REQUIRE(c.tables == std::vector<PhysAddr>{PhysAddr(R), PhysAddr(P), PhysAddr(D), PhysAddr(T)});
    const PhysAddr holder = c.tables[4 - level_number(row.level)];
    c.tb.set(holder, 3, R | bits::kP | kTableBits);
    const PagingState s = state_for_root(c.root, PagingMode::k4Level);
    const auto as = enumerate_address_space(s, c.tb.reader());
    REQUIRE(as.ok());
    check_runs(*as, row.runs);
    CHECK(as->entries_read == 512ull * row.decodes);
    REQUIRE(as->ancestor_refs.size() == row.refs);
    if (row.refs > 0) {
      const AncestorReference& back = as->ancestor_refs.front();
      CHECK(back.entry_address == PhysAddr(holder.value() + 0x18));
      CHECK(back.level == row.level);
      CHECK(back.index == 3);
      CHECK(back.target == PhysAddr(R));
      CHECK(back.recursive_slot == (row.level == Level::kPml4));
    }
    // Each run's first page translates the same way through walk().
    for (const ExpectedRun& r : row.runs) {
      const WalkResult w = walk(s, c.tb.reader(), VirtAddr(r.first + 0x10));
      REQUIRE(w.outcome == WalkOutcome::kMapped);
      CHECK(w.translation->pa == PhysAddr(r.phys + 0x10));
    }
  }
}

TEST_CASE("adversarial: the recursive slot of a 4-level walk names one reference per level it is reused at") {
  Chain c(PagingMode::k4Level);
  c.tb.set(c.root, 3, c.root.value() | bits::kP | kTableBits);
  const auto as = enumerate_address_space(state_for_root(c.root, PagingMode::k4Level), c.tb.reader());
  REQUIRE(as.ok());
  // R[3] is read as a PML4E, then (through itself) as a PDPTE and a PDE; as a PTE it is a leaf.
  REQUIRE(as->ancestor_refs.size() == 3);
  const Level lv[] = {Level::kPml4, Level::kPdpt, Level::kPd};
  const VirtRange ranges[] = {
      VirtRange::from_size(VirtAddr(0x180'0000'0000), 1ull << 39),
      VirtRange::from_size(VirtAddr(0x180'c000'0000), 1ull << 30),
      VirtRange::from_size(VirtAddr(0x180'c060'0000), 1ull << 21),
  };
  for (unsigned i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(as->ancestor_refs[i].entry_address == PhysAddr(c.root.value() + 0x18));
    CHECK(as->ancestor_refs[i].level == lv[i]);
    CHECK(as->ancestor_refs[i].range == ranges[i]);
    CHECK(as->ancestor_refs[i].recursive_slot == (i == 0));
  }
}

TEST_CASE("adversarial: an entry pointing back to CR3 at each level, 4- and 5-level, agrees with every path") {
  // The same shape at every level of both modes, against the naive walk of every path: the runs
  // are exactly its leaves (no two are adjacent, so nothing coalesces), the decodes exactly
  // its (table, level) pairs, and walk() agrees at each leaf.
  for (PagingMode mode : kModes) {
    for (Level holder_level = top_level(mode);; holder_level = child_level(holder_level)) {
      CAPTURE(to_string(mode));
      CAPTURE(level_name(holder_level));
      Chain c(mode);
      const PhysAddr holder = c.tables[levels(mode) - level_number(holder_level)];
      c.tb.set(holder, 3, c.root.value() | bits::kP | kTableBits);
      const PagingState s = state_for_root(c.root, mode);
      const auto as = enumerate_address_space(s, c.tb.reader());
      REQUIRE(as.ok());

      std::vector<PathLeaf> paths;
      std::set<std::pair<std::uint64_t, Level>> visited;
      every_path(s, c.tb.reader(), c.root, top_level(mode), 0, paths, visited);
      std::sort(paths.begin(), paths.end(), [](const PathLeaf& a, const PathLeaf& b) { return a.va < b.va; });
      REQUIRE(as->runs.size() == paths.size());
      for (std::size_t i = 0; i < paths.size(); ++i) {
        CAPTURE(paths[i].va);
        CHECK(as->runs[i].range == VirtRange::from_size(paths[i].va, page_size(paths[i].level)));
        CHECK(as->runs[i].phys == paths[i].frame);
        const WalkResult w = walk(s, c.tb.reader(), paths[i].va);
        REQUIRE(w.outcome == WalkOutcome::kMapped);
        CHECK(w.translation->frame == paths[i].frame);
      }
      CHECK(as->entries_read == 512ull * visited.size());
      if (holder_level == Level::kPt) {
        // A PT entry pointing to CR3 maps the top-level table as a 4 KiB data page.
        CHECK(as->ancestor_refs.empty());
        REQUIRE(paths.size() == 2);
        CHECK(paths[1] == PathLeaf{VirtAddr(0x3000), c.root, Level::kPt});
      } else {
        REQUIRE_FALSE(as->ancestor_refs.empty());
        CHECK(as->ancestor_refs.front().entry_address == PhysAddr(holder.value() + 0x18));
        CHECK(as->ancestor_refs.front().level == holder_level);
        CHECK(as->ancestor_refs.front().target == c.root);
        CHECK(as->ancestor_refs.front().recursive_slot == (holder_level == top_level(mode)));
        // The holder at depth d is met again every d + 1 levels (R, the chain down to the
        // holder, R again...), so the root table comes back as a 4 KiB page exactly when d + 1
        // divides the number of levels: 4-level PML4, PDPT (and PT); 5-level PML5 (and PT).
        const unsigned d = levels(mode) - level_number(holder_level);
        bool root_as_page = false;
        for (const PathLeaf& p : paths) root_as_page = root_as_page || p.frame == c.root;
        CHECK(root_as_page == (levels(mode) % (d + 1) == 0));
      }
      if (holder_level == Level::kPt) break;
    }
  }
}

// --- Pointers past the end of memory --------------------------------------------------------

TEST_CASE("adversarial: a table pointer past the end of memory is an unreadable run, a leaf frame there is a mapping") {
  // Memory is the tables the builder allocated. At each level one entry (index 5) points past it:
  // a non-leaf entry makes its whole span unreadable (the walk stops with kTableOutsideMemory and
  // names the table); a leaf may map any frame (MMIO, memory not dumped) and is a mapping.
  for (PagingMode mode : kModes) {
    for (Level l = top_level(mode);; l = child_level(l)) {
      CAPTURE(to_string(mode));
      CAPTURE(level_name(l));
      Chain c(mode);
      const PhysAddr holder = c.tables[levels(mode) - level_number(l)];
      // The address: index 0 down to the holder, index 5 in the holder.
      const VirtAddr va = canonicalize(std::uint64_t{5} << index_shift(l), mode);
      const PagingState s = state_for_root(c.root, mode);
      const std::uint64_t past_end = 0x10'0000 + kTableBytes * c.tb.table_count();  // the next page
      for (std::uint64_t target : {past_end, (std::uint64_t{1} << 52) - kTableBytes}) {
        CAPTURE(target);
        c.tb.set(holder, 5, target | bits::kP | kTableBits);
        const auto as = enumerate_address_space(s, c.tb.reader());
        REQUIRE(as.ok());
        REQUIRE(as->runs.size() == 2);
        const AddressRun& r = as->runs[1];
        CHECK(r.range == VirtRange::from_size(va, entry_span(l)));
        CHECK(r.entry_address == PhysAddr(holder.value() + 8 * 5));
        const WalkResult w = walk(s, c.tb.reader(), va);
        if (l == Level::kPt) {
          CHECK(r.kind == AddressRun::Kind::kMapped);
          CHECK(r.phys == PhysAddr(target));
          REQUIRE(w.outcome == WalkOutcome::kMapped);
          CHECK(w.translation->frame == PhysAddr(target));
        } else {
          CHECK(r.kind == AddressRun::Kind::kUnreadable);
          CHECK(r.missing_table == PhysAddr(target));
          CHECK(w.outcome == WalkOutcome::kTableOutsideMemory);
          CHECK(w.missing_table == PhysAddr(target));
          CHECK(w.path.size() == levels(mode) - level_number(l) + 1);
        }
      }
      if (l == Level::kPt) break;
    }
  }
}

TEST_CASE("adversarial: large leaves may map frames past the end of memory, up to the last one MAXPHYADDR allows") {
  for (unsigned m : {36u, 39u, 46u, 52u}) {
    for (Level l : {Level::kPd, Level::kPdpt}) {
      CAPTURE(m);
      CAPTURE(level_name(l));
      TableBuilder tb;
      const PhysAddr root = tb.alloc();
      PagingState s = state_for_root(root, PagingMode::k4Level);
      s.maxphyaddr = m;
      const std::uint64_t last_frame = (std::uint64_t{1} << m) - page_size(l);
      const VirtAddr va = va_of_indices(PagingMode::k4Level, {0, 1, 1});
      tb.map(root, PagingMode::k4Level, va, PhysAddr(last_frame), l, bits::kRW);
      const auto as = enumerate_address_space(s, tb.reader());
      REQUIRE(as.ok());
      REQUIRE(as->runs.size() == 1);
      CHECK(as->runs[0].kind == AddressRun::Kind::kMapped);
      CHECK(as->runs[0].phys == PhysAddr(last_frame));
      CHECK(as->runs[0].range.first.value() == (va.value() & ~(page_size(l) - 1)));
      const WalkResult w = walk(s, tb.reader(), VirtAddr(as->runs[0].range.last));
      REQUIRE(w.outcome == WalkOutcome::kMapped);
      CHECK(w.translation->pa == PhysAddr((std::uint64_t{1} << m) - 1));
    }
  }
}

TEST_CASE(
    "adversarial: a pointer with an address bit at or above MAXPHYADDR is a reserved-bit finding, not a missing "
    "table") {
  // The same entry that would point past memory, with bit M set: at every level and form the
  // walk faults there (PFEC.RSVD) and the run is a reserved one naming exactly that bit.
  for (unsigned m : {36u, 39u, 46u}) {
    for (PagingMode mode : kModes) {
      for (Level l = top_level(mode);; l = child_level(l)) {
        CAPTURE(m);
        CAPTURE(to_string(mode));
        CAPTURE(level_name(l));
        Chain c(mode);
        PagingState s = state_for_root(c.root, mode);
        s.maxphyaddr = m;
        const PhysAddr holder = c.tables[levels(mode) - level_number(l)];
        const std::uint64_t above = std::uint64_t{1} << m;
        c.tb.set(holder, 5, above | 0x5000 | bits::kP | kTableBits);
        const VirtAddr va = canonicalize(std::uint64_t{5} << index_shift(l), mode);
        const auto as = enumerate_address_space(s, c.tb.reader());
        REQUIRE(as.ok());
        REQUIRE(as->runs.size() == 2);
        CHECK(as->runs[1].kind == AddressRun::Kind::kReserved);
        CHECK(as->runs[1].reserved_bits == above);
        CHECK(as->runs[1].entry.level() == l);
        CHECK(as->runs[1].range == VirtRange::from_size(va, entry_span(l)));
        CHECK(describe_reserved(as->runs[1].reserved_bits, l) == "bit " + std::to_string(m));
        const WalkResult w = walk(s, c.tb.reader(), va);
        CHECK(w.outcome == WalkOutcome::kReservedBit);
        CHECK(w.reserved_bits == above);
        CHECK_FALSE(w.missing_table.has_value());
        if (l == Level::kPt) break;
      }
    }
  }
}

// --- Every reserved bit --------------------------------------------------------------------

namespace {

/// The entry forms a walk can meet: a level, and whether the entry maps a page there.
struct Form {
  Level level;
  bool leaf;
};
constexpr Form kForms[] = {{Level::kPml5, false}, {Level::kPml4, false}, {Level::kPdpt, false}, {Level::kPdpt, true},
                           {Level::kPd, false},   {Level::kPd, true},    {Level::kPt, true}};

/// [SDM 3A §4.5, Tables 4-15 to 4-20], written out independently of models/entry.cpp: is bit
/// `b` reserved in a present entry of this form? (Bit 7 of a PDPTE/PDE is the form itself.)
bool sdm_reserved(unsigned b, Form f, unsigned maxphyaddr, bool nxe, bool page_1gb) {
  if (b == 63) return !nxe;
  if (b >= maxphyaddr && b <= 51) return true;
  if (b == 7 && (f.level == Level::kPml4 || f.level == Level::kPml5)) return true;
  if (f.leaf && f.level == Level::kPd && b >= 13 && b <= 20) return true;
  if (f.leaf && f.level == Level::kPdpt && page_1gb && b >= 13 && b <= 29) return true;
  return false;
}

}  // namespace

TEST_CASE("adversarial: every bit of every entry form, for MAXPHYADDR 36 39 46 52, with and without NXE") {
  // One valid path to a page whose entry of the form under test is at index 1 of its table.
  // Each of bits 1..63 (bit 0 is P; bit 7 of a PDPTE/PDE is the form) is set alone in that entry:
  // a reserved bit must give exactly one reserved run, of the entry's span, naming the level and
  // exactly that bit, and a walk faulting there; any other bit must give no reserved run at all.
  std::size_t findings = 0, checked = 0;
  for (unsigned m : {36u, 39u, 46u, 52u}) {
    for (bool nxe : {false, true}) {
      for (const Form& f : kForms) {
        const PagingMode mode = f.level == Level::kPml5 ? PagingMode::k5Level : PagingMode::k4Level;
        TableBuilder tb;
        const PhysAddr root = tb.alloc();
        PagingState s = state_for_root(root, mode);
        s.maxphyaddr = m;
        s.efer_nxe = nxe;
        const Level leaf_level = f.leaf ? f.level : Level::kPt;
        const VirtAddr va = va_of_indices(mode, {1, 1, 1, 1, 1});
        const std::uint64_t frame = f.leaf && f.level != Level::kPt ? 0x4000'0000 : 0x9000;
        tb.map(root, mode, va, PhysAddr(frame), leaf_level, bits::kRW);
        // The entry under test: walk down to the table of its level.
        PhysAddr table = root;
        for (Level l = top_level(mode); l != f.level; l = child_level(l))
          table = PhysAddr(tb.get(table, table_index(va, l)) & bits::kAddress);
        const unsigned index = table_index(va, f.level);
        const std::uint64_t good = tb.get(table, index);
        REQUIRE(Entry(good, f.level).reserved_bits_set(s) == 0);
        const VirtRange span =
            VirtRange::from_size(VirtAddr(va.value() & ~(entry_span(f.level) - 1)), entry_span(f.level));
        for (unsigned b = 1; b < 64; ++b) {
          if (b == 7 && (f.level == Level::kPd || f.level == Level::kPdpt)) continue;
          CAPTURE(m);
          CAPTURE(nxe);
          CAPTURE(level_name(f.level));
          CAPTURE(f.leaf);
          CAPTURE(b);
          const std::uint64_t bit = std::uint64_t{1} << b;
          tb.set(table, index, good | bit);
          const auto as = enumerate_address_space(s, tb.reader());
          REQUIRE(as.ok());
          std::vector<const AddressRun*> faults;
          for (const AddressRun& r : as->runs)
            if (r.kind == AddressRun::Kind::kReserved) faults.push_back(&r);
          ++checked;
          if (sdm_reserved(b, f, m, nxe, true)) {
            ++findings;
            REQUIRE(faults.size() == 1);
            CHECK(faults[0]->range == span);
            CHECK(faults[0]->reserved_bits == bit);
            CHECK(faults[0]->entry.level() == f.level);
            CHECK(faults[0]->entry_address == PhysAddr(table.value() + 8ull * index));
            CHECK(describe_reserved(faults[0]->reserved_bits, f.level) == bit_name(b));
            const WalkResult w = walk(s, tb.reader(), va);
            CHECK(w.outcome == WalkOutcome::kReservedBit);
            CHECK(w.reserved_bits == bit);
            CHECK(w.path.back().level == f.level);
          } else {
            CHECK(faults.empty());
          }
        }
        tb.set(table, index, good);
      }
    }
  }
  // 4 MAXPHYADDRs x 2 NXE x 7 forms x 62 or 63 bits; the reserved ones among them: bits 51:M at
  // each form, bit 63 without NXE, PS in PML4E/PML5E, and 8 / 17 low bits of 2 MiB / 1 GiB leaves.
  CHECK(checked == 4u * 2u * (3u * 63u + 4u * 62u));
  // 7 forms x (16 + 13 + 6 + 0 bits of 51:M) x 2 NXE + XD: 7 forms x 4 M + PS: 2 forms x 8 +
  // low bits: (8 + 17) x 8.
  CHECK(findings == 490u + 28u + 16u + 200u);
}

TEST_CASE("adversarial: PS in a PDPTE without 1 GiB page support is the one reserved bit, whatever the address") {
  for (std::uint64_t frame : {0x4000'0000ull, 0x4020'1000ull}) {  // aligned, then with bits 21 and 12 set
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    PagingState s = state_for_root(root, PagingMode::k4Level);
    s.page_1gb = false;
    const VirtAddr va = va_of_indices(PagingMode::k4Level, {1, 1});
    tb.map(root, PagingMode::k4Level, va, PhysAddr(0x4000'0000), Level::kPdpt, bits::kRW);
    const PhysAddr pdpt(tb.get(root, 1) & bits::kAddress);
    tb.set(pdpt, 1, (tb.get(pdpt, 1) & ~bits::kAddress) | frame);
    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    REQUIRE(as->runs.size() == 1);
    CHECK(as->runs[0].kind == AddressRun::Kind::kReserved);
    CHECK(as->runs[0].reserved_bits == bits::kPsOrPat7);
    CHECK(as->runs[0].range == VirtRange::from_size(va, 1ull << 30));
    CHECK(describe_reserved(as->runs[0].reserved_bits, Level::kPdpt) == "PS(7)");
  }
}

// --- Misaligned large leaves ---------------------------------------------------------------

TEST_CASE("adversarial: large leaves with misaligned frames fault on exactly the low address bits, PAT is not one") {
  struct Row {
    Level level;
    std::uint64_t low_bits;  // bits 20:13 or 29:13
    const char* named;
  };
  const Row rows[] = {{Level::kPd, 0x1f'e000, "bits 20:13"}, {Level::kPdpt, 0x3fff'e000, "bits 29:13"}};
  for (const Row& row : rows) {
    CAPTURE(level_name(row.level));
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    const PagingState s = state_for_root(root, PagingMode::k4Level);
    const VirtAddr va = va_of_indices(PagingMode::k4Level, {0, 1, 1});
    const VirtAddr page(va.value() & ~(page_size(row.level) - 1));
    tb.map(root, PagingMode::k4Level, va, PhysAddr(0x4000'0000), row.level, bits::kRW);
    PhysAddr table = root;
    for (Level l = Level::kPml4; l != row.level; l = child_level(l))
      table = PhysAddr(tb.get(table, table_index(va, l)) & bits::kAddress);
    const unsigned index = table_index(va, row.level);
    const std::uint64_t good = tb.get(table, index);

    // Every low address bit at once, then each one alone.
    tb.set(table, index, good | row.low_bits);
    auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    REQUIRE(as->runs.size() == 1);
    CHECK(as->runs[0].kind == AddressRun::Kind::kReserved);
    CHECK(as->runs[0].reserved_bits == row.low_bits);
    CHECK(as->runs[0].range == VirtRange::from_size(page, page_size(row.level)));
    CHECK(describe_reserved(as->runs[0].reserved_bits, row.level) == row.named);
    for (unsigned b = 13; (std::uint64_t{1} << b) & row.low_bits; ++b) {
      CAPTURE(b);
      tb.set(table, index, good | (std::uint64_t{1} << b));
      const WalkResult w = walk(s, tb.reader(), va);
      CHECK(w.outcome == WalkOutcome::kReservedBit);
      CHECK(w.reserved_bits == std::uint64_t{1} << b);
    }

    // Bit 12 is PAT: the page maps, at the aligned frame, with PAT set.
    tb.set(table, index, good | bits::kPatOrAddr12);
    as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    REQUIRE(as->runs.size() == 1);
    CHECK(as->runs[0].kind == AddressRun::Kind::kMapped);
    CHECK(as->runs[0].phys == PhysAddr(0x4000'0000));
    CHECK(as->runs[0].attributes.pat);
    CHECK(as->runs[0].attributes.level == row.level);
    const WalkResult w = walk(s, tb.reader(), VirtAddr(page.value() + 0x1234));
    REQUIRE(w.outcome == WalkOutcome::kMapped);
    CHECK(w.translation->pa == PhysAddr(0x4000'1234));
  }
}

// --- Tables read in the wrong paging mode ----------------------------------------------------

TEST_CASE("adversarial: 5-level tables under a 4-level CR4 are read one level lower, as the CPU would") {
  // Built for 5-level: (1,2,3,4,5) -> 0x9000 4K, (1,2,3,6) -> 0x20'0000 2M, (1,2,7) -> 0x4000'0000 1G.
  // With CR4.LA57 = 0 the PML5 is read as a PML4, the PML4 as a PDPT, and so on: the PD's
  // entries become PTEs, so D[4] maps the PT page itself and D[6]'s PS bit becomes PAT; the
  // PDPT's 1 GiB leaf becomes a 2 MiB leaf.
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const PagingMode built = PagingMode::k5Level;
  tb.map(root, built, va_of_indices(built, {1, 2, 3, 4, 5}), PhysAddr(0x9000), Level::kPt, kTableBits);
  tb.map(root, built, va_of_indices(built, {1, 2, 3, 6}), PhysAddr(0x20'0000), Level::kPd, kTableBits);
  tb.map(root, built, va_of_indices(built, {1, 2, 7}), PhysAddr(0x4000'0000), Level::kPdpt, kTableBits);
  const PhysAddr pt(0x10'4000);  // R5, Q, P, D, then T
  REQUIRE(tb.table_count() == 5);

  const PagingState s = state_for_root(root, PagingMode::k4Level);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  REQUIRE(as->runs.size() == 3);
  const VirtAddr a = va_of_indices(PagingMode::k4Level, {1, 2, 3, 4});
  const VirtAddr b = va_of_indices(PagingMode::k4Level, {1, 2, 3, 6});
  const VirtAddr c = va_of_indices(PagingMode::k4Level, {1, 2, 7});
  CHECK(as->runs[0].range == VirtRange::from_size(a, 0x1000));
  CHECK(as->runs[0].phys == pt);
  CHECK_FALSE(as->runs[0].attributes.pat);
  CHECK(as->runs[1].range == VirtRange::from_size(b, 0x1000));
  CHECK(as->runs[1].phys == PhysAddr(0x20'0000));
  CHECK(as->runs[1].attributes.pat);
  CHECK(as->runs[1].attributes.level == Level::kPt);
  CHECK(as->runs[2].range == VirtRange::from_size(c, 0x20'0000));
  CHECK(as->runs[2].phys == PhysAddr(0x4000'0000));
  CHECK(as->runs[2].attributes.level == Level::kPd);
  CHECK(as->entries_read == 4u * 512u);  // the real PT is never read as a table
  CHECK(as->tables.size() == 4);
  CHECK(as->ancestor_refs.empty());
  // The 5-level address itself is not canonical under 4-level paging.
  CHECK(walk(s, tb.reader(), va_of_indices(built, {1, 2, 3, 4, 5})).outcome == WalkOutcome::kNonCanonical);
}

TEST_CASE("adversarial: 4-level tables under a 5-level CR4 are read one level higher, as the CPU would") {
  // Built for 4-level: (1,2,3,4) -> 0x9000 4K, (1,2,5) -> 0x20'0000 2M, (1,6) -> 0x4000'0000 1G,
  // plus PT[8] = 0x40'0000 with PAT. With CR4.LA57 = 1 the PML4 is read as a PML5, the PDPT as a
  // PML4 (its 1 GiB leaf's PS is reserved there), the PD as a PDPT (its 2 MiB leaf becomes a
  // 1 GiB leaf whose address bit 21 is reserved), the PT as a PD (a PTE pointing to 0x9000 now
  // references a table outside memory; PT[8]'s PAT bit is PS: a 2 MiB page).
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const PagingMode built = PagingMode::k4Level;
  tb.map(root, built, va_of_indices(built, {1, 2, 3, 4}), PhysAddr(0x9000), Level::kPt, kTableBits);
  tb.map(root, built, va_of_indices(built, {1, 2, 5}), PhysAddr(0x20'0000), Level::kPd, kTableBits);
  tb.map(root, built, va_of_indices(built, {1, 6}), PhysAddr(0x4000'0000), Level::kPdpt, kTableBits);
  const PhysAddr pdpt(0x10'1000), pd(0x10'2000), pt(0x10'3000);
  tb.set(pt, 8, 0x40'0000 | bits::kP | kTableBits | bits::kPsOrPat7);

  const PagingMode as_mode = PagingMode::k5Level;
  const PagingState s = state_for_root(root, as_mode);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  REQUIRE(as->runs.size() == 4);
  const AddressRun& unreadable = as->runs[0];
  CHECK(unreadable.kind == AddressRun::Kind::kUnreadable);
  CHECK(unreadable.range == VirtRange::from_size(va_of_indices(as_mode, {1, 2, 3, 4}), 0x20'0000));
  CHECK(unreadable.missing_table == PhysAddr(0x9000));
  CHECK(unreadable.entry_address == PhysAddr(pt.value() + 8 * 4));
  const AddressRun& big = as->runs[1];
  CHECK(big.kind == AddressRun::Kind::kMapped);
  CHECK(big.range == VirtRange::from_size(va_of_indices(as_mode, {1, 2, 3, 8}), 0x20'0000));
  CHECK(big.phys == PhysAddr(0x40'0000));
  CHECK(big.attributes.level == Level::kPd);
  CHECK_FALSE(big.attributes.pat);  // bit 12 is clear; bit 7 was the PTE's PAT, now PS
  const AddressRun& misaligned = as->runs[2];
  CHECK(misaligned.kind == AddressRun::Kind::kReserved);
  CHECK(misaligned.range == VirtRange::from_size(va_of_indices(as_mode, {1, 2, 5}), 1ull << 30));
  CHECK(misaligned.reserved_bits == std::uint64_t{1} << 21);
  CHECK(misaligned.entry_address == PhysAddr(pd.value() + 8 * 5));
  const AddressRun& ps = as->runs[3];
  CHECK(ps.kind == AddressRun::Kind::kReserved);
  CHECK(ps.range == VirtRange::from_size(va_of_indices(as_mode, {1, 6}), 1ull << 39));
  CHECK(ps.reserved_bits == bits::kPsOrPat7);
  CHECK(ps.entry.level() == Level::kPml4);
  CHECK(ps.entry_address == PhysAddr(pdpt.value() + 8 * 6));
  CHECK(as->entries_read == 4u * 512u);
  // The address the tables were built for reads PML5[0]: not present.
  const WalkResult w = walk(s, tb.reader(), va_of_indices(built, {1, 2, 3, 4}));
  CHECK(w.outcome == WalkOutcome::kNotPresent);
  CHECK(w.path.size() == 1);
}
