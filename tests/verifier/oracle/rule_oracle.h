// An independent concrete evaluator of `check`'s rules, for tests: the contract written down a
// second time, from docs/spec-language.md (§5 rights and the finer per-privilege rights, §5.3
// arrays, §5.4 which rules govern an address, §6 global rules), docs/check.md ("Rules") and the
// Intel SDM vol. 3A §4.5 (4- and 5-level paging).
//
// It shares no code with the verifier's walker, rights, rule predicates or SMT path: it walks
// the tables itself over plain uint64_t, splits the canonical space into elementary intervals on
// which everything is constant, and decides every rule on each interval. Only the spec's AST and
// its concrete layout (verifier/spec/spec.h, concrete.h) are shared: they are its input.
//
// Where the docs leave room, it reads them so:
//  - A walk stopped by a reserved bit translates nothing (required-mapped counts it unmapped);
//    reserved-bits reports the addresses below the entry.
//  - Below a table outside memory, the translation could be anything the entries above allow
//    (their R/W, U/S, XD so far; leaves at or below the missing table's level; a fault; no
//    leaf). A rule is "must" there when every such completion breaks it, "may" when some does.
//    The missing table's frame is a page-table frame, and while some missing table could point
//    to further tables (it is a PD or higher), any frame mapped elsewhere may be one.
//  - The vsyscall page is the first region in Spec::regions order with kind vsyscall, an
//    extent of exactly 4 KiB and `user` allowed.
//  - When overlapping siblings both govern an address, the rules of each apply; guard or not
//    per region; one with maps_page_tables is enough to allow writable table mappings.
//  - conflicting-aliases: a translation is (leaf entry address, level, rights above it); its
//    frames are the 4 KiB frames of its page.
//  - physical-layout: an address a governing region (not as a guard) gives a physical layout
//    breaks it when mapped to a frame other than a - offset; below an unreadable table the
//    frame could be anything (may).
//  - Scoped exceptions (spec-language.md §6.1): an address in the extent of a region excepted
//    from a rule breaks no address rule of that id; a recursive slot wholly inside one is
//    excused; an alias pair is excused at a frame when either translation (its address: the
//    lowest it is reached at) maps that frame inside one. What unreadable tables could alias
//    stays "may", exceptions or not.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/spec/concrete.h"
#include "verifier/spec/spec.h"

namespace ptv::oracle {

/// The processor state that changes what an entry means (all concrete).
struct Cpu {
  bool cr0_wp = true;
  bool cr4_smep = false;
  bool cr4_smap = false;
  bool cr4_pge = true;
  bool cr4_pke = false;
  bool cr4_pks = false;
  bool efer_nxe = true;
  unsigned maxphyaddr = 52;  ///< M, 32..52
  bool page_1gb = true;      ///< CPUID pdpe1gb
};

using Table = std::array<std::uint64_t, 512>;

/// Physical memory holding page tables; a page absent from `memory` is outside memory.
struct Machine {
  unsigned levels = 4;  ///< 4 or 5
  std::uint64_t root = 0;
  std::map<std::uint64_t, Table> memory;  ///< 4 KiB aligned physical address -> its entries
  Cpu cpu;
};

/// An inclusive interval [first, last].
struct Interval {
  std::uint64_t first = 0, last = 0;
  bool operator==(const Interval&) const = default;
};
/// Sorted, disjoint, non-adjacent intervals (adjacent ones are merged).
using IntervalSet = std::vector<Interval>;

/// Sorts and merges overlapping or adjacent intervals.
[[nodiscard]] IntervalSet normalize(std::vector<Interval> v);
/// a minus b (both normalized).
[[nodiscard]] IntervalSet subtract(const IntervalSet& a, const IntervalSet& b);
/// "[0x..., 0x...] [0x..., 0x...]" or "{}".
[[nodiscard]] std::string to_string(const IntervalSet& s);

// --- The walk -----------------------------------------------------------------------------

/// Rights accumulated over entries: R/W and U/S ANDed, XD ORed.
struct Acc {
  bool rw = true, us = true, xd = false;
  bool operator==(const Acc&) const = default;
  auto operator<=>(const Acc&) const = default;
};

/// A range of canonical virtual addresses below one entry (or one unreadable table).
struct Piece {
  enum class Kind { kMapped, kFault, kUnknown } kind = Kind::kMapped;
  std::uint64_t first = 0, last = 0;  ///< canonical virtual addresses, inclusive
  unsigned level = 1;                 ///< kMapped: the leaf's level (1 = PT ... 5 = PML5);
                                      ///< kUnknown: the level of the table that could not be read
  std::uint64_t entry_pa = 0;         ///< kMapped: physical address of the leaf entry
  std::uint64_t raw = 0;              ///< kMapped: the leaf entry
  Acc above;                          ///< kMapped: rights of the entries above the leaf;
                                      ///< kUnknown: of every entry down to the unreadable table
  Acc acc;                            ///< kMapped: including the leaf
  std::uint64_t frame = 0;            ///< kMapped: first physical byte
  std::uint64_t size = 0;             ///< kMapped: page size
};

struct WalkOut {
  std::vector<Piece> pieces;              ///< sorted by first, disjoint
  std::set<std::uint64_t> tables;         ///< every table frame reached (read or not)
  bool missing_upper_table = false;       ///< some unreadable table could point to more tables
  std::vector<unsigned> recursive_slots;  ///< top-level indices whose entry points at the root
  bool root_missing = false;
};

/// Every path from the root [SDM 3A §4.5]. Reserved bits make a kFault piece, a table outside
/// memory a kUnknown piece.
[[nodiscard]] WalkOut walk_machine(const Machine& m);

/// Reserved bits of a present entry at `level` (the whole entry's mask of set reserved bits, or
/// bit 7 for a PS that the level does not allow).
[[nodiscard]] std::uint64_t reserved_bits(std::uint64_t raw, unsigned level, const Cpu& cpu);

/// The effective rights of a translation (spec-language.md §5, both tables).
struct Rights {
  bool user = false, writable = false, executable = false, global = false;
  bool user_writable = false, user_executable = false, supervisor_executable = false;
};
[[nodiscard]] Rights effective_rights(const Acc& acc, bool g, const Cpu& cpu);

// --- The rules ------------------------------------------------------------------------------

enum class Verdict { kHolds, kViolated, kUnknown };
[[nodiscard]] const char* to_string(Verdict v);

/// The 16 rule names of docs/check.md's Rules table, in its order.
inline constexpr std::array<std::string_view, 16> kRuleNames{"canonical",
                                                             "null-guard",
                                                             "user-kernel-split",
                                                             "supervisor-in-user-half",
                                                             "wx",
                                                             "region-rights",
                                                             "region-required-rights",
                                                             "required-mapped",
                                                             "guard-unmapped",
                                                             "outside-regions",
                                                             "page-size",
                                                             "reserved-bits",
                                                             "recursive-slot",
                                                             "conflicting-aliases",
                                                             "page-table-exposure",
                                                             "physical-layout"};

struct RuleAnswer {
  std::string_view rule;
  Verdict status = Verdict::kHolds;
  /// Certainly violated: virtual addresses, or for conflicting-aliases physical addresses
  /// (whole 4 KiB frames).
  IntervalSet must;
  /// Could be violated by what an unreadable table holds, and not in `must`.
  IntervalSet may;
};

struct OracleResult {
  std::vector<RuleAnswer> rules;  ///< one per kRuleNames entry, in order
  [[nodiscard]] const RuleAnswer& at(std::string_view rule) const;
};

/// Decides every rule for every canonical address of `m` against `layout` (its spec's
/// paging_mode must be m.levels).
[[nodiscard]] OracleResult evaluate(const Machine& m, const spec::Layout& layout);

}  // namespace ptv::oracle
