#include "verifier/ingest/symbols.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

#include "models/format.h"
#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

/// Kernel symbols live in the upper half; smaller values are per-CPU offsets (kallsyms lists
/// them as absolute, System.map as data at 0..__per_cpu_end) and name no address.
constexpr std::uint64_t kKernelHalfMin = std::uint64_t{1} << 63;

bool absolute(const Symbol& s) { return s.type == 'A' || s.type == 'a'; }
bool names_addresses(const Symbol& s) { return !absolute(s) && s.address >= kKernelHalfMin; }

/// Among symbols at one address, the one a reader recognises: a global before a local, a name
/// without a leading underscore (startup_64 rather than _stext or _text), then the shortest.
auto preference(const Symbol& s) {
  const bool local = std::islower(static_cast<unsigned char>(s.type)) != 0;
  const bool underscore = !s.name.empty() && s.name.front() == '_';
  return std::make_tuple(!s.module.empty(), local, underscore, s.name.size(), std::string_view(s.name));
}

struct SectionBounds {
  const char* first;
  const char* end;
  const char* name;
};
// The linker script's boundary symbols (arch/x86/kernel/vmlinux.lds.S, include/asm-generic/
// sections.h), innermost last: __init holds _sinittext.._einittext.
constexpr std::array<SectionBounds, 6> kSections{{
    {"_stext", "_etext", ".text"},
    {"__start_rodata", "__end_rodata", ".rodata"},
    {"_sdata", "_edata", ".data"},
    {"__init_begin", "__init_end", "__init"},
    {"__bss_start", "__bss_stop", ".bss"},
    {"__brk_base", "__brk_limit", ".brk"},
}};

}  // namespace

SymbolTable::SymbolTable(std::vector<Symbol> symbols, std::string source_text) : source(std::move(source_text)) {
  symbols_ = std::move(symbols);
  std::sort(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) {
    return std::tie(a.address, a.module, a.name) < std::tie(b.address, b.module, b.name);
  });
  for (std::size_t i = 0; i < symbols_.size(); ++i) {
    by_name_.push_back(i);
    if (!names_addresses(symbols_[i])) continue;
    // One symbol per address: the preferred one.
    if (!located_.empty() && symbols_[located_.back()].address == symbols_[i].address) {
      if (preference(symbols_[i]) < preference(symbols_[located_.back()])) located_.back() = i;
      continue;
    }
    located_.push_back(i);
  }
  std::sort(by_name_.begin(), by_name_.end(), [this](std::size_t a, std::size_t b) {
    return std::tie(symbols_[a].name, symbols_[a].module, symbols_[a].address) <
           std::tie(symbols_[b].name, symbols_[b].module, symbols_[b].address);
  });
  image_first_ = by_name("_text");
  image_end_ = by_name("_end");
  for (const SectionBounds& b : kSections) {
    const auto first = by_name(b.first);
    const auto end = by_name(b.end);
    if (first && end && *first < *end) sections_.push_back({*first, *end, b.name});
  }
}

std::optional<std::uint64_t> SymbolTable::by_name(std::string_view name) const {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [this](std::size_t i, std::string_view n) { return symbols_[i].name < n; });
  if (it == by_name_.end() || symbols_[*it].name != name) return std::nullopt;
  return symbols_[*it].address;
}

SymbolHit SymbolTable::lookup(std::uint64_t address) const {
  SymbolHit hit;
  const bool in_image = image_first_ && image_end_ && *image_first_ <= address && address < *image_end_;
  if (in_image) {
    hit.section = "image padding";
    // Innermost last: a later section inside an earlier one wins.
    for (const Section& s : sections_)
      if (s.first <= address && address < s.end) hit.section = s.name;
  }
  auto it = std::upper_bound(located_.begin(), located_.end(), address,
                             [this](std::uint64_t a, std::size_t i) { return a < symbols_[i].address; });
  if (it == located_.begin()) return hit;
  const Symbol& s = symbols_[*(it - 1)];
  // Its extent: up to the next symbol; the image's last one ends at _end, a module's last one
  // has no known end.
  if (s.module.empty()) {
    if (!in_image && image_end_ && address >= *image_end_) return hit;
    if (!image_end_ && it == located_.end()) return hit;
  } else if (it == located_.end() || symbols_[*it].module != s.module) {
    return hit;
  }
  hit.symbol = s.name;
  if (address != s.address) hit.symbol += "+" + hex(address - s.address);
  if (!s.module.empty()) hit.symbol += " [" + s.module + "]";
  return hit;
}

namespace {

/// One "ADDR TYPE NAME[\t[MODULE]]" line; `modules` allows the module column.
Symbol parse_line(const text::Line& line, const std::string& where, bool modules) {
  text::Cursor c(line.text);
  c.skip_blanks();
  const std::size_t col = c.col();
  const auto addr = c.hex(16);
  if (!addr || (!c.at_end() && c.rest().front() != ' ' && c.rest().front() != '\t'))
    text::fail_expected(where, line.number, col, "a hexadecimal address of at most 16 digits", c.found());
  if (c.skip_blanks() == 0 || c.at_end())
    text::fail_expected(where, line.number, c.col(), "a symbol type letter", c.found());
  const text::Token type = c.word();
  if (type.text.size() != 1 || std::isalpha(static_cast<unsigned char>(type.text[0])) == 0)
    text::fail_expected(where, line.number, type.col, "a symbol type letter (T, t, D, ...)", type.text);
  if (c.skip_blanks() == 0 || c.at_end()) text::fail_expected(where, line.number, c.col(), "a symbol name", c.found());
  const text::Token name = c.word();
  for (const char ch : name.text)
    if (std::isprint(static_cast<unsigned char>(ch)) == 0)
      text::fail_expected(where, line.number, name.col, "a symbol name", name.text);
  Symbol s{*addr, type.text[0], std::string(name.text), ""};
  c.skip_blanks();
  if (!c.at_end()) {
    const text::Token mod = c.word();
    if (!modules || mod.text.size() < 3 || mod.text.front() != '[' || mod.text.back() != ']')
      text::fail_expected(where, line.number, mod.col, modules ? "end of line or [MODULE]" : "end of line", mod.text);
    s.module = std::string(mod.text.substr(1, mod.text.size() - 2));
    c.skip_blanks();
    if (!c.at_end()) text::fail_expected(where, line.number, c.col(), "end of line", c.found());
  }
  return s;
}

Expected<std::vector<Symbol>> parse_lines(std::string_view text, const std::string& where, bool modules) {
  std::vector<Symbol> out;
  try {
    text::LineSplitter lines(text);
    while (auto line = lines.next()) {
      if (line->text.find_first_not_of(" \t") == std::string_view::npos) continue;
      out.push_back(parse_line(*line, where, modules));
    }
  } catch (const text::ParseFailure& f) {
    return f.error;
  }
  if (out.empty()) return Error{where + ": no symbols (an empty file?)"};
  return out;
}

std::string counted(const std::string& what, const std::string& where, std::size_t n) {
  return what + " (" + where + ", " + decimal(n) + " symbols)";
}

}  // namespace

Expected<SymbolTable> parse_kallsyms(std::string_view text, const std::string& where) {
  auto symbols = parse_lines(text, where, true);
  if (!symbols) return symbols.error();
  if (std::all_of(symbols->begin(), symbols->end(), [](const Symbol& s) { return s.address == 0; }))
    return Error{where +
                 ": every address is 0: the kernel hides kallsyms addresses from unprivileged readers; save "
                 "/proc/kallsyms as root (sudo cat /proc/kallsyms > kallsyms.txt)"};
  const std::size_t n = symbols->size();
  return SymbolTable(std::move(*symbols), counted("kallsyms", where, n));
}

Expected<SymbolTable> parse_system_map(std::string_view text, const std::string& where, std::uint64_t kaslr_offset) {
  // Debian's linux-image packages ship a one-line stand-in; the real map is in the -dbg package.
  if (text.substr(0, 200).find("The real System.map is in") != std::string_view::npos)
    return Error{where +
                 ": this is a placeholder, not a symbol map (Debian ships the real System.map in the "
                 "linux-image-VERSION-dbg package, as /usr/lib/debug/boot/System.map-VERSION); or save /proc/kallsyms "
                 "as root and give --kallsyms"};
  auto symbols = parse_lines(text, where, false);
  if (!symbols) return symbols.error();
  for (Symbol& s : *symbols)
    if (s.address >= kStartKernelMap && !absolute(s)) s.address += kaslr_offset;
  const std::size_t n = symbols->size();
  return SymbolTable(std::move(*symbols),
                     counted("System.map", where, n) + ", moved by the KASLR offset " + hex(kaslr_offset));
}

SymbolTable vmcoreinfo_symbols(const Vmcoreinfo& info, const std::string& where) {
  std::vector<Symbol> out;
  for (const auto& [key, value] : info.raw) {
    if (!key.starts_with("SYMBOL(") || !key.ends_with(")")) continue;
    // A handful of symbols, some of them pointer values (mem_section): they name no range of
    // addresses, only themselves (by_name), so they are kept as absolute.
    if (const std::optional<std::uint64_t> v = vmcoreinfo_hex(value))
      out.push_back({*v, 'A', key.substr(7, key.size() - 8), ""});
  }
  const std::size_t n = out.size();
  return SymbolTable(std::move(out), counted("VMCOREINFO", where, n));
}

}  // namespace ptv
