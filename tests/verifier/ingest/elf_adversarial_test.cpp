// Hostile ELF cores. Strategy: first the container. Each core is built byte by byte in memory
// (raw_ingest_test_util.h writes the gABI fields; memfd_create + MappedFile::from_fd maps it,
// so no file is left behind) with one field pushed to its edge: overlapping and touching PT_LOAD
// ranges in any header order, segments ending exactly at 2^64 or at the end of the file and one
// byte past, sizes near 2^64 whose offset + size wraps, 65534 program headers in a small file,
// PN_XNUM with a lying section header, zero-length segments, and notes whose namesz / descsz
// run past their segment. Each is accepted with an exact content, or refused with the exact
// message naming name+0xoffset and the problem (elf_core_test.cpp has the first break of each
// field; this file has the edges). Then the page tables inside a well-formed core are hostile:
// they point past the end of the held memory, into the gap between segments and the bytes
// between p_filesz and p_memsz, back to CR3, and set reserved bits at each level; the core goes
// through the whole pipeline (registers from its note, walk, mapping set, run_check) and each
// finding is asserted with its rule, range, level and bit.
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "../../models/table_builder.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_ingest_test_util.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

namespace ptv {
namespace {

using rawtest::Bytes;

constexpr const char* kName = "hostile.core";
constexpr std::uint64_t kPhoff = 0x40;
constexpr std::uint64_t kMax = ~std::uint64_t{0};

/// Header offset of program header i in the cores below (e_phoff = 0x40).
constexpr std::uint64_t ph(unsigned i) { return kPhoff + 56ull * i; }

/// The bytes as an anonymous in-memory file, mapped as the readers map a dump.
MappedFile in_memory(const std::vector<unsigned char>& bytes) {
  const int fd = ::memfd_create(kName, MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  rawtest::write_all(fd, bytes);
  Expected<MappedFile> m = MappedFile::from_fd(fd, kName);
  ::close(fd);
  REQUIRE(m.ok());
  return std::move(m).value();
}

Expected<std::unique_ptr<ElfCore>> parse(const Bytes& b) { return ElfCore::from_file(in_memory(b.data())); }

std::unique_ptr<ElfCore> accepted(const Bytes& b) {
  Expected<std::unique_ptr<ElfCore>> core = parse(b);
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  return std::move(core).value();
}

std::string refused(const Bytes& b) {
  Expected<std::unique_ptr<ElfCore>> core = parse(b);
  REQUIRE(!core.ok());
  return core.error().message;
}

struct Seg {
  std::uint32_t type;
  std::uint64_t offset, paddr, filesz, memsz;
};

/// ELF header, program headers at 0x40, and `file_size` bytes in all; page k of the file from
/// 0x1000 on is filled with 0x10 + k so that reads show which file bytes they came from.
Bytes core_of(const std::vector<Seg>& segs, std::uint64_t file_size = 0x4000) {
  Bytes b;
  rawtest::elf_header(b, kPhoff, static_cast<std::uint16_t>(segs.size()));
  for (unsigned i = 0; i < segs.size(); ++i)
    rawtest::phdr(b, kPhoff, i, segs[i].type, segs[i].offset, segs[i].paddr, segs[i].filesz, segs[i].memsz);
  for (std::uint64_t page = 0x1000; page + 0x1000 <= file_size; page += 0x1000)
    b.fill(page, 0x1000, static_cast<unsigned char>(0x10 + page / 0x1000 - 1));
  b.grow(file_size);
  return b;
}

Seg load(std::uint64_t offset, std::uint64_t paddr, std::uint64_t filesz, std::uint64_t memsz = 0) {
  return {rawtest::kPtLoad, offset, paddr, filesz, memsz == 0 ? filesz : memsz};
}

std::vector<PhysRange> ranges_of(const ElfCore& c) { return {c.ranges().begin(), c.ranges().end()}; }

}  // namespace

// --- Overlapping, touching and edge segments -------------------------------------------------

TEST_CASE("elf adversarial: overlapping PT_LOAD ranges are refused naming both headers and ranges, in any order") {
  struct Row {
    const char* what;
    std::vector<Seg> segs;
    std::string error;
  };
  const Row rows[] = {
      {"contained, listed after an unrelated segment",
       {load(0x1000, 0x0, 0x3000), load(0x1000, 0x10'0000, 0x1000), load(0x2000, 0x2000, 0x1000)},
       "hostile.core+0xb0: PT_LOAD segments 0 and 2 overlap in physical memory: [0x0-0x2fff] and [0x2000-0x2fff]"},
      {"one byte",
       {load(0x1000, 0x0, 0x1001), load(0x3000, 0x1000, 0x1000)},
       "hostile.core+0x78: PT_LOAD segments 0 and 1 overlap in physical memory: [0x0-0x1000] and [0x1000-0x1fff]"},
      {"one byte, headers in reverse order",
       {load(0x3000, 0x1000, 0x1000), load(0x1000, 0x0, 0x1001)},
       "hostile.core+0x40: PT_LOAD segments 1 and 0 overlap in physical memory: [0x0-0x1000] and [0x1000-0x1fff]"},
      {"both ending at 2^64",
       {load(0x1000, kMax - 0x1fff, 0x2000), load(0x3000, kMax - 0xfff, 0x1000)},
       "hostile.core+0x78: PT_LOAD segments 0 and 1 overlap in physical memory: "
       "[0xffffffffffffe000-0xffffffffffffffff] "
       "and [0xfffffffffffff000-0xffffffffffffffff]"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CHECK(refused(core_of(row.segs)) == row.error);
  }
  // Two identical ranges: the message names both (which one is "first" is the sort's choice).
  const std::string same = refused(core_of({load(0x1000, 0x0, 0x1000), load(0x2000, 0x0, 0x1000)}));
  CHECK(same.starts_with("hostile.core+0x"));
  CHECK(same.ends_with(" overlap in physical memory: [0x0-0xfff] and [0x0-0xfff]"));
}

TEST_CASE("elf adversarial: an overlap holding the same bytes is read once, as in a kdump vmcore") {
  // A kdump vmcore's first PT_LOAD is the kernel image at its kernel-text virtual address; its
  // physical range lies inside a RAM segment read from the same memory. Here: RAM [0x0, 0x3000)
  // from file 0x1000, and the "text" [0x1000, 0x2000) from file 0x2000: the same bytes.
  Bytes b = core_of({load(0x2000, 0x1000, 0x1000), load(0x1000, 0x0, 0x3000)});
  b.u64(ph(0) + 0x10, 0xffff'ffff'8100'0000);  // p_vaddr of the text segment
  const auto core = accepted(b);
  CHECK(ranges_of(*core) == std::vector<PhysRange>{{PhysAddr(0x0), 0x3000}});
  CHECK((*core->table(PhysAddr(0x1000)))[0] == 0x1111'1111'1111'1111);
  REQUIRE(core->warnings().size() == 1);
  CHECK(core->warnings()[0].find("1 PT_LOAD overlap(s) repeat physical memory with the same bytes") !=
        std::string::npos);

  // A partial overlap with the same bytes: the later segment keeps only what is new.
  const auto partial = accepted(core_of({load(0x1000, 0x0, 0x2000), load(0x2000, 0x1000, 0x2000)}));
  CHECK(ranges_of(*partial) == std::vector<PhysRange>{{PhysAddr(0x0), 0x2000}, {PhysAddr(0x2000), 0x1000}});
  CHECK((*partial->table(PhysAddr(0x2000)))[0] == 0x1212'1212'1212'1212);  // file page 0x3000
}

TEST_CASE("elf adversarial: a kernel-text copy that differs from RAM loses to the RAM segment, other overlaps fail") {
  // The text segment [0x1000, 0x2000) from file 0x3000 (0x12...) over RAM holding file 0x2000.
  Bytes b = core_of({load(0x3000, 0x1000, 0x1000), load(0x1000, 0x0, 0x3000)});
  b.u64(ph(0) + 0x10, 0xffff'ffff'8100'0000);
  const auto core = accepted(b);
  CHECK(ranges_of(*core) == std::vector<PhysRange>{{PhysAddr(0x0), 0x3000}});
  CHECK((*core->table(PhysAddr(0x1000)))[0] == 0x1111'1111'1111'1111);  // RAM's bytes
  REQUIRE(core->warnings().size() == 1);
  CHECK(core->warnings()[0].find("the RAM segment's bytes are used") != std::string::npos);
  // The same two segments with no kernel-text address: two contents for one address.
  CHECK(refused(core_of({load(0x3000, 0x1000, 0x1000), load(0x1000, 0x0, 0x3000)})) ==
        "hostile.core+0x40: PT_LOAD segments 1 and 0 overlap in physical memory: [0x0-0x2fff] and [0x1000-0x1fff]");
}

TEST_CASE("elf adversarial: touching segments stay two ranges and a table never straddles them") {
  const auto core = accepted(core_of({load(0x2000, 0x1000, 0x1000), load(0x1000, 0x0, 0x1000)}));
  CHECK(ranges_of(*core) == std::vector<PhysRange>{{PhysAddr(0x0), 0x1000}, {PhysAddr(0x1000), 0x1000}});
  CHECK((*core->table(PhysAddr(0x1000)))[0] == 0x1111'1111'1111'1111);  // file page 0x2000
  CHECK((*core->table(PhysAddr(0x0)))[511] == 0x1010'1010'1010'1010);   // file page 0x1000
  CHECK_FALSE(core->read(PhysAddr(0xff8), 16).has_value());
}

TEST_CASE("elf adversarial: a segment may end exactly at 2^64 or at the end of the file, not one byte past") {
  const auto top = accepted(core_of({load(0x1000, kMax - 0xfff, 0x1000)}));
  CHECK(top->ranges()[0].last() == PhysAddr(kMax));
  CHECK(top->table(PhysAddr(kMax - 0xfff)).has_value());
  CHECK_FALSE(top->read(PhysAddr(kMax), 2).has_value());
  CHECK(refused(core_of({load(0x1000, kMax - 0xffe, 0x1000)})) ==
        "hostile.core+0x58: PT_LOAD segment 0: physical range 0xfffffffffffff001 + 0x1000 runs past 2^64");

  const auto last = accepted(core_of({load(0x3000, 0x0, 0x1000)}));  // the file is 0x4000 bytes
  CHECK(last->bytes_held() == 0x1000);
  CHECK(refused(core_of({load(0x3000, 0x0, 0x1001)})) ==
        "hostile.core+0x40: PT_LOAD segment 0: file bytes [0x3000, +0x1001) run past end of file (size 0x4000)");
}

TEST_CASE("elf adversarial: absurd sizes whose offset + size wraps are refused naming the segment") {
  CHECK(refused(core_of({load(0x1000, 0x0, 0xffff'ffff'ffff'f000)})) ==
        "hostile.core+0x40: PT_LOAD segment 0: file bytes [0x1000, +0xfffffffffffff000) run past end of file (size "
        "0x4000)");
  CHECK(
      refused(core_of({load(0x1000, 0x0, 0x1000), load(0x1, 0x10'0000, kMax)})) ==
      "hostile.core+0x78: PT_LOAD segment 1: file bytes [0x1, +0xffffffffffffffff) run past end of file (size 0x4000)");
  CHECK(refused(core_of({load(kMax, 0x0, 0x1000)})) ==
        "hostile.core+0x40: PT_LOAD segment 0: file bytes [0xffffffffffffffff, +0x1000) run past end of file (size "
        "0x4000)");
  // p_memsz near 2^64 with a small p_filesz: only the file bytes are held; the rest is unknown.
  const auto big_mem = accepted(core_of({load(0x1000, 0x10'0000, 0x1000, kMax)}));
  CHECK(ranges_of(*big_mem) == std::vector<PhysRange>{{PhysAddr(0x10'0000), 0x1000}});
  CHECK_FALSE(big_mem->table(PhysAddr(0x10'1000)).has_value());
  CHECK_FALSE(big_mem->table(PhysAddr(kMax - 0xfff)).has_value());
}

TEST_CASE("elf adversarial: 65534 program headers in a small file, or a table at the end of the address space") {
  Bytes b = core_of({load(0x1000, 0x0, 0x1000)});
  b.u16(0x38, 65534);
  CHECK(refused(b) == "hostile.core+0x40: program header table (65534 x 56 bytes) runs past end of file (size 0x4000)");
  b = core_of({load(0x1000, 0x0, 0x1000)});
  b.u64(0x20, kMax - 15);
  CHECK(refused(b) ==
        "hostile.core+0xfffffffffffffff0: program header table (1 x 56 bytes) runs past end of file (size 0x4000)");
}

TEST_CASE("elf adversarial: PN_XNUM with a lying or unreachable section header 0") {
  // Section header 0 at 0x800; e_phnum = PN_XNUM; its sh_info is the count.
  auto xnum = [](std::uint32_t sh_info) {
    Bytes b = core_of({load(0x1000, 0x0, 0x1000), load(0x2000, 0x1000, 0x1000)});
    b.u16(0x38, 0xffff).u64(0x28, 0x800).u32(0x800 + 0x2c, sh_info);
    return b;
  };
  CHECK(accepted(xnum(2))->ranges().size() == 2);
  CHECK(accepted(xnum(1))->ranges().size() == 1);  // fewer than written: the rest is never read
  CHECK(refused(xnum(1000)) ==
        "hostile.core+0x40: program header table (1000 x 56 bytes) runs past end of file (size 0x4000)");
  CHECK(refused(xnum(0)) == "hostile.core+0x38: no program headers: the core holds no memory");
  CHECK(refused(xnum((1u << 20) + 1)) ==
        "hostile.core+0x38: absurd program header count 1048577 (at most 1048576 accepted)");
  CHECK(refused(xnum(1u << 20)) ==
        "hostile.core+0x40: program header table (1048576 x 56 bytes) runs past end of file (size 0x4000)");
  CHECK(refused(xnum(0xffff'ffff)) ==
        "hostile.core+0x38: absurd program header count 4294967295 (at most 1048576 accepted)");
  Bytes b = xnum(2);
  b.u64(0x28, kMax - 63);
  CHECK(refused(b) ==
        "hostile.core+0xffffffffffffffc0: section header 0 (holding the PN_XNUM program header count) runs past end of "
        "file (size 0x4000)");
  b = xnum(2);
  b.u16(0x3a, 40);
  CHECK(refused(b) == "hostile.core+0x3a: e_shentsize = 40 is too small for an ELF64 section header (64)");
}

TEST_CASE("elf adversarial: 65536 PT_LOADs through PN_XNUM, in reverse order, sharing one file page") {
  // Section header 0 at 0x40, program headers from 0x80 (3.5 MiB of them), one data page after
  // them. Each segment holds 4 KiB at its own physical page, all from that one file page: the
  // reader accepts aliasing file bytes (it reads, never copies), and sorts 65536 ranges.
  constexpr unsigned kCount = 65536;
  constexpr std::uint64_t phoff = 0x80;
  const std::uint64_t data = (phoff + 56ull * kCount + 0xfff) & ~0xfffull;
  Bytes b;
  rawtest::elf_header(b, phoff, 0xffff, /*shoff=*/0x40, /*shnum=*/0);
  b.u32(0x40 + 0x2c, kCount);
  for (unsigned i = 0; i < kCount; ++i)
    rawtest::phdr(b, phoff, i, rawtest::kPtLoad, data, 0x1000ull * (kCount - 1 - i), 0x1000, 0x1000);
  b.fill(data, 0x1000, 0x5a);
  const auto start = std::chrono::steady_clock::now();
  const auto core = accepted(b);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("65536 PT_LOADs parsed in " << ms << " ms");
  REQUIRE(core->ranges().size() == kCount);
  CHECK(core->ranges().front() == PhysRange{PhysAddr(0), 0x1000});
  CHECK(core->ranges().back() == PhysRange{PhysAddr(0x1000ull * (kCount - 1)), 0x1000});
  CHECK(core->bytes_held() == 0x1000ull * kCount);
  CHECK((*core->table(PhysAddr(0x1000ull * 12345)))[7] == 0x5a5a'5a5a'5a5a'5a5a);
  CHECK_FALSE(core->read(PhysAddr(0x1000ull * kCount), 1).has_value());
}

TEST_CASE(
    "elf adversarial: zero-length segments hold nothing and are never checked against the file or other segments") {
  // A PT_LOAD with p_filesz = 0 whose offset is past the end of the file and whose p_paddr lies
  // inside another segment, and one with p_memsz near 2^64: both ignored.
  const auto core = accepted(core_of({load(0x1000, 0x0, 0x2000), Seg{rawtest::kPtLoad, kMax, 0x1000, 0, 0},
                                      Seg{rawtest::kPtLoad, 0x1000, 0x8000, 0, kMax}}));
  CHECK(ranges_of(*core) == std::vector<PhysRange>{{PhysAddr(0x0), 0x2000}});
  CHECK(refused(core_of({Seg{rawtest::kPtLoad, 0x1000, 0x0, 0, 0x1000}, Seg{rawtest::kPtLoad, 0x2000, 0x0, 0, 0}})) ==
        "hostile.core+0x40: no PT_LOAD segment holds any bytes: the core holds no memory");
  // A PT_NOTE of length 0: no notes, no registers, no warnings. Unlike a PT_LOAD, its offset is
  // still checked (it is parsed, not skipped).
  const auto no_notes = accepted(core_of({Seg{rawtest::kPtNote, 0x4000, 0, 0, 0}, load(0x1000, 0x0, 0x1000)}));
  CHECK_FALSE(no_notes->registers().has_value());
  CHECK(no_notes->warnings().empty());
  CHECK(refused(core_of({Seg{rawtest::kPtNote, 0x4001, 0, 0, 0}, load(0x1000, 0x0, 0x1000)})) ==
        "hostile.core+0x40: PT_NOTE segment 0: file bytes [0x4001, +0x0) run past end of file (size 0x4000)");
}

// --- Notes -------------------------------------------------------------------------------

namespace {

constexpr std::uint64_t kNotes = 0x200;

/// A core with one PT_NOTE (program header 0) over [0x200, end) and one PT_LOAD of 4 KiB in
/// the page after the notes.
Bytes core_with_notes(Bytes b, std::uint64_t end) {
  const std::uint64_t data = (end + 0xfff) & ~0xfffull;
  rawtest::elf_header(b, kPhoff, 2);
  rawtest::phdr(b, kPhoff, 0, rawtest::kPtNote, kNotes, 0, end - kNotes, end - kNotes);
  rawtest::phdr(b, kPhoff, 1, rawtest::kPtLoad, data, 0x0, 0x1000, 0x1000);
  b.fill(data, 0x1000, 0x11);
  return b;
}

std::vector<unsigned char> ptverify_desc(std::uint32_t size = 48) {
  Bytes d;
  d.u32(0, 1).u32(4, size).u64(8, 0x8005'0033).u64(0x10, 0x1000).u64(0x18, 0xa0);
  d.u64(0x20, 0xd00).u32(0x28, 39).u32(0x2c, 0);
  return d.data();
}

}  // namespace

TEST_CASE("elf adversarial: namesz and descsz running past the segment are refused at the note's own offset") {
  Bytes b;
  std::uint64_t end = rawtest::note(b, kNotes, "QEMU", 0, rawtest::qemu_cpu_state(0x8005'0033, 0x1000, 0xa0));
  REQUIRE(end == 0x3cc);
  const std::uint64_t second = end;
  end = rawtest::note(b, second, std::string{'A', '\x01', 'B'}, 1, std::vector<unsigned char>(8, 0));
  Bytes broken = b;
  broken.u32(second + 4, 0xffff'ffff);  // descsz
  CHECK(refused(core_with_notes(broken, end)) ==
        "hostile.core+0x3cc: note \"A?B\" descriptor (descsz 4294967295) runs past the end of the PT_NOTE segment");
  broken = b;
  broken.u32(second, 0xffff'ffff);  // namesz
  CHECK(refused(core_with_notes(broken, end)) ==
        "hostile.core+0x3cc: note name (namesz 4294967295) runs past the end of the PT_NOTE segment");
  broken = b;
  broken.u32(second, 0xffff'fffd);  // namesz whose 4-byte padding passes 2^32
  CHECK(refused(core_with_notes(broken, end)) ==
        "hostile.core+0x3cc: note name (namesz 4294967293) runs past the end of the PT_NOTE segment");
  // The same notes, intact, are read.
  const auto core = accepted(core_with_notes(b, end));
  REQUIRE(core->registers().has_value());
  CHECK(core->registers()->desc_offset == 0x214);
}

TEST_CASE("elf adversarial: a PT_NOTE full of empty notes is read to its end in bounded time") {
  // 5460 notes of 12 bytes (namesz = descsz = type = 0).
  Bytes b;
  b.grow(kNotes + 12 * 5460);
  const auto core = accepted(core_with_notes(b, kNotes + 12 * 5460));
  CHECK_FALSE(core->registers().has_value());
  CHECK(core->warnings().empty());
}

TEST_CASE("elf adversarial: two PTVERIFY notes, a lying size field, and a truncated QEMU note") {
  Bytes b;
  std::uint64_t end = rawtest::note(b, kNotes, ptverify_note::kName, ptverify_note::kType, ptverify_desc());
  end = rawtest::note(b, end, ptverify_note::kName, ptverify_note::kType, ptverify_desc());
  CHECK(refused(core_with_notes(b, end)) == "hostile.core+0x260: a second PTVERIFY note (the first is at +0x218)");

  b = Bytes();
  end = rawtest::note(b, kNotes, ptverify_note::kName, ptverify_note::kType, ptverify_desc(1000));
  CHECK(refused(core_with_notes(b, end)) ==
        "hostile.core+0x21c: PTVERIFY note size field 1000 does not match its 48-byte layout");

  for (unsigned bytes : {8u, 4u}) {
    b = Bytes();
    Bytes desc;
    desc.u32(0, 1).u32(4, 0x1b8);
    desc.truncate(bytes);
    end = rawtest::note(b, kNotes, "QEMU", 0, desc.data());
    const auto core = accepted(core_with_notes(b, end));
    CHECK_FALSE(core->registers().has_value());
    REQUIRE(core->warnings().size() == 1);
    CHECK(core->warnings()[0] == (bytes == 8 ? "hostile.core+0x214: QEMU note holds 8 bytes of QEMUCPUState, 440 "
                                               "expected; ignored"
                                             : "hostile.core+0x214: QEMU note is 4 bytes, too short for QEMUCPUState; "
                                               "ignored"));
  }
}

// --- Hostile tables inside a well-formed core, through check --------------------------------

namespace {

std::string spec_text(PagingMode mode, const char* recursive_slot = "\"none\"", const char* aliases = "allowed") {
  return std::string(R"({"name": "hostile", "rules": {"paging_mode": )") + (mode == PagingMode::k5Level ? "5" : "4") +
         R"(, "null_guard": 0, "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
  "outside_regions": "allowed", "recursive_slot": )" +
         recursive_slot + R"(, "conflicting_aliases": ")" + aliases + R"("}, "regions": []})";
}

/// A core holding `memory` at physical 0 (one PT_LOAD, file offset 0x1000), optionally a second
/// PT_LOAD of `tail_filesz` bytes at `tail_paddr` whose p_memsz is three times larger, and a
/// PTVERIFY note with the registers.
Bytes core_holding(const std::vector<unsigned char>& memory, std::uint64_t cr3, std::uint64_t cr4, std::uint64_t efer,
                   unsigned maxphyaddr, std::uint64_t tail_paddr = 0, std::uint64_t tail_filesz = 0) {
  Bytes b;
  Bytes desc;
  desc.u32(0, 1).u32(4, 48).u64(8, 0x8005'0033).u64(0x10, cr3).u64(0x18, cr4);
  desc.u64(0x20, efer).u32(0x28, maxphyaddr).u32(0x2c, 0);
  const std::uint64_t end = rawtest::note(b, kNotes, ptverify_note::kName, ptverify_note::kType, desc.data());
  const unsigned phnum = tail_filesz ? 3 : 2;
  rawtest::elf_header(b, kPhoff, static_cast<std::uint16_t>(phnum));
  rawtest::phdr(b, kPhoff, 0, rawtest::kPtNote, kNotes, 0, end - kNotes, end - kNotes);
  rawtest::phdr(b, kPhoff, 1, rawtest::kPtLoad, 0x1000, 0x0, memory.size(), memory.size());
  for (std::size_t i = 0; i < memory.size(); ++i) b.u8(0x1000 + i, memory[i]);
  if (tail_filesz) {
    const std::uint64_t at = 0x1000 + memory.size();
    rawtest::phdr(b, kPhoff, 2, rawtest::kPtLoad, at, tail_paddr, tail_filesz, 3 * tail_filesz);
    b.grow(at + tail_filesz);
  }
  return b;
}

struct Pipeline {
  std::unique_ptr<ElfCore> core;
  PagingState state;
  TableReader reader;
  AddressSpace space;
  MappingSet mappings;
  check::CheckResult result;
  double seconds = 0;
};

/// Registers from the core's note, walk, mapping set, run_check: as `ptverify check` does.
std::unique_ptr<Pipeline> run_pipeline(const Bytes& core_bytes, const std::string& spec,
                                       const check::CheckOptions& options = {}) {
  auto p = std::make_unique<Pipeline>();
  const auto start = std::chrono::steady_clock::now();
  p->core = accepted(core_bytes);
  REQUIRE(p->core->registers().has_value());
  const CoreRegisters& r = *p->core->registers();
  p->state = PagingState::from_registers(r.cr0.value_or(0), r.cr3, r.cr4.value_or(0), r.efer.value_or(0),
                                         r.maxphyaddr.value_or(52));
  p->reader = p->core->reader();
  Expected<AddressSpace> space = enumerate_address_space(p->state, p->reader);
  REQUIRE_MESSAGE(space.ok(), (space.ok() ? "" : space.error().message));
  p->space = std::move(space).value();
  p->mappings = to_mapping_set(p->space, p->state, "elf-core", kName);
  REQUIRE_MESSAGE(!p->mappings.validate(), p->mappings.validate().value_or(""));
  const auto parsed = spec::parse_spec(spec, "hostile.json");
  REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? "" : parsed.error().message));
  const check::RawContext raw{p->state, p->reader, std::nullopt, &p->space};
  const check::CheckOutcome o = check::run_check(p->mappings, *parsed, &raw, options);
  REQUIRE_MESSAGE(!std::holds_alternative<check::InternalError>(o), check::problem(o));
  REQUIRE_MESSAGE(!std::holds_alternative<check::BadInput>(o), check::problem(o));
  p->result = std::get<check::CheckResult>(o);
  p->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return p;
}

const check::RuleResult& rule(const check::CheckResult& r, check::RuleId id) {
  for (const check::RuleResult& rr : r.rules)
    if (rr.rule == id) return rr;
  FAIL("rule missing");
  return r.rules.front();
}

std::vector<const check::Violation*> violations(const check::CheckResult& r, check::RuleId id) {
  std::vector<const check::Violation*> out;
  for (const check::Violation& v : r.violations)
    if (v.rule == id) out.push_back(&v);
  return out;
}

const check::WalkLevel* deciding(const check::Violation& v) {
  for (const check::WalkLevel& l : v.walk)
    if (l.deciding) return &l;
  return nullptr;
}

constexpr std::uint64_t kTable = bits::kP | bits::kRW;  // supervisor, writable: what Linux uses

}  // namespace

TEST_CASE("elf adversarial: tables pointing past the held memory, into gaps, past p_filesz and back to CR3") {
  // Memory: P[0, 0x10000) in one PT_LOAD and P[0x100000, +0x1000) in a second whose p_memsz is
  // 0x3000. MAXPHYADDR 39, NXE on, 4-level.
  //   PML4 0x1000: [0] -> PDPT 0x2000 -> PD 0x3000 -> PT 0xf000 (the last page of the first segment)
  //                [1] -> 0x10000   (the first byte after the first segment: the gap)
  //                [2] -> 0x101000  (inside p_memsz, past p_filesz: not held)
  //                [3] -> 0x100000  (the second segment: an empty table)
  //                [4] -> 0x2000 with bit 40 set (>= MAXPHYADDR: reserved)
  //                [511] -> 0x1000 itself, XD (a recursive slot; the spec forbids one)
  //   PT 0xf000:   [1] -> 0x5000 RW XD;   [3] -> 0x7f'ffff'f000 read-only XD (past the dump: legal)
  // Through the slot, the root is also read as a PDPT, a PD and a PT, so entries 1, 2 and 4
  // fault or point outside memory at every level, and as PTEs they map frames (legal).
  test::TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc(), pdpt = tb.alloc(), pd = tb.alloc();
  test::TableBuilder last(0xf000);
  const PhysAddr pt = last.alloc();
  tb.set(root, 0, pdpt.value() | kTable);
  tb.set(pdpt, 0, pd.value() | kTable);
  tb.set(pd, 0, pt.value() | kTable);
  last.set(pt, 1, 0x5000 | kTable | bits::kXd);
  last.set(pt, 3, 0x7f'ffff'f000 | bits::kP | bits::kXd);
  tb.set(root, 1, 0x1'0000 | kTable);
  tb.set(root, 2, 0x10'1000 | kTable);
  tb.set(root, 3, 0x10'0000 | kTable);
  const std::uint64_t bit40 = std::uint64_t{1} << 40;
  tb.set(root, 4, 0x2000 | bit40 | kTable);
  tb.set(root, 511, root.value() | kTable | bits::kXd);
  std::vector<unsigned char> memory = test::flat_image(tb, 0x1'0000);
  const std::vector<unsigned char> pt_page = test::flat_image(last, 0x1'0000);
  std::copy(pt_page.begin() + 0xf000, pt_page.end(), memory.begin() + 0xf000);

  const auto p = run_pipeline(
      core_holding(memory, root.value(), kCr4Pae | kCr4Pge, kEferLme | kEferLma | kEferNxe, 39, 0x10'0000, 0x1000),
      spec_text(PagingMode::k4Level));
  MESSAGE("pipeline on the hostile core: " << p->seconds << " s, " << p->space.entries_read << " entries read, "
                                           << p->space.runs.size() << " runs");
  CHECK(p->state.maxphyaddr == 39);
  // (table, level) decodes: R as PML4, PDPT, PD and PT; 0x2000 as PDPT, PD, PT; 0x3000 as PD,
  // PT; 0xf000 as PT; the empty 0x100000 as PDPT, PD, PT.
  CHECK(p->space.entries_read == 512u * 13u);

  // Pointers past the held memory are unknown ranges naming the table and the entry, at each
  // level the root is read as.
  struct Unknown {
    std::uint64_t first, size;
    const char* reason;
  };
  const Unknown unknown[] = {
      {1ull << 39, 1ull << 39,
       "the PDPT table P0x0000000000010000 referenced by the PML4 entry at P0x0000000000001008 is outside the dumped "
       "memory"},
      {2ull << 39, 1ull << 39,
       "the PDPT table P0x0000000000101000 referenced by the PML4 entry at P0x0000000000001010 is outside the dumped "
       "memory"},
      {0xffff'ff80'4000'0000, 1ull << 30,
       "the PD table P0x0000000000010000 referenced by the PDPT entry at P0x0000000000001008 is outside the dumped "
       "memory"},
      {0xffff'ff80'8000'0000, 1ull << 30,
       "the PD table P0x0000000000101000 referenced by the PDPT entry at P0x0000000000001010 is outside the dumped "
       "memory"},
      {0xffff'ffff'c020'0000, 1ull << 21,
       "the PT table P0x0000000000010000 referenced by the PD entry at P0x0000000000001008 is outside the dumped "
       "memory"},
      {0xffff'ffff'c040'0000, 1ull << 21,
       "the PT table P0x0000000000101000 referenced by the PD entry at P0x0000000000001010 is outside the dumped "
       "memory"},
  };
  REQUIRE(p->mappings.unknown.size() == std::size(unknown));
  for (std::size_t i = 0; i < std::size(unknown); ++i) {
    CAPTURE(i);
    CHECK(p->mappings.unknown[i].range == VirtRange::from_size(VirtAddr(unknown[i].first), unknown[i].size));
    CHECK(p->mappings.unknown[i].reason == unknown[i].reason);
  }
  // The bit above MAXPHYADDR is a fault range (not an unknown one) at each level it is read at.
  const std::uint64_t raw4 = 0x2000 | bit40 | kTable;
  const std::vector<FaultRange> faults{
      {VirtRange::from_size(VirtAddr(4ull << 39), 1ull << 39), PhysAddr(0x1020), Level::kPml4, raw4, bit40},
      {VirtRange::from_size(VirtAddr(0xffff'ff81'0000'0000), 1ull << 30), PhysAddr(0x1020), Level::kPdpt, raw4, bit40},
      {VirtRange::from_size(VirtAddr(0xffff'ffff'c080'0000), 1ull << 21), PhysAddr(0x1020), Level::kPd, raw4, bit40},
      {VirtRange::from_size(VirtAddr(0xffff'ffff'ffe0'4000), 1ull << 12), PhysAddr(0x1020), Level::kPt, raw4, bit40},
  };
  CHECK(p->mappings.faults == faults);
  // Mappings: a leaf frame past the dump is an ordinary mapping; through the slot every table
  // (and the frames the root's entries point to, read as PTEs) is a 4 KiB page.
  struct Mapped {
    std::uint64_t first, last, phys;
    Tri writable;
  };
  const Mapped mapped[] = {
      {0x1000, 0x1fff, 0x5000, Tri::kYes},
      {0x3000, 0x3fff, 0x7f'ffff'f000, Tri::kNo},
      {0xffff'ff80'0000'0000, 0xffff'ff80'0000'0fff, 0xf000, Tri::kYes},  // PT via R, 0x2000, 0x3000
      {0xffff'ffff'c000'0000, 0xffff'ffff'c000'0fff, 0x3000, Tri::kYes},  // PD via R, R, 0x2000
      {0xffff'ffff'ffe0'0000, 0xffff'ffff'ffe0'3fff, 0x2000, Tri::kYes},  // R[0..3] as PTEs
      {0xffff'ffff'ffff'f000, 0xffff'ffff'ffff'ffff, 0x1000, Tri::kYes},  // R itself
  };
  REQUIRE(p->mappings.runs.size() == std::size(mapped));
  for (std::size_t i = 0; i < std::size(mapped); ++i) {
    CAPTURE(i);
    CHECK(p->mappings.runs[i].range == VirtRange{VirtAddr(mapped[i].first), VirtAddr(mapped[i].last)});
    CHECK(p->mappings.runs[i].phys == PhysAddr(mapped[i].phys));
    CHECK(p->mappings.runs[i].writable == mapped[i].writable);
    CHECK(p->mappings.runs[i].executable == Tri::kNo);
  }

  using check::RuleId;
  using check::Status;
  // reserved-bits: one violation per faulting range, each deciding on entry 0x1020 and bit 40.
  CHECK(rule(p->result, RuleId::kReservedBits).status == Status::kViolated);
  const auto rsv = violations(p->result, RuleId::kReservedBits);
  REQUIRE(rsv.size() == faults.size());
  for (std::size_t i = 0; i < faults.size(); ++i) {
    CAPTURE(i);
    CHECK(rsv[i]->range == faults[i].range);
    const check::WalkLevel* d = deciding(*rsv[i]);
    REQUIRE(d != nullptr);
    CHECK(d->level == faults[i].level);
    CHECK(d->index == 4);
    CHECK(d->entry_address == 0x1020);
    CHECK(d->deciding_bits == "reserved bit 40");
  }
  // recursive-slot: PML4[511] points back to CR3, which the spec forbids.
  const auto slots = violations(p->result, RuleId::kRecursiveSlot);
  REQUIRE(slots.size() == 1);
  CHECK(slots[0]->message ==
        "top-level entry 511 at P0x0000000000001ff8 points back to the root table P0x0000000000001000 (a recursive "
        "slot the spec does not allow here)");
  CHECK(slots[0]->range == VirtRange::from_size(VirtAddr(0xffff'ff80'0000'0000), 1ull << 39));
  // page-table-exposure: the writable pages through the slot that are tables (0xf000, 0x3000,
  // 0x2000, the empty 0x100000 at R[3], and R) - and 0x10000 and 0x101000, which entries point to
  // as tables though the dump does not hold them: R[0..3] read as PTEs is one range.
  const auto exposed = violations(p->result, RuleId::kPageTableExposure);
  std::vector<std::uint64_t> firsts;
  for (const check::Violation* v : exposed) firsts.push_back(v->range.first.value());
  CHECK(firsts == std::vector<std::uint64_t>{0xffff'ff80'0000'0000, 0xffff'ffff'c000'0000, 0xffff'ffff'ffe0'0000,
                                             0xffff'ffff'ffff'f000});
  for (const check::Violation* v : exposed) CHECK(v->message.starts_with("a page-table frame is writable here"));
  // W^X cannot be settled where the tables are not held: unknown, never holds.
  CHECK(rule(p->result, RuleId::kWx).status == Status::kUnknown);
  CHECK(rule(p->result, RuleId::kWx).detail.find("cannot tell at 0x0000008000000000-0x0000018000000000 (unknown)") !=
        std::string::npos);
  CHECK(p->result.verdict() == Status::kViolated);
}

TEST_CASE("elf adversarial: every entry of the root pointing to the root, through check, in bounded time") {
  // 4 KiB of hostile memory: all addresses map the root page, user-accessible, writable and
  // executable, through 512 recursive slots. Every rule is decided; the listed violations stop
  // at max_violations (100) and the rest are counted.
  for (PagingMode mode : {PagingMode::k4Level, PagingMode::k5Level}) {
    CAPTURE(to_string(mode));
    test::TableBuilder tb(0x1000);
    const PhysAddr root = tb.alloc();
    test::point_all(tb, root, root, bits::kRW | bits::kUS);
    const std::uint64_t cr4 = kCr4Pae | kCr4Pge | (mode == PagingMode::k5Level ? kCr4La57 : 0);
    const auto p =
        run_pipeline(core_holding(test::flat_image(tb, 0x2000), root.value(), cr4, kEferLme | kEferLma | kEferNxe, 46),
                     spec_text(mode));
    MESSAGE(to_string(mode) << ": check of the self-referencing root took " << p->seconds << " s");
    CHECK(p->space.entries_read == 512ull * levels(mode));
    CHECK(p->space.runs.size() == 2);
    CHECK(p->space.ancestor_refs.size() == 512ull * (levels(mode) - 1));
    using check::RuleId;
    using check::Status;
    CHECK(p->result.violations.size() == 100);
    CHECK_FALSE(p->result.complete);
    // W^X: the two halves, exactly.
    const auto wx = violations(p->result, RuleId::kWx);
    REQUIRE(wx.size() == 2);
    CHECK(wx[0]->range == VirtRange{VirtAddr(0), lower_half_last(mode)});
    CHECK(wx[1]->range == VirtRange{upper_half_first(mode), VirtAddr(~0ull)});
    // Every top-level entry is a recursive slot: all 512 counted, the first listed by name.
    CHECK(rule(p->result, RuleId::kRecursiveSlot).status == Status::kViolated);
    CHECK(rule(p->result, RuleId::kRecursiveSlot).violations == 512);
    const auto slots = violations(p->result, RuleId::kRecursiveSlot);
    REQUIRE_FALSE(slots.empty());
    CHECK(slots[0]->message ==
          "top-level entry 0 at P0x0000000000001000 points back to the root table P0x0000000000001000 (a recursive "
          "slot the spec does not allow here)");
    // The table frame is user-accessible everywhere; the search for the pages that map it stops
    // at its cap and says so: what it found is violated, the rest cannot be told.
    CHECK(rule(p->result, RuleId::kPageTableExposure).status == Status::kViolated);
    bool capped = false;
    for (const std::string& n : p->result.notes)
      capped = capped || n.starts_with("more than 100,000 virtual pages reach page-table frames");
    CHECK(capped);
    CHECK(rule(p->result, RuleId::kReservedBits).status == Status::kHolds);
  }
}

namespace {

/// 8 KiB: the root's entry i has R/W = bit 0 of i, U/S = bit 1, XD = bit 2 and points to S,
/// whose entries all point to S (P|RW|US). 512 runs of 512 GiB, 8 x 512 leaf entries, every
/// one of them mapping S.
Bytes eight_context_core() {
  test::TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc(), self = tb.alloc();
  test::point_all(tb, self, self, bits::kRW | bits::kUS);
  for (unsigned i = 0; i < 512; ++i)
    tb.set(root, i,
           self.value() | bits::kP | ((i & 1) ? bits::kRW : 0) | ((i & 2) ? bits::kUS : 0) | ((i & 4) ? bits::kXd : 0));
  return core_holding(test::flat_image(tb, 0x3000), root.value(), kCr4Pae | kCr4Pge, kEferLme | kEferLma | kEferNxe,
                      46);
}

}  // namespace

TEST_CASE("elf adversarial: a self-referencing table under 8 rights contexts, through check with aliases forbidden") {
  const auto p = run_pipeline(eight_context_core(), spec_text(PagingMode::k4Level, "\"any\"", "forbidden"));
  MESSAGE("8-context table through check: " << p->seconds << " s");
  CHECK(p->space.runs.size() == 512);
  CHECK(p->space.leaf_uses == 8u * 512u);
  using check::RuleId;
  using check::Status;
  // W^X: root entries i with R/W = 1 and XD = 0 (i mod 8 = 1 or 3), each a whole 512 GiB; the
  // list stops at max_violations (100 of the 128).
  const auto wx = violations(p->result, RuleId::kWx);
  CHECK(wx.size() == 100);
  CHECK_FALSE(p->result.complete);
  for (const check::Violation* v : wx) {
    const std::uint64_t i = (v->range.first.value() >> 39) & 511;
    CAPTURE(i);
    CHECK((i % 8 == 1 || i % 8 == 3));
    CHECK(v->range == VirtRange::from_size(v->range.first, 1ull << 39));
  }
  // S is writable through one context and executable through another: aliases, counted (the
  // list is already full).
  CHECK(rule(p->result, RuleId::kConflictingAliases).status == Status::kViolated);
  // The table frame S is reached by 2^36 translations; the search stops at its cap. Whatever it
  // concludes, never "holds".
  CHECK(rule(p->result, RuleId::kPageTableExposure).status != Status::kHolds);
  CHECK(rule(p->result, RuleId::kRecursiveSlot).status == Status::kHolds);
  CHECK(rule(p->result, RuleId::kReservedBits).status == Status::kHolds);
}

// Root entry 0 (supervisor, read-only) reaches the table frames through 2^36 harmless
// translations; entries 1 (writable) and 2 (user) expose them. Flagging (entry, rights context)
// pairs, not entries, keeps the harmless ones from spending the hit budget.
TEST_CASE("elf adversarial: page-table exposure through one of 8 rights contexts is found, not capped") {
  check::CheckOptions roomy;  // room beyond the 128 W^X violations
  roomy.max_violations = 1000;
  const auto p = run_pipeline(eight_context_core(), spec_text(PagingMode::k4Level, "\"any\""), roomy);
  CHECK(rule(p->result, check::RuleId::kPageTableExposure).status == check::Status::kViolated);
  const auto exposed = violations(p->result, check::RuleId::kPageTableExposure);
  REQUIRE_FALSE(exposed.empty());
  CHECK(exposed[0]->range.first == VirtAddr(0x0000'0080'0000'0000));
  CHECK(exposed[0]->message.starts_with("a page-table frame is writable here"));
}

// Contiguous hits widen one violation whether or not it made the list: with the list full
// (here of recursive-slot violations) they must not count, or be replayed, one by one.
TEST_CASE("elf adversarial: page-table-exposure counts widened ranges, not hits, when the violation list is full") {
  test::TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  test::point_all(tb, root, root, bits::kRW | bits::kUS);
  const Bytes core =
      core_holding(test::flat_image(tb, 0x2000), root.value(), kCr4Pae | kCr4Pge, kEferLme | kEferLma | kEferNxe, 46);
  check::CheckOptions roomy;
  roomy.max_violations = 1000;
  const auto listed = run_pipeline(core, spec_text(PagingMode::k4Level), roomy);
  const auto exposed = violations(listed->result, check::RuleId::kPageTableExposure);
  REQUIRE(exposed.size() == 1);
  CHECK(exposed[0]->range == VirtRange{VirtAddr(0), VirtAddr(0x1869'ffff)});
  CHECK(rule(listed->result, check::RuleId::kPageTableExposure).violations == 1);
  // With the default list (100, filled by the recursive slots) the count must be the same.
  const auto capped = run_pipeline(core, spec_text(PagingMode::k4Level));
  CHECK(rule(capped->result, check::RuleId::kPageTableExposure).violations == 1);
}

TEST_CASE(
    "elf adversarial: a reserved bit at each level is one reserved-bits violation naming the level and the bits") {
  // Built in a core as the walk meets them: 4-level with MAXPHYADDR 39 and NXE off; the entry
  // on the path of 0x0000'0080'4020'1000 (index 1 at each level) carries the bits.
  struct Row {
    Level level;
    bool leaf;
    std::uint64_t bits;
    const char* named;
  };
  const Row rows[] = {
      {Level::kPml4, false, std::uint64_t{1} << 45, "reserved bit 45"},
      {Level::kPml4, false, bits::kPsOrPat7, "reserved PS(7)"},
      {Level::kPdpt, false, bits::kXd, "reserved XD(63)"},
      {Level::kPdpt, true, 0x3fff'e000, "reserved bits 29:13"},
      {Level::kPd, true, 0x1f'e000, "reserved bits 20:13"},
      {Level::kPd, false, std::uint64_t{0xfff} << 39, "reserved bits 50:39"},
      {Level::kPt, true, (std::uint64_t{1} << 51) | bits::kXd, "reserved bit 51,XD(63)"},
  };
  for (const Row& row : rows) {
    CAPTURE(level_name(row.level));
    CAPTURE(std::string(row.named));
    test::TableBuilder tb(0x1000);
    const PhysAddr root = tb.alloc();
    const VirtAddr va = test::va_of_indices(PagingMode::k4Level, {1, 1, 1, 1});
    const Level leaf_level = row.leaf ? row.level : Level::kPt;
    tb.map(root, PagingMode::k4Level, va, PhysAddr(0x4000'0000), leaf_level, bits::kRW, kTable);
    PhysAddr table = root;
    for (Level l = Level::kPml4; l != row.level; l = child_level(l))
      table = PhysAddr(tb.get(table, table_index(va, l)) & bits::kAddress);
    tb.set(table, 1, tb.get(table, 1) | row.bits);
    const auto p =
        run_pipeline(core_holding(test::flat_image(tb, 0x8000), root.value(), kCr4Pae, kEferLme | kEferLma, 39),
                     spec_text(PagingMode::k4Level, "\"any\""));
    const auto rsv = violations(p->result, check::RuleId::kReservedBits);
    REQUIRE(rsv.size() == 1);
    CHECK(rsv[0]->range ==
          VirtRange::from_size(VirtAddr(va.value() & ~(entry_span(row.level) - 1)), entry_span(row.level)));
    CHECK(rsv[0]->message == "the walk faults on a reserved bit");
    const check::WalkLevel* d = deciding(*rsv[0]);
    REQUIRE(d != nullptr);
    CHECK(d->level == row.level);
    CHECK(d->entry_address == table.value() + 8);
    CHECK(d->deciding_bits == row.named);
    CHECK(&rsv[0]->walk.back() == d);  // the walk stops at the faulting entry
  }
}

}  // namespace ptv
