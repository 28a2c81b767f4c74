// The page walk: one address (walk), and the whole address space (enumerate_address_space).
// [SDM 3A §4.5 "4-Level Paging and 5-Level Paging"]
#pragma once

#include <cstdint>
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
  Level level;                ///< level of the table read
  PhysAddr table;             ///< its physical address
  unsigned index;             ///< index used, from the VA's bits for this level
  PhysAddr entry_address;     ///< table + 8 * index
  Entry entry;                ///< the raw entry, decoded
  AccumulatedRights rights;   ///< rights accumulated including this entry
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
  std::vector<WalkStep> path;             ///< every table read, top level first
  std::optional<Translation> translation; ///< set iff outcome == kMapped
  std::uint64_t reserved_bits = 0;        ///< kReservedBit: the offending bits of the last step
  std::optional<PhysAddr> missing_table;  ///< kTableOutsideMemory: the table that could not be read
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
  Attributes attributes;        ///< kMapped
  PhysAddr phys;                ///< kMapped: frame of range.first (PA of its first byte)
  Entry entry{0, Level::kPt};   ///< kMapped: the first leaf; kReserved: the faulting entry;
                                ///< kUnreadable: the entry pointing outside memory
  PhysAddr entry_address;       ///< physical address of `entry`
  std::uint64_t reserved_bits = 0;  ///< kReserved
  PhysAddr missing_table;       ///< kUnreadable
};

/// A table reached from the root at a level (a frame can be used at several levels).
struct ReachedTable {
  PhysAddr pa;
  Level level;
};

/// An entry whose target table is one of its own ancestors in the walk.
struct AncestorReference {
  PhysAddr entry_address;
  Level level;      ///< level of the table holding the entry
  unsigned index;
  PhysAddr target;
  VirtRange range;  ///< addresses translated through this entry (first path found)
  bool recursive_slot;  ///< a top-level entry pointing to the root itself
};

/// A leaf entry as used under one inherited-rights context: the unit of physical checks
/// (aliases, page-table exposure). Each (entry, context) appears once, however many addresses
/// translate through it, so the list grows with the tables, not with the pages mapped.
struct LeafUse {
  PhysAddr entry_address;
  Entry entry{0, Level::kPt};
  Attributes attributes;
  PhysAddr frame;       ///< first byte of the page it maps (size: attributes.page_size())
  VirtAddr first_va;    ///< one address translated through it (the first path found)
};

struct AddressSpace {
  PagingMode mode;
  std::vector<LeafUse> leaves;               ///< distinct (leaf entry, rights context) pairs
  bool leaves_collected = true;              ///< false: `leaves` was not filled (see EnumerateLimits)
  std::vector<AddressRun> runs;              ///< sorted, disjoint, canonical addresses
  std::vector<ReachedTable> tables;          ///< every (table, level) reached, each once
  std::vector<AncestorReference> ancestor_refs;
  std::uint64_t entries_read = 0;            ///< table entries decoded (each table once per context)
};

struct EnumerateLimits {
  /// Stop with an error when the runs held at once (the result and the summaries of shared
  /// tables, about 100 bytes each) would pass this: hostile tables can describe billions of
  /// distinct runs from one page. No honest dump comes close: the largest real capture has
  /// 65,661 runs, and a dump of 1 million runs holds about 2 million at the peak.
  std::size_t max_runs = 4'000'000;
  /// Fill AddressSpace::leaves. The physical rules (aliases, page-table exposure) need them;
  /// a walk for the runs alone skips that second pass, which costs more than the walk itself
  /// on tables full of 4 KiB leaves (a 56-byte record per leaf; docs/performance.md).
  bool leaf_uses = true;
};

/// Every translation from the root, as coalesced runs. Each (table, level, inherited rights)
/// is decoded once and its result shared, so time and memory grow with the number of tables
/// and the number of runs, not with the number of pages mapped: a table whose 512 entries all
/// point back to one table is a handful of runs.
Expected<AddressSpace> enumerate_address_space(const PagingState& state, const TableReader& read_table,
                                               std::optional<PhysAddr> root = std::nullopt,
                                               const EnumerateLimits& limits = {});

}  // namespace ptv
