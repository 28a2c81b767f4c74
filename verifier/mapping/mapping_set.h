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
#include "models/tri.h"
#include "models/walk.h"
#include "verifier/mapping/facts.h"

namespace ptv {

/// Where a run came from: the reader, the text line, or the table and entry of a raw walk.
struct Provenance {
  std::uint64_t line = 0;         ///< 1-based line in the source text; 0 when not text
  std::optional<PhysAddr> table;  ///< raw walk: the table holding the (first) leaf
  std::optional<unsigned> index;  ///< raw walk: that leaf's index in its table
  std::optional<PhysAddr> entry;  ///< raw walk: the leaf entry's physical address
  bool operator==(const Provenance&) const = default;
};

/// A maximal run of virtual addresses whose translations have the same effective attributes.
/// As in Linux's ptdump, the physical pages of a run need not be contiguous: `phys` is the
/// frame of its first page; walk any address for its own.
struct Run {
  VirtRange range;
  std::optional<PhysAddr> phys;            ///< physical address of range.first, if known
  std::optional<std::uint64_t> page_size;  ///< 4 KiB, 2 MiB or 1 GiB, if known
  // Effective rights (models/rights.h; docs/spec-language.md §5): `writable` and `executable`
  // are "by some privilege", the two finer ones say which.
  Tri writable = Tri::kUnknown;               ///< R/W at every level, or CR0.WP = 0
  Tri user = Tri::kUnknown;                   ///< U/S at every level
  Tri executable = Tri::kUnknown;             ///< no XD at any level (or EFER.NXE = 0)
  Tri user_writable = Tri::kUnknown;          ///< user and R/W at every level
  Tri supervisor_executable = Tri::kUnknown;  ///< executable, unless user with CR4.SMEP
  Tri global = Tri::kUnknown;
  /// The walk to these pages sets no reserved bit, so the translation exists: yes for a raw walk,
  /// unknown for a text format (it cannot show reserved bits) unless the user confirmed it.
  Tri valid = Tri::kUnknown;
  /// The 4 KiB frame each page maps holds a paging structure of this walk, and the translation
  /// can write it or reach it from user mode (raw walks, set by mark_table_frames; unknown
  /// elsewhere).
  Tri page_table_frame = Tri::kUnknown;
  std::optional<unsigned> pkey;
  std::optional<bool> pwt, pcd, pat;
  std::optional<std::uint64_t> leaf_raw;  ///< the (first) leaf entry's raw value, if known
  Provenance provenance;

  /// Same attributes (everything but range, phys, leaf_raw and provenance).
  [[nodiscard]] bool same_attributes(const Run& o) const;
  bool operator==(const Run&) const = default;
};

/// Addresses whose translation this source cannot tell (elided lines, a half the format does
/// not describe, a table outside the dumped memory). What is known bounds it: below a table
/// outside memory, the entries above it already withhold some rights and limit the page size.
struct UnknownRange {
  VirtRange range;
  std::string reason;
  Provenance provenance;
  // Each right a translation here could have: no when the entries above withhold it, unknown
  // otherwise (Run says what each means).
  Tri writable = Tri::kUnknown, user = Tri::kUnknown, executable = Tri::kUnknown;
  Tri user_writable = Tri::kUnknown, supervisor_executable = Tri::kUnknown, global = Tri::kUnknown;
  std::uint64_t max_page_size = 0;  ///< the largest leaf the missing tables can hold; 0: any
  /// The missing table is a PD or higher: it could point to further tables anywhere, so any
  /// frame may hold a paging structure.
  bool may_hold_tables = true;
  bool operator==(const UnknownRange&) const = default;
};

/// Addresses whose walk faults on a reserved bit: no translation exists, and the entry is a
/// finding in its own right.
struct FaultRange {
  VirtRange range;
  PhysAddr entry;              ///< physical address of the offending entry
  Level level;                 ///< level of the table holding it
  std::uint64_t raw = 0;       ///< its raw value
  std::uint64_t reserved = 0;  ///< the reserved bits it sets
  bool operator==(const FaultRange&) const = default;
};

/// A section marker of a ptdump file (`---[ Kernel Space ]---`): a hint, never a boundary.
struct Marker {
  VirtAddr address;
  std::string name;
  std::uint64_t line = 0;
  bool operator==(const Marker&) const = default;
};

/// A paging structure reached from the root, at one level it is used at (the walk's own type,
/// models/walk.h).
using TableFrame = ReachedTable;

/// An entry referencing a table that is one of its own ancestors on the walk (a recursive
/// slot when it is a top-level entry pointing at the root); the walk's own type, models/walk.h.
using SelfReference = AncestorReference;

struct MappingSet {
  PagingMode mode = PagingMode::k4Level;
  std::string format;  ///< reader name: "elf-core", "raw", "ptdump", "qemu-tlb", ..., "json"
  std::string source;  ///< file the set was read from
  /// A JSON mapping set only: the format and source it says it was made from. A claim of that
  /// file, shown as such and written back, never taken for what was read.
  std::string claimed_format, claimed_source;
  std::vector<Run> runs;
  std::vector<UnknownRange> unknown;
  std::vector<FaultRange> faults;
  std::vector<Marker> markers;
  std::vector<TableFrame> tables;        ///< raw walks only: every table frame reached
  std::vector<SelfReference> self_refs;  ///< raw walks only
  std::vector<std::string> notes;        ///< what this source can and cannot tell
  std::vector<Fact> facts;               ///< what the set rests on besides the entries (facts.h)

  /// The run containing va, if any (binary search).
  [[nodiscard]] const Run* find(VirtAddr va) const;
  /// Empty when the invariant holds; otherwise what breaks it.
  [[nodiscard]] std::optional<std::string> validate() const;
  /// The format as reports print it: the reader's name, and for a JSON mapping set that says
  /// where it came from, that claim marked as one: `json (says: elf-core, core.elf)`.
  [[nodiscard]] std::string format_shown() const;
  /// The format and source a set stands for when written as JSON: a JSON set's claims (empty
  /// when it makes none), otherwise the reader and file.
  [[nodiscard]] std::string origin_format() const;
  [[nodiscard]] std::string origin_source() const;
};

/// The rights of a translation in four characters and qualifiers, as every report prints them:
/// "urwx" with u = user, and w and x what the page's own privilege may do (user-writable and
/// executable for a user page; writable and executable for a supervisor page); '-' no, '?'
/// unknown. A user page the supervisor may also write (CR0.WP = 0) adds " sw", one it may also
/// execute (no CR4.SMEP) " sx" (each with '?' when unknown).
std::string rights_text(Tri user, Tri writable, Tri executable, Tri user_writable, Tri supervisor_executable);
[[nodiscard]] inline std::string rights_text(const Run& r) {
  return rights_text(r.user, r.writable, r.executable, r.user_writable, r.supervisor_executable);
}

/// Merge adjacent runs with the same attributes (keeps the first's phys and provenance).
void coalesce(std::vector<Run>& runs);

}  // namespace ptv
