#include "verifier/ingest/ptdump.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"
#include "verifier/ingest/ptdump_lines.h"

namespace ptv {

namespace {

using namespace ptdump;
using text::Cursor;
using text::fail_expected;

// The hypervisor guard hole: 16 top-level entries from entry -256, which ptdump never walks
// (5.6+: the walk ranges skip it; before: is_hypervisor_range()).
// [arch/x86/include/asm/pgtable_64_types.h GUARD_HOLE_*]
VirtRange guard_hole(PagingMode m) {
  const unsigned shift = index_shift(top_level(m));
  const std::uint64_t base = ~std::uint64_t{0} << (shift + 8);  // -256 << PGDIR_SHIFT
  return VirtRange::from_size(VirtAddr(base), std::uint64_t{16} << shift);
}

struct ModeEvidence {
  const Item* needs5 = nullptr;   // a p4d line or an address canonical only with 57 bits
  const Item* proves4 = nullptr;  // a pgd line boundary that is not a multiple of 256 TiB
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
    return it.level == PtLevel::kP4d ? std::string("a p4d line")
                                     : "a mapped range above 48 bits at " + hex16(it.range.first.value());
  };
  if (options.mode) {
    if (*options.mode == PagingMode::k4Level && ev.needs5)
      fail_at_5level(*ev.needs5, source,
                     "4-level content (the given paging mode), not a p4d line or a 57-bit mapped address");
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

std::string elided_reason(const Item& elided) {
  return "elided by ptdump ('... " + std::to_string(elided.skipped) + " entries skipped ...' at line " +
         std::to_string(elided.line) + ")";
}

/// Builds the mapping set from the items in order: each range line must start where the last
/// one ended (or above it after an elision), gaps become unknown ranges, and markers take the
/// address of the next range.
class SetBuilder {
 public:
  SetBuilder(const std::string& source, PagingMode mode) : source_(source), hole_(guard_hole(mode)) {
    set_.format = "ptdump";
    set_.source = source;
    set_.mode = mode;
  }

  void add(const Item& it) {
    switch (it.kind) {
      case Item::Kind::kMarker:
        set_.markers.push_back(Marker{VirtAddr(0), std::string(it.name), it.line});
        pending_markers_.push_back(set_.markers.size() - 1);
        return;
      case Item::Kind::kElided:
        if (!elided_) elided_ = &it;
        elided_total_ += it.skipped;
        return;
      case Item::Kind::kRange:
        add_range(it);
        return;
    }
  }

  /// The rest of the address space after the last range, then the notes.
  MappingSet finish(const Parsed& p, std::vector<std::string>& mode_notes) {
    const std::uint64_t last_line = p.items.empty() ? 0 : p.items.back().line;
    if (!prev_) {
      add_unknown(VirtAddr(0), VirtAddr(~std::uint64_t{0}),
                  "no address ranges in this ptdump text (an empty file, like efi under BIOS boot, is no information)",
                  last_line);
    } else if (const auto end = prev_->last.checked_add(1)) {
      for (std::size_t m : pending_markers_) set_.markers[m].address = *end;
      add_unknown(
          *end, VirtAddr(~std::uint64_t{0}),
          elided_ ? elided_reason(*elided_) : "not in this ptdump text (it ends at " + hex16(end->value()) + ")",
          elided_ ? elided_->line : last_line);
    }
    add_notes(p, mode_notes);
    return std::move(set_);
  }

 private:
  void add_unknown(VirtAddr first, VirtAddr last, std::string reason, std::uint64_t line) {
    UnknownRange u;
    u.range = VirtRange{first, last};
    u.reason = std::move(reason);
    u.provenance.line = line;
    set_.unknown.push_back(std::move(u));
  }

  void add_range(const Item& it) {
    check_start(it);
    elided_ = nullptr;
    for (std::size_t m : pending_markers_) set_.markers[m].address = it.range.first;
    pending_markers_.clear();
    if (it.present) {
      check_present(it);
      set_.runs.push_back(make_run(it));
    } else if (auto g = it.range.intersect(hole_)) {
      add_unknown(g->first, g->last,
                  "hypervisor guard hole: Linux's ptdump does not walk it, so its blank line says nothing here",
                  it.line);
    }
    prev_ = it.range;
    prev_line_ = it.line;
  }

  /// A range starts where the previous one ended; after an elision, at or above it (the gap is
  /// unknown). Before the first range, everything from 0 is unknown.
  void check_start(const Item& it) {
    const std::string reason = elided_ ? elided_reason(*elided_) : "";
    if (!prev_) {
      if (it.range.first.value() != 0)
        add_unknown(VirtAddr(0), VirtAddr(it.range.first.value() - 1),
                    elided_ ? reason : "not in this ptdump text (it starts at " + hex16(it.range.first.value()) + ")",
                    it.line);
      return;
    }
    const auto expected = prev_->last.checked_add(1);
    if (!expected)
      fail_expected(
          source_, it.line, it.col,
          "no range after line " + std::to_string(prev_line_) + ", which reaches the top of the address space",
          hex16(it.range.first.value()));
    if (elided_) {
      if (it.range.first < *expected)
        fail_expected(source_, it.line, it.col,
                      "a range starting at or above " + hex16(expected->value()) + " (the end of line " +
                          std::to_string(prev_line_) + ")",
                      hex16(it.range.first.value()));
      if (*expected < it.range.first)
        add_unknown(*expected, VirtAddr(it.range.first.value() - 1), reason, elided_->line);
    } else if (it.range.first != *expected) {
      fail_expected(
          source_, it.line, it.col,
          "a range starting at " + hex16(expected->value()) + ", where line " + std::to_string(prev_line_) + " ends",
          hex16(it.range.first.value()));
    }
  }

  /// A mapped range is canonical and aligned to its level's pages.
  void check_present(const Item& it) const {
    if (!text::is_canonical_range(it.range, set_.mode))
      fail_expected(
          source_, it.line, it.col,
          std::string("a mapped range inside the canonical ") + std::string(to_string(set_.mode)) + " address space",
          hex16(it.range.first.value()) + "-" + hex16(it.range.last.value() + 1));
    if (const auto size = leaf_size(it.level)) {
      if (!it.range.first.is_aligned(*size) || !VirtAddr(it.range.last.value() + 1).is_aligned(*size))
        fail_expected(source_, it.line, it.col, "a range aligned to the " + format_size(*size) + " pages of its level",
                      hex16(it.range.first.value()));
    }
  }

  void add_notes(const Parsed& p, std::vector<std::string>& mode_notes) {
    set_.notes.push_back(
        "ptdump prints each run's leaf flags: no USR, ro and NX are certain (user, writable, executable = no); "
        "USR, RW and x leave the effective right unknown, since an upper level may clear U/S or R/W or set XD "
        "(e.g. the PTI kernel copy of the user half, ESPfix)");
    set_.notes.push_back(
        "runs are kept line for line: ptdump also splits where effective rights or markers change, which it does not "
        "print");
    set_.notes.push_back("ptdump prints no physical addresses");
    for (std::string& n : mode_notes) set_.notes.push_back(std::move(n));
    if (elided_total_)
      set_.notes.push_back(std::to_string(elided_total_) +
                           " entries elided by ptdump ('entries skipped'): unknown, not unmapped");
    if (p.other_dmesg_lines)
      set_.notes.push_back("dmesg: " + std::to_string(p.other_dmesg_lines) + " other kernel messages skipped");
    if (p.lenient_skips)
      set_.notes.push_back(std::to_string(p.lenient_skips) + " unknown tokens or lines skipped (--lenient)");
  }

  const std::string& source_;
  const VirtRange hole_;
  MappingSet set_;
  std::optional<VirtRange> prev_;
  std::uint64_t prev_line_ = 0;
  const Item* elided_ = nullptr;
  std::vector<std::size_t> pending_markers_;
  std::uint64_t elided_total_ = 0;
};

MappingSet build(const Parsed& p, const std::string& source, const TextReadOptions& options) {
  std::vector<std::string> mode_notes;
  SetBuilder builder(source, decide_mode(p, source, options, mode_notes));
  for (const Item& it : p.items) builder.add(it);
  return builder.finish(p, mode_notes);
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
