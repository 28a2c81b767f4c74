// The slice writer. Strategy: slice a raw image with a distinct fill per page and read the
// slice back with ElfCore (write -> read round trip: ranges, bytes, the PTVERIFY note, the
// 4 KiB alignment of every segment's file offset); then bad page lists are errors; then a
// hand-built 4-level table tree (shared PT, a recursive PML4 slot, 1 GiB and 2 MiB leaves)
// walks to the same address space from its slice as from the full image.
#include "verifier/ingest/slice.h"

#include <doctest/doctest.h>

#include <initializer_list>
#include <sstream>

#include "models/walk.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

std::unique_ptr<RawImage> image(const rawtest::TempFile& f) {
  Expected<std::unique_ptr<RawImage>> img = RawImage::open(f.path());
  REQUIRE(img.ok());
  return std::move(img).value();
}

rawtest::Bytes filled_pages(unsigned n) {
  rawtest::Bytes b;
  for (unsigned i = 0; i < n; ++i) b.fill(4096ull * i, 4096, static_cast<unsigned char>(0xa0 + i));
  return b;
}

SliceRegisters some_registers() {
  SliceRegisters r;
  r.cr0 = 0x8005'0033;
  r.cr3 = 0x1000;
  r.cr4 = 0x75'06b0;
  r.efer = 0xd01;
  r.maxphyaddr = 40;
  return r;
}

TEST_CASE("a slice reads back with ElfCore holding exactly its pages and registers") {
  const rawtest::Bytes b = filled_pages(8);
  const rawtest::TempFile src(b.data());
  const std::unique_ptr<RawImage> mem = image(src);
  const rawtest::TempFile out(std::vector<unsigned char>{});
  Expected<SliceSummary> s = write_slice_file(
      out.path(), *mem, {PhysAddr(0x6000), PhysAddr(0x1000), PhysAddr(0x2000), PhysAddr(0x3000), PhysAddr(0x2000)},
      some_registers());
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  CHECK(s->pages == 4);
  CHECK(s->segments == 2);

  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(out.path());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  const std::vector<PhysRange> expected{{PhysAddr(0x1000), 0x3000}, {PhysAddr(0x6000), 0x1000}};
  CHECK(std::vector<PhysRange>((*core)->ranges().begin(), (*core)->ranges().end()) == expected);
  for (std::uint64_t page : {1u, 2u, 3u, 6u}) {
    CAPTURE(page);
    const auto bytes = (*core)->read(PhysAddr(page * 4096), 4096);
    REQUIRE(bytes.has_value());
    CHECK(std::equal(bytes->begin(), bytes->end(), mem->read(PhysAddr(page * 4096), 4096)->begin()));
  }
  CHECK_FALSE((*core)->read(PhysAddr(0x4000), 1).has_value());
  CHECK_FALSE((*core)->read(PhysAddr(0x0), 1).has_value());
  CHECK((*core)->file().size() == s->bytes);

  const CoreRegisters& r = *(*core)->registers();
  CHECK(r.source == CoreRegisters::Source::kPtverifyNote);
  CHECK(r.cr0 == 0x8005'0033);
  CHECK(r.cr3 == 0x1000);
  CHECK(r.cr4 == 0x75'06b0);
  CHECK(r.efer == std::optional<std::uint64_t>(0xd01));
  CHECK(r.maxphyaddr == std::optional<unsigned>(40));

  // Program headers at 0x40: PT_NOTE, then the two PT_LOADs at 4 KiB-aligned file offsets.
  const ByteView file = (*core)->file().bytes();
  CHECK(file.u16(0x38) == std::optional<std::uint16_t>(3));
  CHECK(file.u32(0x40) == std::optional<std::uint32_t>(4));
  for (std::uint64_t i = 1; i < 3; ++i) {
    CHECK(file.u32(0x40 + 56 * i) == std::optional<std::uint32_t>(1));
    CHECK(*file.u64(0x40 + 56 * i + 8) % 4096 == 0);
    CHECK(file.u64(0x40 + 56 * i + 0x10) == file.u64(0x40 + 56 * i + 0x18));  // p_vaddr = p_paddr
  }
}

TEST_CASE("slicing a page that is unaligned or outside the memory is an error") {
  const rawtest::Bytes b = filled_pages(2);
  const rawtest::TempFile src(b.data());
  const std::unique_ptr<RawImage> mem = image(src);
  std::ostringstream sink;
  Expected<SliceSummary> unaligned = write_slice(sink, *mem, {PhysAddr(0x800)}, some_registers());
  REQUIRE_FALSE(unaligned.ok());
  CHECK(unaligned.error().message == src.path() + ": cannot slice page 0x800: not 4 KiB aligned");
  Expected<SliceSummary> outside = write_slice(sink, *mem, {PhysAddr(0x1000), PhysAddr(0x5000)}, some_registers());
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().message == src.path() + ": cannot slice page 0x5000: not in the dumped memory ([0x0-0x1fff])");
  CHECK_FALSE(write_slice(sink, *mem, {}, some_registers()).ok());
  CHECK(sink.str().empty());
}

TEST_CASE("a failed slice leaves no file behind") {
  const rawtest::Bytes b = filled_pages(1);
  const rawtest::TempFile src(b.data());
  const std::unique_ptr<RawImage> mem = image(src);
  const std::string out = src.path() + ".slice";
  CHECK_FALSE(write_slice_file(out, *mem, {PhysAddr(0x9000)}, some_registers()).ok());
  CHECK_FALSE(MappedFile::open(out).ok());
  CHECK_FALSE(MappedFile::open(out + ".partial").ok());
}

// Tables (entries: P=1 RW=2 US=4 PS=0x80, XD=bit 63):
//   PML4 0x1000: [0] -> PDPT 0x2000 (URW)   [256] -> 0x1000 itself (RW, recursive slot)
//                [511] -> PDPT 0x3000 (RW)
//   PDPT 0x2000: [0] -> PD 0x4000 (URW)     [1] 1 GiB leaf 0x4000'0000 (RW)
//   PD   0x4000: [0] -> PT 0x5000 (URW)     [1] 2 MiB leaf 0x20'0000 (URW, XD)
//   PT   0x5000: [0..3] 4 KiB leaves 0x8000.. (U, read-only)
//   PDPT 0x3000: [510] -> PD 0x6000 (RW);   PD 0x6000: [0] -> PT 0x5000 (shared PT)
//   0x7000 and 0x8000.. are data pages, not tables.
rawtest::Bytes table_tree() {
  rawtest::Bytes b;
  b.fill(0, 0xc000, 0x5a);
  for (std::uint64_t t : std::initializer_list<std::uint64_t>{0x1000, 0x2000, 0x3000, 0x4000, 0x5000, 0x6000})
    b.fill(t, 4096, 0);
  b.u64(0x1000 + 8 * 0, 0x2007).u64(0x1000 + 8 * 256, 0x1003).u64(0x1000 + 8 * 511, 0x3003);
  b.u64(0x2000 + 8 * 0, 0x4007).u64(0x2000 + 8 * 1, 0x4000'0083);
  b.u64(0x4000 + 8 * 0, 0x5007).u64(0x4000 + 8 * 1, 0x8000'0000'0020'0087);
  for (unsigned i = 0; i < 4; ++i) b.u64(0x5000 + 8 * i, 0x8005 + 0x1000 * i);
  b.u64(0x3000 + 8 * 510, 0x6003);
  b.u64(0x6000 + 8 * 0, 0x5003);
  return b;
}

TEST_CASE("a slice of the reached tables walks to the same address space") {
  const rawtest::Bytes b = table_tree();
  const rawtest::TempFile src(b.data());
  const std::unique_ptr<RawImage> full = image(src);
  const PagingState state = PagingState::from_registers(0x8005'0033, 0x1000, 0x75'06b0, 0xd01, 40);
  Expected<AddressSpace> before = enumerate_address_space(state, full->reader());
  REQUIRE_MESSAGE(before.ok(), (before.ok() ? "" : before.error().message));
  REQUIRE_FALSE(before->runs.empty());

  std::vector<PhysAddr> pages;
  for (const ReachedTable& t : before->tables) pages.push_back(t.pa);
  const rawtest::TempFile out(std::vector<unsigned char>{});
  Expected<SliceSummary> s = write_slice_file(out.path(), *full, pages, some_registers());
  REQUIRE(s.ok());
  CHECK(s->pages == 6);
  CHECK(s->segments == 1);  // 0x1000..0x6fff are contiguous

  Expected<std::unique_ptr<ElfCore>> sliced = ElfCore::open(out.path());
  REQUIRE(sliced.ok());
  Expected<AddressSpace> after = enumerate_address_space(state, (*sliced)->reader());
  REQUIRE(after.ok());
  REQUIRE(after->runs.size() == before->runs.size());
  for (std::size_t i = 0; i < before->runs.size(); ++i) {
    CAPTURE(i);
    const AddressRun& x = before->runs[i];
    const AddressRun& y = after->runs[i];
    CHECK(x.range == y.range);
    CHECK(x.kind == y.kind);
    CHECK(x.phys == y.phys);
    CHECK(x.attributes == y.attributes);
    CHECK(x.entry == y.entry);
    CHECK(x.entry_address == y.entry_address);
  }
}

}  // namespace
}  // namespace ptv
