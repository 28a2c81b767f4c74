// Strategy: first pin walk() for one address on hand-built tables (each page size, both
// modes, every outcome, rights folded across levels exactly as the SDM says, looping over all
// R/W, U/S, XD combinations at every level); then test enumerate_address_space() against
// walk() by brute force: every page of small random tables must agree with the run holding it.
#include "models/walk.h"

#include <doctest/doctest.h>

#include <random>

#include "table_builder.h"

using namespace ptv;
using ptv::test::TableBuilder;

namespace {

PagingState state_for(PhysAddr root, PagingMode mode) {
  PagingState s;
  s.cr3 = root.value();
  s.cr4_la57 = mode == PagingMode::k5Level;
  return s;
}

const AddressRun* run_at(const AddressSpace& as, VirtAddr va) {
  for (const auto& r : as.runs)
    if (r.range.contains(va)) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("walk: 4 KiB, 2 MiB and 1 GiB leaves translate with their offsets, 4- and 5-level") {
  for (PagingMode mode : {PagingMode::k4Level, PagingMode::k5Level}) {
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    const PagingState s = state_for(root, mode);
    tb.map(root, mode, VirtAddr(0x0000'0000'0040'0000), PhysAddr(0x1234'5000), Level::kPt, bits::kUS);
    tb.map(root, mode, VirtAddr(0xffff'ffff'8000'0000), PhysAddr(0x0020'0000), Level::kPd, bits::kRW | bits::kG);
    tb.map(root, mode, VirtAddr(0xffff'8880'0000'0000), PhysAddr(0x4000'0000), Level::kPdpt, bits::kRW | bits::kXd);
    const auto r = tb.reader();

    const WalkResult a = walk(s, r, VirtAddr(0x40'0abc));
    REQUIRE(a.outcome == WalkOutcome::kMapped);
    CHECK(a.translation->pa == PhysAddr(0x1234'5abc));
    CHECK(a.translation->attributes.level == Level::kPt);
    CHECK(a.translation->attributes.user);
    CHECK_FALSE(a.translation->attributes.writable);
    CHECK(a.path.size() == levels(mode));
    CHECK(a.path.back().index == 0);

    const WalkResult b = walk(s, r, VirtAddr(0xffff'ffff'801f'ffff));
    REQUIRE(b.outcome == WalkOutcome::kMapped);
    CHECK(b.translation->pa == PhysAddr(0x003f'ffff));
    CHECK(b.translation->frame == PhysAddr(0x0020'0000));
    CHECK(b.translation->attributes.level == Level::kPd);
    CHECK(b.translation->attributes.global);
    CHECK(b.translation->attributes.executable);
    CHECK(b.path.size() == levels(mode) - 1);

    const WalkResult c = walk(s, r, VirtAddr(0xffff'8880'3fff'fff0));
    REQUIRE(c.outcome == WalkOutcome::kMapped);
    CHECK(c.translation->pa == PhysAddr(0x7fff'fff0));
    CHECK(c.translation->attributes.level == Level::kPdpt);
    CHECK_FALSE(c.translation->attributes.executable);

    const WalkResult d = walk(s, r, VirtAddr(0x40'1000));
    CHECK(d.outcome == WalkOutcome::kNotPresent);
    CHECK_FALSE(d.translation);
  }
}

TEST_CASE("walk: a non-canonical address is not walked") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const WalkResult r = walk(state_for(root, PagingMode::k4Level), tb.reader(), VirtAddr(0x0000'8000'0000'0000));
  CHECK(r.outcome == WalkOutcome::kNonCanonical);
  CHECK(r.path.empty());
  // The same address is canonical (lower half) under 5-level paging.
  const WalkResult r5 = walk(state_for(root, PagingMode::k5Level), tb.reader(), VirtAddr(0x0000'8000'0000'0000));
  CHECK(r5.outcome == WalkOutcome::kNotPresent);
}

TEST_CASE("rights: U/S and R/W are ANDed, XD is ORed, over every level combination") {
  // Three levels of tables above a PTE: loop every combination of R/W, U/S, XD at each of the
  // four entries (4096 cases) and compare with the SDM's rule written out directly.
  for (unsigned combo = 0; combo < (1u << 12); ++combo) {
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    const PagingState s = state_for(root, PagingMode::k4Level);
    auto flags = [&](unsigned level) {
      const unsigned f = (combo >> (3 * level)) & 7;
      return ((f & 1) ? bits::kRW : 0) | ((f & 2) ? bits::kUS : 0) | ((f & 4) ? bits::kXd : 0);
    };
    const VirtAddr va(0x7f00'1234'5000);
    tb.map(root, PagingMode::k4Level, va, PhysAddr(0x9000), Level::kPt, flags(0));
    // Rewrite the three upper entries with their own flags.
    PhysAddr t = root;
    for (unsigned lv = 3; lv >= 1; --lv) {
      const Level level = static_cast<Level>(lv + 1);
      const unsigned i = table_index(va, level);
      const std::uint64_t e = tb.get(t, i);
      tb.set(t, i, (e & bits::kAddress) | bits::kP | flags(lv));
      t = PhysAddr(e & bits::kAddress);
    }
    bool rw = true, us = true, xd = false;
    for (unsigned lv = 0; lv < 4; ++lv) {
      rw = rw && (flags(lv) & bits::kRW);
      us = us && (flags(lv) & bits::kUS);
      xd = xd || (flags(lv) & bits::kXd);
    }
    const WalkResult r = walk(s, tb.reader(), va);
    REQUIRE(r.outcome == WalkOutcome::kMapped);
    CHECK(r.translation->attributes.writable == rw);
    CHECK(r.translation->attributes.user == us);
    CHECK(r.translation->attributes.executable == !xd);
  }
}

TEST_CASE("rights: CR0.WP clear lets supervisor writes through R/W = 0, EFER.NXE clear makes bit 63 reserved") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  PagingState s = state_for(root, PagingMode::k4Level);
  tb.map(root, PagingMode::k4Level, VirtAddr(0x1000), PhysAddr(0x5000), Level::kPt, bits::kXd);
  s.cr0_wp = false;
  WalkResult r = walk(s, tb.reader(), VirtAddr(0x1000));
  REQUIRE(r.translation);
  CHECK(r.translation->attributes.writable);
  s.cr0_wp = true;
  r = walk(s, tb.reader(), VirtAddr(0x1000));
  CHECK_FALSE(r.translation->attributes.writable);
  CHECK_FALSE(r.translation->attributes.executable);
  s.efer_nxe = false;
  r = walk(s, tb.reader(), VirtAddr(0x1000));
  CHECK(r.outcome == WalkOutcome::kReservedBit);
  CHECK(r.reserved_bits == bits::kXd);
}

TEST_CASE("walk: a reserved bit in an upper level ends the walk there") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  PagingState s = state_for(root, PagingMode::k4Level);
  s.maxphyaddr = 40;
  tb.map(root, PagingMode::k4Level, VirtAddr(0x20'0000), PhysAddr(0x5000), Level::kPt, 0);
  const PhysAddr pdpt(tb.get(root, 0) & bits::kAddress);
  tb.set(pdpt, 0, tb.get(pdpt, 0) | (std::uint64_t{1} << 45));
  const WalkResult r = walk(s, tb.reader(), VirtAddr(0x20'0000));
  CHECK(r.outcome == WalkOutcome::kReservedBit);
  CHECK(r.path.size() == 2);
  CHECK(r.reserved_bits == (std::uint64_t{1} << 45));
}

TEST_CASE("walk: a table outside memory is an outcome naming the table") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  tb.set(root, 3, 0x7777'0000 | bits::kP | bits::kRW);
  const VirtAddr va(3ull << 39);
  const WalkResult r = walk(state_for(root, PagingMode::k4Level), tb.reader(), va);
  CHECK(r.outcome == WalkOutcome::kTableOutsideMemory);
  CHECK(r.missing_table == PhysAddr(0x7777'0000));
  const auto as = enumerate_address_space(state_for(root, PagingMode::k4Level), tb.reader());
  REQUIRE(as.ok());
  REQUIRE(as->runs.size() == 1);
  CHECK(as->runs[0].kind == AddressRun::Kind::kUnreadable);
  CHECK(as->runs[0].range == VirtRange::from_size(va, 1ull << 39));
  CHECK(as->runs[0].missing_table == PhysAddr(0x7777'0000));
}

TEST_CASE("enumerate: a root outside memory is an error") {
  TableBuilder tb;
  PagingState s;
  s.cr3 = 0x5000'0000;
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE_FALSE(as.ok());
  CHECK(as.error().message.find("outside the dumped memory") != std::string::npos);
}

TEST_CASE("enumerate: runs coalesce equal neighbours across tables and split where rights change") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const PagingState s = state_for(root, PagingMode::k4Level);
  // 1024 4 KiB pages spanning two page tables, then a read-only page, then a 2 MiB page.
  for (unsigned i = 0; i < 1024; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(0x40'0000 + 0x1000ull * i), PhysAddr(0x100'0000 + 0x1000ull * i),
           Level::kPt, bits::kRW | bits::kUS);
  tb.map(root, PagingMode::k4Level, VirtAddr(0x80'0000), PhysAddr(0x9000), Level::kPt, bits::kUS);
  tb.map(root, PagingMode::k4Level, VirtAddr(0xa0'0000), PhysAddr(0x20'0000), Level::kPd, bits::kRW | bits::kUS);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  REQUIRE(as->runs.size() == 3);
  CHECK(as->runs[0].range == VirtRange{VirtAddr(0x40'0000), VirtAddr(0x7f'ffff)});
  CHECK(as->runs[0].phys == PhysAddr(0x100'0000));
  CHECK(as->runs[1].range == VirtRange{VirtAddr(0x80'0000), VirtAddr(0x80'0fff)});
  CHECK_FALSE(as->runs[1].attributes.writable);
  CHECK(as->runs[2].attributes.level == Level::kPd);
}

TEST_CASE("enumerate: every entry of every level pointing to one table is a handful of runs") {
  // The adversarial table: 512 entries, each P|RW|US pointing at the table itself. Under
  // 4-level paging it maps all 2^48 addresses (2^36 pages, through 2^36 paths) to one frame.
  for (PagingMode mode : {PagingMode::k4Level, PagingMode::k5Level}) {
    TableBuilder tb;
    const PhysAddr t = tb.alloc();
    for (unsigned i = 0; i < 512; ++i) tb.set(t, i, t.value() | bits::kP | bits::kRW | bits::kUS);
    const PagingState s = state_for(t, mode);
    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    REQUIRE(as->runs.size() == 2);  // split only at the canonical hole
    CHECK(as->runs[0].range == VirtRange{VirtAddr(0), lower_half_last(mode)});
    CHECK(as->runs[1].range == VirtRange{upper_half_first(mode), VirtAddr(~0ull)});
    CHECK(as->runs[1].phys == t);
    CHECK(as->entries_read == 512ull * levels(mode));
    CHECK(as->tables.size() == levels(mode));  // one frame, used at every level
    CHECK(as->ancestor_refs.size() >= 1);
    CHECK(as->ancestor_refs.front().recursive_slot);
    // A walk through the same tables agrees.
    const WalkResult w = walk(s, tb.reader(), VirtAddr(0xffff'ffff'ffff'f123));
    CHECK(w.translation->pa == PhysAddr(t.value() + 0x123));
  }
}

TEST_CASE("enumerate: a recursive PML4 slot is named and its translations are real") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const PagingState s = state_for(root, PagingMode::k4Level);
  tb.map(root, PagingMode::k4Level, VirtAddr(0x40'0000), PhysAddr(0x9000), Level::kPt, bits::kUS);
  tb.set(root, 510, root.value() | bits::kP | bits::kRW | bits::kXd);  // Windows-style self map
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  std::size_t slots = 0;
  for (const auto& ref : as->ancestor_refs)
    if (ref.recursive_slot) {
      ++slots;
      CHECK(ref.index == 510);
      CHECK(ref.range.first == VirtAddr(0xffff'ff00'0000'0000));
    }
  CHECK(slots == 1);
  // Through the slot, the PT that maps 0x400000 appears as a page at a known address:
  // slot 510, then indices 0,0,2 of the path to it.
  const VirtAddr pt_alias(0xffff'ff00'0000'0000 | (0ull << 30) | (0ull << 21) | (2ull << 12));
  const WalkResult w = walk(s, tb.reader(), pt_alias);
  REQUIRE(w.outcome == WalkOutcome::kMapped);
  const AddressRun* r = run_at(*as, pt_alias);
  REQUIRE(r);
  CHECK(r->kind == AddressRun::Kind::kMapped);
  CHECK_FALSE(r->attributes.executable);
}

TEST_CASE("enumerate: a table shared by many parents (ESPfix-like) is decoded once") {
  // One PT with 32 pages at a stride of 16 entries, referenced by all 512 entries of one PD,
  // itself referenced 4 times from a PDPT: 65,536 leaves, but only 3 tables.
  TableBuilder tb;
  const PhysAddr root = tb.alloc(), pdpt = tb.alloc(), pd = tb.alloc(), pt = tb.alloc();
  const PagingState s = state_for(root, PagingMode::k4Level);
  const std::uint64_t ro_nx = bits::kP | bits::kXd;  // PGTABLE_PROT-like non-leaf
  tb.set(root, 510, pdpt.value() | bits::kP | bits::kRW);
  for (unsigned i = 0; i < 4; ++i) tb.set(pdpt, i, pd.value() | ro_nx);
  for (unsigned i = 0; i < 512; ++i) tb.set(pd, i, pt.value() | ro_nx);
  for (unsigned i = 0; i < 512; i += 16) tb.set(pt, i, 0x7000 | bits::kP | bits::kRW | bits::kG);
  const auto as = enumerate_address_space(s, tb.reader());
  REQUIRE(as.ok());
  CHECK(as->runs.size() == 4u * 512u * 32u);
  CHECK(as->entries_read == 4u * 512u);
  for (const auto& r : as->runs) {
    CHECK_FALSE(r.attributes.writable);
    CHECK_FALSE(r.attributes.executable);
    CHECK(r.range.size_or_zero() == 0x1000);
  }
}

TEST_CASE("enumerate: brute-force agreement with walk on random tables") {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 20; ++round) {
    TableBuilder tb;
    const PhysAddr root = tb.alloc();
    PagingState s = state_for(root, PagingMode::k4Level);
    s.maxphyaddr = 40;
    // A few PTs under one PD, random leaves, some large pages, some reserved bits.
    const std::uint64_t base = 0xffff'8880'0000'0000;
    for (int i = 0; i < 200; ++i) {
      const std::uint64_t page = rng() % 2048;
      const std::uint64_t flags = (rng() & (bits::kRW | bits::kUS)) | ((rng() & 1) ? bits::kXd : 0) |
                                  ((rng() % 50 == 0) ? (std::uint64_t{1} << 44) : 0);
      if (rng() % 20 == 0) {
        const std::uint64_t big = base + 0x4000'0000ull + (page % 4) * 0x20'0000;
        // Only map a large page where no table exists yet.
        tb.map(root, PagingMode::k4Level, VirtAddr(big), PhysAddr(0x4000'0000), Level::kPd, flags);
      } else {
        tb.map(root, PagingMode::k4Level, VirtAddr(base + page * 0x1000), PhysAddr(0x100'0000 + page * 0x1000),
               Level::kPt, flags);
      }
    }
    const auto as = enumerate_address_space(s, tb.reader());
    REQUIRE(as.ok());
    std::uint64_t mapped_pages = 0;
    for (std::uint64_t p = 0; p < 2048 + 2048; ++p) {
      const VirtAddr va(base + p * 0x1000 + (p % 4096 < 2048 ? 0 : 0x4000'0000 - 0x80'0000));
      const WalkResult w = walk(s, tb.reader(), va);
      const AddressRun* r = run_at(*as, va);
      if (w.outcome == WalkOutcome::kMapped) {
        ++mapped_pages;
        REQUIRE(r);
        CHECK(r->kind == AddressRun::Kind::kMapped);
        CHECK(r->attributes == w.translation->attributes);
        if (r->range.first == va) CHECK(r->phys == w.translation->frame);
      } else if (w.outcome == WalkOutcome::kReservedBit) {
        REQUIRE(r);
        CHECK(r->kind == AddressRun::Kind::kReserved);
        CHECK(r->entry_address == w.path.back().entry_address);
      } else {
        CHECK(r == nullptr);
      }
    }
    CHECK(mapped_pages > 0);
  }
}

TEST_CASE("walk: the SME mask is cleared from CR3 and every entry before decoding") {
  // AMD SME sets the C-bit (here bit 47) in the entries of encrypted pages and tables and in CR3.
  // Without clearing it the walk would read tables at 2^47 + pa (outside memory) and map frames
  // there; with PagingState::sme_mask it reads the tables and frames without the bit.
  constexpr std::uint64_t kC = std::uint64_t{1} << 47;
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const VirtAddr va(0xffff'8880'0020'1000);
  tb.map(root, PagingMode::k4Level, va, PhysAddr(0x0345'6000), Level::kPt, bits::kRW | bits::kXd);
  // Set the C-bit in every entry of the path, as an SME kernel would.
  PhysAddr table = root;
  for (Level l = Level::kPml4;; l = child_level(l)) {
    const unsigned i = table_index(va, l);
    const std::uint64_t e = tb.get(table, i);
    tb.set(table, i, e | kC);
    if (l == Level::kPt) break;
    table = PhysAddr(e & bits::kAddress);
  }
  PagingState s = state_for(root, PagingMode::k4Level);
  s.cr3 |= kC;

  const WalkResult plain = walk(s, tb.reader(), va);
  CHECK(plain.outcome == WalkOutcome::kTableOutsideMemory);  // CR3's table at 2^47 + root
  s.sme_mask = kC;
  const WalkResult w = walk(s, tb.reader(), va);
  REQUIRE(w.outcome == WalkOutcome::kMapped);
  CHECK(w.translation->frame == PhysAddr(0x0345'6000));
  CHECK(w.path.front().table == root);
  for (const WalkStep& st : w.path) CHECK((st.entry.raw() & kC) == 0);

  Expected<AddressSpace> as = enumerate_address_space(s, tb.reader(), std::nullopt, EnumerateLimits{});
  REQUIRE(as.ok());
  const AddressRun* r = run_at(*as, va);
  REQUIRE(r != nullptr);
  CHECK(r->kind == AddressRun::Kind::kMapped);
  CHECK(r->phys == PhysAddr(0x0345'6000));
  CHECK(as->tables.size() == 4);
}
