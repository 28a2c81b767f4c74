// Effective rights of a translation, combined across all levels, per privilege. [SDM 3A §4.6]
//
// User-mode access needs U/S = 1 in every entry of the walk; user-mode writes also need R/W = 1
// in every entry. Supervisor writes need R/W = 1 in every entry when CR0.WP = 1 and ignore R/W
// when CR0.WP = 0 (§4.6.1): then every present translation, user or supervisor, is writable by
// the supervisor (Attributes::writable). Instruction fetch is forbidden when XD = 1 in any entry
// (only when EFER.NXE = 1; otherwise bit 63 is reserved), and CR4.SMEP forbids supervisor
// fetches from user pages. CR4.SMAP forbids supervisor data accesses to user pages only while
// EFLAGS.AC = 0, which the kernel clears around every user copy (stac/clac), so it never takes a
// write right away: a frame that is user-writable can be written by the supervisor too.
// As QEMU and Linux do, the walk starts from the neutral element {R/W, U/S, no XD} and folds each
// entry in.
#pragma once

#include <cstdint>
#include <ostream>

#include "models/entry.h"
#include "models/paging_state.h"
#include "models/tri.h"

namespace ptv {

/// The rights accumulated over the entries walked so far (upper levels, then the leaf).
struct AccumulatedRights {
  bool r_w = true;  ///< AND of R/W
  bool u_s = true;  ///< AND of U/S
  bool xd = false;  ///< OR of XD (raw bit 63, whether or not NXE is on)

  [[nodiscard]] constexpr AccumulatedRights then(const Entry& e) const {
    return {r_w && e.r_w(), u_s && e.u_s(), xd || e.xd_bit()};
  }
  /// A small integer key (0..7) for memoising per-context results.
  [[nodiscard]] constexpr unsigned key() const { return (r_w ? 1u : 0u) | (u_s ? 2u : 0u) | (xd ? 4u : 0u); }
  constexpr bool operator==(const AccumulatedRights&) const = default;
};

/// What a present, valid translation allows, plus the leaf's memory-type and key bits.
/// `writable` and `executable` are "by some privilege"; the two finer rights say which.
struct Attributes {
  bool writable = false;               ///< some privilege may write: R/W in every level, or CR0.WP = 0
  bool user = false;                   ///< U/S in every level: user-mode accessible
  bool executable = false;             ///< some privilege may fetch: no XD in any level (or EFER.NXE = 0)
  bool user_writable = false;          ///< user mode may write: user and R/W in every level
  bool supervisor_executable = false;  ///< supervisor may fetch: executable, unless user with SMEP
  bool global = false;                 ///< leaf G with CR4.PGE
  unsigned pkey = 0;                   ///< leaf bits 62:59 when a key applies (user page with CR4.PKE,
                                       ///< supervisor page with CR4.PKS), else 0
  bool pwt = false;                    ///< leaf PWT
  bool pcd = false;                    ///< leaf PCD
  bool pat = false;                    ///< leaf PAT (bit 7 of a PTE, bit 12 of a large leaf)
  Level level = Level::kPt;            ///< level of the leaf: page size 4 KiB / 2 MiB / 1 GiB

  [[nodiscard]] std::uint64_t page_size() const { return ptv::page_size(level); }
  constexpr bool operator==(const Attributes&) const = default;
};

/// Requires: leaf.p() && leaf.leaf(); `upper` holds the entries above the leaf.
Attributes effective_attributes(const AccumulatedRights& upper, const Entry& leaf, const PagingState& s);

/// Whether a protection key applies to a page: user pages with CR4.PKE, supervisor pages with
/// CR4.PKS. [SDM 3A §4.6.2]
[[nodiscard]] constexpr bool pkey_applies(bool user, bool pke, bool pks) { return user ? pke : pks; }

/// The processor facts the rights depend on, each possibly unknown (not in the dump, not given).
struct RightsContext {
  Tri cr0_wp = Tri::kUnknown;
  Tri cr4_smep = Tri::kUnknown;
};

/// The rights a source that shows entry bits (or their combination) can tell, in three values:
/// `rw_all` R/W = 1 at every level, `us_all` U/S = 1 at every level, `exec_bits` no XD at any
/// level (or EFER.NXE = 0). The same definitions as effective_attributes, over Tri.
struct TriRights {
  Tri writable = Tri::kUnknown;
  Tri user = Tri::kUnknown;
  Tri executable = Tri::kUnknown;
  Tri user_writable = Tri::kUnknown;
  Tri supervisor_executable = Tri::kUnknown;
};
[[nodiscard]] TriRights effective_rights(Tri rw_all, Tri us_all, Tri exec_bits, const RightsContext& cpu);

std::ostream& operator<<(std::ostream& os, const Attributes& a);  // e.g. "rw- user 4K G"

}  // namespace ptv
