// Synthetic page tables for the benchmarks: a small physical memory whose tables live in one
// contiguous buffer (physical address = offset, like a raw `pmemsave` image), a builder that
// maps pages into it, and generators for the shapes the benchmarks need:
//
//   leaves_4k      N 4 KiB leaves in full page tables, cut into R runs by alternating rights
//   direct_map     a direct map of 2 MiB or 1 GiB leaves (one run)
//   shared_chain   one table per level, every entry pointing at the next (Linux's ESPfix shape
//                  taken to the limit: 2^36 or 2^45 pages from `levels` tables)
//   self_table     one table whose 512 entries all point back at itself (the hostile shape)
//
// Every generator works for 4- and 5-level paging. write_image() writes the buffer as a raw
// image that RawImage::open maps, which is the path a real dump takes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/entry.h"
#include "models/expected.h"
#include "models/paging_mode.h"
#include "models/paging_state.h"
#include "models/table_reader.h"

namespace ptv::bench {

/// Physical memory holding only page tables, allocated upwards from PA 0x1000 (page 0 stays
/// zero so that no table sits at PA 0).
class TableImage {
 public:
  /// `expected_tables`: a capacity hint, to avoid regrowing a large buffer.
  explicit TableImage(std::size_t expected_tables = 0);

  /// A zeroed 4 KiB table.
  PhysAddr alloc();
  /// Requires: table was returned by alloc(), index < 512.
  void set(PhysAddr table, unsigned index, std::uint64_t raw);
  [[nodiscard]] std::uint64_t get(PhysAddr table, unsigned index) const;

  [[nodiscard]] std::size_t table_count() const { return bytes_.size() / kTableBytes - 1; }
  [[nodiscard]] const std::vector<unsigned char>& bytes() const { return bytes_; }
  /// A reader over the buffer. Requires: *this outlives it and allocates no more tables.
  [[nodiscard]] TableReader reader() const;
  /// Writes the buffer to `path` (file offset = physical address). Error: names the path.
  [[nodiscard]] Expected<bool> write_image(const std::string& path) const;

 private:
  std::vector<unsigned char> bytes_;
};

/// Bits of the non-leaf entries the generators write: present, writable, accessed, supervisor.
inline constexpr std::uint64_t kTableEntryBits = bits::kP | bits::kRW | bits::kA;

/// Maps pages into a TableImage from one root, creating intermediate tables on the way.
class TableBuilder {
 public:
  TableBuilder(TableImage& image, PagingMode mode) : image_(image), mode_(mode), root_(image.alloc()) {}

  /// Maps one page of page_size(leaf_level) at va to `frame`, with `leaf_bits` (P is added,
  /// and PS for a large leaf). Requires: va and frame aligned to the page size.
  void map(VirtAddr va, PhysAddr frame, Level leaf_level, std::uint64_t leaf_bits);

  [[nodiscard]] PhysAddr root() const { return root_; }

 private:
  TableImage& image_;
  PagingMode mode_;
  PhysAddr root_;
};

/// A generated address space: the image, the registers to walk it with, and what it holds.
struct SyntheticTables {
  std::string name;  ///< "4k-1M-leaves-1k-runs-4level", for tables and CSV rows
  TableImage image;
  PagingState state;                ///< CR3 = root, LA57 for 5-level, NXE, WP, PGE, MAXPHYADDR 46
  std::uint64_t pages = 0;          ///< translations mapped (pages of the leaf size)
  std::uint64_t expected_runs = 0;  ///< runs the walk must find (a self-check for the bench)
};

/// The register state the generators use: MAXPHYADDR 46, NXE, WP and PGE on.
PagingState synthetic_state(PhysAddr root, PagingMode mode);

/// Where the 4 KiB leaves' frames lie: one after another (a direct map), or scattered so that
/// no two neighbouring leaves map neighbouring frames (vmalloc, or a user process).
enum class Frames { kContiguous, kScattered };

/// `leaves` 4 KiB pages from the start of the kernel's direct map (0xffff'8880'0000'0000 or
/// 0xff11'0000'0000'0000), contiguous, in `runs` runs of about equal length whose rights
/// alternate between read-write and read-only (all NX, global, supervisor). Each leaf maps its
/// own frame, the frames laid out as `frames` says. Requires: 1 <= runs <= leaves.
SyntheticTables leaves_4k(std::uint64_t leaves, std::uint64_t runs, PagingMode mode,
                          Frames frames = Frames::kContiguous);

/// A direct map of `bytes` of physical memory from PA 0 with leaves of `leaf_level` (kPd: 2
/// MiB, kPdpt: 1 GiB), read-write, NX, global: one run. Requires: bytes a multiple of the page
/// size and at most 64 TiB.
SyntheticTables direct_map(std::uint64_t bytes, Level leaf_level, PagingMode mode);

/// One table per level; each entry of a level's table points to the next level's table, and
/// the PT's 512 leaves all map one frame: every canonical address is mapped (2 runs, split at
/// the non-canonical hole) by `levels` tables. With `alternate`, leaves alternate read-write and
/// read-only, so the tables describe 2^36 (2^45) distinct runs: a walk must refuse them at its
/// run cap, quickly and in bounded memory.
SyntheticTables shared_chain(PagingMode mode, bool alternate);

/// One table whose 512 entries all hold its own address (present, writable): read at every
/// level it references itself, and as a PT it maps its own frame, 2^36 (2^45) times.
SyntheticTables self_table(PagingMode mode);

}  // namespace ptv::bench
