#include "verifier/ingest/sniff.h"

#include <array>
#include <cstring>
#include <string_view>

#include "models/format.h"
#include "models/paging_mode.h"

namespace ptv {

namespace {

bool starts_with(ByteView b, std::uint64_t at, std::string_view magic) {
  const std::optional<ByteView> s = b.sub(at, magic.size());
  return s && std::memcmp(s->span().data(), magic.data(), magic.size()) == 0;
}

// ELF64 fields [gABI "ELF Header", "Program Header", "Note Section"].
constexpr std::uint64_t kEiClass = 0x04, kEiData = 0x05, kEType = 0x10, kEMachine = 0x12, kEPhoff = 0x20;
constexpr std::uint64_t kEPhentsize = 0x36, kEPhnum = 0x38, kPhdrBytes = 56;
constexpr std::uint64_t kPOffset = 0x08, kPVaddr = 0x10, kPPaddr = 0x18, kPFilesz = 0x20;
constexpr std::uint32_t kPtLoad = 1, kPtNote = 4;
constexpr std::uint16_t kEtRel = 1, kEtExec = 2, kEtDyn = 3, kEtCore = 4, kEmX86_64 = 62, kEm386 = 3;

std::string_view elf_type_name(std::uint16_t t) {
  switch (t) {
    case kEtRel:
      return "a relocatable object (.o)";
    case kEtExec:
      return "an executable";
    case kEtDyn:
      return "a shared object or position-independent executable";
    default:
      return "not a core";
  }
}

/// The names of the notes of one PT_NOTE segment that lies inside `head`.
struct NoteNames {
  bool qemu = false;
  bool vmcoreinfo = false;
};
void scan_notes(ByteView head, std::uint64_t offset, std::uint64_t size, NoteNames& out) {
  const std::optional<ByteView> seg = head.sub(offset, size);
  if (!seg) return;
  std::uint64_t pos = 0;
  while (pos + 12 <= size) {
    const std::uint32_t namesz = *seg->u32(pos);
    const std::uint32_t descsz = *seg->u32(pos + 4);
    const std::uint64_t name_pos = pos + 12;
    if (starts_with(*seg, name_pos, "QEMU") && namesz == 5) out.qemu = true;
    if (starts_with(*seg, name_pos, "VMCOREINFO") && namesz == 11) out.vmcoreinfo = true;
    const std::uint64_t next = name_pos + ((std::uint64_t{namesz} + 3) & ~std::uint64_t{3}) +
                               ((std::uint64_t{descsz} + 3) & ~std::uint64_t{3});
    if (next <= pos) return;
    pos = next;
  }
}

SniffResult sniff_elf(ByteView head) {
  const std::uint8_t cls = head.u8(kEiClass).value_or(0);
  const std::uint8_t data = head.u8(kEiData).value_or(0);
  if (cls != 2 || data != 1) {
    const std::uint16_t type = data == 1 ? head.u16(kEType).value_or(0) : 0;
    std::string what = cls == 1 ? "a 32-bit" : cls == 2 ? "a 64-bit" : "an ELF of unknown class";
    if (data == 2) what += " big-endian";
    if (cls == 1 && data == 1) {
      const std::uint16_t machine = head.u16(kEMachine).value_or(0);
      what += machine == kEm386 ? " i386" : "";
    }
    const bool core = type == kEtCore;
    return {core ? DumpKind::kElfOtherCore : DumpKind::kElfNotCore, what + (core ? " core" : " ELF")};
  }
  const std::uint16_t type = head.u16(kEType).value_or(0);
  const std::uint16_t machine = head.u16(kEMachine).value_or(0);
  if (type != kEtCore) return {DumpKind::kElfNotCore, std::string(elf_type_name(type))};
  if (machine != kEmX86_64)
    return {DumpKind::kElfOtherCore, "a core of machine " + std::to_string(machine) + " (x86_64 is 62)"};

  // A core of guest-physical memory has p_vaddr 0 (QEMU without paging) or p_vaddr = p_paddr
  // (ptverify slice). Any other p_vaddr is a virtual address: QEMU's paging=true (which also
  // writes its QEMU note), a kdump ELF vmcore (every PT_LOAD has its p_paddr: read as a core), or
  // /proc/kcore, whose vmalloc, module and vmemmap segments have p_paddr = -1.
  const std::uint64_t phoff = head.u64(kEPhoff).value_or(0);
  const std::uint16_t phnum = head.u16(kEPhnum).value_or(0);
  if (head.u16(kEPhentsize).value_or(0) != kPhdrBytes) return {DumpKind::kElfCore, ""};
  bool virtual_loads = false;
  bool unplaced_loads = false;
  NoteNames notes;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::uint64_t at = phoff + i * kPhdrBytes;
    if (!head.contains(at, kPhdrBytes)) break;  // the reader itself looks further
    const std::uint32_t ptype = *head.u32(at);
    if (ptype == kPtNote) scan_notes(head, *head.u64(at + kPOffset), *head.u64(at + kPFilesz), notes);
    if (ptype != kPtLoad) continue;
    const std::uint64_t vaddr = *head.u64(at + kPVaddr);
    const std::uint64_t paddr = *head.u64(at + kPPaddr);
    if (vaddr != 0 && vaddr != paddr) virtual_loads = true;
    if (paddr == ~std::uint64_t{0}) unplaced_loads = true;
  }
  if (!virtual_loads) return {DumpKind::kElfCore, ""};
  if (notes.qemu) return {DumpKind::kElfPagingCore, ""};
  if (!unplaced_loads) return {DumpKind::kElfCore, "a kernel's ELF vmcore"};
  return {DumpKind::kKernelCore, notes.vmcoreinfo ? "with VMCOREINFO" : "without VMCOREINFO"};
}

struct Magic {
  std::uint64_t offset;
  std::string_view bytes;
  DumpKind kind;
  std::string_view detail;
};

// Signatures of whole-file formats, checked in order. Each is at least 4 bytes, so raw memory
// (whose page 0 holds the real-mode interrupt vectors) does not match by chance.
const std::array<Magic, 21> kMagics{{
    {0, "KDUMP   ", DumpKind::kKdumpCompressed, "\"KDUMP   \" signature"},
    {0, "DISKDUMP", DumpKind::kKdumpCompressed, "\"DISKDUMP\" signature"},
    {0, "makedumpfile", DumpKind::kKdumpFlattened, ""},
    {0, "EMiL", DumpKind::kLime, ""},  // 0x4C694D45 little-endian
    {0, "PAGEDU64", DumpKind::kWindowsCrashDump, "64-bit, \"PAGEDU64\""},
    {0, "PAGEDUMP", DumpKind::kWindowsCrashDump, "32-bit, \"PAGEDUMP\""},
    {0, "hibr", DumpKind::kWindowsHibernation, ""},
    {0, "HIBR", DumpKind::kWindowsHibernation, ""},
    {0, "wake", DumpKind::kWindowsHibernation, ""},
    {0, "WAKE", DumpKind::kWindowsHibernation, ""},
    {0, "QEVM", DumpKind::kQemuMigration, ""},
    {4086, "S1SUSPEND", DumpKind::kLinuxHibernation, ""},
    {4086, "SWAPSPACE2", DumpKind::kLinuxSwap, ""},
    {0,
     "\xfd"
     "7zXZ",
     DumpKind::kCompressed, "xz: xz -d"},
    {0, "BZh", DumpKind::kCompressed, "bzip2: bunzip2"},
    {0, "PK\x03\x04", DumpKind::kCompressed, "a zip archive: unzip"},
    {0, "\x04\x22\x4d\x18", DumpKind::kCompressed, "lz4: lz4 -d"},
    {0, "7z\xbc\xaf\x27\x1c", DumpKind::kCompressed, "a 7-Zip archive: 7z x"},
    {0, "\x89LZO\x00\r\n\x1a\n", DumpKind::kCompressed, "lzop: lzop -d"},
    {0, "\x28\xb5\x2f\xfd", DumpKind::kCompressed, "zstd inside gzip or zstd: zstd -d"},
    {257, "ustar", DumpKind::kCompressed, "a tar archive: tar -xf"},
}};

}  // namespace

SniffResult sniff_dump(ByteView head, std::uint64_t file_size) {
  (void)file_size;
  if (starts_with(head, 0,
                  "\x7f"
                  "ELF"))
    return sniff_elf(head);
  for (const Magic& m : kMagics) {
    if (!starts_with(head, m.offset, m.bytes)) continue;
    // "BZh" needs its block-size digit, or plain text starting "BZh" would match.
    if (m.bytes == "BZh" && !(head.u8(3).value_or(0) >= '1' && head.u8(3).value_or(0) <= '9')) continue;
    return {m.kind, std::string(m.detail)};
  }
  return {DumpKind::kOther, ""};
}

std::string sniff_message(const SniffResult& s) {
  const std::string d = s.detail.empty() ? "" : " (" + s.detail + ")";
  switch (s.kind) {
    case DumpKind::kElfCore:
    case DumpKind::kKernelCore:
    case DumpKind::kKdumpCompressed:
    case DumpKind::kKdumpFlattened:
    case DumpKind::kOther:
      return "";
    case DumpKind::kElfPagingCore:
      return "a QEMU dump-guest-memory core taken with paging=true: its PT_LOAD segments are guest-virtual "
             "ranges, not physical memory; dump with paging=false (the default: `dump-guest-memory FILE`)";
    case DumpKind::kElfNotCore:
      return "an ELF file that is not a core" + d +
             ": give a memory dump (QEMU `dump-guest-memory`, /proc/kcore, a ptverify slice)";
    case DumpKind::kElfOtherCore:
      return "not an x86_64 ELF64 little-endian core" + d + ": ptverify reads x86_64 page tables only";
    case DumpKind::kLime:
      return "a LiME memory image (header magic 0x4C694D45): not read by ptverify; capture with LiME's "
             "format=padded (a raw image: --format raw with --cr3) or dump the guest with QEMU";
    case DumpKind::kWindowsCrashDump:
      return "a Windows crash dump" + d + ": ptverify reads Linux/QEMU dumps, not Windows ones";
    case DumpKind::kWindowsHibernation:
      return "a Windows hibernation file (hiberfil.sys): compressed, not a memory image ptverify reads";
    case DumpKind::kLinuxHibernation:
      return "a Linux swap area holding a hibernation image (S1SUSPEND): its pages are in swap order and may "
             "be compressed, not a memory image";
    case DumpKind::kLinuxSwap:
      return "a Linux swap area (SWAPSPACE2), not a memory image";
    case DumpKind::kQemuMigration:
      return "a QEMU migration stream or savevm state (QEVM): not a memory dump; use the monitor's "
             "`dump-guest-memory FILE`";
    case DumpKind::kCompressed:
      return "a compressed file or archive" + d +
             ": decompress or extract it first (ptverify decompresses "
             "gzip and zstd itself, once)";
  }
  return "";
}

const char* to_string(DumpKind k) {
  switch (k) {
    case DumpKind::kElfCore:
      return "elf-core";
    case DumpKind::kKernelCore:
      return "kcore";
    case DumpKind::kElfPagingCore:
      return "elf-paging-core";
    case DumpKind::kElfNotCore:
      return "elf-not-core";
    case DumpKind::kElfOtherCore:
      return "elf-other-core";
    case DumpKind::kKdumpCompressed:
      return "kdump-compressed";
    case DumpKind::kKdumpFlattened:
      return "kdump-flattened";
    case DumpKind::kLime:
      return "lime";
    case DumpKind::kWindowsCrashDump:
      return "windows-crash-dump";
    case DumpKind::kWindowsHibernation:
      return "windows-hibernation";
    case DumpKind::kLinuxHibernation:
      return "linux-hibernation";
    case DumpKind::kLinuxSwap:
      return "linux-swap";
    case DumpKind::kQemuMigration:
      return "qemu-migration";
    case DumpKind::kCompressed:
      return "compressed";
    case DumpKind::kOther:
      return "other";
  }
  return "?";
}

bool plainly_raw_memory(std::uint64_t file_size, std::uint64_t root) {
  if (file_size == 0 || file_size % kTableBytes != 0) return false;
  const std::uint64_t table = root & ~std::uint64_t{kTableBytes - 1};
  return table <= file_size - kTableBytes;
}

}  // namespace ptv
