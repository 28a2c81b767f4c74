// ByteView and MappedFile. Strategy: the checked arithmetic first (the edges of 2^64), then
// every read width at the last valid offset, one past it, and at offsets whose sum with the
// width wraps; then mapping real files (normal, empty, missing, a directory).
#include "verifier/base/mapped_file.h"

#include <doctest/doctest.h>

#include <array>
#include <limits>

#include "models/format.h"
#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

TEST_CASE("checked_add and checked_mul are empty exactly on overflow") {
  CHECK(checked_add(kMax - 1, 1) == kMax);
  CHECK_FALSE(checked_add(kMax, 1).has_value());
  CHECK_FALSE(checked_add(1, kMax).has_value());
  CHECK(checked_mul(0, kMax) == 0u);
  CHECK(checked_mul(kMax, 1) == kMax);
  CHECK(checked_mul(0x1'0000'0000, 0xffff'ffff) == 0xffff'ffff'0000'0000);
  CHECK_FALSE(checked_mul(0x1'0000'0000, 0x1'0000'0000).has_value());
}

TEST_CASE("ByteView reads little-endian values only inside the view") {
  const std::array<unsigned char, 10> raw{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a};
  const ByteView v{std::span<const unsigned char>(raw)};
  CHECK(v.u8(9) == std::optional<std::uint8_t>(0x0a));
  CHECK(v.u16(8) == std::optional<std::uint16_t>(0x0a09));
  CHECK(v.u32(6) == std::optional<std::uint32_t>(0x0a09'0807));
  CHECK(v.u64(2) == std::optional<std::uint64_t>(0x0a09'0807'0605'0403));
  CHECK_FALSE(v.u8(10).has_value());
  CHECK_FALSE(v.u16(9).has_value());
  CHECK_FALSE(v.u32(7).has_value());
  CHECK_FALSE(v.u64(3).has_value());
  for (std::uint64_t wrap : {kMax, kMax - 1, kMax - 7}) {
    CAPTURE(wrap);
    CHECK_FALSE(v.u64(wrap).has_value());
    CHECK_FALSE(v.sub(wrap, 16).has_value());
  }
}

TEST_CASE("ByteView sub-spans are checked and relative to the sub-span") {
  const std::array<unsigned char, 8> raw{0, 1, 2, 3, 4, 5, 6, 7};
  const ByteView v{std::span<const unsigned char>(raw)};
  const std::optional<ByteView> mid = v.sub(2, 4);
  REQUIRE(mid.has_value());
  CHECK(mid->size() == 4);
  CHECK(mid->u8(0) == std::optional<std::uint8_t>(2));
  CHECK_FALSE(mid->u8(4).has_value());
  CHECK(v.sub(8, 0).has_value());  // the empty span at the end
  CHECK_FALSE(v.sub(8, 1).has_value());
  CHECK_FALSE(v.sub(9, 0).has_value());
  CHECK(v.contains(0, 8));
  CHECK_FALSE(v.contains(1, 8));
}

TEST_CASE("MappedFile maps a file read-only and survives a move") {
  const rawtest::TempFile f(std::string("ptverify"));
  Expected<MappedFile> m = MappedFile::open(f.path());
  REQUIRE(m.ok());
  CHECK(m->name() == f.path());
  CHECK(m->size() == 8);
  const ByteView before = m->bytes();
  MappedFile moved = std::move(m).value();
  CHECK(moved.bytes().span().data() == before.span().data());
  CHECK(moved.bytes().u8(0) == std::optional<std::uint8_t>('p'));
}

TEST_CASE("MappedFile of an empty file is an empty view") {
  const rawtest::TempFile f(std::vector<unsigned char>{});
  Expected<MappedFile> m = MappedFile::open(f.path());
  REQUIRE(m.ok());
  CHECK(m->size() == 0);
  CHECK_FALSE(m->bytes().u8(0).has_value());
}

TEST_CASE("MappedFile errors name the path and the reason") {
  Expected<MappedFile> missing = MappedFile::open("/nonexistent/ptv/core.elf");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "/nonexistent/ptv/core.elf: cannot open: No such file or directory");
  Expected<MappedFile> dir = MappedFile::open("/");
  REQUIRE_FALSE(dir.ok());
  CHECK(dir.error().message ==
        "/: a directory, not a regular file (inputs are read from regular files: save a stream to a file first)");
  Expected<MappedFile> dev = MappedFile::open("/dev/null");
  REQUIRE_FALSE(dev.ok());
  CHECK(dev.error().message.starts_with("/dev/null: a character device, not a regular file"));
}

TEST_CASE("MappedFile reads a file that reports size 0 (procfs) into memory") {
  Expected<MappedFile> maps = MappedFile::open("/proc/self/maps");
  REQUIRE(maps.ok());
  CHECK(maps->size() > 0);
}

TEST_CASE("hex and error_at spell offsets the same way everywhere") {
  CHECK(hex(0) == "0x0");
  CHECK(hex(0x1f6000) == "0x1f6000");
  CHECK(hex(kMax) == "0xffffffffffffffff");
  CHECK(error_at("core.elf", 0x40, "program header table runs past end of file").message ==
        "core.elf+0x40: program header table runs past end of file");
}

}  // namespace
}  // namespace ptv
