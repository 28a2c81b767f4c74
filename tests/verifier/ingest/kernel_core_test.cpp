// The kernel's own ELF view of its memory (/proc/kcore, verifier/ingest/kernel_core.h).
// Strategy: a hand-made kcore-shaped file, laid out as fs/proc/kcore.c lays it out: direct-map
// RAM segments carrying p_paddr, the kernel text segment repeating RAM physically (with other
// bytes, so a read through it would show), a vmalloc segment with p_paddr = -1, and a
// VMCOREINFO note. First the reader alone through pread (ranges, reads, what is dropped), then
// the whole load (root from VMCOREINFO with a negative phys_base, the walk), then AMD SME's
// C-bit, then the errors.
#include "verifier/ingest/kernel_core.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/raw_ingest_test_util.h"
#include "verifier/ingest/sniff.h"

namespace ptv {
namespace {

using rawtest::Bytes;

constexpr std::uint64_t kPhoff = 0x40;
constexpr std::uint64_t kDirectMap = 0xffff'8880'0000'0000;
constexpr std::uint64_t kNoPhys = ~std::uint64_t{0};
// Entry bits [SDM 3A §4.5]: P, R/W.
constexpr std::uint64_t kPresentWritable = 0x3;

struct Segment {
  std::uint64_t vaddr, paddr, offset, size;
};

/// A kcore-shaped core: RAM [0, 0x4000) and [0x100000, 0x102000), the text segment over
/// 0x100000, vmalloc; init_top_pgt at 0x1000 through phys_base -16 MiB. `c_bit` is set in every
/// table pointer and leaf frame and declared as NUMBER(sme_mask).
std::vector<unsigned char> kcore_bytes(std::uint64_t c_bit = 0, bool with_vmcoreinfo = true) {
  const std::vector<Segment> segs{
      {kDirectMap + 0x0, 0x0, 0x1000, 0x4000},
      {kDirectMap + 0x10'0000, 0x10'0000, 0x5000, 0x2000},
      {0xffff'ffff'8100'0000, 0x10'0000, 0x9000, 0x1000},  // KCORE_TEXT: __pa_symbol
      {0xffff'c900'0000'0000, kNoPhys, 0xa000, 0x1000},    // KCORE_VMALLOC: no physical address
  };
  Bytes b;
  rawtest::elf_header(b, kPhoff, static_cast<std::uint16_t>(segs.size() + 1));
  std::string info =
      "OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff81001000\nNUMBER(phys_base)=-16777216\n"
      "NUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n";
  if (c_bit != 0) info += "NUMBER(sme_mask)=" + std::to_string(c_bit) + "\n";
  const std::uint64_t note_at = 0x400;
  const std::uint64_t note_end =
      with_vmcoreinfo ? rawtest::note(b, note_at, "VMCOREINFO", 0, std::vector<unsigned char>(info.begin(), info.end()))
                      : rawtest::note(b, note_at, "CORE", 1, {0, 0, 0, 0});
  rawtest::phdr(b, kPhoff, 0, rawtest::kPtNote, note_at, 0, note_end - note_at, 0);
  for (unsigned i = 0; i < segs.size(); ++i) {
    rawtest::phdr(b, kPhoff, i + 1, rawtest::kPtLoad, segs[i].offset, segs[i].paddr, segs[i].size, segs[i].size);
    b.u64(kPhoff + 56ull * (i + 1) + 0x10, segs[i].vaddr);
    b.fill(segs[i].offset, segs[i].size, i == 2 ? 0xee : 0x00);
  }
  // Physical page P is at file offset 0x1000 + P below 0x4000, 0x5000 + (P - 0x100000) above.
  const auto at = [](std::uint64_t pa) { return pa < 0x4000 ? 0x1000 + pa : 0x5000 + (pa - 0x10'0000); };
  // PML4 0x1000 [256] -> PDPT 0x2000 [0] -> PD 0x3000 [0] -> PT 0x100000 [0] -> page 0x101000.
  b.u64(at(0x1000) + 8 * 256, 0x2000 | c_bit | kPresentWritable);
  b.u64(at(0x2000), 0x3000 | c_bit | kPresentWritable);
  b.u64(at(0x3000), 0x10'0000 | c_bit | kPresentWritable);
  b.u64(at(0x10'0000), 0x10'1000 | c_bit | kPresentWritable);
  return b.data();
}

TEST_CASE("kcore: RAM segments by p_paddr through pread, the text repeat and vmalloc left out") {
  const rawtest::TempFile f(kcore_bytes());
  CHECK(is_kernel_core_file(f.path()));
  Expected<std::unique_ptr<KernelCore>> core = KernelCore::open(f.path());
  REQUIRE(core.ok());
  const KernelCore& k = **core;
  REQUIRE(k.ranges().size() == 2);
  CHECK(k.ranges()[0] == PhysRange{PhysAddr(0), 0x4000});
  CHECK(k.ranges()[1] == PhysRange{PhysAddr(0x10'0000), 0x2000});
  CHECK(k.direct_map_base() == kDirectMap);
  CHECK_FALSE(k.live());
  REQUIRE(k.notes().size() == 1);
  CHECK(k.notes()[0].find("kernel image at 0xffffffff81000000") != std::string::npos);
  // Read through the direct map's segment, not the text segment's 0xee bytes.
  const auto pt = k.read(PhysAddr(0x10'0000), 8);
  REQUIRE(pt.has_value());
  CHECK((*pt)[0] == 0x03);
  CHECK((*pt)[1] == 0x10);
  CHECK_FALSE(k.read(PhysAddr(0x4000), 1).has_value());
  CHECK_FALSE(k.read(PhysAddr(0x3fff), 2).has_value());
  CHECK(k.vmcoreinfo().find("SYMBOL(init_top_pgt)=ffffffff81001000\n") != std::string::npos);
}

TEST_CASE("kcore: loaded with --format auto, walked from init_top_pgt that VMCOREINFO gives") {
  const rawtest::TempFile f(kcore_bytes());
  DumpOptions opts;
  opts.path = f.path();
  Expected<LoadedDump> d = load_dump(opts);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  CHECK(d->mappings.format == "kcore");
  CHECK(d->raw->machine.root == PhysAddr(0x1000));
  REQUIRE(d->mappings.runs.size() == 1);
  CHECK(d->mappings.runs[0].range.first == VirtAddr(0xffff'8000'0000'0000));
  CHECK(d->mappings.runs[0].phys == PhysAddr(0x10'1000));
  bool told = false;
  for (const std::string& n : d->mappings.notes) told |= n.find("init_top_pgt at 0x") != std::string::npos;
  CHECK(told);
}

TEST_CASE("kcore: AMD SME's C-bit (NUMBER(sme_mask)) is cleared from every entry") {
  const std::uint64_t c_bit = std::uint64_t{1} << 47;
  const rawtest::TempFile f(kcore_bytes(c_bit));
  DumpOptions opts;
  opts.path = f.path();
  Expected<LoadedDump> d = load_dump(opts);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  REQUIRE(d->mappings.runs.size() == 1);
  CHECK(d->mappings.runs[0].phys == PhysAddr(0x10'1000));
}

TEST_CASE("kcore: without VMCOREINFO the top-level table must be given") {
  const rawtest::TempFile f(kcore_bytes(0, false));
  DumpOptions opts;
  opts.path = f.path();
  Expected<LoadedDump> d = load_dump(opts);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("without a VMCOREINFO note") != std::string::npos);
  opts.machine.cr3 = 0x1000;
  opts.machine.la57 = false;
  d = load_dump(opts);
  REQUIRE_MESSAGE(d.ok(), d.error().message);
  CHECK(d->mappings.runs.size() == 1);
}

TEST_CASE("kcore: two direct-map segments over the same physical memory are an error") {
  std::vector<unsigned char> bytes = kcore_bytes();
  Bytes b;
  for (std::size_t i = 0; i < bytes.size(); ++i) b.u8(i, bytes[i]);
  b.u64(kPhoff + 56 * 2 + 0x18, 0x3000);  // segment 2's p_paddr into segment 1's RAM
  b.u64(kPhoff + 56 * 2 + 0x10, kDirectMap + 0x3000);
  const rawtest::TempFile f(b.data());
  Expected<std::unique_ptr<KernelCore>> core = KernelCore::open(f.path());
  REQUIRE_FALSE(core.ok());
  CHECK(core.error().message == f.path() + "+0xb0: PT_LOAD segments 1 and 2 overlap in physical memory");
}

}  // namespace
}  // namespace ptv
