#include "verifier/ingest/proc_maps.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

using text::Cursor;
using text::fail_expected;

struct Vma {
  std::uint64_t line = 0;
  std::size_t col = 1;
  std::uint64_t start = 0;
  std::uint64_t end = 0;  // exclusive
  std::size_t end_col = 1;
  Tri read = Tri::kUnknown;
  Tri write = Tri::kUnknown;
  Tri exec = Tri::kUnknown;
  std::string_view path;
};

/// "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu" then blanks and the path (possibly empty).
Vma parse_line(const text::Line& ln, const std::string& source, const TextReadOptions& options) {
  Cursor c(ln.text);
  Vma v;
  v.line = ln.number;
  v.col = c.col();
  const auto start = c.hex();
  if (!start) fail_expected(source, ln.number, c.col(), "the hex start address of a VMA", c.found());
  if (!c.eat("-")) fail_expected(source, ln.number, c.col(), "'-' and the end address", c.found());
  v.end_col = c.col();
  const auto end = c.hex();
  if (!end) fail_expected(source, ln.number, c.col(), "the hex end address of a VMA", c.found());
  if (*end <= *start)
    fail_expected(source, ln.number, v.end_col, "an end address above the start",
                  ln.text.substr(v.end_col - 1, c.pos() - (v.end_col - 1)));
  if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "a blank, then the permissions", c.found());
  const text::Token perms = c.word();
  if (perms.text.size() != 4)
    fail_expected(source, ln.number, perms.col, "four permission characters such as 'r-xp'", perms.text);
  auto perm = [&](std::size_t i, char yes, Tri& out) {
    const char ch = perms.text[i];
    if (ch == yes) {
      out = Tri::kYes;
    } else if (ch == '-') {
      out = Tri::kNo;
    } else if (options.lenient) {
      text::warn_at(options.warnings, source, ln.number, perms.col + i,
                    "unknown permission '" + text::quote_found(std::string_view(&perms.text[i], 1)) +
                        "' skipped (--lenient); that right is unknown");
    } else {
      fail_expected(source, ln.number, perms.col + i, std::string("'") + yes + "' or '-'",
                    std::string_view(&perms.text[i], 1));
    }
  };
  perm(0, 'r', v.read);
  perm(1, 'w', v.write);
  perm(2, 'x', v.exec);
  if (perms.text[3] != 'p' && perms.text[3] != 's')
    fail_expected(source, ln.number, perms.col + 3, "'p' (private) or 's' (shared)",
                  std::string_view(&perms.text[3], 1));
  // Each field is one word: on failure the diagnostic points at the word's start.
  auto field = [&](std::string_view what, auto parse) {
    if (c.skip_blanks() == 0)
      fail_expected(source, ln.number, c.col(), "a blank, then " + std::string(what), c.found());
    const text::Token t = c.peek_word();
    Cursor w(t.text);
    if (!parse(w) || !w.at_end()) fail_expected(source, ln.number, t.col, what, t.text);
    c.word();
  };
  field("the hex file offset", [](Cursor& w) { return w.hex().has_value(); });
  field("the device as 'major:minor' in hex", [](Cursor& w) { return w.hex() && w.eat(":") && w.hex(); });
  field("the decimal inode number", [](Cursor& w) { return w.dec().has_value(); });
  const std::size_t blanks = c.skip_blanks();
  if (!c.at_end() && blanks == 0) fail_expected(source, ln.number, c.col(), "a blank, then the path", c.found());
  std::string_view path = c.rest();
  while (!path.empty() && (path.back() == ' ' || path.back() == '\t')) path.remove_suffix(1);
  v.start = *start;
  v.end = *end;
  v.path = path;
  return v;
}

bool looks_like_maps_line(std::string_view s) {
  Cursor c(s);
  if (!c.hex() || !c.eat("-") || !c.hex() || c.skip_blanks() == 0) return false;
  const text::Token p = c.word();
  if (p.text.size() != 4 || (p.text[0] != 'r' && p.text[0] != '-') || (p.text[1] != 'w' && p.text[1] != '-') ||
      (p.text[2] != 'x' && p.text[2] != '-') || (p.text[3] != 'p' && p.text[3] != 's'))
    return false;
  return c.skip_blanks() > 0 && c.hex() && c.skip_blanks() > 0 && c.hex() && c.eat(":") && c.hex() &&
         c.skip_blanks() > 0 && c.dec();
}

}  // namespace

int sniff_proc_maps(std::string_view content) { return text::sniff_line_share(content, looks_like_maps_line); }

namespace {

std::vector<Vma> parse_lines(std::string_view content, const std::string& source, const TextReadOptions& options) {
  std::vector<Vma> vmas;
  text::LineSplitter lines(content);
  while (auto ln = lines.next()) {
    if (ln->text.find_first_not_of(" \t") == std::string_view::npos) continue;
    vmas.push_back(parse_line(*ln, source, options));
  }
  return vmas;
}

/// The first VMA in the 4-level hole (above 47 bits, below the kernel half), if any.
std::optional<text::Needs5Level> first_5level_vma(const std::vector<Vma>& vmas) {
  for (const Vma& v : vmas)
    if (v.start > lower_half_last(PagingMode::k4Level).value() &&
        v.start < upper_half_first(PagingMode::k4Level).value())
      return text::Needs5Level{v.line, v.col, hex16(v.start)};
  return std::nullopt;
}

/// A marker per VMA and a user run per accessible user-half VMA; returns how many VMAs lie in the
/// kernel half.
std::uint64_t add_vmas(const std::vector<Vma>& vmas, const std::string& source, MappingSet& set) {
  const VirtAddr user_last = lower_half_last(set.mode);
  std::uint64_t prev_end = 0;
  std::uint64_t prev_line = 0;
  std::uint64_t kernel_half_vmas = 0;
  for (const Vma& v : vmas) {
    if (v.start < prev_end)
      fail_expected(
          source, v.line, v.col,
          "a VMA starting at or above " + hex16(prev_end) + " (the end of line " + std::to_string(prev_line) + ")",
          hex16(v.start));
    const VirtRange range = text::range_to(VirtAddr(v.start), v.end);
    if (!text::is_canonical_range(range, set.mode))
      fail_expected(source, v.line, v.col,
                    std::string("a VMA inside the canonical ") + std::string(to_string(set.mode)) + " space",
                    hex16(v.start));
    set.markers.push_back(
        Marker{range.first, v.path.empty() ? std::string("[anonymous]") : std::string(v.path), v.line});
    prev_end = v.end;
    prev_line = v.line;
    if (range.first > user_last) {
      ++kernel_half_vmas;  // [vsyscall]: a pseudo-VMA; whether a page exists is the kernel half's business
      continue;
    }
    if (v.read == Tri::kNo && v.write == Tri::kNo && v.exec == Tri::kNo) continue;  // PROT_NONE: not present
    Run r;
    r.range = range;
    r.user = Tri::kYes;
    r.writable = v.write;
    r.executable = v.exec;
    r.provenance.line = v.line;
    set.runs.push_back(r);
  }
  return kernel_half_vmas;
}

}  // namespace

Expected<MappingSet> read_proc_maps(std::string_view content, const std::string& source,
                                    const TextReadOptions& options) {
  try {
    const std::vector<Vma> vmas = parse_lines(content, source, options);
    MappingSet set;
    set.format = "proc-maps";
    set.source = source;
    set.mode = text::decide_mode(
        options.mode, first_5level_vma(vmas), source,
        {.expected_4level = "a 4-level address", .why_5level = "is above 47 bits", .noun = "VMA"}, set.notes);
    const std::uint64_t kernel_half_vmas = add_vmas(vmas, source, set);
    coalesce(set.runs);

    UnknownRange k;
    k.range = VirtRange{upper_half_first(set.mode), VirtAddr(~std::uint64_t{0})};
    k.reason = "not described by /proc/PID/maps (it lists the user half only)";
    set.unknown.push_back(std::move(k));

    set.notes.push_back(
        "/proc/PID/maps gives each VMA's intent, not page-table state: runs are user-accessible with writable and "
        "executable from the VMA's w and x; a page may not be populated yet; PROT_NONE VMAs and gaps are not mapped");
    if (kernel_half_vmas)
      set.notes.push_back(
          std::to_string(kernel_half_vmas) +
          " VMA(s) in the kernel half (e.g. [vsyscall]) kept as markers only: the kernel half is unknown here");
    return set;
  } catch (const text::ParseFailure& f) {
    return f.error;
  }
}

}  // namespace ptv
