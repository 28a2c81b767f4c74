// Strategy: the geometry and canonical bounds are derived from (levels, 9, 12); pin them to
// the SDM's numbers and to the Linux memory map's half boundaries, for both modes.
#include "models/paging_mode.h"

#include <doctest/doctest.h>

using namespace ptv;

TEST_CASE("geometry: index bit ranges and entry spans per level") {
  CHECK(index_shift(Level::kPt) == 12);
  CHECK(index_shift(Level::kPd) == 21);
  CHECK(index_shift(Level::kPdpt) == 30);
  CHECK(index_shift(Level::kPml4) == 39);
  CHECK(index_shift(Level::kPml5) == 48);
  CHECK(entry_span(Level::kPml4) == 0x80'0000'0000ull);      // 512 GiB
  CHECK(entry_span(Level::kPml5) == 0x1'0000'0000'0000ull);  // 256 TiB
  //                 PML4=0x1ff  PDPT=0x1fe  PD=0x003  PT=0x004
  const VirtAddr va(0xffff'ffff'8060'4123);
  CHECK(table_index(va, Level::kPml4) == 0x1ff);
  CHECK(table_index(va, Level::kPdpt) == 0x1fe);
  CHECK(table_index(va, Level::kPd) == 0x003);
  CHECK(table_index(va, Level::kPt) == 0x004);
  CHECK(table_index(VirtAddr(0xff11'0000'0000'0000), Level::kPml5) == 0x111);
}

TEST_CASE("names: level_from_name and mode_from_name invert level_name and to_string") {
  for (Level l : {Level::kPt, Level::kPd, Level::kPdpt, Level::kPml4, Level::kPml5})
    CHECK(level_from_name(level_name(l)) == l);
  for (PagingMode m : {PagingMode::k4Level, PagingMode::k5Level}) CHECK(mode_from_name(to_string(m)) == m);
  for (std::string_view other : {"", "pt", "PML9", "PT ", "4-Level", "6-level"}) {
    CHECK_FALSE(level_from_name(other).has_value());
    CHECK_FALSE(mode_from_name(other).has_value());
  }
}

TEST_CASE("canonical: 48-bit and 57-bit halves") {
  const auto m4 = PagingMode::k4Level, m5 = PagingMode::k5Level;
  CHECK(is_canonical(VirtAddr(0x0000'7fff'ffff'ffff), m4));
  CHECK_FALSE(is_canonical(VirtAddr(0x0000'8000'0000'0000), m4));
  CHECK_FALSE(is_canonical(VirtAddr(0xffff'7fff'ffff'ffff), m4));
  CHECK(is_canonical(VirtAddr(0xffff'8000'0000'0000), m4));
  CHECK(is_canonical(VirtAddr(0x0000'8000'0000'0000), m5));
  CHECK(is_canonical(VirtAddr(0x00ff'ffff'ffff'ffff), m5));
  CHECK_FALSE(is_canonical(VirtAddr(0x0100'0000'0000'0000), m5));
  CHECK(is_canonical(VirtAddr(0xff00'0000'0000'0000), m5));
  CHECK_FALSE(is_canonical(VirtAddr(0xfeff'ffff'ffff'ffff), m5));
  CHECK(canonicalize(0x1'ff30'533f'4020'0000 & 0x1ff'ffff'ffff'ffff, m5) == VirtAddr(0xff30'533f'4020'0000));
}

TEST_CASE("address: checked arithmetic and ranges that reach 2^64") {
  CHECK_FALSE(VirtAddr(~0ull).checked_add(1).has_value());
  CHECK(VirtAddr(1).checked_add(1) == VirtAddr(2));
  const VirtRange top{VirtAddr(0xffff'ffff'ffe0'0000), VirtAddr(~0ull)};
  CHECK_FALSE(top.end().has_value());
  CHECK(top.size_or_zero() == 0x20'0000);
  CHECK(top.contains(VirtAddr(~0ull)));
  const VirtRange all{VirtAddr(0), VirtAddr(~0ull)};
  CHECK(all.size_or_zero() == 0);  // 2^64
  CHECK(all.intersect(top) == top);
  CHECK_FALSE(VirtRange{VirtAddr(0), VirtAddr(10)}.intersect(VirtRange{VirtAddr(11), VirtAddr(12)}));
}
