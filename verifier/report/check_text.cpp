#include "verifier/report/check_text.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "models/format.h"
#include "verifier/base/printable.h"
#include "verifier/mapping/facts.h"
#include "verifier/report/ansi.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::CheckResult;
using check::RuleResult;
using check::Status;
using check::Violation;
using check::WalkLevel;

using ansi::kBold;
using ansi::kDim;
using ansi::kGreen;
using ansi::kRed;
using ansi::kReset;
using ansi::kYellow;
using ansi::Painter;

std::string_view status_colour(Status s) {
  switch (s) {
    case Status::kHolds:
      return kGreen;
    case Status::kViolated:
      return kRed;
    case Status::kUnknown:
      return kYellow;
    case Status::kNotApplicable:
      return kDim;
  }
  return kReset;
}

/// s padded with spaces to `width` (never cut).
std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string quoted(const std::string& s) { return '"' + s + '"'; }

void write_rules(const CheckResult& r, const Painter& paint, std::ostream& os) {
  std::size_t name_width = 4;
  for (const RuleResult& rr : r.rules) name_width = std::max(name_width, check::rule_info(rr.rule).name.size());
  constexpr std::size_t kStatusWidth = 15;  // "not-applicable" + 1
  constexpr std::size_t kCountWidth = 10;
  os << pad("rule", name_width + 2) << pad("status", kStatusWidth) << pad("violations", kCountWidth + 2) << "detail\n";
  for (const RuleResult& rr : r.rules) {
    std::size_t baselined = 0;
    for (const Violation& v : r.violations)
      if (v.rule == rr.rule && v.baselined) ++baselined;
    std::string count = decimal(rr.violations);
    if (baselined) count += " (" + decimal(baselined) + " baselined)";
    os << pad(std::string(check::rule_info(rr.rule).name), name_width + 2)
       << paint(check::to_string(rr.status), status_colour(rr.status))
       << std::string(kStatusWidth - std::string_view(check::to_string(rr.status)).size(), ' ')
       << pad(count, kCountWidth + 2) << rr.detail << '\n';
  }
}

void write_walk(const std::vector<WalkLevel>& walk, const Painter& paint, std::ostream& os) {
  std::size_t level_width = 0;
  for (const WalkLevel& w : walk) level_width = std::max(level_width, check::level_name(w).size());
  os << "  walk:\n";
  for (const WalkLevel& w : walk) {
    char index[16];
    std::snprintf(index, sizeof index, "[%3u]", w.index);
    std::string line = pad(std::string(check::level_name(w)), level_width) + "  table " + hex16(w.table) + ' ' + index +
                       " entry " + hex16(w.entry_address) + " = " + hex16(w.raw) + "  " + w.decoded;
    if (w.deciding) {
      os << "  " << paint(">", kRed) << ' ' << line;
      if (!w.deciding_bits.empty()) os << "  <- " << paint(w.deciding_bits, std::string(kBold) + std::string(kRed));
      os << '\n';
    } else {
      os << "    " << line << '\n';
    }
  }
}

void write_violation(const Violation& v, std::size_t n, std::size_t total, const Painter& paint, std::ostream& os) {
  const std::string title = "violation " + std::to_string(n) + " of " + std::to_string(total) + ": " +
                            std::string(check::rule_info(v.rule).name) +
                            (v.region.empty() ? std::string() : " in region " + quoted(v.region));
  os << '\n' << paint(title, v.baselined ? kYellow : kRed) << (v.baselined ? " (baselined)" : " (new)") << '\n';
  os << "  address  " << hex16(v.address.value()) << '\n';
  os << "  range    [" << hex16(v.range.first.value()) << ", " << hex_end(v.range) << ")  "
     << format_size(v.range.size_or_zero()) << '\n';
  const std::string rights = violation_rights_text(v.rights);
  if (const std::string sym = symbols_text(v); !sym.empty()) os << "  symbols  " << sym << '\n';
  if (const std::string area = area_text(v); !area.empty()) os << "  area     " << area << '\n';
  os << "  rights   " << (rights.empty() ? "-" : rights) << '\n';
  if (v.phys) os << "  phys     " << hex16(*v.phys) << '\n';
  os << "  message  " << v.message << '\n';
  if (!v.walk.empty()) write_walk(v.walk, paint, os);
  if (!v.fingerprint.empty()) os << "  fingerprint " << paint(v.fingerprint, kDim) << '\n';
}

/// The facts the verdicts rest on: what was walked, what was read (grouped by where), and every
/// assumption with how to state it.
void write_facts(const CheckResult& r, const Painter& paint, std::ostream& os) {
  if (r.facts.empty()) return;
  if (const Fact* top = find_fact(r.facts, FactId::kTopTable))
    os << "walked: " << top->value << " (" << top->origin << ")\n";
  std::vector<std::pair<std::string, std::string>> read;  // origin -> "name value, ..."
  for (const Fact& f : r.facts) {
    if (f.id == FactId::kTopTable || !fact_known(f)) continue;
    const std::string item = std::string(fact_name(f.id)) + " " + f.value;
    auto it = std::find_if(read.begin(), read.end(), [&](const auto& g) { return g.first == f.origin; });
    if (it == read.end())
      read.emplace_back(f.origin, item);
    else
      it->second += ", " + item;
  }
  for (const auto& [origin, items] : read) os << "read:   " << items << " (" << origin << ")\n";
  for (const Fact& f : r.facts) {
    if (fact_known(f)) continue;
    std::string rules;
    for (const RuleResult& rr : r.rules)
      if (std::find(rr.uses.begin(), rr.uses.end(), f.id) != rr.uses.end())
        rules += (rules.empty() ? "" : ", ") + std::string(check::rule_info(rr.rule).name);
    const std::string hint(fact_flag_hint(f.id));
    os << paint(f.source == FactSource::kBlind ? "blind:  " : "assumed: ", kYellow) << fact_name(f.id) << ": "
       << f.value << (f.matters ? "" : " (changes nothing in this dump)")
       << (hint.empty() ? "" : "; state it with " + hint)
       << (rules.empty() || !f.matters ? "" : "; rules resting on it: " + rules) << '\n';
  }
}

}  // namespace

CheckResult printable_result(const CheckResult& given) {
  CheckResult r = given;
  auto fix = [](std::string& s) { s = printable(s); };
  for (std::string* s : {&r.dump, &r.dump_format, &r.spec, &r.unknown_mode, &r.limit_reached}) fix(*s);
  for (RuleResult& rr : r.rules) fix(rr.detail);
  for (Violation& v : r.violations) {
    for (std::string* s : {&v.region, &v.rights.text, &v.message, &v.fingerprint}) fix(*s);
    for (check::Place* pl : {&v.first_place, &v.last_place})
      for (std::string* s : {&pl->symbol, &pl->section, &pl->area}) fix(*s);
    for (WalkLevel& w : v.walk)
      for (std::string* s : {&w.unknown_level, &w.decoded, &w.deciding_bits}) fix(*s);
  }
  for (check::Parameter& p : r.parameters) {
    fix(p.name);
    fix(p.origin);
  }
  for (std::string& n : r.notes) fix(n);
  for (Fact& f : r.facts) {
    fix(f.value);
    fix(f.origin);
  }
  return r;
}

void write_check_text(const CheckResult& given, std::ostream& os, bool colour) {
  const CheckResult r = printable_result(given);
  const Painter paint(colour);
  const Status verdict = r.verdict();
  os << paint(r.summary_line(), std::string(kBold) + std::string(status_colour(verdict))) << '\n';
  os << "dump:  " << r.dump;
  const std::string_view mode = check::mode_name(r);
  if (!r.dump_format.empty() || !mode.empty()) {
    os << " (" << r.dump_format << (r.dump_format.empty() || mode.empty() ? "" : ", ") << mode << ')';
  }
  os << '\n' << "spec:  " << r.spec << '\n';
  if (!r.parameters.empty()) {
    os << (r.parameters_admissible ? "parameters:" : "last candidate parameters:");
    for (std::size_t i = 0; i < r.parameters.size(); ++i)
      os << (i ? ", " : " ") << r.parameters[i].name << " = " << hex16(r.parameters[i].value);
    os << '\n';
    for (const std::string& line : parameter_source_lines(r)) os << "  " << line << '\n';
  }
  if (!r.parameters_admissible)
    os << paint("no admissible parameter values: the dump fits no instance of the spec", kRed) << '\n';
  write_facts(r, paint, os);

  os << '\n';
  write_rules(r, paint, os);

  for (std::size_t i = 0; i < r.violations.size(); ++i)
    write_violation(r.violations[i], i + 1, r.violations.size(), paint, os);

  if (!r.notes.empty()) {
    os << "\nnotes:\n";
    for (const std::string& n : r.notes) os << "  - " << n << '\n';
  }
  os << '\n';
  if (!r.complete)
    os << paint("the list may be incomplete: violations outside the listed ranges were not excluded", kYellow) << '\n';
  os << r.queries << " queries, " << r.formula_nodes << " formula nodes, ";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f s", r.seconds);
  os << secs << '\n';
}

}  // namespace ptv
