// Paging modes and their geometry, derived once from (levels, 9 index bits per level, 12-bit
// page offset). [SDM 3A §4.5, Figures 4-8 to 4-11]
//
//   4-level:  47    39 38    30 29    21 20    12 11        0
//            | PML4  | PDPT   |  PD    |  PT    |  offset   |
//   5-level adds PML5 = VA[56:48] on top.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "models/address.h"

namespace ptv {

enum class PagingMode : std::uint8_t { k4Level = 4, k5Level = 5 };

/// A paging-structure level, numbered as in the SDM's walk: 1 = page table (PT), 2 = page
/// directory (PD), 3 = PDPT, 4 = PML4, 5 = PML5.
enum class Level : std::uint8_t { kPt = 1, kPd = 2, kPdpt = 3, kPml4 = 4, kPml5 = 5 };

inline constexpr unsigned kPageShift = 12;
inline constexpr unsigned kIndexBits = 9;
inline constexpr unsigned kEntriesPerTable = 1u << kIndexBits;
inline constexpr unsigned kIndexMask = kEntriesPerTable - 1;  ///< a 9-bit table index
/// Bytes of one paging-structure entry: a table holds kEntriesPerTable of them. [SDM 3A §4.5]
inline constexpr std::uint64_t kEntryBytes = 8;
inline constexpr std::uint64_t kTableBytes = kEntriesPerTable * kEntryBytes;
/// Bytes of the smallest page, 4 KiB: the unit of every page-aligned bound.
inline constexpr std::uint64_t kPageBytes = std::uint64_t{1} << kPageShift;
static_assert(kTableBytes == 4096 && kPageBytes == kTableBytes && kIndexMask == 0x1ff);

[[nodiscard]] constexpr unsigned level_number(Level l) { return static_cast<unsigned>(l); }
[[nodiscard]] constexpr unsigned levels(PagingMode m) { return static_cast<unsigned>(m); }
[[nodiscard]] constexpr Level top_level(PagingMode m) { return static_cast<Level>(levels(m)); }
/// Requires: l != kPt.
[[nodiscard]] constexpr Level child_level(Level l) { return static_cast<Level>(level_number(l) - 1); }

/// Width of a virtual address in bits: 48 or 57.
[[nodiscard]] constexpr unsigned va_bits(PagingMode m) { return kPageShift + kIndexBits * levels(m); }

/// Lowest VA bit of the index into a table of level l: 12, 21, 30, 39, 48.
[[nodiscard]] constexpr unsigned index_shift(Level l) { return kPageShift + kIndexBits * (level_number(l) - 1); }
/// Bytes mapped by one entry of a table of level l (4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB).
[[nodiscard]] constexpr std::uint64_t entry_span(Level l) { return std::uint64_t{1} << index_shift(l); }
/// Page size of a leaf at level l (only PT, PD and PDPT can hold leaves).
[[nodiscard]] constexpr std::uint64_t page_size(Level l) { return entry_span(l); }
/// The 9-bit index of va into the table of level l.
[[nodiscard]] constexpr unsigned table_index(VirtAddr va, Level l) {
  return static_cast<unsigned>((va.value() >> index_shift(l)) & kIndexMask);
}

static_assert(index_shift(Level::kPt) == 12 && index_shift(Level::kPml4) == 39 && index_shift(Level::kPml5) == 48);
static_assert(page_size(Level::kPd) == 2u << 20 && page_size(Level::kPdpt) == 1u << 30);
static_assert(va_bits(PagingMode::k4Level) == 48 && va_bits(PagingMode::k5Level) == 57);

/// Highest address of the lower canonical half: 0x0000'7fff'ffff'ffff or 0x00ff'ffff'ffff'ffff.
[[nodiscard]] constexpr VirtAddr lower_half_last(PagingMode m) {
  return VirtAddr((std::uint64_t{1} << (va_bits(m) - 1)) - 1);
}
/// Lowest address of the upper canonical half: 0xffff'8000'0000'0000 or 0xff00'0000'0000'0000.
[[nodiscard]] constexpr VirtAddr upper_half_first(PagingMode m) { return VirtAddr(~lower_half_last(m).value()); }

/// Canonical: bits 63:(va_bits-1) all equal. [SDM 1 §3.3.7.1]
[[nodiscard]] constexpr bool is_canonical(VirtAddr va, PagingMode m) {
  return va <= lower_half_last(m) || va >= upper_half_first(m);
}
/// Sign-extend the low va_bits(m) bits of `bits` into a canonical address.
[[nodiscard]] constexpr VirtAddr canonicalize(std::uint64_t bits, PagingMode m) {
  const unsigned w = va_bits(m);
  const std::uint64_t low = bits & ((std::uint64_t{1} << w) - 1);
  const bool neg = (low >> (w - 1)) & 1;
  return VirtAddr(neg ? (low | ~((std::uint64_t{1} << w) - 1)) : low);
}

static_assert(upper_half_first(PagingMode::k4Level).value() == 0xffff'8000'0000'0000);
static_assert(upper_half_first(PagingMode::k5Level).value() == 0xff00'0000'0000'0000);
static_assert(canonicalize(0x8000'0000'0000, PagingMode::k4Level).value() == 0xffff'8000'0000'0000);

std::string_view level_name(Level l);      // "PT", "PD", "PDPT", "PML4", "PML5"
std::string_view to_string(PagingMode m);  // "4-level", "5-level"

/// The level level_name() gives `name`; empty for any other text.
[[nodiscard]] std::optional<Level> level_from_name(std::string_view name);
/// The mode to_string() gives `name`; empty for any other text.
[[nodiscard]] std::optional<PagingMode> mode_from_name(std::string_view name);

}  // namespace ptv
