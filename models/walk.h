// The page walk: one address (walk), and the whole address space (enumerate_address_space).
// [SDM 3A §4.5 "4-Level Paging and 5-Level Paging"]
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <vector>

#include "models/address.h"
#include "models/entry.h"
#include "models/expected.h"
#include "models/paging_mode.h"
#include "models/paging_state.h"
#include "models/rights.h"
#include "models/table_reader.h"

namespace ptv {

/// One level of a walk: which table, which index, and the entry found there.
struct WalkStep {
  Level level;               ///< level of the table read
  PhysAddr table;            ///< its physical address
  unsigned index;            ///< index used, from the VA's bits for this level
  PhysAddr entry_address;    ///< table + 8 * index
  Entry entry;               ///< the raw entry, decoded
  AccumulatedRights rights;  ///< rights accumulated including this entry
};

enum class WalkOutcome : std::uint8_t {
  kMapped,              ///< a valid translation
  kNotPresent,          ///< an entry with P = 0 (the last step)
  kReservedBit,         ///< a present entry with a reserved bit set: #PF with RSVD
  kTableOutsideMemory,  ///< an entry points to a table the dump does not hold
  kNonCanonical,        ///< the address is not canonical: #GP, no walk happens
};
const char* to_string(WalkOutcome o);

struct Translation {
  PhysAddr pa;            ///< the physical address of the VA
  PhysAddr frame;         ///< the page frame (aligned to the page size)
  Attributes attributes;  ///< effective rights and leaf bits
};

/// A walk result is a value: a non-present entry is an outcome, not an error.
struct WalkResult {
  VirtAddr va;
  WalkOutcome outcome = WalkOutcome::kNotPresent;
  std::vector<WalkStep> path;              ///< every table read, top level first
  std::optional<Translation> translation;  ///< set iff outcome == kMapped
  std::uint64_t reserved_bits = 0;         ///< kReservedBit: the offending bits of the last step
  std::optional<PhysAddr> missing_table;   ///< kTableOutsideMemory: the table that could not be read
};

/// Walk one address from state.root_table() (or `root` when given, e.g. the PTI user PGD).
WalkResult walk(const PagingState& state, const TableReader& read_table, VirtAddr va,
                std::optional<PhysAddr> root = std::nullopt);

std::ostream& operator<<(std::ostream& os, const WalkResult& r);

// --- The whole address space -------------------------------------------------------------

/// A maximal run of addresses with the same outcome and attributes.
struct AddressRun {
  enum class Kind : std::uint8_t { kMapped, kReserved, kUnreadable };
  VirtRange range;
  Kind kind = Kind::kMapped;
  Attributes attributes;            ///< kMapped
  PhysAddr phys;                    ///< kMapped: frame of range.first (PA of its first byte)
  Entry entry{0, Level::kPt};       ///< kMapped: the first leaf; kReserved: the faulting entry;
                                    ///< kUnreadable: the entry pointing outside memory
  PhysAddr entry_address;           ///< physical address of `entry`
  std::uint64_t reserved_bits = 0;  ///< kReserved
  PhysAddr missing_table;           ///< kUnreadable
  AccumulatedRights context;        ///< kUnreadable: the rights of every entry down to the missing table
};

/// A table reached from the root at a level (a frame can be used at several levels).
struct ReachedTable {
  PhysAddr pa;
  Level level;
  bool operator==(const ReachedTable&) const = default;
};

/// An entry whose target table is one of its own ancestors in the walk.
struct AncestorReference {
  PhysAddr entry_address;
  Level level;  ///< level of the table holding the entry
  unsigned index;
  PhysAddr target;
  VirtRange range;              ///< addresses translated through this entry (first path found)
  bool recursive_slot = false;  ///< a top-level entry pointing to the root itself
  bool operator==(const AncestorReference&) const = default;
};

/// Entries [first, last) of one table, read under one inherited-rights context, among which
/// the walk met leaf entries. Each (table, context) is read once, so the stretches grow with
/// the tables (a few per table at most), not with the pages mapped; for_each_leaf_run reads
/// the leaves back out of them.
struct LeafStretch {
  PhysAddr table;
  Level level;
  AccumulatedRights above;  ///< rights accumulated by the entries above the table
  std::uint64_t base;       ///< what entry 0 translates, as an offset from the top table's first
                            ///< address (the first path the walk found to the table)
  unsigned first, last;
};

/// Consecutive leaf entries of one table that decode alike (the same flag bits, so the same
/// effective attributes under the table's rights context) and map contiguous frames: entry k
/// (0 <= k < count) sits at entry_address(k), holds entry.raw() + k * page size, and translates
/// va(k) to frame + k * page size. The unit of the physical rules (aliases, page-table
/// exposure): a direct map of 4 KiB pages is one run per page table, whatever it maps.
struct LeafRun {
  PhysAddr table;
  unsigned first_index = 0;    ///< index of the first entry in its table
  unsigned count = 0;          ///< entries, >= 1
  Entry entry{0, Level::kPt};  ///< the first entry
  Attributes attributes;       ///< effective attributes of every entry of the run
  PhysAddr frame;              ///< the frame the first entry maps
  VirtAddr first_va;           ///< canonical; what the first entry translates (first path found)

  [[nodiscard]] std::uint64_t page_size() const { return attributes.page_size(); }
  [[nodiscard]] PhysAddr entry_address(unsigned k) const {
    return PhysAddr(table.value() + kEntryBytes * (first_index + k));
  }
  [[nodiscard]] Entry entry_at(unsigned k) const { return Entry(entry.raw() + k * page_size(), entry.level()); }
  [[nodiscard]] VirtAddr va(unsigned k) const { return VirtAddr(first_va.value() + k * page_size()); }
  [[nodiscard]] PhysAddr frame_at(unsigned k) const { return PhysAddr(frame.value() + k * page_size()); }
  /// The last physical byte the run maps.
  [[nodiscard]] std::uint64_t frame_last() const { return frame.value() + (count * page_size() - 1); }
};

struct AddressSpace {
  PagingMode mode;
  std::vector<AddressRun> runs;      ///< sorted, disjoint, canonical addresses
  std::vector<ReachedTable> tables;  ///< every (table, level) reached, each once
  std::vector<AncestorReference> ancestor_refs;
  std::vector<LeafStretch> leaf_stretches;  ///< where the leaf entries are, in walk order
  std::uint64_t leaf_uses = 0;              ///< distinct (leaf entry, rights context) pairs
  std::uint64_t entries_read = 0;           ///< table entries decoded (each table once per context)
};

struct EnumerateLimits {
  /// Stop with an error when the runs held at once (the result and the summaries of shared
  /// tables, about 90 bytes each) would pass this: hostile tables can describe billions of
  /// distinct runs from one page. No honest dump comes close: the largest real capture has
  /// 65,661 runs, and a dump of 1 million runs holds little more than that million.
  std::size_t max_runs = 4'000'000;
  /// Called with each run buffer the enumeration reserves, before anything is written to it.
  /// models/ makes no system call; the verifier passes a hint that asks for huge pages
  /// (verifier/base/memory_hint.h: a million runs otherwise fault in 4 KiB at a time).
  void (*fresh_buffer)(const void* data, std::size_t bytes) = nullptr;
};

/// Every translation from the root, as coalesced runs. Each (table, level, inherited rights)
/// is decoded once and its result shared, so time and memory grow with the number of tables
/// and the number of runs, not with the number of pages mapped: a table whose 512 entries all
/// point back to one table is a handful of runs.
Expected<AddressSpace> enumerate_address_space(const PagingState& state, const TableReader& read_table,
                                               std::optional<PhysAddr> root = std::nullopt,
                                               const EnumerateLimits& limits = {});

/// Calls `fn` with every leaf run of `space`, in walk order: each (leaf entry, rights context)
/// pair of the walk in exactly one run. Reads the stretches' tables again through
/// `read_table`, which must be the reader `space` was enumerated with.
void for_each_leaf_run(const AddressSpace& space, const PagingState& state, const TableReader& read_table,
                       const std::function<void(const LeafRun&)>& fn);

}  // namespace ptv
