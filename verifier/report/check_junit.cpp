#include "verifier/report/check_junit.h"

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "models/format.h"
#include "verifier/base/text_scan.h"
#include "verifier/mapping/facts.h"
#include "verifier/report/markup.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using check::CheckResult;
using check::RuleResult;
using check::Status;
using check::Violation;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

std::string attr(std::string_view name, std::string_view value) {
  return ' ' + std::string(name) + "=\"" + xml_escape(value, true) + '"';
}

/// One violation as a line or two of a <failure> or <system-out> body.
std::string violation_text(const Violation& v) {
  std::string s = std::string(v.baselined ? "[baselined] " : "[new] ") + '[' + hex16(v.range.first.value()) + ", " +
                  hex_end(v.range) + ") " + format_size(v.range.size_or_zero());
  if (!v.region.empty()) s += " region \"" + v.region + '"';
  s += where_phrase(v);
  if (const std::string rights = violation_rights_text(v.rights); !rights.empty()) s += " rights " + rights;
  s += " at " + hex16(v.address.value()) + ": " + v.message + '\n';
  for (const check::WalkLevel& w : v.walk)
    if (w.deciding)
      s += "    decided by the " + std::string(check::level_name(w)) + " entry at " + hex16(w.entry_address) + " = " +
           hex16(w.raw) + (w.deciding_bits.empty() ? std::string() : " (" + w.deciding_bits + ')') + '\n';
  return s;
}

struct Counts {
  std::size_t tests = 0, failures = 0, skipped = 0;
};

/// What one rule's <testcase> holds: nothing (a pass), a failure, or a skip, plus its output.
struct CaseBody {
  enum class Kind { kPass, kFailure, kSkipped } kind = Kind::kPass;
  std::string message;
  std::string text;
  std::string system_out;
};

CaseBody case_body(const RuleResult& rr, const std::vector<Violation>& all) {
  CaseBody b;
  std::vector<const Violation*> mine;
  std::size_t fresh = 0;
  for (const Violation& v : all) {
    if (v.rule != rr.rule) continue;
    mine.push_back(&v);
    if (!v.baselined) ++fresh;
  }
  const std::string detail = rr.detail.empty() ? std::string() : ": " + rr.detail;
  switch (rr.status) {
    case Status::kHolds:
      break;
    case Status::kUnknown:
      b.kind = CaseBody::Kind::kSkipped;
      b.message = "unknown" + detail;
      break;
    case Status::kNotApplicable:
      b.kind = CaseBody::Kind::kSkipped;
      b.message = "not applicable" + detail;
      break;
    case Status::kViolated: {
      std::string body;
      for (const Violation* v : mine) body += violation_text(*v);
      // Mirrors CheckResult::verdict(): only violations the baseline did not accept fail. A
      // violated rule with no listed violation (the list was cut) fails too.
      if (fresh > 0 || mine.empty()) {
        const std::size_t n = mine.empty() ? rr.violations : fresh;
        b.kind = CaseBody::Kind::kFailure;
        b.message = std::to_string(n) + " new violation" + (n == 1 ? "" : "s");
        if (mine.size() > fresh) b.message += " (" + std::to_string(mine.size() - fresh) + " baselined)";
        b.text = body.empty() ? rr.detail + '\n' : body;
      } else {
        b.system_out = std::to_string(mine.size()) + " violation" + (mine.size() == 1 ? "" : "s") +
                       " accepted by the baseline:\n" + body;
      }
      break;
    }
  }
  return b;
}

}  // namespace

std::string xml_escape(std::string_view s, bool attribute) {
  return escape_markup(s, attribute ? Markup::kXmlAttribute : Markup::kXmlText);
}

void write_check_junit(const CheckResult& r, std::ostream& os) {
  std::string stem = std::filesystem::path(r.spec).stem().string();
  if (stem.empty()) stem = "spec";
  const std::string classname = "ptverify." + stem;

  Counts counts;
  std::string cases;
  for (const RuleResult& rr : r.rules) {
    const CaseBody b = case_body(rr, r.violations);
    ++counts.tests;
    cases += "    <testcase" + attr("classname", classname) + attr("name", check::rule_info(rr.rule).name) +
             attr("time", seconds_text(rr.seconds));
    if (b.kind == CaseBody::Kind::kPass && b.system_out.empty()) {
      cases += "/>\n";
      continue;
    }
    cases += ">\n";
    if (b.kind == CaseBody::Kind::kFailure) {
      ++counts.failures;
      cases += "      <failure" + attr("message", b.message) + attr("type", "violated") + ">" +
               xml_escape(b.text, false) + "</failure>\n";
    } else if (b.kind == CaseBody::Kind::kSkipped) {
      ++counts.skipped;
      cases += "      <skipped" + attr("message", b.message) + "/>\n";
    }
    if (!b.system_out.empty()) cases += "      <system-out>" + xml_escape(b.system_out, false) + "</system-out>\n";
    cases += "    </testcase>\n";
  }

  const std::string totals = attr("tests", std::to_string(counts.tests)) +
                             attr("failures", std::to_string(counts.failures)) + attr("errors", "0") +
                             attr("skipped", std::to_string(counts.skipped)) + attr("time", seconds_text(r.seconds));
  os << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  os << "<testsuites" << attr("name", "ptverify check") << totals << ">\n";
  os << "  <testsuite" << attr("name", "ptverify check " + r.dump) << totals << ">\n";
  os << "    <properties>\n";
  auto property = [&](std::string_view name, std::string_view value) {
    os << "      <property" << attr("name", name) << attr("value", value) << "/>\n";
  };
  property("verdict", check::to_string(r.verdict()));
  property("complete", r.complete ? "true" : "false");
  property("dump", r.dump);
  property("dump_format", r.dump_format);
  property("spec", r.spec);
  property("mode", std::string(check::mode_name(r)));
  for (const check::Parameter& p : r.parameters) property("parameter." + p.name, hex16(p.value));
  for (const Fact& f : r.facts)
    property("fact." + std::string(fact_key(f.id)), std::string(to_string(f.source)) + ": " + f.value);
  property("parameters_admissible", r.parameters_admissible ? "true" : "false");
  os << "    </properties>\n";
  os << cases;
  std::string out = r.summary_line() + '\n';
  for (const std::string& n : r.notes) out += "note: " + n + '\n';
  os << "    <system-out>" << xml_escape(out, false) << "</system-out>\n";
  os << "  </testsuite>\n</testsuites>\n";
}

}  // namespace ptv
