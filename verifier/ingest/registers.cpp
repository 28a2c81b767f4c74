#include "verifier/ingest/registers.h"

#include <array>
#include <cstddef>

#include "models/format.h"
#include "verifier/base/compressed.h"

namespace ptv {

namespace {

/// One line of the input, with its 1-based number.
struct TextLine {
  std::string_view text;
  std::size_t number;
};

/// Calls f(line) for each line ('\n'-separated, the '\r's before it dropped) until f returns false.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t number = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
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
    const std::optional<unsigned> d = hex_digit_value(c);
    if (!d) return std::nullopt;
    v = (v << 4) | *d;
  }
  return v;
}

namespace {

/// The vCPU blocks of `info registers -a`, filled one line at a time; each step returns the
/// error that stops the read, if any.
class RegisterBlocks {
 public:
  explicit RegisterBlocks(const std::string& name) : name_(name) {}

  std::optional<Error> line(const TextLine& line) {
    if (line.text.starts_with("CPU#")) return header(line);
    std::size_t i = 0;
    while (i < line.text.size()) {
      while (i < line.text.size() && is_space(line.text[i])) ++i;
      const std::size_t start = i;
      while (i < line.text.size() && !is_space(line.text[i])) ++i;
      const std::string_view token = line.text.substr(start, i - start);
      if (auto e = token.starts_with("CPL=") ? cpl(line, token, start) : registers(line, token, start)) return e;
    }
    return std::nullopt;
  }

  std::vector<ControlRegisters> take() { return std::move(cpus_); }

 private:
  void open_block(std::size_t line) {
    cpus_.push_back(ControlRegisters{});
    cpus_.back().line = line;
    seen_.push_back({});
  }

  /// "CPU#n": a new block (registers before the first header form an unnamed block of their own).
  std::optional<Error> header(const TextLine& line) {
    const std::string_view digits = line.text.substr(4, line.text.find_first_of(" \t:", 4) - 4);
    unsigned n = 0;
    bool ok = !digits.empty() && digits.size() <= 4;
    for (char c : digits) {
      if (c < '0' || c > '9')
        ok = false;
      else
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (!ok) return error_at_line(name_, line, 4, "expected a vCPU number after 'CPU#', found '" + shown(digits) + "'");
    for (const ControlRegisters& c : cpus_)
      if (c.cpu == n)
        return error_at_line(
            name_, line, 0,
            "a second block for CPU#" + std::to_string(n) + " (the first is on line " + std::to_string(c.line) + ")");
    if (cpus_.empty() || cpus_.back().cpu || cpus_.back().cr3 || cpus_.back().cr0) open_block(line.number);
    cpus_.back().cpu = n;
    cpus_.back().line = line.number;
    return std::nullopt;
  }

  /// "CPL=n", once per block.
  std::optional<Error> cpl(const TextLine& line, std::string_view token, std::size_t start) {
    const std::string_view v = token.substr(4);
    if (v.size() != 1 || v[0] < '0' || v[0] > '3')
      return error_at_line(name_, line, start + 4,
                           "expected a privilege level 0..3 after CPL=, found '" + shown(v) + "'");
    if (cpus_.empty()) open_block(line.number);
    if (seen_.back()[kWanted.size()] != 0)
      return error_at_line(
          name_, line, start,
          "CPL given twice for one vCPU (first on line " + std::to_string(seen_.back()[kWanted.size()]) + ")");
    seen_.back()[kWanted.size()] = line.number;
    cpus_.back().cpl = static_cast<unsigned>(v[0] - '0');
    return std::nullopt;
  }

  /// "CR0=..." and the other wanted registers, each once per block; other tokens are skipped.
  std::optional<Error> registers(const TextLine& line, std::string_view token, std::size_t start) {
    for (std::size_t w = 0; w < kWanted.size(); ++w) {
      if (!token.starts_with(kWanted[w].key)) continue;
      const std::string_view digits = token.substr(kWanted[w].key.size());
      const std::optional<std::uint64_t> value = parse_register_hex(digits);
      if (!value)
        return error_at_line(
            name_, line, start + kWanted[w].key.size(),
            "expected 1 to 16 hex digits after " + std::string(kWanted[w].key) + ", found '" + shown(digits) + "'");
      if (cpus_.empty()) open_block(line.number);
      if (seen_.back()[w] != 0)
        return error_at_line(name_, line, start,
                             std::string(kWanted[w].key.substr(0, kWanted[w].key.size() - 1)) +
                                 " given twice for one vCPU (first on line " + std::to_string(seen_.back()[w]) + ")");
      seen_.back()[w] = line.number;
      cpus_.back().*kWanted[w].field = *value;
    }
    return std::nullopt;
  }

  const std::string& name_;
  std::vector<ControlRegisters> cpus_;
  std::vector<std::array<std::size_t, kWanted.size() + 1>> seen_;  // line of each register (and CPL), 0 = not yet
};

}  // namespace

Expected<std::vector<ControlRegisters>> parse_info_registers_all(std::string_view text, const std::string& name) {
  RegisterBlocks blocks(name);
  std::optional<Error> error;
  for_each_line(text, [&](const TextLine& line) {
    error = blocks.line(line);
    return !error;
  });
  if (error) return *error;
  std::vector<ControlRegisters> cpus = blocks.take();
  if (cpus.empty())
    return Error{name +
                 ": no CR3= value found: not a QEMU `info registers` dump (expected a line like "
                 "'CR0=80050033 CR2=... CR3=00000000001f6000 CR4=007506b0')"};
  for (const ControlRegisters& c : cpus)
    if (!c.cr3)
      return Error{name + ":" + std::to_string(c.line) + ": " +
                   (c.cpu ? "CPU#" + std::to_string(*c.cpu) + " has" : std::string("the registers have")) +
                   " no CR3= value: not a complete QEMU `info registers` block"};
  return cpus;
}

Expected<ControlRegisters> parse_info_registers(std::string_view text, const std::string& name) {
  Expected<std::vector<ControlRegisters>> all = parse_info_registers_all(text, name);
  if (!all) return all.error();
  return all->front();
}

Expected<std::vector<ControlRegisters>> read_info_registers_all(const std::string& path) {
  Expected<std::string> text = read_whole_file(path);
  if (!text) return text.error();
  return parse_info_registers_all(*text, path);
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
  if (!missing.empty())
    return Error{name + ": no value for " + missing + " (QEMU `info registers` prints all of CR0, CR3, CR4 and EFER)"};
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
      result = error_at_line(name, line, i,
                             "expected ':' after 'address sizes', found '" + shown(line.text.substr(i)) + "'");
      return false;
    }
    ++i;
    while (i < line.text.size() && is_space(line.text[i])) ++i;
    const std::size_t start = i;
    unsigned bits = 0;
    while (i < line.text.size() && line.text[i] >= '0' && line.text[i] <= '9' && bits < 1000)
      bits = bits * 10 + static_cast<unsigned>(line.text[i++] - '0');
    if (i == start || !line.text.substr(i).starts_with(" bits physical")) {
      result = error_at_line(name, line, start,
                             "expected 'N bits physical', found '" + shown(line.text.substr(start)) + "'");
      return false;
    }
    if (bits < 32 || bits > kMaxPhysAddrArchitectural) {
      result =
          error_at_line(name, line, start, "physical address width " + std::to_string(bits) + " is outside 32..52");
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

Expected<CpuInfo> parse_cpuinfo(std::string_view text, const std::string& name) {
  Expected<unsigned> m = parse_cpuinfo_maxphyaddr(text, name);
  if (!m) return m.error();
  CpuInfo info;
  info.maxphyaddr = *m;
  for_each_line(text, [&](const TextLine& line) {
    if (line.text.starts_with("address sizes") && info.maxphyaddr_line == 0) info.maxphyaddr_line = line.number;
    if (line.text.starts_with("flags") && !info.pdpe1gb) {
      const std::size_t colon = line.text.find(':');
      if (colon != std::string_view::npos &&
          line.text.substr(5, colon - 5).find_first_not_of(" \t") == std::string_view::npos) {
        info.flags_line = line.number;
        info.pdpe1gb = false;
        std::string_view rest = line.text.substr(colon + 1);
        while (!rest.empty()) {
          const std::size_t b = rest.find_first_not_of(" \t");
          if (b == std::string_view::npos) break;
          rest.remove_prefix(b);
          const std::size_t e = std::min(rest.find_first_of(" \t"), rest.size());
          const std::string_view flag = rest.substr(0, e);
          if (flag == "pdpe1gb") info.pdpe1gb = true;
          if (flag == "smep") info.smep = true;
          if (flag == "smap") info.smap = true;
          rest.remove_prefix(e);
        }
      }
    }
    return info.maxphyaddr_line == 0 || !info.pdpe1gb;
  });
  return info;
}

Expected<CpuInfo> read_cpuinfo(const std::string& path) {
  Expected<std::string> text = read_whole_file(path);
  if (!text) return text.error();
  return parse_cpuinfo(*text, path);
}

}  // namespace ptv
