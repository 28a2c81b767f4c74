#include "verifier/ingest/vmcoreinfo.h"

#include <limits>

#include "models/format.h"

namespace ptv {

std::optional<std::uint64_t> vmcoreinfo_hex(std::string_view s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    const std::optional<unsigned> d = hex_digit_value(c);
    if (!d) return std::nullopt;
    v = (v << 4) | *d;
  }
  return v;
}

namespace {

/// What a diagnostic shows of a token: at most 32 characters, control bytes as '?'.
std::string shown(std::string_view token) {
  std::string out;
  for (char c : token.substr(0, 32)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (token.size() > 32) out += "...";
  return out;
}

class NoteText {
 public:
  NoteText(const std::string& where, std::optional<std::uint64_t> text_offset)
      : where_(where), text_offset_(text_offset) {}

  [[nodiscard]] Error at(std::size_t line, std::size_t byte, const std::string& what) const {
    if (text_offset_) {
      const std::uint64_t off = *text_offset_ + byte;
      return Error{where_ + "+" + hex(off) + ": VMCOREINFO line " + std::to_string(line) + ": " + what};
    }
    return Error{where_ + ": VMCOREINFO line " + std::to_string(line) + " (byte " + std::to_string(byte) +
                 " of the note): " + what};
  }
  [[nodiscard]] Error whole(const std::string& what) const {
    return Error{where_ + (text_offset_ ? "+" + hex(*text_offset_) : std::string()) + ": VMCOREINFO: " + what};
  }

 private:
  const std::string& where_;
  std::optional<std::uint64_t> text_offset_;
};

/// %ld: an optional '-', then 1 to 19 decimal digits within a signed 64-bit long; the value as
/// its two's complement bits.
std::optional<std::uint64_t> parse_long(std::string_view s) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t magnitude = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');  // 19 digits cannot overflow
  }
  const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > limit + (negative ? 1u : 0u)) return std::nullopt;
  return negative ? ~magnitude + 1 : magnitude;
}

enum class Format : std::uint8_t { kHex, kLong, kBool };

struct Typed {
  std::string_view key;
  Format format;
  const char* expected;  // for the diagnostic
};
constexpr Typed kTyped[] = {
    {"SYMBOL(init_top_pgt)", Format::kHex, "1 to 16 hex digits (%lx)"},
    {"SYMBOL(swapper_pg_dir)", Format::kHex, "1 to 16 hex digits (%lx)"},
    {"KERNELOFFSET", Format::kHex, "1 to 16 hex digits (%lx)"},
    {"NUMBER(phys_base)", Format::kLong, "a signed decimal long (%ld)"},
    {"NUMBER(sme_mask)", Format::kLong, "a signed decimal long (%ld)"},
    {"NUMBER(KERNEL_IMAGE_SIZE)", Format::kLong, "a signed decimal long (%ld)"},
    {"PAGESIZE", Format::kLong, "a signed decimal long (%ld)"},
    {"NUMBER(pgtable_l5_enabled)", Format::kBool, "0 or 1"},
};

}  // namespace

Expected<Vmcoreinfo> parse_vmcoreinfo(std::string_view text, const std::string& where,
                                      std::optional<std::uint64_t> text_offset) {
  const NoteText note(where, text_offset);
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  if (text.size() > kMaxVmcoreinfoBytes)
    return note.whole(std::to_string(text.size()) + " bytes of text, more than " + std::to_string(kMaxVmcoreinfoBytes) +
                      " (a kernel writes at most one page)");

  Vmcoreinfo info;
  info.text = std::string(text);
  std::map<std::string, std::pair<std::size_t, std::size_t>> where_is;  // key -> (line, byte)
  std::size_t pos = 0;
  std::size_t line_number = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    const std::size_t start = pos;
    pos = end + 1;
    ++line_number;
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c < 0x20 || c == 0x7f)
        return note.at(line_number, start + i,
                       "expected text, found the control byte " + hex(c) + " (not a VMCOREINFO note?)");
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return note.at(line_number, start, "expected KEY=VALUE, found '" + shown(line) + "'");
    const std::string key(line.substr(0, eq));
    const std::string value(line.substr(eq + 1));
    auto [it, inserted] = info.raw.emplace(key, value);
    if (!inserted) {
      if (it->second != value) {
        const auto [first_line, first_byte] = where_is[key];
        (void)first_byte;
        return note.at(line_number, start,
                       key + " given twice with different values ('" + shown(it->second) + "' on line " +
                           std::to_string(first_line) + ", '" + shown(value) + "' here)");
      }
      continue;
    }
    where_is[key] = {line_number, start};

    for (const Typed& t : kTyped) {
      if (t.key != key) continue;
      std::optional<std::uint64_t> v;
      if (t.format == Format::kHex) v = vmcoreinfo_hex(value);
      if (t.format == Format::kLong) v = parse_long(value);
      if (t.format == Format::kBool && (value == "0" || value == "1")) v = value == "1" ? 1 : 0;
      if (!v)
        return note.at(line_number, start + eq + 1,
                       key + ": expected " + t.expected + ", found '" + shown(value) + "'");
      if (key == "SYMBOL(init_top_pgt)") info.init_top_pgt_va = v;
      if (key == "KERNELOFFSET") info.kernel_offset = v;
      if (key == "NUMBER(phys_base)") info.phys_base = v;
      if (key == "NUMBER(sme_mask)") info.sme_mask = v;
      if (key == "NUMBER(KERNEL_IMAGE_SIZE)") info.kernel_image_size = v;
      if (key == "PAGESIZE") info.page_size = v;
      if (key == "NUMBER(pgtable_l5_enabled)") info.l5 = *v == 1;
    }
    if (key == "OSRELEASE") info.osrelease = value;
  }

  // x86_64 defines swapper_pg_dir as init_top_pgt: the two lines name one table.
  if (auto sw = info.raw.find("SYMBOL(swapper_pg_dir)"); sw != info.raw.end()) {
    const std::optional<std::uint64_t> swapper = vmcoreinfo_hex(sw->second);
    if (!info.init_top_pgt_va) {
      info.init_top_pgt_va = swapper;
    } else if (swapper != info.init_top_pgt_va) {
      const auto [line, byte] = where_is["SYMBOL(swapper_pg_dir)"];
      return note.at(line, byte,
                     "SYMBOL(swapper_pg_dir)=" + shown(sw->second) + " differs from SYMBOL(init_top_pgt)=" +
                         hex_digits(*info.init_top_pgt_va) + " (on x86_64 they are one table)");
    }
  }
  return info;
}

std::optional<PhysAddr> kernel_root(const Vmcoreinfo& info) {
  if (!info.init_top_pgt_va || !info.phys_base) return std::nullopt;
  if (*info.init_top_pgt_va < kStartKernelMap) return std::nullopt;
  // Unsigned arithmetic wraps modulo 2^64, which is what the kernel's own __pa_symbol does
  // with a negative phys_base.
  const std::uint64_t pa = *info.init_top_pgt_va - kStartKernelMap + *info.phys_base;
  if ((pa & 0xfff) != 0) return std::nullopt;
  return PhysAddr(pa);
}

}  // namespace ptv
