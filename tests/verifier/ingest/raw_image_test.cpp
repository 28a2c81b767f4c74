// RawImage: file offset = physical address. Strategy: a small image with a distinct fill per
// page, read at page starts, ends and across the end of the file; then the walker's reader
// over it; then an empty file and a compressed image.
#include "verifier/ingest/raw_image.h"

#include <doctest/doctest.h>
#include <zstd.h>

#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

std::vector<unsigned char> pages(unsigned n) {
  rawtest::Bytes b;
  for (unsigned i = 0; i < n; ++i) b.fill(4096ull * i, 4096, static_cast<unsigned char>(0x10 + i));
  return b.data();
}

TEST_CASE("a raw image holds one range from physical address 0") {
  const rawtest::TempFile f(pages(3));
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE(img.ok());
  const RawImage& m = **img;
  REQUIRE(m.ranges().size() == 1);
  CHECK(m.ranges()[0] == PhysRange{PhysAddr(0), 3 * 4096});
  CHECK((*m.read(PhysAddr(0x2fff), 1))[0] == 0x12);
  CHECK_FALSE(m.read(PhysAddr(0x2fff), 2).has_value());
  CHECK_FALSE(m.read(PhysAddr(0x3000), 1).has_value());
  CHECK_FALSE(m.read(PhysAddr(~std::uint64_t{0}), 2).has_value());
  CHECK_FALSE(m.read(PhysAddr(0x3000), 0).has_value());
}

TEST_CASE("the reader of a raw image returns whole tables only") {
  rawtest::Bytes b;
  b.fill(0, 3 * 4096 + 100, 0);
  b.u64(0x1000 + 8 * 511, 0x2003);
  const rawtest::TempFile f(b.data());
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE(img.ok());
  const TableReader reader = (*img)->reader();
  const std::optional<TableView> t = reader(PhysAddr(0x1000));
  REQUIRE(t.has_value());
  CHECK((*t)[511] == 0x2003);
  CHECK_FALSE(reader(PhysAddr(0x3000)).has_value());  // only 100 bytes of that page exist
}

TEST_CASE("an empty raw image is an error") {
  const rawtest::TempFile f(std::vector<unsigned char>{});
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE_FALSE(img.ok());
  CHECK(img.error().message == f.path() + ": empty file: a raw image of size 0 holds no memory");
}

TEST_CASE("a zstd-compressed raw image is read through its decompressed copy") {
  const std::vector<unsigned char> raw = pages(4);
  std::vector<unsigned char> z(ZSTD_compressBound(raw.size()));
  z.resize(ZSTD_compress(z.data(), z.size(), raw.data(), raw.size(), 1));
  const rawtest::TempFile f(z);
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE(img.ok());
  CHECK((*img)->name() == f.path() + " (decompressed)");
  CHECK((*img)->bytes_held() == 4 * 4096);
  CHECK((*(*img)->read(PhysAddr(0x3000), 1))[0] == 0x13);
}

TEST_CASE("describe_ranges lists held memory for diagnostics") {
  const std::vector<PhysRange> r{{PhysAddr(0), 0xa0000}, {PhysAddr(0xc0000), 0xff40000}};
  CHECK(describe_ranges(r) == "[0x0-0x9ffff] [0xc0000-0xfffffff]");
  CHECK(describe_ranges(r, 1) == "[0x0-0x9ffff] ... (1 more)");
  CHECK(describe_ranges({}) == "no memory");
}

}  // namespace
}  // namespace ptv
