// Strategy: the walk records where leaves are (LeafStretch) and for_each_leaf_run reads them
// back as runs of alike entries over contiguous frames. First pin the exact runs of hand-built
// tables (what splits a run and what does not, each page size, shared tables under two rights
// contexts, stretches cut by child tables); then check random tables against two oracles: the
// walk of every entry on its own (leaf_run_oracle.h), and a naive recursive enumeration of
// every (leaf entry, rights context) pair.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "leaf_run_oracle.h"
#include "models/walk.h"
#include "table_builder.h"

using namespace ptv;
using ptv::test::TableBuilder;

namespace {

/// One expected run: first entry address, entries, first frame, first address.
struct Row {
  std::uint64_t entry_address;
  unsigned count;
  std::uint64_t frame;
  std::uint64_t va;
};

std::vector<LeafRun> runs_of(const AddressSpace& as, const PagingState& s, const TableReader& r) {
  std::vector<LeafRun> out;
  for_each_leaf_run(as, s, r, [&](const LeafRun& l) { out.push_back(l); });
  return out;
}

void check_rows(const std::vector<LeafRun>& got, const std::vector<Row>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i].entry_address(0) == PhysAddr(want[i].entry_address));
    CHECK(got[i].count == want[i].count);
    CHECK(got[i].frame == PhysAddr(want[i].frame));
    CHECK(got[i].first_va == VirtAddr(want[i].va));
  }
}

constexpr std::uint64_t kRwNx = bits::kRW | bits::kXd;

}  // namespace

TEST_CASE("leaf runs: contiguous alike 4 KiB leaves are one run, and a frame gap, a flag or a hole splits it") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const PagingState s = test::state_for_root(root, PagingMode::k4Level);
  const std::uint64_t va = 0xffff'8880'0000'0000;
  // PT entries 0..99: frames 0x100000.. contiguous, then 100..149 contiguous again but from
  // another frame, 150..159 with G set, 160 missing, 161..170 contiguous with 159's frames.
  for (unsigned i = 0; i < 100; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000ull * i), PhysAddr(0x10'0000 + 0x1000ull * i), Level::kPt,
           kRwNx);
  for (unsigned i = 100; i < 150; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000ull * i), PhysAddr(0x80'0000 + 0x1000ull * i), Level::kPt,
           kRwNx);
  for (unsigned i = 150; i < 160; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000ull * i), PhysAddr(0x80'0000 + 0x1000ull * i), Level::kPt,
           kRwNx | bits::kG);
  for (unsigned i = 161; i < 171; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000ull * i), PhysAddr(0x80'0000 + 0x1000ull * i), Level::kPt,
           kRwNx | bits::kG);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  CHECK(as->leaf_uses == 170);
  CHECK(as->leaf_stretches.size() == 1);
  const WalkResult w = walk(s, tb.reader(), VirtAddr(va));
  const std::uint64_t pt = w.path.back().table.value();
  check_rows(runs_of(*as, s, tb.reader()), {
                                               {pt, 100, 0x10'0000, va},
                                               {pt + 8 * 100, 50, 0x80'0000 + 0x1000 * 100, va + 0x1000 * 100},
                                               {pt + 8 * 150, 10, 0x80'0000 + 0x1000 * 150, va + 0x1000 * 150},
                                               {pt + 8 * 161, 10, 0x80'0000 + 0x1000 * 161, va + 0x1000 * 161},
                                           });
  const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
  CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
}

TEST_CASE("leaf runs: 2 MiB and 1 GiB leaves run over contiguous frames, 4- and 5-level") {
  for (PagingMode mode : {PagingMode::k4Level, PagingMode::k5Level}) {
    CAPTURE(to_string(mode));
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    const PagingState s = test::state_for_root(root, mode);
    const std::uint64_t va2m = 0xffff'ffff'8000'0000, va1g = 0xffff'8880'0000'0000;
    for (unsigned i = 0; i < 8; ++i)
      tb.map(root, mode, VirtAddr(va2m + 0x20'0000ull * i), PhysAddr(0x100'0000 + 0x20'0000ull * i), Level::kPd,
             bits::kG);
    for (unsigned i = 0; i < 4; ++i)
      tb.map(root, mode, VirtAddr(va1g + 0x4000'0000ull * i), PhysAddr(0x4000'0000ull * i), Level::kPdpt, kRwNx);
    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    const std::vector<LeafRun> runs = runs_of(*as, s, tb.reader());
    REQUIRE(runs.size() == 2);
    // Walk order: the direct map (lower PML4 index) first.
    CHECK(runs[0].count == 4);
    CHECK(runs[0].page_size() == 0x4000'0000);
    CHECK(runs[0].frame_last() == 4 * 0x4000'0000ull - 1);
    CHECK(runs[1].count == 8);
    CHECK(runs[1].attributes.executable);
    CHECK(runs[1].frame == PhysAddr(0x100'0000));
    CHECK(runs[1].va(7) == VirtAddr(va2m + 7 * 0x20'0000ull));
    const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
    CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
  }
}

TEST_CASE("leaf runs: a frame whose next page would carry into a reserved bit ends its run") {
  // MAXPHYADDR 36: a PTE for frame 0xf'ffff'f000 followed by one whose raw value is the first
  // plus 4 KiB carries into bit 36, a reserved bit: that entry faults and is no leaf.
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  PagingState s = test::state_for_root(root, PagingMode::k4Level);
  s.maxphyaddr = 36;
  const std::uint64_t va = 0xffff'c900'0000'0000;
  tb.map(root, PagingMode::k4Level, VirtAddr(va), PhysAddr(0xf'ffff'f000), Level::kPt, kRwNx);
  tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000), PhysAddr(0x10'0000'0000), Level::kPt, kRwNx);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  CHECK(as->leaf_uses == 1);
  const std::vector<LeafRun> runs = runs_of(*as, s, tb.reader());
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].count == 1);
}

TEST_CASE("leaf runs: a table shared under two rights contexts gives its leaves twice, once per context") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc(), pdpt = tb.alloc(), pd = tb.alloc(), pt = tb.alloc();
  const PagingState s = test::state_for_root(root, PagingMode::k4Level);
  tb.set(root, 256, pdpt.value() | bits::kP | bits::kRW);
  tb.set(pdpt, 0, pd.value() | bits::kP | bits::kRW);  // writable path
  tb.set(pdpt, 1, pd.value() | bits::kP);              // read-only path to the same PD
  // PD: entry 0 -> the PT, entry 1 a 2 MiB leaf; the PT: 16 contiguous leaves.
  tb.set(pd, 0, pt.value() | bits::kP | bits::kRW);
  tb.set(pd, 1, 0x4000'0000 | bits::kP | bits::kRW | bits::kPsOrPat7 | bits::kXd);
  for (unsigned i = 0; i < 16; ++i) tb.set(pt, i, (0x20'0000 + 0x1000ull * i) | bits::kP | kRwNx);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  CHECK(as->leaf_uses == 2 * (16 + 1));
  const std::vector<LeafRun> runs = runs_of(*as, s, tb.reader());
  const std::uint64_t upper = 0xffff'8000'0000'0000;
  check_rows(runs, {
                       {pt.value(), 16, 0x20'0000, upper},
                       {pd.value() + 8, 1, 0x4000'0000, upper + 0x20'0000},
                       {pt.value(), 16, 0x20'0000, upper + 0x4000'0000},
                       {pd.value() + 8, 1, 0x4000'0000, upper + 0x4000'0000 + 0x20'0000},
                   });
  CHECK(runs[0].attributes.writable);
  CHECK_FALSE(runs[2].attributes.writable);
  // The PD's stretch of leaves starts after its child table: two stretches per context.
  CHECK(as->leaf_stretches.size() == 4);
  const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
  CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
}

namespace {

/// Every (leaf entry address, rights context) pair reachable from the root, by a plain
/// recursion that reads every table at every path (no sharing, no memo): small tables only.
/// Values: the entry's effective attributes.
using PairMap = std::map<std::tuple<std::uint64_t, unsigned, unsigned>, Attributes>;
void naive_leaves(const PagingState& s, const TableReader& read, PhysAddr table, Level level, AccumulatedRights above,
                  PairMap& out) {
  const auto view = read(table);
  if (!view) return;
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    const Entry e((*view)[i], level);
    if (!e.p() || e.reserved_bits_set(s)) continue;
    if (e.leaf()) {
      out[{table.value() + 8ull * i, static_cast<unsigned>(level), above.key()}] = effective_attributes(above, e, s);
      continue;
    }
    naive_leaves(s, read, e.address(s), child_level(level), above.then(e), out);
  }
}

}  // namespace

TEST_CASE("leaf runs: random tables with shared tables agree with the walk and with a naive enumeration") {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 40; ++round) {
    CAPTURE(round);
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    PagingState s = test::state_for_root(root, PagingMode::k4Level);
    s.maxphyaddr = 40;
    // Three PTs and a PD of random leaves (often contiguous, sometimes reserved bits), linked
    // from random PD and PDPT entries under random rights: tables shared across contexts.
    std::vector<PhysAddr> pts;
    for (int t = 0; t < 3; ++t) {
      const PhysAddr pt = tb.alloc();
      std::uint64_t frame = 0x100'0000 + 0x10'0000ull * static_cast<unsigned>(t);
      for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        if (rng() % 8 == 0) continue;
        if (rng() % 6 == 0) frame += 0x1000 * (1 + rng() % 4);
        const std::uint64_t flags = (rng() % 5 == 0 ? (rng() & (bits::kRW | bits::kUS | bits::kG)) : bits::kRW) |
                                    (rng() % 7 == 0 ? bits::kXd : 0) | (rng() % 97 == 0 ? (std::uint64_t{1} << 45) : 0);
        tb.set(pt, i, frame | flags | bits::kP);
        frame += 0x1000;
      }
      pts.push_back(pt);
    }
    const PhysAddr pd = tb.alloc(), pdpt = tb.alloc();
    for (unsigned i = 0; i < 64; ++i) {
      const std::uint64_t r = rng() % 6;
      const std::uint64_t rights = rng() & (bits::kRW | bits::kUS | bits::kXd);
      if (r < 3)
        tb.set(pd, i, pts[r].value() | rights | bits::kP);
      else if (r == 3)
        tb.set(pd, i, (0x4000'0000 + 0x20'0000ull * (i % 3)) | rights | bits::kP | bits::kPsOrPat7);
    }
    for (unsigned i = 0; i < 6; ++i)
      tb.set(pdpt, i * 3, pd.value() | (rng() & (bits::kRW | bits::kUS | bits::kXd)) | bits::kP);
    tb.set(root, 1, pdpt.value() | bits::kP | bits::kRW | bits::kUS);
    tb.set(root, 300, pdpt.value() | bits::kP | bits::kRW);

    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    const test::LeafRunAudit audit = test::audit_leaf_runs(*as, s, tb.reader());
    CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);

    PairMap naive;
    naive_leaves(s, tb.reader(), root, Level::kPml4, AccumulatedRights{}, naive);
    CHECK(as->leaf_uses == naive.size());
    // The runs cover the same (entry, attributes) pairs (contexts that give equal attributes
    // to an entry are folded in this comparison; the count above tells them apart).
    std::set<std::pair<std::uint64_t, std::string>> from_runs, from_naive;
    auto key = [](std::uint64_t entry, const Attributes& a) {
      std::ostringstream os;
      os << a;
      return std::make_pair(entry, os.str());
    };
    for_each_leaf_run(*as, s, tb.reader(), [&](const LeafRun& r) {
      for (unsigned k = 0; k < r.count; ++k) from_runs.insert(key(r.entry_address(k).value(), r.attributes));
    });
    for (const auto& [k, a] : naive) from_naive.insert(key(std::get<0>(k), a));
    CHECK(from_runs == from_naive);
  }
}
