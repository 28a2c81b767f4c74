// The text of `ptverify explain`: the story of one violation, its walk, and propose_fix().
#include "verifier/report/explain.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string_view>

#include "models/format.h"
#include "verifier/report/ansi.h"
#include "verifier/report/check_text.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::CheckResult;
using check::RuleId;
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

/// The story of r.violations[index] under `title`; `before_story` goes between the title and
/// the story (a group's ranges).
void write_story(const CheckResult& r, std::size_t index, const std::string& title, const std::string& before_story,
                 const Painter& paint, std::ostream& os) {
  const Violation& v = r.violations[index];
  const check::RuleInfo& rule = check::rule_info(v.rule);
  os << paint(title, std::string(kBold) + std::string(kRed)) << (v.baselined ? " (baselined)" : " (new)") << "\n\n";
  os << before_story;
  // The story first, in a sentence each: what is wrong, and where.
  os << "At " << hex16(v.address.value()) << ": " << v.message << ".\n";
  os << "Every address of [" << hex16(v.range.first.value()) << ", " << hex_end(v.range) << ") ("
     << format_size(v.range.size_or_zero()) << ") breaks the rule the same way.\n\n";
  os << "  rule     " << rule.name << ": " << rule.description << '\n';
  os << "  region   " << (v.region.empty() ? std::string("none named") : v.region) << '\n';
  if (const std::string sym = symbols_text(v); !sym.empty()) os << "  symbols  " << sym << '\n';
  if (const std::string area = area_text(v); !area.empty()) os << "  area     " << area << '\n';
  const std::string rights = violation_rights_text(v.rights);
  os << "  rights   " << (rights.empty() ? "-" : rights) << '\n';
  if (v.phys) os << "  phys     " << hex16(*v.phys) << '\n';
  os << "  report   dump " << r.dump << " (" << r.dump_format << ", " << check::mode_name(r) << "), spec " << r.spec
     << '\n';
  const Fix f = propose_fix(v);
  if (!v.walk.empty()) write_walk(v, f, paint, os);
  write_fix(v, f, r, paint, os);
}

std::string rule_and_region(const Violation& v) {
  return std::string(check::rule_info(v.rule).name) + (v.region.empty() ? "" : " in region \"" + v.region + '"');
}

/// What makes two violations one story: rule, region and, with a walk, the level and bits that
/// decide them (the same entry, or one entry per range set alike).
struct GroupKey {
  RuleId rule;
  std::string region;
  std::optional<std::size_t> level;
  std::string bits;
  auto operator<=>(const GroupKey&) const = default;
};

GroupKey group_key(const Violation& v) {
  GroupKey k{v.rule, v.region, std::nullopt, ""};
  const Fix f = propose_fix(v);
  if (f.deciding && *f.deciding < v.walk.size()) {
    k.level = *f.deciding;
    k.bits = f.deciding_bits;
  }
  return k;
}

/// The deciding entry's address, or 0 without one.
std::uint64_t deciding_entry(const Violation& v) {
  const std::optional<std::size_t> d = propose_fix(v).deciding;
  return d && *d < v.walk.size() ? v.walk[*d].entry_address : 0;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? ~std::uint64_t{0} : a + b; }

/// "1, 2 and 5"
std::string number_list(const std::vector<std::size_t>& members) {
  std::string out;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i != 0) out += i + 1 == members.size() ? " and " : ", ";
    out += std::to_string(members[i] + 1);
  }
  return out;
}

}  // namespace

void write_explain_text(const CheckResult& given, std::size_t index, std::ostream& os, bool colour) {
  const CheckResult r = printable_result(given);
  const std::string title = "violation " + std::to_string(index + 1) + " of " + std::to_string(r.violations.size()) +
                            ": " + rule_and_region(r.violations[index]);
  write_story(r, index, title, "", Painter(colour), os);
}

std::vector<ViolationGroup> group_violations(const CheckResult& r) {
  std::vector<ViolationGroup> groups;
  std::map<GroupKey, std::size_t> where;
  for (std::size_t i = 0; i < r.violations.size(); ++i) {
    const Violation& v = r.violations[i];
    const auto [it, added] = where.try_emplace(group_key(v), groups.size());
    if (added) groups.emplace_back();
    ViolationGroup& g = groups[it->second];
    g.members.push_back(i);
    const std::uint64_t size = v.range.size_or_zero();
    g.bytes = saturating_add(g.bytes, size == 0 ? ~std::uint64_t{0} : size);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const ViolationGroup& a, const ViolationGroup& b) {
    if (a.bytes != b.bytes) return a.bytes > b.bytes;
    return a.members.size() > b.members.size();
  });
  return groups;
}

void write_explain_groups(const CheckResult& given, std::ostream& os, bool colour) {
  const CheckResult r = printable_result(given);
  const Painter paint(colour);
  const std::vector<ViolationGroup> groups = group_violations(r);
  const std::string of = " of " + std::to_string(r.violations.size());
  if (groups.size() < r.violations.size())
    os << decimal(r.violations.size()) << " violations in " << decimal(groups.size())
       << (groups.size() == 1 ? " group" : " groups")
       << ", each of one rule and region decided alike; one story per group, the largest first\n\n";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (g != 0) os << '\n';
    const ViolationGroup& group = groups[g];
    const std::size_t first = group.members.front();
    if (group.members.size() == 1) {
      write_story(r, first, "violation " + std::to_string(first + 1) + of + ": " + rule_and_region(r.violations[first]),
                  "", paint, os);
      continue;
    }
    std::ostringstream ranges;
    ranges << decimal(group.members.size()) << " ranges, "
           << (group.bytes == ~std::uint64_t{0} ? std::string("16E") : format_size(group.bytes))
           << " in all, one cause; the story of the first tells them all:\n";
    const Violation& lead = r.violations[first];
    const bool own_entries = std::any_of(group.members.begin(), group.members.end(), [&](std::size_t i) {
      return deciding_entry(r.violations[i]) != deciding_entry(lead);
    });
    for (const std::size_t i : group.members) {
      const Violation& v = r.violations[i];
      ranges << "  " << pad(std::to_string(i + 1), 5) << range_text(v.range) << "  "
             << format_size(v.range.size_or_zero()) << '\n';
    }
    if (own_entries) {
      const std::size_t d = *propose_fix(lead).deciding;
      ranges << "(each range has its own " << check::level_name(lead.walk[d])
             << " entry, set alike: the fix below, told for the first, is the same change to each)\n";
    }
    ranges << '\n';
    write_story(r, first, "violations " + number_list(group.members) + of + ": " + rule_and_region(r.violations[first]),
                ranges.str(), paint, os);
  }
}

void write_explain_nothing(const CheckResult& r, std::ostream& os) {
  os << r.summary_line() << '\n';
  os << "the report lists no violation, so there is nothing to explain";
  if (r.verdict() == check::Status::kUnknown) os << " (but some rules are unknown: `ptverify check` says why)";
  os << '\n';
}

}  // namespace ptv
