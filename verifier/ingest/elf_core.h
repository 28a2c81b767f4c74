// An ELF64 core of a whole guest, as QEMU `dump-guest-memory` writes it, or as
// `ptverify slice` writes it (verifier/ingest/slice.h).
//
// What is read [ELF gABI "Program Header", "Note Section"; docs/formats.md "Raw memory"]:
//   - the ELF header: 64-bit, little-endian, ET_CORE, EM_X86_64. e_ehsize is ignored (QEMU 7.x
//     writes 8 there); the program header table is found by e_phoff/e_phnum only, and when
//     e_phnum is PN_XNUM (0xffff) the real count is sh_info of section header 0.
//   - PT_LOAD segments: p_filesz bytes at p_offset hold guest-physical memory from p_paddr
//     (p_vaddr is ignored; QEMU sets it to p_paddr without paging=true).
//   - PT_NOTE segments: QEMU's per-vCPU "QEMU" note (QEMUCPUState) and our own "PTVERIFY"
//     note give the paging registers; the kernel's "VMCOREINFO" note (QEMU's -device vmcoreinfo,
//     a kdump vmcore) names the kernel's own top-level table (vmcoreinfo.h).
//   - A kdump vmcore's kernel-text PT_LOAD (p_vaddr in the kernel image's mapping) repeats
//     physical memory a RAM segment holds: an overlap with the same bytes is read once, and the
//     RAM segment's bytes win over a kernel-text copy that differs. Other overlaps are errors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

/// The "PTVERIFY" note (written by slice.cpp, read here). Little-endian; namesz = 9
/// ("PTVERIFY\0", padded to 12), n_type = 1. Version 2 (descsz = 64):
///
///   desc+0x00  u32 version      = 2 (1: the first 48 bytes only, every field known)
///   desc+0x04  u32 size         = 64 (bytes of the descriptor)
///   desc+0x08  u64 cr0
///   desc+0x10  u64 cr3          (raw, PCID/PWT/PCD bits included)
///   desc+0x18  u64 cr4
///   desc+0x20  u64 efer
///   desc+0x28  u32 maxphyaddr   (32..52; 0 when not known)
///   desc+0x2c  u32 flags        bit 0: the slice was taken walking the PTI user copy
///                               (information only: a plain walk chooses as for any core);
///                               bit 1: cr3 is init_top_pgt's address from VMCOREINFO, not a
///                               register (the sliced dump gave no CR3)
///   desc+0x30  u32 known        which values were read or stated rather than assumed when the
///                               slice was taken: bit 0 cr0, 1 cr4, 2 efer, 3 maxphyaddr,
///                               4 pdpe1gb
///   desc+0x34  u32 cpu          bit 0: the CPU has 1 GiB pages (CPUID pdpe1gb)
///   desc+0x38  u32 cpl          the vCPU's privilege level 0..3, 0xff when not known
///   desc+0x3c  u32 vcpu         which vCPU's registers these are, 0xffffffff when not known
namespace ptverify_note {
inline constexpr char kName[] = "PTVERIFY";
inline constexpr std::uint32_t kType = 1;
inline constexpr std::uint32_t kVersion = 2;
inline constexpr std::uint32_t kDescBytes = 64;
inline constexpr std::uint32_t kDescBytesV1 = 48;
inline constexpr std::uint32_t kFlagUserPgd = 1u << 0;
/// cr3 is not a register: the dump gave none, and it holds init_top_pgt's address from VMCOREINFO.
inline constexpr std::uint32_t kFlagRootFromVmcoreinfo = 1u << 1;
inline constexpr std::uint32_t kKnownCr0 = 1u << 0, kKnownCr4 = 1u << 1, kKnownEfer = 1u << 2,
                               kKnownMaxPhyAddr = 1u << 3, kKnownPdpe1gb = 1u << 4;
inline constexpr std::uint32_t kCpuPdpe1gb = 1u << 0;
inline constexpr std::uint32_t kUnknownCpl = 0xff, kUnknownVcpu = 0xffffffffu;
}  // namespace ptverify_note

/// The paging registers a core's notes give. An empty field is not in the note.
struct CoreRegisters {
  enum class Source : std::uint8_t { kQemuNote, kPtverifyNote };
  Source source = Source::kQemuNote;
  std::optional<std::uint64_t> cr0;
  std::uint64_t cr3 = 0;
  std::optional<std::uint64_t> cr4;
  std::optional<std::uint64_t> efer;   ///< PTVERIFY only: QEMUCPUState has no EFER
  std::optional<unsigned> maxphyaddr;  ///< PTVERIFY only
  std::optional<bool> pdpe1gb;         ///< PTVERIFY version 2 only
  std::optional<unsigned> cpl;         ///< QEMU: CS selector bits 1:0; PTVERIFY version 2
  std::optional<unsigned> vcpu;        ///< QEMU: the note's place among the QEMU notes
  std::uint32_t flags = 0;             ///< PTVERIFY only (ptverify_note::kFlag*)
  std::uint64_t desc_offset = 0;       ///< file offset of the note's descriptor
};
const char* to_string(CoreRegisters::Source s);  // "QEMU note", "PTVERIFY note"

/// True when the bytes start with \x7f E L F.
[[nodiscard]] bool has_elf_magic(ByteView bytes);

class ElfCore final : public MappedPhysMemory {
 public:
  /// Opens `path`, decompressing a gzip/zstd file into $TMPDIR first (compressed.h).
  static Expected<std::unique_ptr<ElfCore>> open(const std::string& path);
  /// Parses an already mapped file. Errors name file+0xoffset and what is wrong: not an ELF,
  /// not ELF64/LE/x86_64/ET_CORE, truncated headers, a segment whose bytes run past the end of
  /// the file, overlapping PT_LOAD physical ranges with different bytes (but for a kernel-text
  /// copy), absurd counts, malformed notes.
  static Expected<std::unique_ptr<ElfCore>> from_file(MappedFile file);

  /// The registers to use by default: the PTVERIFY note when there is one, else the first
  /// QEMU note (vCPU 0). Empty when the core has neither.
  [[nodiscard]] const std::optional<CoreRegisters>& registers() const { return registers_; }
  /// Every QEMU note, one per vCPU, in file order.
  [[nodiscard]] const std::vector<CoreRegisters>& qemu_cpus() const { return qemu_cpus_; }
  /// The kernel's VMCOREINFO note, when the core carries one that parses.
  [[nodiscard]] const std::optional<Vmcoreinfo>& vmcoreinfo() const { return vmcoreinfo_; }
  /// Notes that were present but not understood (e.g. an unknown QEMUCPUState version), each
  /// naming its offset; the memory is still usable.
  [[nodiscard]] const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  ElfCore(MappedFile file, std::vector<Segment> segments) : MappedPhysMemory(std::move(file), std::move(segments)) {}

  std::optional<CoreRegisters> registers_;
  std::vector<CoreRegisters> qemu_cpus_;
  std::optional<Vmcoreinfo> vmcoreinfo_;
  std::vector<std::string> warnings_;
};

}  // namespace ptv
