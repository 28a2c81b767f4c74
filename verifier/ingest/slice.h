// Sliced cores: a small ELF64 core holding only chosen 4 KiB physical pages (in practice the
// page-table frames a walk reached) and the paging registers, so that a page-table bug ships
// as a reproducer of kilobytes. ElfCore reads it back like any QEMU core. [docs/formats.md,
// "Sliced cores"]
//
// File layout (all little-endian):
//
//   0x0000  ELF64 header: ET_CORE, EM_X86_64, e_phoff = 0x40 (or 0x80 with PN_XNUM)
//   [0x40   section header 0, only when the program headers number 0xffff or more: e_phnum
//           is then PN_XNUM and sh_info holds the count]
//   e_phoff program headers: PT_NOTE first, then one PT_LOAD per run of physically contiguous
//           pages, in address order; p_paddr = p_vaddr = the run's physical address,
//           p_filesz = p_memsz = its size, p_flags = PF_R, p_align = 4 KiB
//   ...     the PT_NOTE segment: the note "PTVERIFY" (the descriptor layout is in elf_core.h,
//           namespace ptverify_note: version, size, cr0, cr3, cr4, efer, maxphyaddr, flags),
//           then, when the dump carried one, the kernel's "VMCOREINFO" note (type 0) as read
//   ...     zero padding to a 4 KiB boundary, then the pages, each PT_LOAD at a 4 KiB-aligned
//           file offset, back to back
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "verifier/ingest/phys_memory.h"

namespace ptv {

/// What goes into the PTVERIFY note; an empty field is written as not known.
struct SliceRegisters {
  std::optional<std::uint64_t> cr0;
  std::uint64_t cr3 = 0;
  std::optional<std::uint64_t> cr4;
  std::optional<std::uint64_t> efer;
  std::optional<unsigned> maxphyaddr;  ///< Requires: 32..52
  std::optional<bool> pdpe1gb;
  std::optional<unsigned> cpl;  ///< Requires: 0..3
  std::optional<unsigned> vcpu;
  std::uint32_t flags = 0;  ///< ptverify_note::kFlag*
  /// The text of the dump's VMCOREINFO note, carried as a second note; empty: none.
  std::string vmcoreinfo;
};

struct SliceSummary {
  std::size_t pages = 0;     ///< distinct 4 KiB pages written
  std::size_t segments = 0;  ///< PT_LOAD segments (runs of contiguous pages)
  std::uint64_t bytes = 0;   ///< size of the written file
};

/// Writes the slice of `memory` holding `pages` (any order, duplicates allowed) to `out`.
/// Errors: a page that is not 4 KiB aligned, or not wholly held by `memory` (naming both),
/// no pages at all, or a failed write.
Expected<SliceSummary> write_slice(std::ostream& out, const PhysMemory& memory, std::vector<PhysAddr> pages,
                                   const SliceRegisters& regs);

/// The same into a file, as an OutputFile (verifier/base/output_file.h): a temporary beside
/// `path` renamed over it only when complete; a device or FIFO written in place.
Expected<SliceSummary> write_slice_file(const std::string& path, const PhysMemory& memory, std::vector<PhysAddr> pages,
                                        const SliceRegisters& regs);

}  // namespace ptv
