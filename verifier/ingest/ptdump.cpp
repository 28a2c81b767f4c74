#include "verifier/ingest/ptdump.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"

namespace ptv {

namespace {

using text::Cursor;
using text::fail_expected;

// Level names: 5.6+ prints {pgd, p4d, pud, pmd, pte} for levels 0..4; earlier kernels
// {cr3, pgd, p4d, pud, pmd, pte} for 0..5. Either way the name says the table level.
enum class PtLevel : std::uint8_t { kCr3, kPgd, kP4d, kPud, kPmd, kPte };

struct LevelName {
  std::string_view name;
  PtLevel level;
};
constexpr std::array<LevelName, 6> kLevelNames{{{"cr3", PtLevel::kCr3},
                                                {"pgd", PtLevel::kPgd},
                                                {"p4d", PtLevel::kP4d},
                                                {"pud", PtLevel::kPud},
                                                {"pmd", PtLevel::kPmd},
                                                {"pte", PtLevel::kPte}}};

/// Leaf page size of a present line at this level; empty where x86 has no leaves.
std::optional<std::uint64_t> leaf_size(PtLevel l) {
  switch (l) {
    case PtLevel::kPte: return page_size(Level::kPt);
    case PtLevel::kPmd: return page_size(Level::kPd);
    case PtLevel::kPud: return page_size(Level::kPdpt);
    default: return std::nullopt;
  }
}

// The flag field of a present entry (printk_prot), 30 characters of fixed-width tokens:
//   "USR "|"    "  "RW "|"ro "  "PWT "|"    "  "PCD "|"    "  "PSE "|"    "  "PAT "|"    "
//   "GLB "|"    "  "NX "|"x  "
// Kernels before the PAT column print 26. Not present: blanks only.
enum Flag : std::uint16_t {
  kUsr = 1u << 0,
  kRw = 1u << 1,
  kRo = 1u << 2,
  kPwt = 1u << 3,
  kPcd = 1u << 4,
  kPse = 1u << 5,
  kPat = 1u << 6,
  kGlb = 1u << 7,
  kNx = 1u << 8,
  kX = 1u << 9,
};
struct FlagToken {
  std::string_view text;
  Flag flag;
};
constexpr std::array<FlagToken, 10> kFlagTokens{{{"USR", kUsr},
                                                 {"RW", kRw},
                                                 {"ro", kRo},
                                                 {"PWT", kPwt},
                                                 {"PCD", kPcd},
                                                 {"PSE", kPse},
                                                 {"PAT", kPat},
                                                 {"GLB", kGlb},
                                                 {"NX", kNx},
                                                 {"x", kX}}};
constexpr std::size_t kFlagFieldWidth = 30;
constexpr std::size_t kFlagFieldWidthNoPat = 26;

// The hypervisor guard hole: 16 top-level entries from entry -256, which ptdump never walks
// (5.6+: the walk ranges skip it; before: is_hypervisor_range()).
// [arch/x86/include/asm/pgtable_64_types.h GUARD_HOLE_*]
VirtRange guard_hole(PagingMode m) {
  const unsigned shift = index_shift(top_level(m));
  const std::uint64_t base = ~std::uint64_t{0} << (shift + 8);  // -256 << PGDIR_SHIFT
  return VirtRange::from_size(VirtAddr(base), std::uint64_t{16} << shift);
}

struct Item {
  enum class Kind : std::uint8_t { kRange, kMarker, kElided } kind = Kind::kRange;
  std::uint64_t line = 0;
  std::size_t col = 1;  // of the start address, marker or "..."
  // kRange
  VirtRange range;
  bool present = false;             // any flag printed: the entry's P bit
  std::uint16_t flags = 0;
  bool absent_flags_known = true;   // false when a lenient skip makes "absent" unsure
  std::optional<bool> pat_column;   // the layout shows whether a PAT column exists
  PtLevel level = PtLevel::kPte;
  std::size_t level_col = 1;
  // kMarker
  std::string_view name;
  // kElided
  std::uint64_t skipped = 0;
};

struct Parsed {
  std::vector<Item> items;
  std::uint64_t other_dmesg_lines = 0;
  std::uint64_t lenient_skips = 0;
};

/// Consumes a dmesg prefix "<6>[    0.947197] " if there is one; returns whether it did.
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

/// Parses "0x%016lx-0x%016lx   %9lu%c <flags><level>".
void parse_range(Cursor& c, const text::Line& ln, const std::string& source, const TextReadOptions& options,
                 Parsed& out) {
  Item it;
  it.line = ln.number;
  it.col = c.col();
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

  if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "blanks, then the size", c.found());
  const text::Token size_tok = c.word();
  Cursor sc(size_tok.text);
  const auto count = sc.dec();
  static constexpr std::string_view kUnits = "BKMGTPE";
  const std::size_t unit = sc.rest().size() == 1 ? kUnits.find(sc.rest().front()) : std::string_view::npos;
  if (!count || unit == std::string_view::npos)
    fail_expected(source, ln.number, size_tok.col, "a size such as '4K' or '2M'", size_tok.text);
  const std::uint64_t delta = *end - *start;  // mod 2^64: the wrapped last run comes out right
  if (delta != 0) {  // 0: the whole 2^64 in one line, which no walk prints; nothing to check
    std::uint64_t bytes = *count;
    bool overflow = false;
    for (std::size_t i = 0; i < unit; ++i) overflow |= __builtin_mul_overflow(bytes, std::uint64_t{1024}, &bytes);
    if (overflow || bytes != delta)
      fail_expected(source, ln.number, size_tok.col,
                    "the size " + format_size(delta) + " (end - start = " + hex16(delta) + ")",
                    size_tok.text);
  }
  const std::size_t size_end = c.pos();

  // The remaining words: flags, then the level name.
  std::vector<text::Token> words;
  for (c.skip_blanks(); !c.at_end(); c.skip_blanks()) words.push_back(c.word());
  if (words.empty())
    fail_expected(source, ln.number, c.col(), "flags and a level name (pgd, p4d, pud, pmd, pte)", "");
  const text::Token level_tok = words.back();
  words.pop_back();
  bool level_ok = false;
  it.level_col = level_tok.col;
  for (const LevelName& l : kLevelNames)
    if (l.name == level_tok.text) {
      it.level = l.level;
      level_ok = true;
    }
  if (!level_ok)
    fail_expected(source, ln.number, level_tok.col, "a level name (pgd, p4d, pud, pmd or pte)", level_tok.text);

  for (const text::Token& w : words) {
    std::uint16_t bit = 0;
    for (const FlagToken& f : kFlagTokens)
      if (f.text == w.text) bit = f.flag;
    if (bit == 0) {
      if (!options.lenient)
        fail_expected(source, ln.number, w.col, "a flag (USR RW ro PWT PCD PSE PAT GLB NX x) or the level name",
                      w.text);
      text::warn_at(options.warnings, source, ln.number, w.col,
                    "unknown flag '" + text::quote_found(w.text) + "' skipped (--lenient); the absent flags of this "
                    "line are unknown");
      it.absent_flags_known = false;
      ++out.lenient_skips;
      continue;
    }
    if (it.flags & bit) fail_expected(source, ln.number, w.col, "each flag at most once", w.text);
    it.flags |= bit;
  }
  it.present = it.flags != 0 || !it.absent_flags_known;
  if (it.present) {
    if ((it.flags & kRw) && (it.flags & kRo))
      fail_expected(source, ln.number, level_tok.col, "either 'RW' or 'ro', not both", level_tok.text);
    if ((it.flags & kNx) && (it.flags & kX))
      fail_expected(source, ln.number, level_tok.col, "either 'NX' or 'x', not both", level_tok.text);
    if (it.absent_flags_known && !(it.flags & (kRw | kRo)))
      fail_expected(source, ln.number, level_tok.col, "'RW' or 'ro' among the flags of a present entry",
                    level_tok.text);
    if (it.absent_flags_known && !(it.flags & (kNx | kX)))
      fail_expected(source, ln.number, level_tok.col, "'NX' or 'x' among the flags of a present entry",
                    level_tok.text);
    // The fixed-width layout tells whether this kernel prints a PAT column at all.
    const std::size_t field = level_tok.col - 1 - size_end;
    if (field == kFlagFieldWidth + 1) it.pat_column = true;
    if (field == kFlagFieldWidthNoPat + 1) it.pat_column = false;
  }
  out.items.push_back(it);
}

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

struct ModeEvidence {
  const Item* needs5 = nullptr;  // a p4d line or an address canonical only with 57 bits
  const Item* proves4 = nullptr; // a pgd line boundary that is not a multiple of 256 TiB
};

ModeEvidence mode_evidence(const std::vector<Item>& items) {
  ModeEvidence ev;
  constexpr std::uint64_t k256T = entry_span(Level::kPml5);
  for (const Item& it : items) {
    if (it.kind != Item::Kind::kRange) continue;
    if (!ev.needs5) {
      if (it.level == PtLevel::kP4d) ev.needs5 = &it;
      // A mapped run outside the 48-bit canonical space: 5-level, if that space holds it.
      if (it.present && !text::is_canonical_range(it.range, PagingMode::k4Level) &&
          text::is_canonical_range(it.range, PagingMode::k5Level))
        ev.needs5 = &it;
    }
    if (!ev.proves4 && it.level == PtLevel::kPgd) {
      const std::uint64_t end = it.range.last.value() + 1;  // 0 for 2^64
      if (it.range.first.value() % k256T != 0 || end % k256T != 0) ev.proves4 = &it;
    }
  }
  return ev;
}

/// Fails at the 5-level evidence: the p4d name, or the start of the 57-bit range.
[[noreturn]] void fail_at_5level(const Item& it, const std::string& source, const std::string& expected) {
  if (it.level == PtLevel::kP4d) fail_expected(source, it.line, it.level_col, expected, "p4d");
  fail_expected(source, it.line, it.col, expected, hex16(it.range.first.value()));
}

PagingMode decide_mode(const Parsed& p, const std::string& source, const TextReadOptions& options,
                       std::vector<std::string>& notes) {
  const ModeEvidence ev = mode_evidence(p.items);
  auto why5 = [](const Item& it) {
    return it.level == PtLevel::kP4d ? std::string("a p4d line") : "a mapped range above 48 bits at " + hex16(it.range.first.value());
  };
  if (options.mode) {
    if (*options.mode == PagingMode::k4Level && ev.needs5)
      fail_at_5level(*ev.needs5, source, "4-level content (the given paging mode), not a p4d line or a 57-bit mapped address");
    if (*options.mode == PagingMode::k5Level && ev.proves4)
      fail_expected(source, ev.proves4->line, ev.proves4->col,
                    "5-level content (the given paging mode), not a pgd line off a 256 TiB boundary",
                    hex16(ev.proves4->range.first.value()));
    notes.push_back(std::string("paging mode: ") + std::string(to_string(*options.mode)) + " (given)");
    return *options.mode;
  }
  if (ev.needs5 && ev.proves4)
    fail_at_5level(*ev.needs5, source,
                   "content of one paging mode: line " + std::to_string(ev.proves4->line) +
                       " has a pgd line off a 256 TiB boundary (4-level), so no p4d line or 57-bit mapped address");
  if (ev.needs5) {
    notes.push_back("paging mode: 5-level (detected from line " + std::to_string(ev.needs5->line) + ": " +
                    why5(*ev.needs5) + ")");
    return PagingMode::k5Level;
  }
  if (ev.proves4) {
    notes.push_back("paging mode: 4-level (detected from line " + std::to_string(ev.proves4->line) +
                    ": a pgd line not on a 256 TiB boundary)");
  } else {
    notes.push_back("paging mode: 4-level (assumed: nothing in the text needs 57 bits; give the mode to override)");
  }
  return PagingMode::k4Level;
}

Run make_run(const Item& it) {
  Run r;
  r.range = it.range;
  r.page_size = leaf_size(it.level);
  const bool absent_known = it.absent_flags_known;
  // [arch/x86/mm/dump_pagetables.c effective_prot] effective = (upper & leaf & (USER|RW)) |
  // ((upper | leaf) & NX): a clear leaf USER/RW or a set leaf NX decides; the opposite leaf bits
  // leave the decision to the upper levels, which ptdump does not print.
  r.user = (it.flags & kUsr) ? Tri::kUnknown : (absent_known ? Tri::kNo : Tri::kUnknown);
  r.writable = (it.flags & kRo) ? Tri::kNo : Tri::kUnknown;
  r.executable = (it.flags & kNx) ? Tri::kNo : Tri::kUnknown;
  r.global = (it.flags & kGlb) ? Tri::kYes : (absent_known ? Tri::kNo : Tri::kUnknown);
  if (absent_known || (it.flags & kPwt)) r.pwt = (it.flags & kPwt) != 0;
  if (absent_known || (it.flags & kPcd)) r.pcd = (it.flags & kPcd) != 0;
  if (it.flags & kPat) {
    r.pat = true;
  } else if (absent_known && it.pat_column.value_or(false)) {
    r.pat = false;
  }
  r.provenance.line = it.line;
  return r;
}

MappingSet build(const Parsed& p, const std::string& source, const TextReadOptions& options) {
  MappingSet set;
  set.format = "ptdump";
  set.source = source;
  std::vector<std::string> mode_notes;
  set.mode = decide_mode(p, source, options, mode_notes);
  const VirtRange hole = guard_hole(set.mode);

  auto add_unknown = [&](VirtAddr first, VirtAddr last, std::string reason, std::uint64_t line) {
    UnknownRange u;
    u.range = VirtRange{first, last};
    u.reason = std::move(reason);
    u.provenance.line = line;
    set.unknown.push_back(std::move(u));
  };

  std::optional<VirtRange> prev;
  std::uint64_t prev_line = 0;
  const Item* elided = nullptr;
  std::vector<std::size_t> pending_markers;
  std::uint64_t elided_total = 0;

  for (const Item& it : p.items) {
    if (it.kind == Item::Kind::kMarker) {
      set.markers.push_back(Marker{VirtAddr(0), std::string(it.name), it.line});
      pending_markers.push_back(set.markers.size() - 1);
      continue;
    }
    if (it.kind == Item::Kind::kElided) {
      if (!elided) elided = &it;
      elided_total += it.skipped;
      continue;
    }
    const std::string elided_reason =
        elided ? "elided by ptdump ('... " + std::to_string(elided->skipped) + " entries skipped ...' at line " +
                     std::to_string(elided->line) + ")"
               : "";
    if (!prev) {
      if (it.range.first.value() != 0)
        add_unknown(VirtAddr(0), VirtAddr(it.range.first.value() - 1),
                    elided ? elided_reason : "not in this ptdump text (it starts at " + hex16(it.range.first.value()) + ")",
                    it.line);
    } else {
      const auto expected = prev->last.checked_add(1);
      if (!expected)
        fail_expected(source, it.line, it.col,
                      "no range after line " + std::to_string(prev_line) + ", which reaches the top of the address space",
                      hex16(it.range.first.value()));
      if (elided) {
        if (it.range.first < *expected)
          fail_expected(source, it.line, it.col,
                        "a range starting at or above " + hex16(expected->value()) + " (the end of line " +
                            std::to_string(prev_line) + ")",
                        hex16(it.range.first.value()));
        if (*expected < it.range.first)
          add_unknown(*expected, VirtAddr(it.range.first.value() - 1), elided_reason, elided->line);
      } else if (it.range.first != *expected) {
        fail_expected(source, it.line, it.col,
                      "a range starting at " + hex16(expected->value()) + ", where line " +
                          std::to_string(prev_line) + " ends",
                      hex16(it.range.first.value()));
      }
    }
    elided = nullptr;
    for (std::size_t m : pending_markers) set.markers[m].address = it.range.first;
    pending_markers.clear();

    if (it.present) {
      if (!text::is_canonical_range(it.range, set.mode))
        fail_expected(source, it.line, it.col,
                      std::string("a mapped range inside the canonical ") + std::string(to_string(set.mode)) +
                          " address space",
                      hex16(it.range.first.value()) + "-" + hex16(it.range.last.value() + 1));
      if (const auto size = leaf_size(it.level)) {
        if (!it.range.first.is_aligned(*size) || !VirtAddr(it.range.last.value() + 1).is_aligned(*size))
          fail_expected(source, it.line, it.col,
                        "a range aligned to the " + format_size(*size) + " pages of its level",
                        hex16(it.range.first.value()));
      }
      set.runs.push_back(make_run(it));
    } else if (auto g = it.range.intersect(hole)) {
      add_unknown(g->first, g->last,
                  "hypervisor guard hole: Linux's ptdump does not walk it, so its blank line says nothing here",
                  it.line);
    }
    prev = it.range;
    prev_line = it.line;
  }

  const std::uint64_t last_line = p.items.empty() ? 0 : p.items.back().line;
  if (!prev) {
    add_unknown(VirtAddr(0), VirtAddr(~std::uint64_t{0}),
                "no address ranges in this ptdump text (an empty file, like efi under BIOS boot, is no information)",
                last_line);
  } else if (const auto end = prev->last.checked_add(1)) {
    for (std::size_t m : pending_markers) set.markers[m].address = *end;
    add_unknown(*end, VirtAddr(~std::uint64_t{0}),
                elided ? "elided by ptdump ('... " + std::to_string(elided->skipped) + " entries skipped ...' at line " +
                             std::to_string(elided->line) + ")"
                       : "not in this ptdump text (it ends at " + hex16(end->value()) + ")",
                elided ? elided->line : last_line);
  }

  set.notes.push_back(
      "ptdump prints each run's leaf flags: no USR, ro and NX are certain (user, writable, executable = no); "
      "USR, RW and x leave the effective right unknown, since an upper level may clear U/S or R/W or set XD "
      "(e.g. the PTI kernel copy of the user half, ESPfix)");
  set.notes.push_back(
      "runs are kept line for line: ptdump also splits where effective rights or markers change, which it does not print");
  set.notes.push_back("ptdump prints no physical addresses");
  for (std::string& n : mode_notes) set.notes.push_back(std::move(n));
  if (elided_total)
    set.notes.push_back(std::to_string(elided_total) + " entries elided by ptdump ('entries skipped'): unknown, not unmapped");
  if (p.other_dmesg_lines)
    set.notes.push_back("dmesg: " + std::to_string(p.other_dmesg_lines) + " other kernel messages skipped");
  if (p.lenient_skips)
    set.notes.push_back(std::to_string(p.lenient_skips) + " unknown tokens or lines skipped (--lenient)");
  return set;
}

bool looks_like_range(std::string_view s) {
  // "0x" + hex + "-0x" + hex + blank
  if (s.substr(0, 2) != "0x") return false;
  Cursor c(s, 2);
  if (!c.hex() || !c.eat("-0x") || !c.hex()) return false;
  return c.skip_blanks() > 0 && !c.at_end();
}

}  // namespace

int sniff_ptdump(std::string_view content) {
  constexpr std::size_t kScanBytes = 256 * 1024;
  constexpr std::uint64_t kEnough = 64;
  text::LineSplitter lines(content.substr(0, kScanBytes));
  std::uint64_t match = 0;
  std::uint64_t other = 0;
  const std::string source;
  while (auto ln = lines.next()) {
    if (match + other >= kEnough) break;
    Cursor c(ln->text);
    bool dmesg = false;
    try {
      dmesg = eat_dmesg_prefix(c, source, ln->number);
    } catch (const text::ParseFailure&) {
      ++other;
      continue;
    }
    c.skip_blanks();
    if (c.at_end()) continue;
    const std::string_view rest = c.rest();
    if (looks_like_range(rest) || rest.substr(0, 5) == "---[ " ||
        (rest.substr(0, 4) == "... " && rest.find("skipped") != std::string_view::npos)) {
      ++match;
    } else if (!dmesg) {
      ++other;  // other kernel messages in a dmesg log are neutral
    }
  }
  if (match == 0) return 0;
  return static_cast<int>(std::min<std::uint64_t>(99, match * 100 / (match + other)));
}

Expected<MappingSet> read_ptdump(std::string_view content, const std::string& source, const TextReadOptions& options) {
  try {
    const Parsed parsed = parse_lines(content, source, options);
    MappingSet set = build(parsed, source, options);
    return set;
  } catch (const text::ParseFailure& f) {
    return f.error;
  }
}

}  // namespace ptv
