#include "verifier/report/check_ktap.h"

#include <string>
#include <vector>

#include "models/format.h"
#include "verifier/mapping/facts.h"
#include "verifier/report/place_text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::CheckResult;
using check::RuleResult;
using check::Status;
using check::Violation;

/// A diagnostic line: '#', a space and the text, which cannot end the line early.
std::string diagnostic(std::string_view text) { return "# " + ktap_text(text, false) + '\n'; }

std::string violation_line(const Violation& v) {
  std::string s = range_text(v.range) + ' ' + format_size(v.range.size_or_zero());
  if (!v.region.empty()) s += " region \"" + v.region + '"';
  s += where_phrase(v);
  if (const std::string rights = violation_rights_text(v.rights); !rights.empty()) s += " rights " + rights;
  s += " at " + hex16(v.address.value());
  if (v.baselined) s += " (baselined)";
  if (!v.message.empty()) s += ": " + v.message;
  for (const check::WalkLevel& w : v.walk)
    if (w.deciding)
      s += "; decided by the " + std::string(check::level_name(w)) + " entry at " + hex16(w.entry_address) + " = " +
           hex16(w.raw) + (w.deciding_bits.empty() ? std::string() : " (" + w.deciding_bits + ')');
  return s;
}

/// The diagnostic lines of one violated rule: its listed violations, capped.
std::string violation_lines(const RuleResult& rr, const std::vector<Violation>& all) {
  std::string out;
  std::size_t listed = 0, mine = 0;
  for (const Violation& v : all) {
    if (v.rule != rr.rule) continue;
    ++mine;
    if (listed == kKtapViolationLines) continue;
    out += diagnostic(violation_line(v));
    ++listed;
  }
  // The rule's own count may exceed the listed ones when the run's list was cut.
  const std::size_t total = rr.violations > mine ? rr.violations : mine;
  if (total > listed)
    out +=
        diagnostic("... and " + std::to_string(total - listed) + " more violation" + (total - listed == 1 ? "" : "s") +
                   " of " + std::string(check::rule_info(rr.rule).name) + " not listed here");
  return out;
}

/// Whether a violated rule fails the run: as CheckResult::verdict(), a rule whose every listed
/// violation the baseline accepts (and that lists them all) does not.
bool fails(const RuleResult& rr, const std::vector<Violation>& all) {
  std::size_t mine = 0;
  for (const Violation& v : all) {
    if (v.rule != rr.rule) continue;
    ++mine;
    if (!v.baselined) return true;
  }
  return mine == 0 || mine < rr.violations;
}

}  // namespace

std::string ktap_text(std::string_view s, bool on_result_line) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f)
      out += ' ';
    else if (on_result_line && ch == '#')
      out += '_';
    else
      out += ch;
  }
  return out;
}

void write_check_ktap(const CheckResult& r, std::ostream& os) {
  std::string out = "KTAP version 1\n1.." + std::to_string(r.rules.size()) + '\n';
  out += diagnostic(r.summary_line());
  out += diagnostic("dump " + r.dump + " (" + r.dump_format + "), spec " + r.spec + ", mode " +
                    std::string(check::mode_name(r)));
  for (const Fact& f : r.facts) {
    if (fact_known(f)) continue;
    out += diagnostic(std::string(f.source == FactSource::kBlind ? "blind: " : "assumed: ") +
                      std::string(fact_name(f.id)) + " is " + f.value + " (" + f.origin + ")" +
                      (f.matters ? "" : "; it changes nothing in this dump"));
  }
  if (!r.limit_reached.empty()) out += diagnostic("stopped by the " + r.limit_reached);
  // The rules in kRules order, numbered 1..N over the rules the result has.
  std::vector<const RuleResult*> ordered;
  for (const check::RuleInfo& info : check::kRules)
    for (const RuleResult& rr : r.rules)
      if (rr.rule == info.id) ordered.push_back(&rr);
  std::size_t n = 0;
  for (const RuleResult* rr : ordered) {
    const std::string number = std::to_string(++n);
    const std::string name = ktap_text(check::rule_info(rr->rule).name, true);
    const std::string why = ktap_text(rr->detail, true);
    switch (rr->status) {
      case Status::kHolds:
        out += "ok " + number + ' ' + name + '\n';
        break;
      case Status::kNotApplicable:
        out += "ok " + number + ' ' + name + " # SKIP " + (why.empty() ? "not applicable" : why) + '\n';
        break;
      case Status::kUnknown:
        // Neither proved nor violated: a failure, so that no harness counts it as a pass.
        out += "not ok " + number + ' ' + name + " # unknown: " + (why.empty() ? "not decided" : why) + '\n';
        break;
      case Status::kViolated:
        out += violation_lines(*rr, r.violations);
        if (fails(*rr, r.violations))
          out += "not ok " + number + ' ' + name + '\n';
        else
          out += "ok " + number + ' ' + name + " # every violation accepted by the baseline\n";
        break;
    }
  }
  os << out;
}

}  // namespace ptv
