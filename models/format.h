// The one way every stage writes numbers, ranges and rights as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "models/address.h"
#include "models/expected.h"
#include "models/tri.h"

namespace ptv {

/// "0x" and 16 lowercase hex digits: addresses, table frames and raw entries in every output.
[[nodiscard]] std::string hex16(std::uint64_t v);
/// "0x" and the fewest lowercase hex digits ("0x0", "0x1000"): offsets, sizes, parameter values.
[[nodiscard]] std::string hex(std::uint64_t v);
/// The fewest lowercase hex digits without "0x" (the compact data of the HTML map).
[[nodiscard]] std::string hex_digits(std::uint64_t v);
/// The value of one hex digit (0-9, a-f, A-F); empty for any other character.
[[nodiscard]] constexpr std::optional<unsigned> hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

/// The exclusive end of r: hex16, or "0x10000000000000000" when r reaches the top (2^64).
[[nodiscard]] std::string hex_end(const VirtRange& r);
/// The half-open range "[FIRST, END)", both as hex16 / hex_end.
[[nodiscard]] std::string range_text(const VirtRange& r);
/// The closed range "[FIRST, LAST]", both inclusive, as hex16 (prove's placed regions).
[[nodiscard]] std::string closed_range_text(std::uint64_t first, std::uint64_t last);

/// A byte count in the largest of the units B, K, M, G, T, P, E that divides
/// it exactly, as Linux's ptdump prints sizes: "4K", "2M", "2040K", "100B". 0 stands for 2^64
/// ("16E").
[[nodiscard]] std::string format_size(std::uint64_t bytes_or_zero);

/// A nonzero byte count in the largest of KiB, MiB, GiB, TiB, PiB, EiB that divides it exactly,
/// from 2^smallest_shift up: "512 GiB", "4 KiB". Empty when none does (0, or not a multiple of
/// the smallest unit).
[[nodiscard]] std::optional<std::string> exact_binary_size(std::uint64_t bytes, unsigned smallest_shift = 10);

/// A count or byte size for people to read: decimal with a comma every three digits
/// ("1,032,704", "4,096", "0").
[[nodiscard]] std::string decimal(std::uint64_t v);

/// Which address space an address the user types names.
enum class AddressKind : std::uint8_t { kVirtual, kPhysical };

/// Reads an address as a person types it, and as ptverify prints it: an optional prefix `V`
/// (virtual) or `P` (physical) in either case, an optional `0x`, then hex digits with `_` or `'`
/// as separators ("V0xffff_ffff_8100_0000", "0x1f6000", "p1000"). The error says what was
/// found and what to write; it does not name where the text came from (the caller adds that).
/// A prefix naming the other kind of address is an error.
[[nodiscard]] Expected<std::uint64_t> parse_address(std::string_view text, AddressKind want);

/// One letter of a rights string: `yes` when t is yes, '-' when no, '?' when unknown.
[[nodiscard]] constexpr char tri_char(Tri t, char yes) { return t == Tri::kYes ? yes : t == Tri::kNo ? '-' : '?'; }

}  // namespace ptv
