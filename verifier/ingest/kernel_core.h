// The kernel's own ELF view of its memory: /proc/kcore on a running machine (or a file of the
// same shape). Its PT_LOAD segments are ranges of kernel *virtual* addresses;
// those that are RAM carry their physical address in p_paddr, which is all the walk needs
// [fs/proc/kcore.c read_kcore_iter: KCORE_RAM gets __pa(addr), KCORE_TEXT __pa_symbol(addr), every
// other kind (vmalloc, modules, vmemmap) p_paddr = -1].
//
// What is read:
//   - PT_LOADs with p_paddr != -1 become physical memory at p_paddr. The kernel text segment maps
//     pages the direct map's RAM segments already hold: a segment whose physical range overlaps
//     another one's is dropped when it is the kernel image mapping (p_vaddr at or above
//     __START_KERNEL_map) and is an error otherwise.
//   - the VMCOREINFO note (its text; verifier/ingest/vmcoreinfo.h parses it): the top-level table
//     init_top_pgt, phys_base, the paging mode, AMD SME's C-bit (settle_raw_machine uses them).
//
// /proc/kcore reports the size of the whole address space and cannot be memory-mapped: bytes are
// read with pread, 4 KiB-aligned pages at a time, and each page read is kept, so one run sees one
// copy of each table even on a live machine whose tables change while they are read.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/machine.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

class KernelCore final : public PhysMemory {
 public:
  /// Reads the file at `path` with pread (never mapped; /proc/kcore included). Errors name the
  /// path and what is wrong (cannot open, not permitted, headers malformed at file+0xOFFSET).
  static Expected<std::unique_ptr<KernelCore>> open(const std::string& path);
  /// The same over bytes already in memory (a decompressed copy, tests, fuzzers).
  static Expected<std::unique_ptr<KernelCore>> from_file(MappedFile file);

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] std::span<const PhysRange> ranges() const override { return ranges_; }
  /// The bytes [pa, pa + len), read once and kept for the life of the object (so views stay
  /// valid and a second read of a page on a live machine sees the first copy).
  [[nodiscard]] std::optional<std::span<const unsigned char>> read(PhysAddr pa, std::size_t len) const override;

  /// The VMCOREINFO note's text, and the file offset of its first byte; empty when there is none.
  [[nodiscard]] const std::string& vmcoreinfo() const { return vmcoreinfo_; }
  [[nodiscard]] std::uint64_t vmcoreinfo_offset() const { return vmcoreinfo_offset_; }
  /// The direct map's base (p_vaddr - p_paddr of the RAM segments), when a RAM segment gives it.
  [[nodiscard]] std::optional<std::uint64_t> direct_map_base() const { return direct_map_base_; }
  /// What was left out (the kernel image segment, overlapping the direct map), for the notes.
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }

  /// True when the file is procfs (/proc/kcore): the memory of the running machine, which
  /// changes while it is read.
  [[nodiscard]] bool live() const { return live_; }

  /// Reads `len` bytes at file offset `offset` into `out`; false when they cannot all be read.
  using FileRead = std::function<bool(std::uint64_t offset, std::span<unsigned char> out)>;

 private:
  struct Segment {
    PhysRange range;
    std::uint64_t file_offset = 0;
  };
  KernelCore() = default;
  static Expected<std::unique_ptr<KernelCore>> parse(std::string name, FileRead read, std::uint64_t file_size);

  std::string name_;
  FileRead read_;
  std::shared_ptr<void> keep_;  // what read_ reads from (the descriptor or the mapping)
  std::vector<Segment> segments_;
  std::vector<PhysRange> ranges_;
  std::string vmcoreinfo_;
  std::uint64_t vmcoreinfo_offset_ = 0;
  std::optional<std::uint64_t> direct_map_base_;
  std::vector<std::string> notes_;
  bool live_ = false;
  mutable std::map<std::pair<std::uint64_t, std::size_t>, std::vector<unsigned char>> cache_;
};

/// What a kernel core says about the machine it is walked under: its VMCOREINFO note, from which
/// settle_raw_machine takes the kernel's top-level table (init_top_pgt), the paging mode and AMD
/// SME's C-bit (machine.h), and what the reader noted (the text repeat left out, the direct map,
/// the live-machine warning).
struct KernelCoreMachine {
  std::optional<Vmcoreinfo> vmcoreinfo;
  std::vector<std::string> notes;
};
/// Errors: a VMCOREINFO note that does not parse (naming file+0xOFFSET), or no VMCOREINFO and no
/// CR3 from the user (--cr3, --registers). CR0, CR4 and EFER stay as the user stated them: a
/// kernel core holds no registers.
Expected<KernelCoreMachine> kernel_core_machine(const KernelCore& core, const MachineOptions& opts);

/// Whether `path` is a kernel core to read with KernelCore::open: the path /proc/kcore, or an
/// uncompressed regular file whose first 64 KiB sniff as DumpKind::kKernelCore. False when the
/// file cannot be opened or read (the ordinary reader then says why).
[[nodiscard]] bool is_kernel_core_file(const std::string& path);

}  // namespace ptv
