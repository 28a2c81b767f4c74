// The one text formatter of numbers, ranges and sizes (models/format.h).
#include "models/format.h"

#include <doctest/doctest.h>

using namespace ptv;

TEST_CASE("hex16, hex and hex_digits") {
  CHECK(hex16(0) == "0x0000000000000000");
  CHECK(hex16(0xffff888000000000) == "0xffff888000000000");
  CHECK(hex(0) == "0x0");
  CHECK(hex(0x1f6000) == "0x1f6000");
  CHECK(hex(~std::uint64_t{0}) == "0xffffffffffffffff");
  CHECK(hex_digits(0xabc) == "abc");
  CHECK(hex_digits(0) == "0");
}

TEST_CASE("hex_end and range_text are exclusive, closed_range_text inclusive") {
  const VirtRange low{VirtAddr(0x1000), VirtAddr(0x1fff)};
  CHECK(hex_end(low) == "0x0000000000002000");
  CHECK(range_text(low) == "[0x0000000000001000, 0x0000000000002000)");
  const VirtRange top{VirtAddr(0xffffffffffe00000), VirtAddr(~std::uint64_t{0})};
  CHECK(hex_end(top) == "0x10000000000000000");
  CHECK(closed_range_text(0x1000, 0x1fff) == "[0x0000000000001000, 0x0000000000001fff]");
}

TEST_CASE("format_size writes the largest exact unit, as ptdump does") {
  CHECK(format_size(4096) == "4K");
  CHECK(format_size(2040 * 1024) == "2040K");
  CHECK(format_size(2u << 20) == "2M");
  CHECK(format_size(1u << 30) == "1G");
  CHECK(format_size(1000) == "1000B");
  CHECK(format_size(0xffff'8800'0000'0000) == "16777096T");
  CHECK(format_size(std::uint64_t{1} << 63) == "8E");
  CHECK(format_size(0) == "16E");  // 2^64
}

TEST_CASE("tri_char") {
  CHECK(tri_char(Tri::kYes, 'w') == 'w');
  CHECK(tri_char(Tri::kNo, 'w') == '-');
  CHECK(tri_char(Tri::kUnknown, 'w') == '?');
}

namespace ptv {

TEST_CASE("format: exact_binary_size names the largest binary unit that divides the count") {
  CHECK(exact_binary_size(4096) == "4 KiB");
  CHECK(exact_binary_size(std::uint64_t{512} << 30) == "512 GiB");
  CHECK(exact_binary_size(std::uint64_t{3} << 40) == "3 TiB");
  CHECK(exact_binary_size(std::uint64_t{1} << 63) == "8 EiB");
  CHECK(exact_binary_size(1536) == std::nullopt);
  CHECK(exact_binary_size(0) == std::nullopt);
  CHECK(exact_binary_size(4096, 20) == std::nullopt);
  CHECK(exact_binary_size(std::uint64_t{1} << 20, 20) == "1 MiB");
}

}  // namespace ptv

TEST_CASE("decimal groups digits by three with commas") {
  CHECK(decimal(0) == "0");
  CHECK(decimal(999) == "999");
  CHECK(decimal(1000) == "1,000");
  CHECK(decimal(4096) == "4,096");
  CHECK(decimal(1'032'704) == "1,032,704");
  CHECK(decimal(100'000) == "100,000");
  CHECK(decimal(~std::uint64_t{0}) == "18,446,744,073,709,551,615");
}

TEST_CASE("parse_address reads what ptverify prints: V and P prefixes, 0x, separators") {
  struct Row {
    const char* text;
    AddressKind want;
    std::uint64_t value;
  };
  const Row ok[] = {
      {"0xffffffff81000000", AddressKind::kVirtual, 0xffff'ffff'8100'0000},
      {"V0xffffffff81000000", AddressKind::kVirtual, 0xffff'ffff'8100'0000},
      {"v0xFFFF_FFFF_8100_0000", AddressKind::kVirtual, 0xffff'ffff'8100'0000},
      {"Vffff'ffff'8100'0000", AddressKind::kVirtual, 0xffff'ffff'8100'0000},
      {"ffffffff81000000", AddressKind::kVirtual, 0xffff'ffff'8100'0000},
      {"P0x1f6000", AddressKind::kPhysical, 0x1f'6000},
      {"p1f6000", AddressKind::kPhysical, 0x1f'6000},
      {"0X1F6000", AddressKind::kPhysical, 0x1f'6000},
      {"0x0000000000000000001", AddressKind::kPhysical, 1},
  };
  for (const Row& r : ok) {
    CAPTURE(r.text);
    const Expected<std::uint64_t> v = parse_address(r.text, r.want);
    REQUIRE(v.ok());
    CHECK(*v == r.value);
  }
}

TEST_CASE("parse_address rejects the other kind's prefix, non-hex text and more than 64 bits") {
  const Expected<std::uint64_t> p_for_v = parse_address("P0x1000", AddressKind::kVirtual);
  REQUIRE_FALSE(p_for_v.ok());
  CHECK(p_for_v.error().message.find("is a physical address") != std::string::npos);
  CHECK(p_for_v.error().message.find("a virtual address is expected") != std::string::npos);
  const Expected<std::uint64_t> v_for_p = parse_address("V0x1000", AddressKind::kPhysical);
  REQUIRE_FALSE(v_for_p.ok());
  CHECK(v_for_p.error().message.find("is a virtual address") != std::string::npos);
  for (const char* bad : {"", "V", "0x", "V0x", "_", "0xg", "-1", "0x1 ", "10000000000000000", "VV1"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_address(bad, AddressKind::kVirtual).ok());
  }
  CHECK(parse_address("ffffffffffffffff", AddressKind::kVirtual).ok());
}
