// The text of `ptverify explain`: the story of one violation, its walk, and propose_fix().
#include "verifier/report/explain.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "models/format.h"
#include "verifier/report/ansi.h"
#include "verifier/report/check_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::CheckResult;
using check::Violation;
using check::WalkLevel;

using ansi::kBold;
using ansi::kGreen;
using ansi::kRed;
using ansi::kReset;
using ansi::Painter;

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

/// "PT entry at 0x0000000004403008"
std::string entry_at(const WalkLevel& w) {
  return std::string(check::level_name(w)) + " entry at " + hex16(w.entry_address);
}

void write_walk(const Violation& v, const Fix& f, const Painter& paint, std::ostream& os) {
  os << "\nwalk of " << hex16(v.address.value()) << ", top level first:\n";
  std::size_t width = 0;
  for (const WalkLevel& w : v.walk) width = std::max(width, check::level_name(w).size());
  for (std::size_t k = 0; k < v.walk.size(); ++k) {
    const WalkLevel& w = v.walk[k];
    char index[16];
    std::snprintf(index, sizeof index, "[%3u]", w.index);
    const std::string line = pad(std::string(check::level_name(w)), width) + "  table " + hex16(w.table) + ' ' + index +
                             "  entry " + hex16(w.entry_address) + " = " + hex16(w.raw) + "  " + w.decoded;
    if (f.deciding != k) {
      os << "    " << line << '\n';
      continue;
    }
    const std::string red_bold = std::string(kBold) + std::string(kRed);
    os << "  " << paint(">", kRed) << ' ' << paint(line, kBold) << '\n';
    os << "    " << std::string(width, ' ') << "  ^ this entry decides it"
       << (f.deciding_bits.empty() ? std::string() : ": " + paint(f.deciding_bits, red_bold)) << '\n';
  }
}

void write_fix(const Violation& v, const Fix& f, const CheckResult& r, const Painter& paint, std::ostream& os) {
  os << '\n' << paint("fix:", std::string(kBold) + std::string(kGreen)) << ' ' << f.summary << '\n';
  for (const EntryChange& c : f.changes) {
    os << "  " << entry_at(v.walk[c.level]) << ": " << hex16(c.before) << " -> " << paint(hex16(c.after), kBold)
       << "  (" << describe_bit_changes(v.walk[c.level], c.after) << ")\n";
  }
  if (f.split) {
    const PageSplit& s = *f.split;
    os << "  " << entry_at(v.walk[s.level]) << ": " << hex16(v.walk[s.level].raw) << " -> "
       << paint(hex16(s.table_entry), kBold) << " | (new " << level_name(s.child_level) << "'s physical address)\n";
    os << "  new " << level_name(s.child_level) << " entry i (i = 0..511): " << paint(hex16(s.first_child), kBold)
       << " + i * " << hex16(s.child_stride) << '\n';
  }
  if (v.walk.empty()) {
    os << "  this report's dump (" << (r.dump_format.empty() ? "a text dump" : r.dump_format)
       << ") shows no page-table entries: a raw dump (an ELF core from QEMU's dump-guest-memory) or a slice of it "
          "(`ptverify slice`) would show the entry and its new raw value\n";
  }
  for (const std::string& n : f.notes) os << "  - " << n << '\n';
}

}  // namespace

void write_explain_text(const CheckResult& given, std::size_t index, std::ostream& os, bool colour) {
  const CheckResult r = printable_result(given);
  const Painter paint(colour);
  const Violation& v = r.violations[index];
  const check::RuleInfo& rule = check::rule_info(v.rule);
  const std::string title = "violation " + std::to_string(index + 1) + " of " + std::to_string(r.violations.size()) +
                            ": " + std::string(rule.name) + (v.region.empty() ? "" : " in region \"" + v.region + '"');
  os << paint(title, std::string(kBold) + std::string(kRed)) << (v.baselined ? " (baselined)" : " (new)") << "\n\n";
  // The story first, in a sentence each: what is wrong, and where.
  os << "At " << hex16(v.address.value()) << ": " << v.message << ".\n";
  os << "Every address of [" << hex16(v.range.first.value()) << ", " << hex_end(v.range) << ") ("
     << format_size(v.range.size_or_zero()) << ") breaks the rule the same way.\n\n";
  os << "  rule     " << rule.name << ": " << rule.description << '\n';
  os << "  region   " << (v.region.empty() ? std::string("none (no region of the spec is involved)") : v.region)
     << '\n';
  const std::string rights = violation_rights_text(v.rights);
  os << "  rights   " << (rights.empty() ? "-" : rights) << '\n';
  if (v.phys) os << "  phys     " << hex16(*v.phys) << '\n';
  os << "  report   dump " << r.dump << " (" << r.dump_format << ", " << check::mode_name(r) << "), spec " << r.spec
     << '\n';
  const Fix f = propose_fix(v);
  if (!v.walk.empty()) write_walk(v, f, paint, os);
  write_fix(v, f, r, paint, os);
}

void write_explain_nothing(const CheckResult& r, std::ostream& os) {
  os << r.summary_line() << '\n';
  os << "the report lists no violation, so there is nothing to explain";
  if (r.verdict() == check::Status::kUnknown) os << " (but some rules are unknown: `ptverify check` says why)";
  os << '\n';
}

}  // namespace ptv
