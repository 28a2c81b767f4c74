// Strategy: pin each decoding rule of models/entry.h to the SDM tables one rule per test case,
// looping exhaustively over the bits that matter and over every level; reserved-bit rules are
// checked for every level, leaf-ness, MAXPHYADDR and NXE combination.
#include "models/entry.h"

#include <doctest/doctest.h>

using namespace ptv;

namespace {
constexpr Level kAllLevels[] = {Level::kPt, Level::kPd, Level::kPdpt, Level::kPml4, Level::kPml5};
constexpr bool kBools[] = {false, true};
}  // namespace

TEST_CASE("entry: low flag bits decode at every level") {
  for (Level l : kAllLevels) {
    for (unsigned low = 0; low < 32; ++low) {
      const Entry e(low, l);
      CHECK(e.p() == bool(low & 1));
      CHECK(e.r_w() == bool(low & 2));
      CHECK(e.u_s() == bool(low & 4));
      CHECK(e.pwt() == bool(low & 8));
      CHECK(e.pcd() == bool(low & 16));
    }
  }
}

TEST_CASE("entry: bit 7 is PAT in a PTE, PS in a PDE or PDPTE, and has no meaning above") {
  for (bool b7 : kBools) {
    const std::uint64_t raw = bits::kP | (b7 ? bits::kPsOrPat7 : 0);
    CHECK_FALSE(Entry(raw, Level::kPt).ps().has_value());
    CHECK(Entry(raw, Level::kPt).pat() == b7);
    CHECK(Entry(raw, Level::kPt).leaf());
    CHECK(Entry(raw, Level::kPd).ps() == b7);
    CHECK(Entry(raw, Level::kPd).leaf() == b7);
    CHECK(Entry(raw, Level::kPdpt).ps() == b7);
    CHECK(Entry(raw, Level::kPdpt).leaf() == b7);
    CHECK_FALSE(Entry(raw, Level::kPml4).ps().has_value());
    CHECK_FALSE(Entry(raw, Level::kPml4).leaf());
    CHECK_FALSE(Entry(raw, Level::kPml5).leaf());
  }
}

TEST_CASE("entry: bit 12 is PAT in a large leaf and an address bit elsewhere") {
  const PagingState s;
  const std::uint64_t raw = bits::kP | bits::kPsOrPat7 | bits::kPatOrAddr12 | 0x4000'0000;
  CHECK(Entry(raw, Level::kPd).pat() == true);
  CHECK(Entry(raw, Level::kPd).address(s) == PhysAddr(0x4000'0000));
  CHECK(Entry(raw, Level::kPdpt).pat() == true);
  CHECK(Entry(raw, Level::kPdpt).address(s) == PhysAddr(0x4000'0000));
  // In a PTE, bit 12 is part of the frame address and bit 7 is PAT.
  CHECK(Entry(raw, Level::kPt).address(s) == PhysAddr(0x4000'1000));
  CHECK(Entry(raw, Level::kPt).pat() == true);
  // A PDE without PS references a table: bit 12 is an address bit, no PAT.
  const Entry table(bits::kP | bits::kPatOrAddr12, Level::kPd);
  CHECK(table.address(s) == PhysAddr(0x1000));
  CHECK_FALSE(table.pat().has_value());
}

TEST_CASE("entry: G, D and protection key exist only in leaves") {
  const std::uint64_t raw = bits::kP | bits::kG | bits::kD | (std::uint64_t{0xa} << bits::kPkShift);
  const Entry pte(raw, Level::kPt);
  CHECK(pte.g() == true);
  CHECK(pte.d() == true);
  CHECK(pte.pk() == 0xau);
  const Entry pde_table(raw, Level::kPd);  // PS = 0
  CHECK_FALSE(pde_table.g().has_value());
  CHECK_FALSE(pde_table.d().has_value());
  CHECK_FALSE(pde_table.pk().has_value());
  const Entry pml4e(raw, Level::kPml4);
  CHECK_FALSE(pml4e.g().has_value());
}

TEST_CASE("entry: address field honours MAXPHYADDR and the leaf's page size") {
  PagingState s;
  s.maxphyaddr = 40;
  const std::uint64_t raw = bits::kP | 0x000f'ffff'ffff'f000;
  CHECK(Entry(raw, Level::kPt).address(s) == PhysAddr(0x0000'00ff'ffff'f000));
  CHECK(Entry(raw | bits::kPsOrPat7, Level::kPd).address(s) == PhysAddr(0x0000'00ff'ffe0'0000));
  CHECK(Entry(raw | bits::kPsOrPat7, Level::kPdpt).address(s) == PhysAddr(0x0000'00ff'c000'0000));
  s.maxphyaddr = 52;
  CHECK(Entry(raw, Level::kPml4).address(s) == PhysAddr(0x000f'ffff'ffff'f000));
}

TEST_CASE("reserved: bits 51 to MAXPHYADDR in every present entry, at every level") {
  for (unsigned m : {36u, 39u, 40u, 46u, 48u, 52u}) {
    PagingState s;
    s.maxphyaddr = m;
    for (Level l : kAllLevels) {
      for (unsigned b = 12; b < 52; ++b) {
        const Entry e(bits::kP | (std::uint64_t{1} << b), l);
        const bool expect = b >= m;
        CHECK_MESSAGE(bool(e.reserved_bits_set(s)) == expect, "M=" << m << " level=" << level_name(l) << " bit=" << b);
      }
    }
  }
}

TEST_CASE("reserved: bit 63 without EFER.NXE, XD with it") {
  for (Level l : kAllLevels) {
    for (bool nxe : kBools) {
      PagingState s;
      s.efer_nxe = nxe;
      const Entry e(bits::kP | bits::kXd, l);
      CHECK(bool(e.reserved_bits_set(s)) == !nxe);
      CHECK(e.xd_bit());
    }
  }
}

TEST_CASE("reserved: PS in a PML4E or PML5E") {
  const PagingState s;
  CHECK(Entry(bits::kP | bits::kPsOrPat7, Level::kPml4).reserved_bits_set(s) == bits::kPsOrPat7);
  CHECK(Entry(bits::kP | bits::kPsOrPat7, Level::kPml5).reserved_bits_set(s) == bits::kPsOrPat7);
  CHECK(Entry(bits::kP | bits::kPsOrPat7, Level::kPt).reserved_bits_set(s) == 0);  // PAT, legal
}

TEST_CASE("reserved: low address bits of a 2 MiB leaf are bits 20 to 13") {
  const PagingState s;
  for (unsigned b = 12; b < 21; ++b) {
    const Entry e(bits::kP | bits::kPsOrPat7 | (std::uint64_t{1} << b), Level::kPd);
    CHECK(bool(e.reserved_bits_set(s)) == (b >= 13));  // bit 12 is PAT
    // The same bits in a PDE referencing a table are address bits.
    CHECK(Entry(bits::kP | (std::uint64_t{1} << b), Level::kPd).reserved_bits_set(s) == 0);
  }
}

TEST_CASE("reserved: low address bits of a 1 GiB leaf are bits 29 to 13") {
  const PagingState s;
  for (unsigned b = 12; b < 30; ++b) {
    const Entry e(bits::kP | bits::kPsOrPat7 | (std::uint64_t{1} << b), Level::kPdpt);
    CHECK(bool(e.reserved_bits_set(s)) == (b >= 13));
  }
}

TEST_CASE("reserved: PS in a PDPTE on a CPU without 1 GiB pages") {
  PagingState s;
  s.page_1gb = false;
  CHECK(Entry(bits::kP | bits::kPsOrPat7, Level::kPdpt).reserved_bits_set(s) == bits::kPsOrPat7);
  CHECK(Entry(bits::kP | bits::kPsOrPat7, Level::kPd).reserved_bits_set(s) == 0);
}

TEST_CASE("reserved: ignored bits 58 to 52, 11 to 9 and the key bits are never reserved") {
  const PagingState s;
  for (Level l : kAllLevels) {
    for (unsigned b : {9u, 10u, 11u, 52u, 55u, 58u, 59u, 62u}) {
      CHECK(Entry(bits::kP | (std::uint64_t{1} << b), l).reserved_bits_set(s) == 0);
    }
  }
}

TEST_CASE("describe: names the decoded bits and the reserved ones") {
  PagingState s;
  s.maxphyaddr = 40;
  const Entry e(0x8000'0000'0000'0067ull | (std::uint64_t{1} << 45), Level::kPt);
  const std::string d = describe(e, s);
  CHECK(d.find("RW") != std::string::npos);
  CHECK(d.find("US") != std::string::npos);
  CHECK(d.find("XD") != std::string::npos);
  CHECK(d.find("RESERVED{bit 45}") != std::string::npos);
  CHECK(describe(Entry(0, Level::kPt), s) == "not present");
}
