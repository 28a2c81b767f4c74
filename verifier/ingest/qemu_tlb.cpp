#include "verifier/ingest/qemu_tlb.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <optional>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"
#include "verifier/ingest/qemu_mem.h"
#include "verifier/ingest/qemu_monitor.h"

namespace ptv {

namespace {

using text::Cursor;
using text::fail_expected;

// The flag column, one character per bit, '-' when clear. [qemu target/i386/monitor.c print_pte]
//   X  G  P  D  A  C    T    U    W
//   XD G  PS D  A  PCD  PWT  U/S  R/W
constexpr std::string_view kFlagLetters = "XGPDACTUW";
enum FlagIndex : std::size_t { kXd, kG, kPs, kD, kA, kPcd, kPwt, kUs, kRw, kFlagCount };

struct TlbLine {
  std::uint64_t line = 0;
  std::size_t col = 1;
  std::uint64_t va = 0;
  std::uint64_t pa = 0;
  std::size_t pa_col = 1;
  std::array<std::optional<bool>, kFlagCount> bits{};  // empty: unreadable (lenient)
};

std::vector<TlbLine> parse_lines(std::string_view content, const std::string& source, const TextReadOptions& options) {
  std::vector<TlbLine> out;
  qemu_monitor::for_each_line(content, source, "pages of `info tlb`", [&](Cursor& c, const text::Line& ln) {
    TlbLine t;
    t.line = ln.number;
    t.col = c.col();
    const auto va = c.hex();
    if (!va) fail_expected(source, ln.number, c.col(), "16 hex digits of the virtual address", c.found());
    if (!c.eat(":")) fail_expected(source, ln.number, c.col(), "':' after the virtual address", c.found());
    if (c.skip_blanks() == 0)
      fail_expected(source, ln.number, c.col(), "a blank, then the physical address", c.found());
    t.pa_col = c.col();
    const auto pa = c.hex();
    if (!pa) fail_expected(source, ln.number, c.col(), "16 hex digits of the physical address", c.found());
    if (c.skip_blanks() == 0) fail_expected(source, ln.number, c.col(), "a blank, then the flags XGPDACTUW", c.found());
    const text::Token flags = c.word();
    if (flags.text.size() != kFlagCount)
      fail_expected(source, ln.number, flags.col, "nine flag characters such as 'X-PDA---W'", flags.text);
    for (std::size_t i = 0; i < kFlagCount; ++i) {
      const char ch = flags.text[i];
      if (ch == kFlagLetters[i]) {
        t.bits[i] = true;
      } else if (ch == '-') {
        t.bits[i] = false;
      } else if (options.lenient && i != kPs) {  // the page size decides coverage: never guessed
        text::warn_at(options.warnings, source, ln.number, flags.col + i,
                      "unknown flag '" + text::quote_found(std::string_view(&flags.text[i], 1)) +
                          "' skipped (--lenient); what it tells is unknown");
      } else {
        fail_expected(source, ln.number, flags.col + i, std::string("'") + kFlagLetters[i] + "' or '-'",
                      std::string_view(&flags.text[i], 1));
      }
    }
    c.skip_blanks();
    if (!c.at_end()) fail_expected(source, ln.number, c.col(), "the end of the line", c.rest());
    t.va = *va;
    t.pa = *pa;
    out.push_back(t);
  });
  return out;
}

/// The first line whose address is not a 4-level canonical one, if any.
std::optional<text::Needs5Level> first_5level_line(const std::vector<TlbLine>& lines) {
  for (const TlbLine& t : lines)
    if (!is_canonical(VirtAddr(t.va), PagingMode::k4Level)) return text::Needs5Level{t.line, t.col, hex16(t.va)};
  return std::nullopt;
}

Tri certain_if_clear(const std::optional<bool>& bit) { return bit == false ? Tri::kNo : Tri::kUnknown; }

constexpr std::uint64_t k2M = page_size(Level::kPd);
constexpr std::uint64_t k1G = page_size(Level::kPdpt);

/// The page size of lines[i]; empty for a PS leaf that may be 1 GiB or 2 MiB. A PS leaf is a
/// 2M PDE or a 1G PDPTE: it is 2M when the address or the frame is not 1G-aligned, or when the
/// next listed page lies inside the gigabyte.
std::optional<std::uint64_t> leaf_page_size(const std::vector<TlbLine>& lines, std::size_t i) {
  const TlbLine& t = lines[i];
  if (!*t.bits[kPs]) return page_size(Level::kPt);
  const bool next_inside = i + 1 < lines.size() && lines[i + 1].va - t.va < k1G && lines[i + 1].va > t.va;
  if (!VirtAddr(t.va).is_aligned(k1G) || (t.pa % k1G) != 0 || next_inside) return k2M;
  return std::nullopt;
}

/// The run of one line: `mapped` bytes (the page, or the first 2 MiB of an undecided leaf).
Run page_run(const TlbLine& t, std::uint64_t mapped, std::optional<std::uint64_t> size, const std::string& source,
             PagingMode mode) {
  const VirtAddr va(t.va);
  if (!va.is_aligned(mapped))
    fail_expected(source, t.line, t.col, "an address aligned to its " + format_size(mapped) + " page", hex16(t.va));
  if (t.pa % mapped != 0)
    fail_expected(source, t.line, t.pa_col, "a frame aligned to its " + format_size(mapped) + " page", hex16(t.pa));
  Run r;
  r.range = VirtRange::from_size(va, mapped);
  if (!text::is_canonical_range(r.range, mode))
    fail_expected(source, t.line, t.col, "a page inside the canonical address space", hex16(t.va));
  r.phys = PhysAddr(t.pa);
  r.page_size = size;
  r.user = certain_if_clear(t.bits[kUs]);
  r.writable = certain_if_clear(t.bits[kRw]);
  r.executable = t.bits[kXd] == true ? Tri::kNo : Tri::kUnknown;
  r.global = t.bits[kG] ? tri(*t.bits[kG]) : Tri::kUnknown;
  r.pcd = t.bits[kPcd];
  r.pwt = t.bits[kPwt];
  r.provenance.line = t.line;
  return r;
}

/// The rest of the gigabyte of a PS leaf that may be 1 GiB or 2 MiB.
UnknownRange undecided_rest(const TlbLine& t) {
  UnknownRange u;
  u.range = VirtRange::from_size(VirtAddr(t.va + k2M), k1G - k2M);
  u.reason = "info tlb: the PS leaf at " + hex16(t.va) +
             " is a 1 GiB page or a 2 MiB page; nothing listed settles which, so the rest of its gigabyte is unknown";
  u.provenance.line = t.line;
  return u;
}

/// One run per line (before coalescing), plus unknown ranges for undecidable 1G/2M leaves.
void build_pages(const std::vector<TlbLine>& lines, const std::string& source, MappingSet& set) {
  std::optional<VirtAddr> next_free;  // the first address after the previous page
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const TlbLine& t = lines[i];
    const VirtAddr va(t.va);
    if (!is_canonical(va, set.mode))
      fail_expected(source, t.line, t.col, std::string("a canonical ") + std::string(to_string(set.mode)) + " address",
                    hex16(t.va));
    if (next_free && va < *next_free)
      fail_expected(source, t.line, t.col,
                    "an address at or above " + hex16(next_free->value()) + " (QEMU lists pages in address order)",
                    hex16(t.va));
    const std::optional<std::uint64_t> size = leaf_page_size(lines, i);
    set.runs.push_back(page_run(t, size.value_or(k2M), size, source, set.mode));
    next_free = set.runs.back().range.last.checked_add(1);
    if (!size) {
      set.unknown.push_back(undecided_rest(t));
      next_free = set.unknown.back().range.last.checked_add(1);
    }
    if (!next_free && i + 1 < lines.size())
      fail_expected(source, lines[i + 1].line, lines[i + 1].col, "no page after the one that reaches 2^64",
                    hex16(lines[i + 1].va));
  }
}

/// The index of the first range in v whose last address is >= a.
template <class T>
std::size_t first_not_below(const std::vector<T>& v, VirtAddr a) {
  return static_cast<std::size_t>(
      std::lower_bound(v.begin(), v.end(), a, [](const T& x, VirtAddr y) { return x.range.last < y; }) - v.begin());
}

/// Whether every address of q lies in some range of v (sorted by first, disjoint).
bool covered(const std::vector<VirtRange>& v, VirtRange q) {
  auto it = std::lower_bound(v.begin(), v.end(), q.first, [](const VirtRange& x, VirtAddr y) { return x.last < y; });
  VirtAddr cur = q.first;
  for (; it != v.end() && it->first <= cur; ++it) {
    if (it->last >= q.last) return true;
    cur = VirtAddr(it->last.value() + 1);
  }
  return false;
}

/// The ranges of runs and unknown ranges together, sorted.
std::vector<VirtRange> described(const MappingSet& s) {
  std::vector<VirtRange> out;
  out.reserve(s.runs.size() + s.unknown.size());
  for (const Run& r : s.runs) out.push_back(r.range);
  for (const UnknownRange& u : s.unknown) out.push_back(u.range);
  std::sort(out.begin(), out.end(), [](const VirtRange& x, const VirtRange& y) { return x.first < y.first; });
  return out;
}

/// The pieces of a page run along info mem's runs, with user/writable from info mem where it
/// lists the page; `disagree(tlb_line, mem_line, what)` is told every contradiction.
template <class Disagree>
void complete_run(const Run& r, const MappingSet& mem, const std::vector<VirtRange>& mem_unknown,
                  const Disagree& disagree, std::vector<Run>& out) {
  VirtAddr cur = r.range.first;
  for (;;) {
    const std::size_t j = first_not_below(mem.runs, cur);
    Run piece = r;
    piece.range.first = cur;
    if (r.phys) piece.phys = PhysAddr(r.phys->value() + (cur - r.range.first));
    if (j < mem.runs.size() && mem.runs[j].range.first <= cur) {
      const Run& m = mem.runs[j];
      piece.range.last = std::min(r.range.last, m.range.last);
      if (m.user == Tri::kYes && r.user == Tri::kNo)
        disagree(r.provenance.line, m.provenance.line,
                 "info mem says user ('u') at " + hex16(cur.value()) + " but the leaf has U=0");
      else if (m.writable == Tri::kYes && r.writable == Tri::kNo)
        disagree(r.provenance.line, m.provenance.line,
                 "info mem says writable ('w') at " + hex16(cur.value()) + " but the leaf has W=0");
      else {
        if (m.user != Tri::kUnknown) piece.user = m.user;
        if (m.writable != Tri::kUnknown) piece.writable = m.writable;
      }
    } else {
      const VirtAddr limit = j < mem.runs.size() ? VirtAddr(mem.runs[j].range.first.value() - 1) : r.range.last;
      piece.range.last = std::min(r.range.last, limit);
      if (!covered(mem_unknown, piece.range))
        disagree(r.provenance.line, 0, "info tlb maps " + hex16(cur.value()) + " but info mem lists nothing there");
    }
    out.push_back(piece);
    if (piece.range.last >= r.range.last) break;
    cur = VirtAddr(piece.range.last.value() + 1);
  }
}

/// Fills user/writable of the page runs from info mem; checks that both list the same pages.
void complete_with_mem(MappingSet& set, const MappingSet& mem, const std::string& mem_source,
                       const TextReadOptions& options) {
  // "tlb.txt:12: info tlb and info mem (mem.txt:3) disagree: ..."; line 0: no line to name.
  auto disagree = [&](std::uint64_t line, std::uint64_t mem_line, const std::string& what) {
    const std::string tlb_where = line ? set.source + ':' + std::to_string(line) : set.source;
    const std::string mem_where = mem_line ? mem_source + ':' + std::to_string(mem_line) : mem_source;
    const std::string msg = tlb_where + ": info tlb and info mem (" + mem_where + ") disagree: " + what;
    if (!options.lenient) throw text::ParseFailure{Error{msg}};
    std::ostream& os = options.warnings ? *options.warnings : std::cerr;
    os << msg << " (--lenient: info tlb's rights kept)\n";
  };
  if (mem.runs.empty()) {
    set.notes.push_back("info mem " + mem_source +
                        " gave no information: user and writable stay as info tlb tells them");
    return;
  }

  std::vector<VirtRange> mem_unknown;
  for (const UnknownRange& u : mem.unknown) mem_unknown.push_back(u.range);
  std::vector<Run> out;
  out.reserve(set.runs.size());
  for (const Run& r : set.runs) complete_run(r, mem, mem_unknown, disagree, out);
  // The other direction: every page info mem lists must be in info tlb too (or where info tlb
  // cannot tell: the rest of an undecided 1G/2M leaf).
  const std::vector<VirtRange> tlb_described = described(set);
  for (const Run& m : mem.runs) {
    if (covered(tlb_described, m.range)) continue;
    disagree(0, m.provenance.line,
             "info mem maps " + hex16(m.range.first.value()) + "-" + hex16(m.range.last.value() + 1) +
                 " but info tlb lists no page in part of it");
  }
  set.runs = std::move(out);
  set.notes.push_back("user and writable completed from info mem " + mem_source +
                      " (combined across levels) wherever it lists the page");
}

bool looks_like_tlb_line(std::string_view s) {
  Cursor c(s);
  if (!c.hex() || !c.eat(":") || c.skip_blanks() == 0 || !c.hex() || c.skip_blanks() == 0) return false;
  const text::Token t = c.word();
  c.skip_blanks();
  if (t.text.size() != kFlagCount || !c.at_end()) return false;
  for (std::size_t i = 0; i < kFlagCount; ++i)
    if (t.text[i] != kFlagLetters[i] && t.text[i] != '-') return false;
  return true;
}

}  // namespace

int sniff_qemu_tlb(std::string_view content) { return text::sniff_line_share(content, looks_like_tlb_line); }

Expected<MappingSet> read_qemu_tlb(std::string_view content, const std::string& source,
                                   const TextReadOptions& options) {
  try {
    const std::vector<TlbLine> lines = parse_lines(content, source, options);
    MappingSet set;
    set.format = "qemu-tlb";
    set.source = source;
    std::vector<std::string> mode_notes;
    set.mode = text::decide_mode(
        options.mode, first_5level_line(lines), source,
        {.expected_4level = "a 4-level canonical address", .why_5level = "needs 57-bit addresses", .noun = "address"},
        mode_notes);
    if (lines.empty()) {
      UnknownRange u;
      u.range = VirtRange{VirtAddr(0), VirtAddr(~std::uint64_t{0})};
      u.reason = "info tlb printed nothing: no information";
      set.unknown.push_back(std::move(u));
    }
    build_pages(lines, source, set);
    if (options.with_mem) {
      TextReadOptions mem_options = options;
      mem_options.with_mem.reset();
      mem_options.mode = set.mode;
      const std::string mem_source = options.with_mem_source.empty() ? "info mem" : options.with_mem_source;
      auto mem = read_qemu_mem(*options.with_mem, mem_source, mem_options);
      if (!mem) return mem.error();
      if (!lines.empty()) complete_with_mem(set, *mem, mem_source, options);
    }
    coalesce(set.runs);
    set.notes.push_back(
        "info tlb prints each page's leaf bits only: U=0, W=0 and X are certain (user, writable, executable = no); "
        "U=1, W=1 and no X leave the effective right unknown, since an upper level may decide");
    set.notes.push_back("info tlb shows neither the PAT bit nor protection keys");
    for (std::string& n : mode_notes) set.notes.push_back(std::move(n));
    return set;
  } catch (const text::ParseFailure& f) {
    return f.error;
  }
}

}  // namespace ptv
