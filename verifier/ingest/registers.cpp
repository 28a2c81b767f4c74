#include "verifier/ingest/registers.h"

#include <array>
#include <cstddef>

#include "verifier/ingest/compressed.h"

namespace ptv {

namespace {

/// One line of the input, with its 1-based number.
struct TextLine {
  std::string_view text;
  std::size_t number;
};

/// Calls f(line) for each line ('\n'-separated, a '\r' before it dropped) until f returns false.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!f(TextLine{line, ++number})) return;
  }
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

/// What a diagnostic shows of a token: at most 24 characters, control bytes as '?'.
std::string shown(std::string_view token) {
  std::string out;
  for (char c : token.substr(0, 24)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (token.size() > 24) out += "...";
  return out;
}

Error error_at_line(const std::string& name, const TextLine& line, std::size_t col0, const std::string& what) {
  return Error{name + ":" + std::to_string(line.number) + ":" + std::to_string(col0 + 1) + ": " + what};
}

struct Wanted {
  std::string_view key;  // token prefix, e.g. "CR3="
  std::optional<std::uint64_t> ControlRegisters::*field;
};
constexpr std::array<Wanted, 4> kWanted{{
    {"CR0=", &ControlRegisters::cr0},
    {"CR3=", &ControlRegisters::cr3},
    {"CR4=", &ControlRegisters::cr4},
    {"EFER=", &ControlRegisters::efer},
}};

}  // namespace

std::optional<std::uint64_t> parse_register_hex(std::string_view digits) {
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : digits) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    v = (v << 4) | d;
  }
  return v;
}

Expected<ControlRegisters> parse_info_registers(std::string_view text, const std::string& name) {
  ControlRegisters regs;
  std::array<std::size_t, kWanted.size()> seen_at{};  // line of each register, 0 = not yet
  std::optional<Error> error;
  bool in_cpu = false;
  for_each_line(text, [&](const TextLine& line) {
    if (line.text.starts_with("CPU#")) {
      if (in_cpu) return false;  // the next vCPU's block: the first one is the answer
      in_cpu = true;
      return true;
    }
    std::size_t i = 0;
    while (i < line.text.size()) {
      while (i < line.text.size() && is_space(line.text[i])) ++i;
      const std::size_t start = i;
      while (i < line.text.size() && !is_space(line.text[i])) ++i;
      const std::string_view token = line.text.substr(start, i - start);
      for (std::size_t w = 0; w < kWanted.size(); ++w) {
        if (!token.starts_with(kWanted[w].key)) continue;
        const std::string_view digits = token.substr(kWanted[w].key.size());
        const std::optional<std::uint64_t> value = parse_register_hex(digits);
        if (!value) {
          error = error_at_line(name, line, start + kWanted[w].key.size(),
                                "expected 1 to 16 hex digits after " + std::string(kWanted[w].key) + ", found '" +
                                    shown(digits) + "'");
          return false;
        }
        if (seen_at[w] != 0) {
          error = error_at_line(name, line, start,
                                std::string(kWanted[w].key.substr(0, kWanted[w].key.size() - 1)) +
                                    " given twice for one vCPU (first on line " + std::to_string(seen_at[w]) + ")");
          return false;
        }
        seen_at[w] = line.number;
        regs.*kWanted[w].field = *value;
      }
    }
    return true;
  });
  if (error) return *error;
  if (!regs.cr3)
    return Error{name + ": no CR3= value found: not a QEMU `info registers` dump (expected a line like "
                        "'CR0=80050033 CR2=... CR3=00000000001f6000 CR4=007506b0')"};
  return regs;
}

Expected<ControlRegisters> read_info_registers(const std::string& path) {
  Expected<std::string> text = read_whole_file(path);
  if (!text) return text.error();
  return parse_info_registers(*text, path);
}

Expected<PagingState> to_paging_state(const ControlRegisters& regs, const std::string& name, unsigned maxphyaddr) {
  std::string missing;
  for (const Wanted& w : kWanted) {
    if (regs.*w.field) continue;
    if (!missing.empty()) missing += ", ";
    missing += w.key.substr(0, w.key.size() - 1);
  }
  if (!missing.empty()) return Error{name + ": no value for " + missing + " (QEMU `info registers` prints all of CR0, CR3, CR4 and EFER)"};
  return PagingState::from_registers(*regs.cr0, *regs.cr3, *regs.cr4, *regs.efer, maxphyaddr);
}

Expected<PagingState> read_registers_file(const std::string& path, unsigned maxphyaddr) {
  Expected<ControlRegisters> regs = read_info_registers(path);
  if (!regs) return regs.error();
  return to_paging_state(*regs, path, maxphyaddr);
}

Expected<unsigned> parse_cpuinfo_maxphyaddr(std::string_view text, const std::string& name) {
  static constexpr std::string_view kKey = "address sizes";
  std::optional<Expected<unsigned>> result;
  for_each_line(text, [&](const TextLine& line) {
    if (!line.text.starts_with(kKey)) return true;
    std::size_t i = kKey.size();
    while (i < line.text.size() && is_space(line.text[i])) ++i;
    if (i >= line.text.size() || line.text[i] != ':') {
      result = error_at_line(name, line, i, "expected ':' after 'address sizes', found '" + shown(line.text.substr(i)) + "'");
      return false;
    }
    ++i;
    while (i < line.text.size() && is_space(line.text[i])) ++i;
    const std::size_t start = i;
    unsigned bits = 0;
    while (i < line.text.size() && line.text[i] >= '0' && line.text[i] <= '9' && bits < 1000)
      bits = bits * 10 + static_cast<unsigned>(line.text[i++] - '0');
    if (i == start || !line.text.substr(i).starts_with(" bits physical")) {
      result = error_at_line(name, line, start, "expected 'N bits physical', found '" + shown(line.text.substr(start)) + "'");
      return false;
    }
    if (bits < 32 || bits > kMaxPhysAddrArchitectural) {
      result = error_at_line(name, line, start, "physical address width " + std::to_string(bits) + " is outside 32..52");
      return false;
    }
    result = bits;
    return false;
  });
  if (!result) return Error{name + ": no 'address sizes' line: not a /proc/cpuinfo text"};
  return *result;
}

Expected<unsigned> read_cpuinfo_maxphyaddr(const std::string& path) {
  Expected<std::string> text = read_whole_file(path);
  if (!text) return text.error();
  return parse_cpuinfo_maxphyaddr(*text, path);
}

}  // namespace ptv
