#include "verifier/ingest/ptdump_lines.h"

#include <utility>

#include "models/format.h"

namespace ptv::ptdump {

using text::Cursor;
using text::fail_expected;

std::optional<std::uint64_t> leaf_size(PtLevel l) {
  switch (l) {
    case PtLevel::kPte:
      return page_size(Level::kPt);
    case PtLevel::kPmd:
      return page_size(Level::kPd);
    case PtLevel::kPud:
      return page_size(Level::kPdpt);
    default:
      return std::nullopt;
  }
}

bool eat_dmesg_prefix(Cursor& c, const std::string& source, std::uint64_t line) {
  bool any = false;
  if (c.eat("<")) {
    if (!c.dec() || !c.eat(">")) fail_expected(source, line, c.col(), "a syslog level such as '<6>'", c.found());
    any = true;
  }
  if (c.eat("[")) {
    c.skip_blanks();
    const std::size_t col = c.col();
    if (!c.dec() || !c.eat(".") || !c.dec() || !c.eat("]"))
      fail_expected(source, line, col, "a dmesg timestamp such as '[    0.947197]'", c.found());
    any = true;
  }
  return any;
}

namespace {

void parse_marker(Cursor& c, const text::Line& ln, const std::string& source, Parsed& out) {
  const std::size_t col = c.col();
  c.eat("---[");
  std::string_view body = c.rest();
  while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
  if (body.size() < 4 || body.substr(body.size() - 4) != "]---")
    fail_expected(source, ln.number, col + 4 + body.size(), "']---' closing the marker", "");
  body.remove_suffix(4);
  while (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  while (!body.empty() && body.back() == ' ') body.remove_suffix(1);
  Item it;
  it.kind = Item::Kind::kMarker;
  it.line = ln.number;
  it.col = col;
  it.name = body;
  out.items.push_back(it);
}

void parse_elided(Cursor& c, const text::Line& ln, const std::string& source, Parsed& out) {
  // "... %lu entr%s skipped ... "
  Item it;
  it.kind = Item::Kind::kElided;
  it.line = ln.number;
  it.col = c.col();
  c.eat("...");
  c.skip_blanks();
  const std::size_t ncol = c.col();
  const auto n = c.dec();
  if (!n) fail_expected(source, ln.number, ncol, "the number of skipped entries", c.found());
  c.skip_blanks();
  const text::Token entries = c.word();
  if (entries.text != "entries" && entries.text != "entry")
    fail_expected(source, ln.number, entries.col, "'entries skipped ...'", entries.text);
  c.skip_blanks();
  const text::Token skipped = c.word();
  if (skipped.text != "skipped") fail_expected(source, ln.number, skipped.col, "'skipped'", skipped.text);
  c.skip_blanks();
  c.eat("...");
  c.skip_blanks();
  if (!c.at_end()) fail_expected(source, ln.number, c.col(), "the end of the line", c.rest());
  it.skipped = *n;
  out.items.push_back(it);
}

/// Parses "0x%016lx-0x%016lx" into it.range; returns the raw start and (exclusive) end.
std::pair<std::uint64_t, std::uint64_t> parse_bounds(Cursor& c, const text::Line& ln, const std::string& source,
                                                     Item& it) {
  c.eat("0x");
  const auto start = c.hex();
  if (!start) fail_expected(source, ln.number, c.col(), "1 to 16 hex digits of the start address", c.found());
  const std::size_t end_col = c.col();
  if (!c.eat("-0x")) fail_expected(source, ln.number, end_col, "'-0x' and the end address", c.found());
  const auto end = c.hex();
  if (!end) fail_expected(source, ln.number, c.col(), "1 to 16 hex digits of the end address", c.found());
  // The end is exclusive and prints 0x0000000000000000 for the run that reaches 2^64.
  if (*end != 0 && *end <= *start)
    fail_expected(source, ln.number, end_col + 1, "an end address above the start " + hex16(*start),
                  "0x" + std::string(ln.text.substr(end_col + 2, c.pos() - end_col - 2)));
  it.range = text::range_to(VirtAddr(*start), *end);
  return {*start, *end};
}

/// Parses the blanks and "%9lu%c" size, which must equal end - start.
void parse_size(Cursor& c, const text::Line& ln, const std::string& source, std::uint64_t start, std::uint64_t end) {
  if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "blanks, then the size", c.found());
  const text::Token size_tok = c.word();
  Cursor sc(size_tok.text);
  const auto count = sc.dec();
  static constexpr std::string_view kUnits = "BKMGTPE";
  const std::size_t unit = sc.rest().size() == 1 ? kUnits.find(sc.rest().front()) : std::string_view::npos;
  if (!count || unit == std::string_view::npos)
    fail_expected(source, ln.number, size_tok.col, "a size such as '4K' or '2M'", size_tok.text);
  const std::uint64_t delta = end - start;  // mod 2^64: the wrapped last run comes out right
  if (delta == 0) return;                   // the whole 2^64 in one line, which no walk prints; nothing to check
  std::uint64_t bytes = *count;
  bool overflow = false;
  for (std::size_t i = 0; i < unit; ++i) overflow |= __builtin_mul_overflow(bytes, std::uint64_t{1024}, &bytes);
  if (overflow || bytes != delta)
    fail_expected(source, ln.number, size_tok.col,
                  "the size " + format_size(delta) + " (end - start = " + hex16(delta) + ")", size_tok.text);
}

/// Sets it.level from the last word of the line.
void parse_level(const text::Token& level_tok, const text::Line& ln, const std::string& source, Item& it) {
  bool level_ok = false;
  it.level_col = level_tok.col;
  for (const LevelName& l : kLevelNames)
    if (l.name == level_tok.text) {
      it.level = l.level;
      level_ok = true;
    }
  if (!level_ok)
    fail_expected(source, ln.number, level_tok.col, "a level name (pgd, p4d, pud, pmd or pte)", level_tok.text);
}

/// Sets it.flags from the flag words (with --lenient, an unknown one makes the absent flags unsure).
void parse_flags(const std::vector<text::Token>& words, const text::Line& ln, const std::string& source,
                 const TextReadOptions& options, Item& it, Parsed& out) {
  for (const text::Token& w : words) {
    std::uint16_t bit = 0;
    for (const FlagToken& f : kFlagTokens)
      if (f.text == w.text) bit = f.flag;
    if (bit == 0) {
      if (!options.lenient)
        fail_expected(source, ln.number, w.col, "a flag (USR RW ro PWT PCD PSE PAT GLB NX x) or the level name",
                      w.text);
      text::warn_at(options.warnings, source, ln.number, w.col,
                    "unknown flag '" + text::quote_found(w.text) +
                        "' skipped (--lenient); the absent flags of this "
                        "line are unknown");
      it.absent_flags_known = false;
      ++out.lenient_skips;
      continue;
    }
    if (it.flags & bit) fail_expected(source, ln.number, w.col, "each flag at most once", w.text);
    it.flags |= bit;
  }
}

/// A present entry's flags name exactly one of RW/ro and of NX/x; the fixed-width layout tells
/// whether this kernel prints a PAT column at all.
void check_present_flags(const text::Token& level_tok, std::size_t size_end, const text::Line& ln,
                         const std::string& source, Item& it) {
  if ((it.flags & kRw) && (it.flags & kRo))
    fail_expected(source, ln.number, level_tok.col, "either 'RW' or 'ro', not both", level_tok.text);
  if ((it.flags & kNx) && (it.flags & kX))
    fail_expected(source, ln.number, level_tok.col, "either 'NX' or 'x', not both", level_tok.text);
  if (it.absent_flags_known && !(it.flags & (kRw | kRo)))
    fail_expected(source, ln.number, level_tok.col, "'RW' or 'ro' among the flags of a present entry", level_tok.text);
  if (it.absent_flags_known && !(it.flags & (kNx | kX)))
    fail_expected(source, ln.number, level_tok.col, "'NX' or 'x' among the flags of a present entry", level_tok.text);
  const std::size_t field = level_tok.col - 1 - size_end;
  if (field == kFlagFieldWidth + 1) it.pat_column = true;
  if (field == kFlagFieldWidthNoPat + 1) it.pat_column = false;
}

/// Parses "0x%016lx-0x%016lx   %9lu%c <flags><level>".
void parse_range(Cursor& c, const text::Line& ln, const std::string& source, const TextReadOptions& options,
                 Parsed& out) {
  Item it;
  it.line = ln.number;
  it.col = c.col();
  const auto [start, end] = parse_bounds(c, ln, source, it);
  parse_size(c, ln, source, start, end);
  const std::size_t size_end = c.pos();

  // The remaining words: flags, then the level name.
  std::vector<text::Token> words;
  for (c.skip_blanks(); !c.at_end(); c.skip_blanks()) words.push_back(c.word());
  if (words.empty()) fail_expected(source, ln.number, c.col(), "flags and a level name (pgd, p4d, pud, pmd, pte)", "");
  const text::Token level_tok = words.back();
  words.pop_back();
  parse_level(level_tok, ln, source, it);
  parse_flags(words, ln, source, options, it, out);
  it.present = it.flags != 0 || !it.absent_flags_known;
  if (it.present) check_present_flags(level_tok, size_end, ln, source, it);
  out.items.push_back(it);
}

}  // namespace

Parsed parse_lines(std::string_view content, const std::string& source, const TextReadOptions& options) {
  Parsed out;
  text::LineSplitter lines(content);
  while (auto ln = lines.next()) {
    Cursor c(ln->text);
    const bool dmesg = eat_dmesg_prefix(c, source, ln->number);
    c.skip_blanks();
    if (c.at_end()) continue;
    const std::string_view rest = c.rest();
    if (rest.substr(0, 4) == "---[") {
      parse_marker(c, *ln, source, out);
    } else if (rest.substr(0, 3) == "...") {
      parse_elided(c, *ln, source, out);
    } else if (rest.substr(0, 2) == "0x") {
      parse_range(c, *ln, source, options, out);
    } else if (dmesg) {
      ++out.other_dmesg_lines;  // another kernel message between the dump's lines
    } else if (options.lenient) {
      text::warn_at(options.warnings, source, ln->number, c.col(), "not a ptdump line; skipped (--lenient)");
      ++out.lenient_skips;
    } else {
      fail_expected(source, ln->number, c.col(),
                    "an address range '0x...-0x...', a marker '---[ ... ]---' or '... N entries skipped ...'",
                    c.found());
    }
  }
  return out;
}

bool looks_like_range(std::string_view s) {
  // "0x" + hex + "-0x" + hex + blank
  if (s.substr(0, 2) != "0x") return false;
  Cursor c(s, 2);
  if (!c.hex() || !c.eat("-0x") || !c.hex()) return false;
  return c.skip_blanks() > 0 && !c.at_end();
}

}  // namespace ptv::ptdump
