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
