#include "models/format.h"

#include <utility>

#include "models/expected.h"

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

std::string decimal(std::uint64_t v) {
  const std::string plain = std::to_string(v);
  std::string out;
  out.reserve(plain.size() + plain.size() / 3);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i != 0 && (plain.size() - i) % 3 == 0) out += ',';
    out += plain[i];
  }
  return out;
}

Expected<std::uint64_t> parse_address(std::string_view text, AddressKind want) {
  const char* const kind = want == AddressKind::kVirtual ? "virtual" : "physical";
  const std::string shown = "'" + std::string(text) + "'";
  std::string_view rest = text;
  if (!rest.empty() && (rest.front() == 'V' || rest.front() == 'v' || rest.front() == 'P' || rest.front() == 'p')) {
    const bool virt = rest.front() == 'V' || rest.front() == 'v';
    if (virt != (want == AddressKind::kVirtual))
      return Error{shown + " is a " + (virt ? "virtual" : "physical") + " address (" + (virt ? "V" : "P") +
                   " prefix), but a " + kind + " address is expected here; write " +
                   (want == AddressKind::kVirtual ? "a V prefix or none" : "a P prefix or none")};
    rest.remove_prefix(1);
  }
  if (rest.starts_with("0x") || rest.starts_with("0X")) rest.remove_prefix(2);
  std::uint64_t v = 0;
  bool any_digit = false;
  for (const char c : rest) {
    if (c == '_' || c == '\'') continue;
    const std::optional<unsigned> d = hex_digit_value(c);
    if (!d)
      return Error{shown + " is not a hexadecimal " + std::string(kind) + " address; write hex digits, e.g. " +
                   (want == AddressKind::kVirtual ? "V0xffffffff81000000" : "P0x1f6000")};
    if ((v >> 60) != 0) return Error{shown + " does not fit in 64 bits; an address has at most 16 hex digits"};
    v = (v << 4) | *d;
    any_digit = true;
  }
  if (!any_digit)
    return Error{shown + " has no hex digits; write a " + std::string(kind) + " address, e.g. " +
                 (want == AddressKind::kVirtual ? "V0xffffffff81000000" : "P0x1f6000")};
  return v;
}

}  // namespace ptv
