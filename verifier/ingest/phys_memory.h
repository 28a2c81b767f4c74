// Physical memory as a dump holds it: a set of disjoint physical ranges, each backed by bytes
// of a mapped file. The walker sees it only through reader(), a TableReader that answers
// "the 4 KiB table at this PhysAddr" or "not in the dump" (never a crash, never a guess).
//
// Implementations: ElfCore (QEMU dump-guest-memory, verifier/ingest/elf_core.h), RawImage
// (file offset = physical address, verifier/ingest/raw_image.h), KernelCore (/proc/kcore, read
// with pread, verifier/ingest/kernel_core.h) and KdumpFile (crash dumps, kdump_file.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models/address.h"
#include "models/table_reader.h"
#include "verifier/base/mapped_file.h"

namespace ptv {

/// A non-empty run of physical addresses [start, start + size).
struct PhysRange {
  PhysAddr start;
  std::uint64_t size = 0;  ///< bytes; Requires: >= 1 and start + size <= 2^64

  /// The last address held (inclusive), so that a range ending at 2^64 is representable.
  [[nodiscard]] PhysAddr last() const { return PhysAddr(start.value() + (size - 1)); }
  /// True when every byte of [pa, pa + len) is in this range (len 0: pa itself is).
  [[nodiscard]] bool contains(PhysAddr pa, std::uint64_t len) const;
  bool operator==(const PhysRange&) const = default;
};

class PhysMemory {
 public:
  virtual ~PhysMemory() = default;

  /// What diagnostics call the source (normally the file name).
  [[nodiscard]] virtual const std::string& name() const = 0;
  /// The ranges held, sorted by start and pairwise disjoint (adjacent ranges stay separate).
  [[nodiscard]] virtual std::span<const PhysRange> ranges() const = 0;
  /// The bytes [pa, pa + len). Empty unless the whole span lies inside one held range: bytes
  /// that straddle two segments of a core are not joined (no real table does that).
  [[nodiscard]] virtual std::optional<std::span<const unsigned char>> read(PhysAddr pa, std::size_t len) const = 0;

  /// The paging structure at `pa`. Empty when pa is not 4 KiB aligned or any of its 4096
  /// bytes is outside the held ranges.
  [[nodiscard]] std::optional<TableView> table(PhysAddr pa) const;
  /// A TableReader over this memory for the walker. Requires: *this outlives the reader.
  [[nodiscard]] TableReader reader() const;
  /// Total bytes held.
  [[nodiscard]] std::uint64_t bytes_held() const;
};

/// "[0x0-0x9ffff] [0xc0000-0xfffffff]": the held ranges, for "outside the dump" messages.
/// At most `max_ranges` are listed, then ", ... (N more)".
std::string describe_ranges(std::span<const PhysRange> ranges, std::size_t max_ranges = 6);

/// Physical memory held in pieces of one mapped file: each segment is a physical range and the
/// file offset of its first byte. The base of ElfCore and RawImage.
class MappedPhysMemory : public PhysMemory {
 public:
  struct Segment {
    PhysRange range;
    std::uint64_t file_offset = 0;
  };

  [[nodiscard]] const std::string& name() const override { return file_.name(); }
  [[nodiscard]] std::span<const PhysRange> ranges() const override { return ranges_; }
  [[nodiscard]] std::optional<std::span<const unsigned char>> read(PhysAddr pa, std::size_t len) const override;
  [[nodiscard]] const MappedFile& file() const { return file_; }

 protected:
  /// Requires: segments sorted by range.start, pairwise disjoint, each non-empty, and each
  /// [file_offset, file_offset + range.size) inside the file (the subclass checked it).
  MappedPhysMemory(MappedFile file, std::vector<Segment> segments);

 private:
  MappedFile file_;
  std::vector<Segment> segments_;
  std::vector<PhysRange> ranges_;  // segments_[i].range, for ranges()
};

}  // namespace ptv
