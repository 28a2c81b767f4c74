// Typed virtual and physical addresses and address ranges.
//
// VirtAddr and PhysAddr are distinct value types: they never convert into each other, and they
// print differently (V0x... / P0x...) so a log cannot confuse them. Arithmetic is typed and
// checked: address + byte count gives an optional address (empty on overflow), address - address
// gives a byte count.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace ptv {

template <class Tag>
class Address {
 public:
  constexpr Address() = default;
  constexpr explicit Address(std::uint64_t value) : value_(value) {}

  [[nodiscard]] constexpr std::uint64_t value() const { return value_; }

  /// Empty when the sum passes 2^64 - 1.
  [[nodiscard]] constexpr std::optional<Address> checked_add(std::uint64_t bytes) const {
    if (bytes > ~value_) return std::nullopt;
    return Address(value_ + bytes);
  }
  /// Requires: other <= *this. Bytes from other up to this address.
  [[nodiscard]] constexpr std::uint64_t operator-(Address other) const { return value_ - other.value_; }
  /// Round down to a multiple of `alignment` (a power of two).
  [[nodiscard]] constexpr Address align_down(std::uint64_t alignment) const {
    return Address(value_ & ~(alignment - 1));
  }
  [[nodiscard]] constexpr bool is_aligned(std::uint64_t alignment) const { return (value_ & (alignment - 1)) == 0; }

  constexpr auto operator<=>(const Address&) const = default;

 private:
  std::uint64_t value_ = 0;
};

struct VirtTag {};
struct PhysTag {};
using VirtAddr = Address<VirtTag>;
using PhysAddr = Address<PhysTag>;

std::ostream& operator<<(std::ostream& os, VirtAddr a);  // V0x...
std::ostream& operator<<(std::ostream& os, PhysAddr a);  // P0x...

/// A non-empty range of virtual addresses stored as first and last (inclusive), so that the
/// range ending at the top of the address space (end = 2^64) is representable.
struct VirtRange {
  VirtAddr first;
  VirtAddr last;  // inclusive; Requires: first <= last

  /// Requires: size >= 1 and first + size - 1 does not wrap.
  static constexpr VirtRange from_size(VirtAddr first, std::uint64_t size) {
    return VirtRange{first, VirtAddr(first.value() + (size - 1))};
  }
  /// Number of bytes; 0 means 2^64 (the whole space).
  [[nodiscard]] constexpr std::uint64_t size_or_zero() const { return last.value() - first.value() + 1; }
  [[nodiscard]] constexpr bool contains(VirtAddr a) const { return first <= a && a <= last; }
  [[nodiscard]] constexpr bool contains(const VirtRange& r) const { return first <= r.first && r.last <= last; }
  [[nodiscard]] constexpr bool overlaps(const VirtRange& r) const { return first <= r.last && r.first <= last; }
  [[nodiscard]] constexpr std::optional<VirtRange> intersect(const VirtRange& r) const {
    if (!overlaps(r)) return std::nullopt;
    return VirtRange{first < r.first ? r.first : first, last < r.last ? last : r.last};
  }
  /// The exclusive end, empty when it is 2^64.
  [[nodiscard]] constexpr std::optional<VirtAddr> end() const { return last.checked_add(1); }

  constexpr bool operator==(const VirtRange&) const = default;
};

std::ostream& operator<<(std::ostream& os, const VirtRange& r);  // [V0x...-V0x...]

}  // namespace ptv
