// The KTAP check report. Strategy: a tiny KTAP version 1 line checker (version line, plan line,
// result lines with an optional directive, diagnostic lines) is applied to every line written for
// the sample results first; then each rule status is pinned to its result line: holds is `ok`,
// not applicable is `ok ... # SKIP`, unknown and violated are `not ok` (unknown with its reason),
// the violations and assumptions come as diagnostic lines, and names cannot break a line.
#include "verifier/report/check_ktap.h"

#include <doctest/doctest.h>

#include <cctype>
#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;

std::string ktap(const CheckResult& r) {
  std::ostringstream os;
  write_check_ktap(r, os);
  return os.str();
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  for (std::string line; std::getline(is, line);) out.push_back(line);
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

/// Checks the whole output against KTAP version 1 (one level, no subtests): the version line,
/// then the plan, then only diagnostic and result lines, the results numbered 1..N in order
/// and N matching the plan. Returns "" when valid, else what is wrong and where.
std::string ktap_problem(const std::string& text) {
  if (text.empty() || text.back() != '\n') return "output does not end with a newline";
  const std::vector<std::string> lines = lines_of(text);
  if (lines.size() < 2) return "fewer than two lines";
  if (lines[0] != "KTAP version 1") return "line 1 is not the version line";
  if (!lines[1].starts_with("1..") || !all_digits(std::string_view(lines[1]).substr(3)))
    return "line 2 is not a plan line";
  const std::size_t planned = std::stoul(lines[1].substr(3));
  std::size_t next = 1;
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    const std::string where = "line " + std::to_string(i + 1) + ": ";
    for (char c : l)
      if (static_cast<unsigned char>(c) < 0x20) return where + "control character";
    if (l.starts_with("#")) continue;  // diagnostic line
    std::string_view rest = l;
    if (rest.starts_with("ok "))
      rest.remove_prefix(3);
    else if (rest.starts_with("not ok "))
      rest.remove_prefix(7);
    else
      return where + "neither a result nor a diagnostic line: " + l;
    const std::size_t sp = rest.find(' ');
    if (!all_digits(rest.substr(0, sp))) return where + "no test number";
    if (std::stoul(std::string(rest.substr(0, sp))) != next) return where + "test number out of order";
    ++next;
    if (sp == std::string_view::npos) continue;
    std::string_view after = rest.substr(sp + 1);
    const std::size_t hash = after.find('#');
    const std::string_view description = after.substr(0, hash);
    if (description.empty() || (description.back() != ' ' && hash != std::string_view::npos))
      return where + "no description before the directive";
    if (hash != std::string_view::npos) {
      std::string_view directive = after.substr(hash + 1);
      if (!directive.starts_with(' ')) return where + "'#' not followed by a space";
      directive.remove_prefix(1);
      if (directive.starts_with("SKIP") && l.starts_with("not ok")) return where + "a failed test marked SKIP";
      if (directive.empty()) return where + "empty directive";
    }
  }
  if (next - 1 != planned)
    return "the plan says " + std::to_string(planned) + ", the results are " + std::to_string(next - 1);
  return "";
}

/// The result line of the rule `name`.
std::string result_line(const std::string& text, std::string_view name) {
  for (const std::string& l : lines_of(text)) {
    if (l.starts_with("#")) continue;
    const std::size_t a = l.find(' ', l.starts_with("not ") ? 7 : 3);
    if (a == std::string::npos) continue;
    const std::string_view rest = std::string_view(l).substr(a + 1);
    if (rest == name || rest.starts_with(std::string(name) + ' ')) return l;
  }
  return "";
}

TEST_CASE("check ktap - every line of every sample is a valid KTAP version 1 line") {
  for (const CheckResult& r : {holds(), violated(), unknown()}) {
    const std::string text = ktap(r);
    CAPTURE(text);
    CHECK(ktap_problem(text) == "");
  }
}

TEST_CASE("check ktap - the line checker refuses what is not KTAP") {
  CHECK(ktap_problem("KTAP version 1\n1..1\nok 1 a\n") == "");
  CHECK(ktap_problem("TAP version 13\n1..1\nok 1 a\n") != "");
  CHECK(ktap_problem("KTAP version 1\n1..2\nok 1 a\n") != "");
  CHECK(ktap_problem("KTAP version 1\n1..1\nok 2 a\n") != "");
  CHECK(ktap_problem("KTAP version 1\n1..1\npassed 1 a\n") != "");
  CHECK(ktap_problem("KTAP version 1\n1..1\nnot ok 1 a # SKIP why\n") != "");
  CHECK(ktap_problem("KTAP version 1\n1..1\nok 1 a\n# b\r\n") != "");
}

TEST_CASE("check ktap - the version line, then a plan of one test per rule in registry order") {
  const std::string text = ktap(holds());
  const std::vector<std::string> lines = lines_of(text);
  REQUIRE(lines.size() > 2);
  CHECK(lines[0] == "KTAP version 1");
  CHECK(lines[1] == "1.." + std::to_string(check::kRules.size()));
  std::size_t n = 0;
  for (const std::string& l : lines) {
    if (l.starts_with("#") || (!l.starts_with("ok ") && !l.starts_with("not ok "))) continue;
    REQUIRE(n < check::kRules.size());
    CHECK(l == "ok " + std::to_string(n + 1) + ' ' + std::string(check::kRules[n].name));
    ++n;
  }
  CHECK(n == check::kRules.size());
}

TEST_CASE("check ktap - holds is ok, not applicable is a SKIP with its reason, unknown is not ok with its reason") {
  const std::string text = ktap(unknown());
  CHECK(result_line(text, "canonical") == "ok 1 canonical");
  CHECK(result_line(text, "region-rights") == "not ok 6 region-rights # unknown: ptdump does not show the PCD bit");
  CHECK(result_line(text, "recursive-slot") == "ok 13 recursive-slot # SKIP needs raw memory");
  CHECK(result_line(text, "page-table-exposure") == "ok 15 page-table-exposure # SKIP needs raw memory");
  CheckResult r = holds();
  rule(r, RuleId::kWx).status = Status::kUnknown;
  rule(r, RuleId::kWx).detail = "";
  CHECK(result_line(ktap(r), "wx") == "not ok 5 wx # unknown: not decided");
}

TEST_CASE("check ktap - a violated rule is not ok after diagnostic lines listing its violations") {
  const std::string text = ktap(violated());
  CHECK(result_line(text, "wx") == "not ok 5 wx");
  CHECK(result_line(text, "user-kernel-split") == "not ok 3 user-kernel-split");
  CHECK(result_line(text, "page-table-exposure") ==
        "not ok 15 page-table-exposure # unknown: solver timeout after 30 s");
  const std::string wx_diag =
      "# [0xffff888000200000, 0xffff888000400000) 2M region \"direct-map\" rights -rwx 2M at 0xffff888000201000: "
      "writable and executable; decided by the PD entry at 0x0000000002602008 = 0x00000000002000e3 (XD=0)\n";
  const std::size_t d = text.find(wx_diag);
  REQUIRE(d != std::string::npos);
  CHECK(text.find("not ok 5 wx\n") == d + wx_diag.size());
  // The message's quotes and '&' stay as they are: KTAP text needs no escaping but of line ends.
  CHECK(text.find("user page <U/S=1> in the \"kernel\" half & above") != std::string::npos);
}

TEST_CASE("check ktap - the violations of one rule are capped, with a count of the rest") {
  CheckResult r = violated();
  const Violation wx = r.violations[0];
  r.violations.clear();
  for (std::size_t i = 0; i < kKtapViolationLines + 5; ++i) r.violations.push_back(wx);
  rule(r, RuleId::kWx).violations = kKtapViolationLines + 7;  // two more than the run listed
  rule(r, RuleId::kUserKernelSplit).status = Status::kHolds;
  const std::string text = ktap(r);
  std::size_t listed = 0;
  for (const std::string& l : lines_of(text))
    if (l.starts_with("# [0xffff888000200000")) ++listed;
  CHECK(listed == kKtapViolationLines);
  CHECK(text.find("# ... and 7 more violations of wx not listed here\nnot ok 5 wx\n") != std::string::npos);
  CHECK(ktap_problem(text) == "");
}

TEST_CASE("check ktap - a rule whose every violation the baseline accepts is ok, as the exit code") {
  CheckResult r = violated();
  for (Violation& v : r.violations) v.baselined = true;
  const std::string text = ktap(r);
  CHECK(result_line(text, "wx") == "ok 5 wx # every violation accepted by the baseline");
  CHECK(text.find("(baselined)") != std::string::npos);
  CHECK(ktap_problem(text) == "");
}

TEST_CASE("check ktap - the summary and every assumption are diagnostic lines before the first result") {
  const CheckResult r = violated();
  const std::string text = ktap(r);
  const std::size_t first_result =
      text.find("\nok ") < text.find("\nnot ok ") ? text.find("\nok ") : text.find("\nnot ok ");
  const std::size_t summary = text.find("# " + r.summary_line() + '\n');
  REQUIRE(summary != std::string::npos);
  CHECK(summary < first_result);
  const std::size_t assumed = text.find(
      "# assumed: MAXPHYADDR is unknown (36 to 52 bits) (not in the dump); it changes nothing in this dump\n");
  REQUIRE(assumed != std::string::npos);
  CHECK(assumed < first_result);
  // Facts read from the dump or stated by a flag are no assumptions.
  CHECK(text.find("CR0.WP") == std::string::npos);
  CHECK(text.find("CR4.SMEP") == std::string::npos);
}

TEST_CASE("check ktap - text cannot end a line early and a reason cannot forge a directive") {
  CHECK(ktap_text("a#b\nc\rd", true) == "a_b c d");
  CHECK(ktap_text("a#b\nc", false) == "a#b c");
  CheckResult r = violated();
  r.violations[0].message = "two\nlines # and a hash";
  r.violations[0].region = "odd\r\nregion";
  rule(r, RuleId::kPageTableExposure).detail = "timeout\n# SKIP forged";
  const std::string text = ktap(r);
  CHECK(ktap_problem(text) == "");
  CHECK(text.find("two lines # and a hash") != std::string::npos);
  CHECK(result_line(text, "page-table-exposure") == "not ok 15 page-table-exposure # unknown: timeout _ SKIP forged");
}

}  // namespace
}  // namespace ptv
