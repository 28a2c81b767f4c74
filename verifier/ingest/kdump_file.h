// Linux crash dumps read through libkdumpfile: the kdump-compressed ("KDUMP   ") format that
// makedumpfile writes by default (pages compressed with zlib, lzo, snappy or zstd, and usually
// filtered), the older "DISKDUMP" format, and ELF vmcores. A makedumpfile *flattened* file
// (QEMU's `dump-guest-memory -z`, `makedumpfile -F`) is reassembled first (flattened.h).
//
// What is read: the guest-physical pages (kdump_read in KDUMP_MACHPHYSADDR), the map of the
// pages the file holds (attribute "file.pagemap"), the number of page frames ("max_pfn"),
// and the VMCOREINFO note ("linux.vmcoreinfo.raw"). libkdumpfile 0.5.1 does
// not hand out a dump's raw ELF notes, so QEMU's per-vCPU registers are not read from these
// formats: VMCOREINFO gives the kernel's top-level table instead (machine.h).
//
// A page the dump does not hold (filtered out by makedumpfile's -d, or not RAM) is not in
// ranges() and read() answers nothing for it: a page table there is outside the dumped memory,
// and the walk makes what it would map unknown (models/walk.h), never "not mapped".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/flattened.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/ingest/vmcoreinfo.h"

struct _kdump_ctx;  // libkdumpfile's kdump_ctx_t, seen only by kdump_file.cpp

namespace ptv {

/// True when the bytes start with a kdump-compressed ("KDUMP   ") or diskdump ("DISKDUMP")
/// header's signature.
[[nodiscard]] bool has_kdump_signature(ByteView bytes);

class KdumpFile final : public PhysMemory {
 public:
  /// Opens `file` (already mapped; `file.name()` names it in diagnostics) with libkdumpfile. A
  /// flattened file is reassembled into $TMPDIR first; a file that is not on disk as given (a
  /// decompressed copy, bytes in memory) is copied there, since libkdumpfile reads from a
  /// descriptor. Errors name the file: "vmcore: libkdumpfile: Unknown file format", a bad
  /// flattened record, a VMCOREINFO note that does not parse, more than 4 Mi separate ranges.
  static Expected<std::unique_ptr<KdumpFile>> open(MappedFile file);

  KdumpFile(const KdumpFile&) = delete;
  KdumpFile& operator=(const KdumpFile&) = delete;
  ~KdumpFile() override;

  [[nodiscard]] const std::string& name() const override { return name_; }
  /// The pages the file holds, as ranges.
  [[nodiscard]] std::span<const PhysRange> ranges() const override { return ranges_; }
  /// Bytes inside one 4 KiB page (page tables are read whole); empty for a page the file does
  /// not hold, a page libkdumpfile cannot read (decompression fails), or a span crossing a page
  /// boundary. Pages read are kept for the life of the object.
  [[nodiscard]] std::optional<std::span<const unsigned char>> read(PhysAddr pa, std::size_t len) const override;

  /// libkdumpfile's name for the format: "diskdump" or "elf", and its description
  /// ("Compressed KDUMP").
  [[nodiscard]] const std::string& format() const { return format_; }
  /// True when the file was reassembled from makedumpfile's flattened format.
  [[nodiscard]] bool reassembled() const { return reassembled_; }
  /// The VMCOREINFO note, when the dump carries one.
  [[nodiscard]] const std::optional<Vmcoreinfo>& vmcoreinfo() const { return vmcoreinfo_; }
  /// The page frames the dump describes (max_pfn) and the pages the file holds of them: fewer
  /// when the machine has holes in its RAM or makedumpfile -d filtered pages out.
  [[nodiscard]] std::uint64_t page_frames() const { return page_frames_; }
  [[nodiscard]] std::uint64_t held_pages() const { return held_pages_; }
  /// Pages that were asked for and could not be read although the page map lists them
  /// (corrupt compressed data), each with libkdumpfile's reason.
  [[nodiscard]] std::vector<std::string> read_failures() const;

 private:
  KdumpFile() = default;

  std::string name_;
  OwnedFd fd_;
  _kdump_ctx* ctx_ = nullptr;
  std::vector<PhysRange> ranges_;
  std::string format_;
  bool reassembled_ = false;
  std::optional<Vmcoreinfo> vmcoreinfo_;
  std::uint64_t page_frames_ = 0, held_pages_ = 0;
  // Page frame number -> its 4096 bytes, or null when it cannot be read.
  mutable std::unordered_map<std::uint64_t, std::unique_ptr<unsigned char[]>> pages_;
  mutable std::vector<std::string> failures_;
};

}  // namespace ptv
