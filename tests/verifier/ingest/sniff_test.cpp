// What a file is (verifier/ingest/sniff.h). Strategy: one hand-made header per kind, a few bytes
// each, built from the format's documented layout (not from sniff.cpp's tables); each must give
// its kind and a message naming what it is and what to do. Then the edges: ELF cores told apart
// by their program headers and notes (guest-physical, QEMU paging=true, the kernel's own view),
// near misses that must stay kOther, and the rule for a raw image.
#include "verifier/ingest/sniff.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

using rawtest::Bytes;

SniffResult sniff(const std::vector<unsigned char>& bytes) { return sniff_dump(ByteView(bytes), bytes.size()); }
SniffResult sniff(const std::string& text) { return sniff(std::vector<unsigned char>(text.begin(), text.end())); }

/// An x86_64 ET_CORE with one PT_LOAD (p_vaddr, p_paddr), a second one with p_paddr = -1 as
/// /proc/kcore's vmalloc segment when `unplaced`, and, when given, one note.
std::vector<unsigned char> core(std::uint64_t vaddr, std::uint64_t paddr, const std::string& note_name = "",
                                bool unplaced = false) {
  Bytes b;
  const std::uint64_t phoff = 0x40;
  rawtest::elf_header(b, phoff, 3);
  rawtest::phdr(b, phoff, 0, rawtest::kPtLoad, 0x1000, paddr, 0x1000, 0x1000);
  b.u64(phoff + 0x10, vaddr);
  if (unplaced) {
    rawtest::phdr(b, phoff, 1, rawtest::kPtLoad, 0x1000, ~std::uint64_t{0}, 0x1000, 0x1000);
    b.u64(phoff + 56 + 0x10, 0xffff'c900'0000'0000);
  }
  if (!note_name.empty()) {
    const std::uint64_t at = 0x200;
    const std::uint64_t end = rawtest::note(b, at, note_name, 0, {'K', '=', 'V', '\n'});
    rawtest::phdr(b, phoff, 2, rawtest::kPtNote, at, 0, end - at, 0);
  }
  b.fill(0x1000, 0x1000, 0);
  return b.data();
}

TEST_CASE("sniff: each recognisable file that is not a dump ptverify reads has its kind and message") {
  struct Row {
    std::string bytes;
    DumpKind kind;
    std::string in_message;
  };
  const std::vector<Row> rows{
      {std::string("EMiL\x01\0\0\0", 8) + std::string(24, '\0'), DumpKind::kLime, "LiME"},
      {"PAGEDU64" + std::string(64, 'x'), DumpKind::kWindowsCrashDump, "Windows crash dump"},
      {"PAGEDUMP" + std::string(64, 'x'), DumpKind::kWindowsCrashDump, "Windows crash dump"},
      {"HIBR" + std::string(64, '\0'), DumpKind::kWindowsHibernation, "hiberfil.sys"},
      {"QEVM" + std::string(64, '\0'), DumpKind::kQemuMigration, "dump-guest-memory"},
      {std::string(4086, '\0') + "S1SUSPEND", DumpKind::kLinuxHibernation, "hibernation"},
      {std::string(4086, '\0') + "SWAPSPACE2", DumpKind::kLinuxSwap, "swap area"},
      {std::string("\xfd"
                   "7zXZ\0",
                   6) +
           "rest",
       DumpKind::kCompressed, "xz -d"},
      {"BZh91AY&SY", DumpKind::kCompressed, "bunzip2"},
      {std::string("PK\x03\x04", 4) + "zip", DumpKind::kCompressed, "unzip"},
      {std::string("\x04\x22\x4d\x18", 4) + "lz4", DumpKind::kCompressed, "lz4 -d"},
      {std::string(257, '\0') + "ustar", DumpKind::kCompressed, "tar -xf"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.in_message);
    const SniffResult s = sniff(r.bytes);
    CHECK(s.kind == r.kind);
    CHECK(sniff_message(s).find(r.in_message) != std::string::npos);
  }
}

TEST_CASE("sniff: crash dumps are recognised by their signatures and read, so they have no message") {
  for (const std::string& sig : {std::string("KDUMP   "), std::string("DISKDUMP")}) {
    const SniffResult s = sniff(sig + std::string(64, '\0'));
    CHECK(s.kind == DumpKind::kKdumpCompressed);
    CHECK(sniff_message(s).empty());
  }
  CHECK(sniff("makedumpfile" + std::string(64, '\0')).kind == DumpKind::kKdumpFlattened);
}

TEST_CASE("sniff: LiME's header magic is 0x4C694D45 read little-endian") {
  Bytes b;
  b.u32(0, 0x4C69'4D45).u32(4, 1).u64(8, 0).u64(16, 0x9'ffff);
  CHECK(sniff(b.data()).kind == DumpKind::kLime);
}

TEST_CASE("sniff: ELF files that are not x86_64 cores name what they are") {
  Bytes exec;
  rawtest::elf_header(exec, 0x40, 0);
  exec.u16(0x10, 2);  // ET_EXEC
  SniffResult s = sniff(exec.data());
  CHECK(s.kind == DumpKind::kElfNotCore);
  CHECK(sniff_message(s).find("an executable") != std::string::npos);

  Bytes core32;
  core32.u8(0, 0x7f).u8(1, 'E').u8(2, 'L').u8(3, 'F').u8(4, 1).u8(5, 1).u16(0x10, 4).u16(0x12, 3);
  s = sniff(core32.data());
  CHECK(s.kind == DumpKind::kElfOtherCore);
  CHECK(sniff_message(s).find("a 32-bit i386 core") != std::string::npos);

  Bytes arm;
  rawtest::elf_header(arm, 0x40, 0);
  arm.u16(0x12, 183);  // EM_AARCH64
  CHECK(sniff(arm.data()).kind == DumpKind::kElfOtherCore);
}

TEST_CASE("sniff: ELF cores are told apart by their PT_LOAD addresses and notes") {
  // QEMU paging=false writes p_vaddr 0; a ptverify slice p_vaddr = p_paddr.
  CHECK(sniff(core(0, 0x10'0000)).kind == DumpKind::kElfCore);
  CHECK(sniff(core(0x10'0000, 0x10'0000)).kind == DumpKind::kElfCore);
  // paging=true: guest-virtual p_vaddr, and QEMU's own note.
  const SniffResult paging = sniff(core(0x40'0000, 0x10'0000, "QEMU"));
  CHECK(paging.kind == DumpKind::kElfPagingCore);
  CHECK(sniff_message(paging).find("paging=false") != std::string::npos);
  // /proc/kcore: direct-map p_vaddr, no QEMU note, vmalloc with p_paddr = -1.
  const SniffResult kcore = sniff(core(0xffff'8880'0010'0000, 0x10'0000, "VMCOREINFO", true));
  CHECK(kcore.kind == DumpKind::kKernelCore);
  CHECK(kcore.detail == "with VMCOREINFO");
  CHECK(sniff(core(0xffff'8880'0010'0000, 0x10'0000, "", true)).detail == "without VMCOREINFO");
  // A kdump ELF vmcore: kernel virtual p_vaddr, but every PT_LOAD has its physical address.
  const SniffResult vmcore = sniff(core(0xffff'8880'0010'0000, 0x10'0000, "VMCOREINFO"));
  CHECK(vmcore.kind == DumpKind::kElfCore);
  CHECK(vmcore.detail == "a kernel's ELF vmcore");
  // With -device vmcoreinfo QEMU adds the guest's note too: still QEMU's paging=true.
  CHECK(sniff(core(0xffff'8880'0010'0000, 0x10'0000, "QEMU")).kind == DumpKind::kElfPagingCore);
}

TEST_CASE("sniff: near misses stay unrecognised") {
  CHECK(sniff(std::string("")).kind == DumpKind::kOther);
  CHECK(sniff(std::string("KDUMP")).kind == DumpKind::kOther);
  CHECK(sniff(std::string("BZhx not bzip2")).kind == DumpKind::kOther);
  CHECK(sniff(std::string("0xffff888000000000-0xffff888000200000    2M  RW  PSE  NX pmd\n")).kind == DumpKind::kOther);
  CHECK(sniff(std::string(4096, '\0')).kind == DumpKind::kOther);
}

TEST_CASE("sniff: a file is plainly raw memory when it is whole pages holding CR3's table") {
  CHECK(plainly_raw_memory(0x10'0000, 0x1000));
  CHECK(plainly_raw_memory(0x10'0000, 0xf'f000));
  CHECK(plainly_raw_memory(0x10'0000, 0xf'f018));  // CR3's low 12 bits (PCID) do not count
  CHECK_FALSE(plainly_raw_memory(0x10'0000, 0x10'0000));
  CHECK_FALSE(plainly_raw_memory(0x10'0001, 0x1000));
  CHECK_FALSE(plainly_raw_memory(0, 0));
  CHECK_FALSE(plainly_raw_memory(0x1000, ~std::uint64_t{0}));
}

}  // namespace
}  // namespace ptv
