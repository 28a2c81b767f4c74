// Effective rights of a translation, combined across all levels. [SDM 3A §4.6]
//
// Writes need R/W = 1 in every entry of the walk (supervisor writes ignore R/W when CR0.WP = 0);
// user access needs U/S = 1 in every entry; instruction fetch is forbidden when XD = 1 in any
// entry (only when EFER.NXE = 1; otherwise bit 63 is reserved). As QEMU and Linux do, the walk
// starts from the neutral element {R/W, U/S, no XD} and folds each entry in.
#pragma once

#include <cstdint>
#include <ostream>

#include "models/entry.h"
#include "models/paging_state.h"

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
struct Attributes {
  bool writable = false;    ///< R/W in every level, or supervisor page with CR0.WP = 0
  bool user = false;        ///< U/S in every level: user-mode accessible
  bool executable = false;  ///< no XD in any level (or EFER.NXE = 0)
  bool global = false;      ///< leaf G with CR4.PGE
  unsigned pkey = 0;        ///< leaf bits 62:59 (meaningful when CR4.PKE / PKS)
  bool pwt = false;         ///< leaf PWT
  bool pcd = false;         ///< leaf PCD
  bool pat = false;         ///< leaf PAT (bit 7 of a PTE, bit 12 of a large leaf)
  Level level = Level::kPt; ///< level of the leaf: page size 4 KiB / 2 MiB / 1 GiB

  [[nodiscard]] std::uint64_t page_size() const { return ptv::page_size(level); }
  constexpr bool operator==(const Attributes&) const = default;
};

/// Requires: leaf.p() && leaf.leaf(); `upper` holds the entries above the leaf.
Attributes effective_attributes(const AccumulatedRights& upper, const Entry& leaf, const PagingState& s);

std::ostream& operator<<(std::ostream& os, const Attributes& a);  // e.g. "RW- user 4K G"

}  // namespace ptv
