// The mapping set: the one currency every stage exchanges. Every reader (raw walk, ptdump,
// QEMU info tlb / info mem, /proc/PID/maps, ptverify JSON) produces one; check, prove against a
// dump, map, diff and explain consume it.
//
// Invariant (checked by validate()): runs are sorted by address and pairwise disjoint; unknown
// and fault ranges are sorted, disjoint from each other and from the runs. Every address of the
// paging mode's canonical space is therefore exactly one of: in a run (translated), in an
// unknown range (this source cannot say), in a fault range (the walk faults on a reserved bit),
// or in none (known not mapped).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "models/paging_mode.h"

namespace ptv {

/// A right that a source may not be able to tell: text dumps often print only the leaf's bits.
enum class Tri : std::uint8_t { kNo, kYes, kUnknown };
[[nodiscard]] constexpr Tri tri(bool b) { return b ? Tri::kYes : Tri::kNo; }
const char* to_string(Tri t);  // "no", "yes", "unknown"

/// Where a run came from: the reader, the text line, or the table and entry of a raw walk.
struct Provenance {
  std::uint64_t line = 0;          ///< 1-based line in the source text; 0 when not text
  std::optional<PhysAddr> table;   ///< raw walk: the table holding the (first) leaf
  std::optional<unsigned> index;   ///< raw walk: that leaf's index in its table
  std::optional<PhysAddr> entry;   ///< raw walk: the leaf entry's physical address
  bool operator==(const Provenance&) const = default;
};

/// A maximal run of virtual addresses whose translations have the same effective attributes.
/// As in Linux's ptdump, the physical pages of a run need not be contiguous: `phys` is the
/// frame of its first page; walk any address for its own.
struct Run {
  VirtRange range;
  std::optional<PhysAddr> phys;            ///< physical address of range.first, if known
  std::optional<std::uint64_t> page_size;  ///< 4 KiB, 2 MiB or 1 GiB, if known
  Tri writable = Tri::kUnknown;            ///< effective: R/W at every level (see models/rights.h)
  Tri user = Tri::kUnknown;                ///< effective: U/S at every level
  Tri executable = Tri::kUnknown;          ///< effective: no XD at any level (with EFER.NXE)
  Tri global = Tri::kUnknown;
  std::optional<unsigned> pkey;
  std::optional<bool> pwt, pcd, pat;
  std::optional<std::uint64_t> leaf_raw;   ///< the (first) leaf entry's raw value, if known
  Provenance provenance;

  /// Same attributes (everything but range, phys, leaf_raw and provenance).
  [[nodiscard]] bool same_attributes(const Run& o) const;
  bool operator==(const Run&) const = default;
};

/// Addresses whose translation this source cannot tell (elided lines, a half the format does
/// not describe, a table outside the dumped memory).
struct UnknownRange {
  VirtRange range;
  std::string reason;
  Provenance provenance;
  bool operator==(const UnknownRange&) const = default;
};

/// Addresses whose walk faults on a reserved bit: no translation exists, and the entry is a
/// finding in its own right.
struct FaultRange {
  VirtRange range;
  PhysAddr entry;             ///< physical address of the offending entry
  Level level;                ///< level of the table holding it
  std::uint64_t raw = 0;      ///< its raw value
  std::uint64_t reserved = 0; ///< the reserved bits it sets
  bool operator==(const FaultRange&) const = default;
};

/// A section marker of a ptdump file (`---[ Kernel Space ]---`): a hint, never a boundary.
struct Marker {
  VirtAddr address;
  std::string name;
  std::uint64_t line = 0;
  bool operator==(const Marker&) const = default;
};

/// A paging structure reached from the root, with every level it is used at.
struct TableFrame {
  PhysAddr pa;
  Level level;
  bool operator==(const TableFrame&) const = default;
};

/// An entry referencing a table that is one of its own ancestors on the walk (a recursive
/// slot when it is a top-level entry pointing at the root).
struct SelfReference {
  PhysAddr entry;
  Level level;       ///< level of the table holding the entry
  unsigned index;
  PhysAddr target;   ///< the ancestor table it points to
  VirtRange range;   ///< the addresses translated through it (first occurrence)
  bool recursive_slot = false;  ///< top-level entry pointing to the root table
  bool operator==(const SelfReference&) const = default;
};

struct MappingSet {
  PagingMode mode = PagingMode::k4Level;
  std::string format;   ///< reader name: "elf-core", "raw", "ptdump", "qemu-tlb", ...
  std::string source;   ///< file the set was read from
  std::vector<Run> runs;
  std::vector<UnknownRange> unknown;
  std::vector<FaultRange> faults;
  std::vector<Marker> markers;
  std::vector<TableFrame> tables;          ///< raw walks only: every table frame reached
  std::vector<SelfReference> self_refs;    ///< raw walks only
  std::vector<std::string> notes;          ///< what this source can and cannot tell

  /// The run containing va, if any (binary search).
  [[nodiscard]] const Run* find(VirtAddr va) const;
  /// Empty when the invariant holds; otherwise what breaks it.
  [[nodiscard]] std::optional<std::string> validate() const;
};

/// Merge adjacent runs with the same attributes (keeps the first's phys and provenance).
void coalesce(std::vector<Run>& runs);

}  // namespace ptv
