// The SARIF check report. Strategy: the structure SARIF 2.1.0 and code-scanning UIs need is
// checked field by field on the written JSON (the whole log is validated against the OASIS schema
// by the schema/sarif test, tests/schema/): the log header, the driver with one rule per kRules
// entry whose helpUri names a heading of a file in the source tree, one result per violation
// pointing back at its rule, with level and baselineState following --baseline, located at its
// region's line in the spec when known and at the dump otherwise, the range and region as
// logical location; unknown rules as notifications; the artifact URI encoding.
#include "verifier/report/check_sarif.h"

#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;
using Json = nlohmann::ordered_json;  // (std::map-based json trips a false g++ 12 -Warray-bounds)

Json sarif(const CheckResult& r) {
  std::ostringstream os;
  write_check_sarif(r, os);
  return Json::parse(os.str());
}

TEST_CASE("check sarif - the log header and the driver with one rule per registry entry") {
  const Json log = sarif(holds());
  CHECK(log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json");
  CHECK(log["version"] == "2.1.0");
  REQUIRE(log["runs"].is_array());
  REQUIRE(log["runs"].size() == 1);
  const Json& driver = log["runs"][0]["tool"]["driver"];
  CHECK(driver["name"] == "ptverify");
  CHECK(driver["informationUri"] == "docs/check.md");
  REQUIRE(driver["rules"].size() == check::kRules.size());
  for (std::size_t i = 0; i < check::kRules.size(); ++i) {
    CAPTURE(i);
    CHECK(driver["rules"][i]["id"] == check::kRules[i].name);
    CHECK(driver["rules"][i]["shortDescription"]["text"] == check::kRules[i].description);
    CHECK(driver["rules"][i]["defaultConfiguration"]["level"] == "error");
    CHECK(driver["rules"][i]["helpUri"] == "docs/check.md#rule-" + std::string(check::kRules[i].name));
  }
  CHECK(sarif_help_uri(RuleId::kWx) == "docs/check.md#rule-wx");
  CHECK(log["runs"][0]["results"] == Json::array());
  CHECK(log["runs"][0]["properties"]["verdict"] == "holds");
  CHECK(log["runs"][0]["invocations"][0]["executionSuccessful"] == true);
  CHECK(log["runs"][0]["invocations"][0]["exitCode"] == 0);
}

TEST_CASE("check sarif - one result per violation, pointing at its rule, the dump and the range") {
  const CheckResult r = violated();
  const Json log = sarif(r);
  const Json& run = log["runs"][0];
  REQUIRE(run["results"].size() == r.violations.size());
  for (std::size_t i = 0; i < r.violations.size(); ++i) {
    CAPTURE(i);
    const Json& res = run["results"][i];
    const Violation& v = r.violations[i];
    CHECK(res["ruleId"] == check::rule_info(v.rule).name);
    CHECK(run["tool"]["driver"]["rules"][res["ruleIndex"].get<std::size_t>()]["id"] == res["ruleId"]);
    CHECK(res["level"] == "error");
    CHECK(res["baselineState"] == "new");
    CHECK(res["message"]["text"].get<std::string>().starts_with(v.message));
    REQUIRE(res["locations"].size() == 1);
    CHECK(res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "captures/core.slice.elf");
    REQUIRE(res["locations"][0]["logicalLocations"].size() == 1);
    CHECK(res["partialFingerprints"]["ptverify/v1"] == v.fingerprint);
  }
  const Json& wx = run["results"][0];
  CHECK(wx["message"]["text"] ==
        "writable and executable. Addresses [0xffff888000200000, 0xffff888000400000) (2M) in region \"direct-map\", "
        "rights -rwx 2M, e.g. 0xffff888000201000; decided by the PD entry at 0x0000000002602008 = 0x00000000002000e3 "
        "(XD=0).");
  CHECK(wx["locations"][0]["logicalLocations"][0]["name"] == "0xffff888000200000-0xffff888000400000");
  CHECK(wx["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] ==
        "direct-map:[0xffff888000200000, 0xffff888000400000)");
  CHECK(wx["properties"] == Json::parse(R"({"address": "0xffff888000201000", "start": "0xffff888000200000",
      "end": "0xffff888000400000", "rights": "-rwx 2M", "region": "direct-map", "phys": "0x0000000000200000"})"));
  CHECK(run["results"][1]["properties"]["end"] == "0x10000000000000000");
  CHECK(run["results"][1]["properties"]["phys"].is_null());
  CHECK(run["artifacts"][0]["location"]["uri"] == "captures/core.slice.elf");
  CHECK(run["properties"]["verdict"] == "violated");
  CHECK(run["invocations"][0]["exitCode"] == 1);
}

/// GitHub's anchor of a Markdown heading's text: lowercased, spaces to '-', every other
/// character but letters, digits, '-' and '_' dropped.
std::string github_anchor(std::string_view heading) {
  std::string a;
  for (char c : heading) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_')
      a += static_cast<char>(std::tolower(u));
    else if (c == ' ')
      a += '-';
  }
  return a;
}

TEST_CASE("check sarif - every rule's helpUri names a file of the source tree and a heading in it") {
  CHECK(github_anchor("Rule `wx`") == "rule-wx");
  CHECK(github_anchor("How check decides") == "how-check-decides");
  CHECK(github_anchor("JUnit XML") == "junit-xml");
  const std::filesystem::path root = std::filesystem::path(PTV_FIXTURES_DIR) / ".." / "..";
  const Json rules = sarif(holds())["runs"][0]["tool"]["driver"]["rules"];
  const auto info = sarif(holds())["runs"][0]["tool"]["driver"]["informationUri"].get<std::string>();
  CHECK(std::filesystem::is_regular_file(root / info));
  for (const Json& rule_json : rules) {
    const auto uri = rule_json["helpUri"].get<std::string>();
    CAPTURE(uri);
    const std::size_t hash = uri.find('#');
    REQUIRE(hash != std::string::npos);
    const std::filesystem::path file = root / uri.substr(0, hash);
    REQUIRE(std::filesystem::is_regular_file(file));
    std::ifstream in(file);
    std::set<std::string> anchors;
    for (std::string line; std::getline(in, line);) {
      const std::size_t level = line.find_first_not_of('#');
      if (level == 0 || level == std::string::npos || line[level] != ' ') continue;
      anchors.insert(github_anchor(std::string_view(line).substr(level + 1)));
    }
    CHECK(anchors.count(uri.substr(hash + 1)) == 1);
  }
}

TEST_CASE("check sarif - a violation in a region the spec file defines points at that line") {
  CheckResult r = violated();
  r.spec_lines = {{"direct-map", 42}, {"other", 7}};
  const Json run = sarif(r)["runs"][0];
  REQUIRE(run["results"].size() == 2);
  const Json& wx = run["results"][0];
  CHECK(wx["locations"][0]["physicalLocation"] ==
        Json::parse(R"({"artifactLocation": {"uri": "specs/linux-6.1.json"}, "region": {"startLine": 42}})"));
  // The logical location stays, and the dump becomes a related location.
  CHECK(wx["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] ==
        "direct-map:[0xffff888000200000, 0xffff888000400000)");
  REQUIRE(wx["relatedLocations"].size() == 1);
  CHECK(wx["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "captures/core.slice.elf");
  // "fixmap" has no known line: the dump, as before, and no related location.
  const Json& uk = run["results"][1];
  CHECK(uk["locations"][0]["physicalLocation"] ==
        Json::parse(R"({"artifactLocation": {"uri": "captures/core.slice.elf"}})"));
  CHECK(!uk.contains("relatedLocations"));
  // Both files are artifacts: the dump first, as before.
  REQUIRE(run["artifacts"].size() == 2);
  CHECK(run["artifacts"][0]["location"]["uri"] == "captures/core.slice.elf");
  CHECK(run["artifacts"][1]["location"]["uri"] == "specs/linux-6.1.json");
  // With no line known, the spec is no artifact.
  CHECK(sarif(violated())["runs"][0]["artifacts"].size() == 1);
  // An absolute spec path becomes a file URI.
  r.spec = "/etc/ptverify/my spec.json";
  CHECK(sarif(r)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "file:///etc/ptverify/my%20spec.json");
}

TEST_CASE("check sarif - a region written in a base the spec extends points at the base file's line") {
  CheckResult r = violated();
  r.spec_lines = {{"direct-map", 12}};
  r.spec_files = {{"direct-map", "specs/linux-x86_64-4level.json"}};
  const Json run = sarif(r)["runs"][0];
  CHECK(run["results"][0]["locations"][0]["physicalLocation"] ==
        Json::parse(R"({"artifactLocation": {"uri": "specs/linux-x86_64-4level.json"}, "region": {"startLine": 12}})"));
  // The base is the artifact, not the extending spec no result points at.
  REQUIRE(run["artifacts"].size() == 2);
  CHECK(run["artifacts"][1]["location"]["uri"] == "specs/linux-x86_64-4level.json");
}

TEST_CASE("check sarif - a baselined violation is a note with baselineState unchanged") {
  CheckResult r = violated();
  r.violations[1].baselined = true;
  const Json results = sarif(r)["runs"][0]["results"];
  CHECK(results[0]["level"] == "error");
  CHECK(results[0]["baselineState"] == "new");
  CHECK(results[1]["level"] == "note");
  CHECK(results[1]["baselineState"] == "unchanged");
}

TEST_CASE("check sarif - unknown rules and assumptions are notifications of the invocation, never silent") {
  const Json inv = sarif(violated())["runs"][0]["invocations"][0];
  REQUIRE(inv["toolExecutionNotifications"].size() == 2);
  const Json& assumed = inv["toolExecutionNotifications"][1];
  CHECK(assumed["level"] == "note");  // MAXPHYADDR assumed, but it changes nothing in this dump
  CHECK(assumed["properties"]["fact"] == "maxphyaddr");
  CHECK(assumed["message"]["text"] ==
        "Assumed: MAXPHYADDR is unknown (36 to 52 bits) (not in the dump); it changes nothing in this dump.");
  const Json& n = inv["toolExecutionNotifications"][0];
  CHECK(n["level"] == "warning");
  CHECK(n["associatedRule"]["id"] == "page-table-exposure");
  CHECK(n["associatedRule"]["index"] == static_cast<int>(RuleId::kPageTableExposure));
  CHECK(n["message"]["text"] ==
        "Rule page-table-exposure is unknown (neither proved nor violated): solver timeout after 30 s");
  const Json unknown_run = sarif(unknown())["runs"][0];
  CHECK(unknown_run["invocations"][0]["exitCode"] == 3);
  CHECK(unknown_run["properties"]["verdict"] == "unknown");
  CheckResult all_read = holds();
  all_read.facts.clear();
  CHECK(!sarif(all_read)["runs"][0]["invocations"][0].contains("toolExecutionNotifications"));
}

TEST_CASE("check sarif - the dump path becomes a URI reference") {
  CHECK(sarif_artifact_uri("captures/core.elf") == "captures/core.elf");
  CHECK(sarif_artifact_uri("/tmp/a b/core#1.elf") == "file:///tmp/a%20b/core%231.elf");
  CHECK(sarif_artifact_uri("x%y\xc3\xa9") == "x%25y%C3%A9");
  CheckResult r = holds();
  r.dump = "ptdump kernel.txt";
  r.violations = violated().violations;
  CHECK(sarif(r)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "ptdump%20kernel.txt");
}

}  // namespace
}  // namespace ptv
