// ElfCore against hand-built cores. Strategy: build one QEMU-shaped core byte by byte at the
// gABI offsets (raw_ingest_test_util.h: section header first, e_phoff = 0xc0, e_ehsize = 8, a CORE
// and a QEMU note, a segment with p_filesz < p_memsz), check what it holds byte for byte; then
// break it one field at a time and check that each break is an error naming file+0xoffset and
// the problem, never a crash. Notes (QEMU, PTVERIFY, unknown versions) come last.
#include "verifier/ingest/elf_core.h"

#include <doctest/doctest.h>

#include <string>

#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

using rawtest::Bytes;
using rawtest::TempFile;

constexpr std::uint64_t kPhoff = 0xc0;
constexpr std::uint64_t kNoteAt = 0x200;

// Layout:   0x0000 ELF header   0x0040 section header 0   0x00c0 4 program headers
//           0x0200 notes        0x1000.. the pages (one fill byte each)
//   PT_LOAD 1: P0x0000'0000 +0x2000 at file 0x1000 (pages 0x11, 0x22)
//   PT_LOAD 2: P0x0010'0000 +0x1000 at file 0x3000, p_memsz 0x3000 (page 0x33)
//   PT_LOAD 3: P0xfffc'0000 +0x1000 at file 0x4000 (page 0x44)
Bytes good_core(const std::vector<unsigned char>& extra_note_desc = {}, const std::string& extra_note = "",
                std::uint32_t extra_type = 0) {
  Bytes b;
  rawtest::elf_header(b, kPhoff, 4, /*shoff=*/0x40, /*shnum=*/1);
  std::uint64_t end = rawtest::note(b, kNoteAt, "CORE", 1, std::vector<unsigned char>(0x150, 0));
  end = rawtest::note(b, end, "QEMU", 0, rawtest::qemu_cpu_state(0x8005'0033, 0x1f'6000, 0x75'06b0));
  if (!extra_note.empty()) end = rawtest::note(b, end, extra_note, extra_type, extra_note_desc);
  rawtest::phdr(b, kPhoff, 0, rawtest::kPtNote, kNoteAt, 0, end - kNoteAt, end - kNoteAt);
  rawtest::phdr(b, kPhoff, 1, rawtest::kPtLoad, 0x1000, 0x0, 0x2000, 0x2000);
  rawtest::phdr(b, kPhoff, 2, rawtest::kPtLoad, 0x3000, 0x10'0000, 0x1000, 0x3000);
  rawtest::phdr(b, kPhoff, 3, rawtest::kPtLoad, 0x4000, 0xfffc'0000, 0x1000, 0x1000);
  b.fill(0x1000, 0x1000, 0x11).fill(0x2000, 0x1000, 0x22).fill(0x3000, 0x1000, 0x33).fill(0x4000, 0x1000, 0x44);
  return b;
}

/// Opens the bytes as a core; the error message with the temporary file's name cut off.
std::string open_error(const Bytes& b) {
  const TempFile f(b.data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE_FALSE(core.ok());
  const std::string& m = core.error().message;
  REQUIRE(m.starts_with(f.path()));
  return m.substr(f.path().size());
}

std::vector<unsigned char> ptverify_desc(std::uint32_t version = 1, std::uint32_t maxphyaddr = 40) {
  Bytes d;
  d.u32(0, version).u32(4, 48).u64(8, 0x8005'0033).u64(0x10, 0x625'c000).u64(0x18, 0x75'1ef0);
  d.u64(0x20, 0xd01).u32(0x28, maxphyaddr).u32(0x2c, 1);
  return d.data();
}

TEST_CASE("a QEMU-shaped core holds its PT_LOAD file bytes at p_paddr") {
  const TempFile f(good_core().data());
  Expected<std::unique_ptr<ElfCore>> opened = ElfCore::open(f.path());
  REQUIRE_MESSAGE(opened.ok(), (opened.ok() ? "" : opened.error().message));
  const ElfCore& core = **opened;
  CHECK(core.name() == f.path());
  const std::vector<PhysRange> expected{
      {PhysAddr(0x0), 0x2000}, {PhysAddr(0x10'0000), 0x1000}, {PhysAddr(0xfffc'0000), 0x1000}};
  CHECK(std::vector<PhysRange>(core.ranges().begin(), core.ranges().end()) == expected);
  CHECK(core.bytes_held() == 0x4000);

  auto byte_at = [&](std::uint64_t pa) { return (*core.read(PhysAddr(pa), 1))[0]; };
  CHECK(byte_at(0x0) == 0x11);
  CHECK(byte_at(0x1fff) == 0x22);
  CHECK(byte_at(0x10'0fff) == 0x33);
  CHECK(byte_at(0xfffc'0000) == 0x44);
  CHECK(core.read(PhysAddr(0x1ff8), 8).has_value());
  CHECK_FALSE(core.read(PhysAddr(0x1ff8), 9).has_value());  // runs off the segment
  CHECK_FALSE(core.read(PhysAddr(0x2000), 1).has_value());  // between segments
}

TEST_CASE("bytes between p_filesz and p_memsz are not held") {
  const TempFile f(good_core().data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE(core.ok());
  CHECK_FALSE((*core)->read(PhysAddr(0x10'1000), 1).has_value());
  CHECK_FALSE((*core)->table(PhysAddr(0x10'2000)).has_value());
}

TEST_CASE("table reads are 4 KiB aligned and wholly inside one segment") {
  const TempFile f(good_core().data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE(core.ok());
  const std::optional<TableView> t = (*core)->table(PhysAddr(0x1000));
  REQUIRE(t.has_value());
  CHECK((*t)[0] == 0x2222'2222'2222'2222);
  CHECK((*t)[511] == 0x2222'2222'2222'2222);
  CHECK_FALSE((*core)->table(PhysAddr(0x800)).has_value());
  const TableReader reader = (*core)->reader();
  CHECK(reader(PhysAddr(0x10'0000)).has_value());
  CHECK_FALSE(reader(PhysAddr(0x20'0000)).has_value());
}

TEST_CASE("the QEMU note gives CR0 CR3 CR4 and no EFER") {
  const TempFile f(good_core().data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE(core.ok());
  REQUIRE((*core)->registers().has_value());
  const CoreRegisters& r = *(*core)->registers();
  CHECK(r.source == CoreRegisters::Source::kQemuNote);
  CHECK(r.cr0 == 0x8005'0033);
  CHECK(r.cr3 == 0x1f'6000);
  CHECK(r.cr4 == 0x75'06b0);
  CHECK_FALSE(r.efer.has_value());
  CHECK_FALSE(r.maxphyaddr.has_value());
  CHECK((*core)->qemu_cpus().size() == 1);
  CHECK((*core)->warnings().empty());
}

TEST_CASE("one QEMU note per vCPU and vCPU 0 is the default") {
  const TempFile f(good_core(rawtest::qemu_cpu_state(0x8005'0033, 0xabc'd000, 0x75'06b0), "QEMU", 0).data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE(core.ok());
  REQUIRE((*core)->qemu_cpus().size() == 2);
  CHECK((*core)->qemu_cpus()[1].cr3 == 0xabc'd000);
  CHECK((*core)->registers()->cr3 == 0x1f'6000);
}

TEST_CASE("a QEMU note of an unknown version is a warning and gives no registers") {
  Bytes b = good_core();
  b.u32(kNoteAt + 12 + 8 + 0x150 + 12 + 8, 2);  // the QEMU note's version field
  const TempFile g(b.data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(g.path());
  REQUIRE(core.ok());
  CHECK_FALSE((*core)->registers().has_value());
  REQUIRE((*core)->warnings().size() == 1);
  CHECK((*core)->warnings()[0].find("version 2") != std::string::npos);
}

TEST_CASE("the PTVERIFY note wins over the QEMU note and carries EFER and MAXPHYADDR") {
  const TempFile f(good_core(ptverify_desc(), ptverify_note::kName, ptverify_note::kType).data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  const CoreRegisters& r = *(*core)->registers();
  CHECK(r.source == CoreRegisters::Source::kPtverifyNote);
  CHECK(r.cr3 == 0x625'c000);
  CHECK(r.cr4 == 0x75'1ef0);
  CHECK(r.efer == std::optional<std::uint64_t>(0xd01));
  CHECK(r.maxphyaddr == std::optional<unsigned>(40));
  CHECK(r.flags == ptverify_note::kFlagUserPgd);
}

TEST_CASE("a malformed PTVERIFY note is an error") {
  CHECK(open_error(good_core(ptverify_desc(7), ptverify_note::kName, ptverify_note::kType))
            .find("PTVERIFY note version 7") != std::string::npos);
  CHECK(open_error(good_core(ptverify_desc(1, 60), ptverify_note::kName, ptverify_note::kType))
            .find("maxphyaddr 60 is outside 32..52") != std::string::npos);
}

TEST_CASE("PN_XNUM takes the program header count from section header 0") {
  Bytes b = good_core();
  b.u16(0x38, 0xffff);
  b.u32(0x40 + 0x2c, 4);  // sh_info of section header 0
  const TempFile f(b.data());
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(f.path());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  CHECK((*core)->ranges().size() == 3);
  CHECK((*core)->registers().has_value());
}

struct BrokenCore {
  const char* what;
  void (*breaks)(Bytes&);
  const char* error;  // what the message after the file name starts with
};

const BrokenCore kBroken[] = {
    {"text",
     [](Bytes& b) {
       b = Bytes();
       b.u64(0, 0x6f77'206f'6c6c'6568);
     },
     "+0x0: not an ELF file"},
    {"cut inside the ELF header", [](Bytes& b) { b.truncate(40); }, "+0x0: ELF header truncated"},
    {"ELFCLASS32", [](Bytes& b) { b.u8(4, 1); }, "+0x4: not a 64-bit ELF (EI_CLASS = 1"},
    {"big-endian", [](Bytes& b) { b.u8(5, 2); }, "+0x5: not a little-endian ELF"},
    {"ET_EXEC", [](Bytes& b) { b.u16(0x10, 2); }, "+0x10: not a core file (e_type = 2"},
    {"aarch64", [](Bytes& b) { b.u16(0x12, 183); }, "+0x12: not an x86_64 core (e_machine = 183"},
    {"e_phentsize 32", [](Bytes& b) { b.u16(0x36, 32); }, "+0x36: e_phentsize = 32"},
    {"no program headers", [](Bytes& b) { b.u16(0x38, 0); }, "+0x38: no program headers"},
    {"program header table past EOF", [](Bytes& b) { b.u64(0x20, 0x4f80); },
     "+0x4f80: program header table (4 x 56 bytes) runs past end of file (size 0x5000)"},
    {"PN_XNUM without section headers", [](Bytes& b) { b.u16(0x38, 0xffff).u64(0x28, 0); },
     "+0x38: e_phnum is PN_XNUM"},
    {"PN_XNUM section header past EOF", [](Bytes& b) { b.u16(0x38, 0xffff).u64(0x28, 0x4ff0); },
     "+0x4ff0: section header 0"},
    {"absurd PN_XNUM count", [](Bytes& b) { b.u16(0x38, 0xffff).u32(0x40 + 0x2c, 0x7fff'ffff); },
     "+0x38: absurd program header count 2147483647"},
    {"PT_LOAD past EOF", [](Bytes& b) { b.u64(kPhoff + 3 * 56 + 8, 0x4800); },
     "+0x168: PT_LOAD segment 3: file bytes [0x4800, +0x1000) run past end of file (size 0x5000)"},
    {"PT_LOAD offset wraps", [](Bytes& b) { b.u64(kPhoff + 3 * 56 + 8, ~std::uint64_t{0}); },
     "+0x168: PT_LOAD segment 3: file bytes"},
    {"PT_LOAD p_filesz above p_memsz", [](Bytes& b) { b.u64(kPhoff + 1 * 56 + 0x28, 0x1000); },
     "+0x118: PT_LOAD segment 1: p_filesz 0x2000 is larger than p_memsz 0x1000"},
    {"PT_LOAD physical range wraps", [](Bytes& b) { b.u64(kPhoff + 3 * 56 + 0x18, 0xffff'ffff'ffff'f800); },
     "+0x180: PT_LOAD segment 3: physical range"},
    {"overlapping PT_LOADs", [](Bytes& b) { b.u64(kPhoff + 2 * 56 + 0x18, 0x1000); },
     "+0x130: PT_LOAD segments 1 and 2 overlap in physical memory: [0x0-0x1fff] and [0x1000-0x1fff]"},
    {"PT_NOTE past EOF", [](Bytes& b) { b.u64(kPhoff + 0x20, 0x10000); }, "+0xc0: PT_NOTE segment 0"},
    {"note header cut", [](Bytes& b) { b.u64(kPhoff + 0x20, 8); }, "+0x200: note header truncated"},
    {"note descriptor past its segment", [](Bytes& b) { b.u32(kNoteAt + 4, 0x10000); },
     "+0x200: note \"CORE\" descriptor (descsz 65536) runs past the end of the PT_NOTE segment"},
};

TEST_CASE("every broken core is an error naming file+offset and the problem") {
  for (const BrokenCore& row : kBroken) {
    const std::string what = row.what;
    CAPTURE(what);
    Bytes b = good_core();
    row.breaks(b);
    const std::string error = open_error(b);
    CHECK_MESSAGE(error.starts_with(row.error), error);
  }
}

TEST_CASE("has_elf_magic looks at the first four bytes only") {
  const unsigned char elf[] = {0x7f, 'E', 'L', 'F'};
  const unsigned char short_elf[] = {0x7f, 'E', 'L'};
  CHECK(has_elf_magic(ByteView(elf)));
  CHECK_FALSE(has_elf_magic(ByteView(short_elf)));
  CHECK_FALSE(has_elf_magic(ByteView()));
}

}  // namespace
}  // namespace ptv
