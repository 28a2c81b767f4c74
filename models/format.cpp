#include "models/format.h"

#include <utility>

namespace ptv {

namespace {

// Lowercase hex digits of v, at least `width` of them.
std::string digits(std::uint64_t v, unsigned width) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[16];
  unsigned n = 0;
  do {
    buf[15 - n++] = kDigits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  std::string out(width > n ? width - n : 0, '0');
  out.append(buf + 16 - n, n);
  return out;
}

}  // namespace

std::string hex16(std::uint64_t v) { return "0x" + digits(v, 16); }
std::string hex(std::uint64_t v) { return "0x" + digits(v, 1); }
std::string hex_digits(std::uint64_t v) { return digits(v, 1); }

std::string hex_end(const VirtRange& r) {
  if (const auto e = r.end()) return hex16(e->value());
  return "0x10000000000000000";
}

std::string range_text(const VirtRange& r) { return '[' + hex16(r.first.value()) + ", " + hex_end(r) + ')'; }

std::string closed_range_text(std::uint64_t first, std::uint64_t last) {
  return '[' + hex16(first) + ", " + hex16(last) + ']';
}

std::string format_size(std::uint64_t bytes) {
  static constexpr char kUnits[] = "BKMGTPE";
  if (bytes == 0) return "16E";  // 2^64
  unsigned unit = 0;
  while ((bytes & 1023) == 0 && kUnits[unit + 1] != '\0') {
    bytes >>= 10;
    ++unit;
  }
  return std::to_string(bytes) + kUnits[unit];
}

std::optional<std::string> exact_binary_size(std::uint64_t bytes, unsigned smallest_shift) {
  static constexpr std::pair<unsigned, const char*> kUnits[] = {{60, "EiB"}, {50, "PiB"}, {40, "TiB"},
                                                                {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (const auto& [shift, unit] : kUnits)
    if (shift >= smallest_shift && bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0)
      return std::to_string(bytes >> shift) + " " + unit;
  return std::nullopt;
}

}  // namespace ptv
