// docs/check.md against the code it documents. Strategy: the rule registry is the truth, so the
// test fails when the docs' rule table lacks a row for a rule of kRules, has a row that differs
// from it (name, applicability, description) or names a rule that does not exist, printing the
// table to paste; then every key the JSON report writes must be documented, and the sections the
// CI workflow relies on must exist.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "verifier/base/compressed.h"
#include "verifier/checks/rules.h"
#include "verifier/report/check_json.h"
#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

std::string check_md() {
  const std::string path = std::string(PTV_FIXTURES_DIR) + "/../../docs/check.md";
  auto r = read_whole_file(path);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

std::string rule_row(const check::RuleInfo& info) {
  return "| `" + std::string(info.name) + "` | " + (info.raw_only ? "raw dumps" : "all dumps") + " | " +
         std::string(info.description) + " |";
}

/// The "## Rules" section, up to the next "## ".
std::string rules_section(const std::string& md) {
  const std::size_t start = md.find("\n## Rules\n");
  REQUIRE_MESSAGE(start != std::string::npos, "docs/check.md has no \"## Rules\" section");
  const std::size_t end = md.find("\n## ", start + 1);
  return md.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST_CASE("docs - check.md has a table row for every rule of kRules, as the registry says") {
  const std::string section = rules_section(check_md());
  std::string table = "| rule | applies to | description |\n|---|---|---|\n";
  for (const check::RuleInfo& info : check::kRules) table += rule_row(info) + '\n';
  for (const check::RuleInfo& info : check::kRules) {
    CAPTURE(info.name);
    CHECK_MESSAGE(section.find('\n' + rule_row(info) + '\n') != std::string::npos,
                  "docs/check.md, \"## Rules\": a row is missing or differs; the table should read:\n"
                      << table);
  }
  // Every row names a rule that exists.
  std::istringstream in(section);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("| `")) continue;
    const std::string name = line.substr(3, line.find('`', 3) - 3);
    CHECK_MESSAGE(check::rule_from_name(name).has_value(), "docs/check.md names a rule kRules lacks: " << name);
  }
}

void collect_keys(const nlohmann::ordered_json& j, std::set<std::string>& keys) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      keys.insert(k);
      // Parameter names are data, not schema (the keys of "parameter_sources"' entries are
      // those of a fact's, documented there).
      if (k != "parameters" && k != "parameter_sources") collect_keys(v, keys);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_keys(v, keys);
  }
}

TEST_CASE("docs - check.md documents every key of the JSON report") {
  std::ostringstream os;
  write_check_json(checktest::violated(), os);
  std::set<std::string> keys;
  collect_keys(nlohmann::ordered_json::parse(os.str()), keys);
  CHECK(keys.size() > 20);
  const std::string md = check_md();
  for (const std::string& k : keys)
    CHECK_MESSAGE(md.find("| `" + k + "` |") != std::string::npos, "undocumented key " << k);
}

TEST_CASE("docs - check.md has the sections users and CI rely on") {
  const std::string md = check_md();
  for (const char* heading : {"\n## Exit codes\n", "\n## Text report\n", "\n## JSON report\n", "\n## SARIF\n",
                              "\n## JUnit XML\n", "\n## Baselines\n", "\n## Rules\n", "\n## How check decides\n"})
    CHECK_MESSAGE(md.find(heading) != std::string::npos, "missing section" << heading);
  for (const char* code : {"| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |"}) CHECK(md.find(code) != std::string::npos);
}

}  // namespace
}  // namespace ptv
