#include "verifier/ingest/qemu_mem.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"
#include "verifier/ingest/qemu_monitor.h"

namespace ptv {

namespace {

using text::Cursor;
using text::fail_expected;

// QEMU walks a linear space of 2^48 (or 2^57) "raw" addresses and canonicalises only when it
// prints: the start, the exclusive end and even the size go through addr_canonical(). So the
// range that reaches the top prints its end as 0001000000000000 (2^48; 0200000000000000 under
// 5-level), and a run may cross from the lower half into the upper half.
struct MemLine {
  std::uint64_t line = 0;
  std::size_t col = 1;
  std::uint64_t start = 0;  // as printed
  std::uint64_t end = 0;    // as printed
  std::size_t end_col = 1;
  std::uint64_t size = 0;  // as printed
  std::size_t size_col = 1;
  Tri user = Tri::kUnknown;
  Tri writable = Tri::kUnknown;
};

std::vector<MemLine> parse_lines(std::string_view content, const std::string& source, const TextReadOptions& options) {
  std::vector<MemLine> out;
  qemu_monitor::for_each_line(content, source, "ranges of `info mem`", [&](Cursor& c, const text::Line& ln) {
    MemLine m;
    m.line = ln.number;
    m.col = c.col();
    const auto start = c.hex();
    if (!start) fail_expected(source, ln.number, c.col(), "16 hex digits of the start address", c.found());
    if (!c.eat("-")) fail_expected(source, ln.number, c.col(), "'-' and the end address", c.found());
    m.end_col = c.col();
    const auto end = c.hex();
    if (!end) fail_expected(source, ln.number, c.col(), "16 hex digits of the end address", c.found());
    if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "blanks, then the size", c.found());
    m.size_col = c.col();
    const auto size = c.hex();
    if (!size) fail_expected(source, ln.number, c.col(), "16 hex digits of the size", c.found());
    if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "blanks, then the rights 'urw'", c.found());
    const text::Token rights = c.word();
    if (rights.text.size() != 3)
      fail_expected(source, ln.number, rights.col, "three rights characters such as 'urw' or '-r-'", rights.text);
    auto flag = [&](std::size_t i, char yes, Tri& out_tri) {
      const char ch = rights.text[i];
      if (ch == yes) {
        out_tri = Tri::kYes;
      } else if (ch == '-') {
        out_tri = Tri::kNo;
      } else if (options.lenient) {
        text::warn_at(options.warnings, source, ln.number, rights.col + i,
                      "unknown right '" + text::quote_found(std::string_view(&rights.text[i], 1)) +
                          "' skipped (--lenient); that right is unknown");
        out_tri = Tri::kUnknown;
      } else {
        fail_expected(source, ln.number, rights.col + i, std::string("'") + yes + "' or '-'",
                      std::string_view(&rights.text[i], 1));
      }
    };
    flag(0, 'u', m.user);
    if (rights.text[1] != 'r')  // QEMU always prints 'r'
      fail_expected(source, ln.number, rights.col + 1, "'r'", std::string_view(&rights.text[1], 1));
    flag(2, 'w', m.writable);
    c.skip_blanks();
    if (!c.at_end()) fail_expected(source, ln.number, c.col(), "the end of the line", c.rest());
    m.start = *start;
    m.end = *end;
    m.size = *size;
    out.push_back(m);
  });
  return out;
}

/// The first line whose start or end is not a 4-level address, if any.
std::optional<text::Needs5Level> first_5level_line(const std::vector<MemLine>& lines) {
  const std::uint64_t top4 = std::uint64_t{1} << va_bits(PagingMode::k4Level);
  for (const MemLine& m : lines) {
    if (!is_canonical(VirtAddr(m.start), PagingMode::k4Level) ||
        (m.end != top4 && !is_canonical(VirtAddr(m.end), PagingMode::k4Level)))
      return text::Needs5Level{m.line, m.col, hex16(m.start) + "-" + hex16(m.end)};
  }
  return std::nullopt;
}

/// QEMU's raw linear space under a paging mode: 2^48 (or 2^57) addresses, the upper half of
/// which canonicalises to the top of the 64-bit space.
struct LinearSpace {
  explicit LinearSpace(PagingMode mode) : top(std::uint64_t{1} << va_bits(mode)), mask(top - 1), half(top >> 1) {}
  std::uint64_t top, mask, half;
};

/// Checks one line against the mode and the line before it (which ended at prev_end, raw and
/// exclusive); returns its raw [start, end).
std::pair<std::uint64_t, std::uint64_t> check_line(const MemLine& m, const LinearSpace& space, PagingMode mode,
                                                   std::optional<std::uint64_t> prev_end, std::uint64_t prev_line,
                                                   const std::string& source) {
  if (!is_canonical(VirtAddr(m.start), mode))
    fail_expected(source, m.line, m.col, std::string("a canonical ") + std::string(to_string(mode)) + " start address",
                  hex16(m.start));
  if (m.end != space.top && !is_canonical(VirtAddr(m.end), mode))
    fail_expected(source, m.line, m.end_col,
                  std::string("a canonical ") + std::string(to_string(mode)) + " end address", hex16(m.end));
  const std::uint64_t a = m.start & space.mask;
  const std::uint64_t b = m.end == space.top ? space.top : (m.end & space.mask);
  if (b <= a)
    fail_expected(source, m.line, m.end_col, "an end address above the start " + hex16(m.start), hex16(m.end));
  if (prev_end && a < *prev_end)
    fail_expected(source, m.line, m.col, "a range starting at or above the end of line " + std::to_string(prev_line),
                  hex16(m.start));
  const std::uint64_t size = b - a;
  if (m.size != size && m.size != canonicalize(size, mode).value())
    fail_expected(source, m.line, m.size_col, "the size " + hex16(size) + " (end - start)", hex16(m.size));
  return {a, b};
}

/// The run of raw [a, b) back in canonical addresses, split at the hole.
void add_runs(const MemLine& m, std::uint64_t a, std::uint64_t b, const LinearSpace& space, MappingSet& set) {
  Run r;
  r.user = m.user;
  r.writable = m.writable;
  r.provenance.line = m.line;
  if (a < space.half) {
    r.range = VirtRange{VirtAddr(a), VirtAddr(std::min(b, space.half) - 1)};
    set.runs.push_back(r);
  }
  if (b > space.half) {
    r.range = VirtRange{VirtAddr(std::max(a, space.half) | ~space.mask), VirtAddr((b - 1) | ~space.mask)};
    set.runs.push_back(r);
  }
}

/// QEMU 7.2's mem_info_la57 tests the PDPTE/PDE present bit inverted: what it prints under
/// 5-level paging is not the tables. Read (so that a malformed file is still an error), then
/// not believed.
void disbelieve_5level(MappingSet& set) {
  set.runs.clear();
  UnknownRange u;
  u.range = VirtRange{VirtAddr(0), VirtAddr(~std::uint64_t{0})};
  u.reason =
      "a 5-level info mem is not believed: QEMU 7.2's mem_info_la57 tests the PDPTE/PDE present bit "
      "inverted, so what it prints is not the tables";
  set.unknown.push_back(std::move(u));
  set.notes.push_back(
      "5-level: QEMU 7.2's mem_info_la57 tests the PDPTE/PDE present bit inverted, so its 5-level info mem is "
      "empty or wrong: every address is unknown; use info tlb or a raw dump");
}

MappingSet build(const std::vector<MemLine>& lines, const std::string& source, const TextReadOptions& options) {
  MappingSet set;
  set.format = "qemu-mem";
  set.source = source;
  std::vector<std::string> mode_notes;
  set.mode = text::decide_mode(
      options.mode, first_5level_line(lines), source,
      {.expected_4level = "4-level addresses", .why_5level = "needs 57-bit addresses", .noun = "address"}, mode_notes);
  const LinearSpace space(set.mode);
  std::optional<std::uint64_t> prev_end;  // raw, exclusive
  std::uint64_t prev_line = 0;
  for (const MemLine& m : lines) {
    const auto [a, b] = check_line(m, space, set.mode, prev_end, prev_line, source);
    add_runs(m, a, b, space, set);
    prev_end = b;
    prev_line = m.line;
  }

  set.notes.push_back(
      "info mem prints user and writable combined across all levels (known); it never shows execute permission "
      "(unknown), page sizes or physical addresses");
  for (std::string& n : mode_notes) set.notes.push_back(std::move(n));
  if (set.mode == PagingMode::k5Level) disbelieve_5level(set);
  return set;
}

bool looks_like_mem_line(std::string_view s) {
  Cursor c(s);
  if (!c.hex() || !c.eat("-") || !c.hex() || c.skip_blanks() == 0 || !c.hex() || c.skip_blanks() == 0) return false;
  const text::Token t = c.word();
  c.skip_blanks();
  return t.text.size() == 3 && (t.text[0] == 'u' || t.text[0] == '-') && t.text[1] == 'r' &&
         (t.text[2] == 'w' || t.text[2] == '-') && c.at_end();
}

}  // namespace

int sniff_qemu_mem(std::string_view content) { return text::sniff_line_share(content, looks_like_mem_line); }

Expected<MappingSet> read_qemu_mem(std::string_view content, const std::string& source,
                                   const TextReadOptions& options) {
  try {
    const std::vector<MemLine> lines = parse_lines(content, source, options);
    if (lines.empty()) {
      MappingSet set;
      set.format = "qemu-mem";
      set.source = source;
      set.mode = options.mode.value_or(PagingMode::k5Level);
      UnknownRange u;
      u.range = VirtRange{VirtAddr(0), VirtAddr(~std::uint64_t{0})};
      u.reason =
          "info mem printed nothing: no information (QEMU 7.2 prints nothing under 5-level paging), never "
          "'nothing mapped'";
      set.unknown.push_back(std::move(u));
      set.notes.push_back(options.mode
                              ? std::string("paging mode: ") + std::string(to_string(*options.mode)) + " (given)"
                              : "paging mode: 5-level (assumed: QEMU prints an empty info mem only under "
                                "5-level paging)");
      set.notes.push_back("an empty info mem tells nothing: every address is unknown");
      return set;
    }
    MappingSet set = build(lines, source, options);
    return set;
  } catch (const text::ParseFailure& f) {
    return f.error;
  }
}

}  // namespace ptv
