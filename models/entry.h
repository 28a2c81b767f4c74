// One paging-structure entry at a known level, decoded as the SDM decodes it.
// [SDM 3A §4.5, Tables 4-15 to 4-20]
//
//   63  62..59  58..52   51..M   M-1..12        11..9  8  7       6  5  4   3   2   1   0
//  +--+-------+-------+--------+--------------+------+--+-------+--+--+---+---+---+---+--+
//  |XD|  PK   |ignored|reserved| address      | AVL  |G |PS/PAT |D |A |PCD|PWT|U/S|R/W|P |
//  +--+-------+-------+--------+--------------+------+--+-------+--+--+---+---+---+---+--+
//  In a 2 MiB / 1 GiB leaf bit 12 is PAT and the address starts at bit 21 / 30; the bits
//  between 13 and the address are reserved. Bit 7 is PS in a PDPTE/PDE, PAT in a 4 KiB PTE,
//  and reserved in a PML4E/PML5E. G, D and PK exist only in leaves.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "models/address.h"
#include "models/paging_mode.h"
#include "models/paging_state.h"

namespace ptv {

namespace bits {
inline constexpr std::uint64_t kP = 1ull << 0;
inline constexpr std::uint64_t kRW = 1ull << 1;
inline constexpr std::uint64_t kUS = 1ull << 2;
inline constexpr std::uint64_t kPwt = 1ull << 3;
inline constexpr std::uint64_t kPcd = 1ull << 4;
inline constexpr std::uint64_t kA = 1ull << 5;
inline constexpr std::uint64_t kD = 1ull << 6;
inline constexpr std::uint64_t kPsOrPat7 = 1ull << 7;  ///< PS (PDPTE/PDE), PAT (PTE), reserved (PML4E/PML5E)
inline constexpr std::uint64_t kG = 1ull << 8;
inline constexpr std::uint64_t kPatOrAddr12 = 1ull << 12;  ///< PAT in a large leaf, else address bit 12
inline constexpr unsigned kPkShift = 59;
inline constexpr std::uint64_t kPk = 0xfull << kPkShift;
inline constexpr std::uint64_t kXd = 1ull << 63;
/// Bits 51:12, the widest address field (before MAXPHYADDR masking).
inline constexpr std::uint64_t kAddress = 0x000f'ffff'ffff'f000;
}  // namespace bits

/// An entry of a table at `level`. The raw value is kept; every decoded field derives from it.
class Entry {
 public:
  constexpr Entry(std::uint64_t raw, Level level) : raw_(raw), level_(level) {}

  [[nodiscard]] constexpr std::uint64_t raw() const { return raw_; }
  [[nodiscard]] constexpr Level level() const { return level_; }

  // Raw fields, named as in the SDM.
  [[nodiscard]] constexpr bool p() const { return raw_ & bits::kP; }
  [[nodiscard]] constexpr bool r_w() const { return raw_ & bits::kRW; }
  [[nodiscard]] constexpr bool u_s() const { return raw_ & bits::kUS; }
  [[nodiscard]] constexpr bool pwt() const { return raw_ & bits::kPwt; }
  [[nodiscard]] constexpr bool pcd() const { return raw_ & bits::kPcd; }
  [[nodiscard]] constexpr bool a() const { return raw_ & bits::kA; }
  [[nodiscard]] constexpr bool ps_or_pat_7() const { return raw_ & bits::kPsOrPat7; }
  [[nodiscard]] constexpr bool xd_bit() const { return raw_ & bits::kXd; }

  /// PS: exists in PDPTE and PDE only; empty elsewhere.
  [[nodiscard]] constexpr std::optional<bool> ps() const {
    if (level_ == Level::kPd || level_ == Level::kPdpt) return ps_or_pat_7();
    return std::nullopt;
  }
  /// Maps a page (rather than referencing a table): a PTE, or a PDE/PDPTE with PS = 1.
  /// Meaningful only when p(). (A PDPTE with PS=1 on a CPU without 1 GiB pages is reserved.)
  [[nodiscard]] constexpr bool leaf() const { return level_ == Level::kPt || ps().value_or(false); }

  // Leaf-only fields: empty for an entry that references a table.
  [[nodiscard]] constexpr std::optional<bool> d() const {
    return leaf() ? std::optional<bool>(raw_ & bits::kD) : std::nullopt;
  }
  [[nodiscard]] constexpr std::optional<bool> g() const {
    return leaf() ? std::optional<bool>(raw_ & bits::kG) : std::nullopt;
  }
  /// PAT: bit 7 of a 4 KiB PTE, bit 12 of a 2 MiB / 1 GiB leaf.
  [[nodiscard]] constexpr std::optional<bool> pat() const {
    if (!leaf()) return std::nullopt;
    return level_ == Level::kPt ? ps_or_pat_7() : static_cast<bool>(raw_ & bits::kPatOrAddr12);
  }
  /// Protection key, bits 62:59 (used when CR4.PKE/PKS, ignored otherwise).
  [[nodiscard]] constexpr std::optional<unsigned> pk() const {
    if (!leaf()) return std::nullopt;
    return static_cast<unsigned>((raw_ & bits::kPk) >> bits::kPkShift);
  }

  /// Size of the page this leaf maps, or of the region a table entry covers.
  [[nodiscard]] constexpr std::uint64_t span() const { return entry_span(level_); }

  /// Physical address of the next table (non-leaf) or the page frame (leaf), bits M-1:12 /
  /// M-1:21 / M-1:30.
  [[nodiscard]] PhysAddr address(const PagingState& s) const;

  /// Bits of this entry that must be zero for this level, leaf-ness and CPU state. A present
  /// entry with any of them set makes the walk fault with PFEC.RSVD. [SDM 3A §4.5, §4.7]
  [[nodiscard]] std::uint64_t reserved_mask(const PagingState& s) const;
  /// reserved_mask(s) & raw(): nonzero means the translation does not exist.
  [[nodiscard]] std::uint64_t reserved_bits_set(const PagingState& s) const { return raw_ & reserved_mask(s); }

  constexpr bool operator==(const Entry&) const = default;

 private:
  std::uint64_t raw_;
  Level level_;
};

/// Human-readable decoded bits, e.g. "P RW US A PS XD pk=0 addr=P0x...".
std::string describe(const Entry& e, const PagingState& s);
/// Names of the set bits of a reserved-bit mask of an entry of `level`, comma-separated:
/// "XD(63)", "PS(7)" (bit 7 is reserved only where it would be PS), "bit 13", "bits 51:40".
std::string describe_reserved(std::uint64_t mask, Level level);
std::ostream& operator<<(std::ostream& os, const Entry& e);

}  // namespace ptv
