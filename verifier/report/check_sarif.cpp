#include "verifier/report/check_sarif.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/format.h"
#include "verifier/mapping/facts.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

using Json = nlohmann::ordered_json;
using check::CheckResult;
using check::RuleResult;
using check::Status;
using check::Violation;

/// The violation told in one paragraph: what a code-scanning UI shows as the alert.
std::string message_text(const Violation& v) {
  std::string s = v.message;
  if (!s.empty() && s.back() != '.') s += '.';
  s += (s.empty() ? "" : " ") + std::string("Addresses ") + range_text(v.range) + " (" +
       format_size(v.range.size_or_zero()) + ")";
  if (!v.region.empty()) s += " in region \"" + v.region + '"';
  s += where_phrase(v);
  if (const std::string rights = violation_rights_text(v.rights); !rights.empty()) s += ", rights " + rights;
  s += ", e.g. " + hex16(v.address.value());
  for (const check::WalkLevel& w : v.walk) {
    if (!w.deciding) continue;
    s += "; decided by the " + std::string(check::level_name(w)) + " entry at " + hex16(w.entry_address) + " = " +
         hex16(w.raw);
    if (!w.deciding_bits.empty()) s += " (" + w.deciding_bits + ')';
  }
  return s + '.';
}

/// Where a result points: the dump, and the spec file when it is known and read from a file.
struct Artifacts {
  std::string dump_uri;
  std::string spec_uri;
  const std::map<std::string, unsigned>* spec_lines = nullptr;
  const std::map<std::string, std::string>* spec_files = nullptr;  ///< regions written in a base spec
};

Json physical(const std::string& uri, std::optional<unsigned> line) {
  Json p;
  p["artifactLocation"]["uri"] = uri;
  if (line) p["region"]["startLine"] = *line;
  return p;
}

Json result_json(const Violation& v, const Artifacts& a) {
  const check::RuleInfo& info = check::rule_info(v.rule);
  Json j;
  j["ruleId"] = info.name;
  j["ruleIndex"] = static_cast<unsigned>(info.id);
  // SARIF 2.1.0 §3.27.10 level, §3.27.24 baselineState.
  j["level"] = v.baselined ? "note" : "error";
  j["baselineState"] = v.baselined ? "unchanged" : "new";
  j["message"]["text"] = message_text(v);
  // A code-scanning UI shows an alert at its first location's file and line: the region's
  // definition in the spec when the spec gives one, with the dump as a related location; the
  // dump alone otherwise (an address has no line in it).
  std::optional<unsigned> spec_line;
  if (a.spec_lines && !v.region.empty() && !a.spec_uri.empty())
    if (auto it = a.spec_lines->find(v.region); it != a.spec_lines->end()) spec_line = it->second;
  // A region written in a base the spec extends is in that file.
  std::string spec_uri = a.spec_uri;
  if (spec_line && a.spec_files)
    if (auto it = a.spec_files->find(v.region); it != a.spec_files->end()) spec_uri = sarif_artifact_uri(it->second);
  Json location;
  location["physicalLocation"] = spec_line ? physical(spec_uri, spec_line) : physical(a.dump_uri, std::nullopt);
  Json logical;
  logical["name"] = hex16(v.range.first.value()) + '-' + hex_end(v.range);
  logical["fullyQualifiedName"] = (v.region.empty() ? std::string() : v.region + ':') + range_text(v.range);
  location["logicalLocations"] = Json::array({logical});
  j["locations"] = Json::array({location});
  if (spec_line) {
    Json dump;
    dump["id"] = 0;
    dump["physicalLocation"] = physical(a.dump_uri, std::nullopt);
    dump["message"]["text"] = "The dump whose translations break the rule.";
    j["relatedLocations"] = Json::array({dump});
  }
  if (!v.fingerprint.empty()) j["partialFingerprints"]["ptverify/v1"] = v.fingerprint;
  Json& p = j["properties"];
  p["address"] = hex16(v.address.value());
  p["start"] = hex16(v.range.first.value());
  p["end"] = hex_end(v.range);
  p["rights"] = violation_rights_text(v.rights);
  p["region"] = v.region;
  p["phys"] = v.phys ? Json(hex16(*v.phys)) : Json(nullptr);
  return j;
}

}  // namespace

std::string sarif_artifact_uri(std::string_view path) {
  // RFC 3986 §2.3 unreserved characters, plus '/' as the path separator.
  auto keep = [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '/';
  };
  std::string out = !path.empty() && path.front() == '/' ? "file://" : "";
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (keep(c)) {
      out += ch;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string sarif_help_uri(check::RuleId id) {
  // GitHub's anchor of "### Rule `NAME`": lowercased, the backquotes dropped, the space a '-';
  // rule names are lowercase letters and '-' already.
  return std::string(kSarifInformationUri) + "#rule-" + std::string(check::rule_info(id).name);
}

namespace {

/// The tool's driver: its name and the rule registry.
Json driver_json() {
  Json driver;
  driver["name"] = "ptverify";
  driver["informationUri"] = kSarifInformationUri;
  Json& rules = driver["rules"] = Json::array();
  for (const check::RuleInfo& info : check::kRules) {
    Json d;
    d["id"] = info.name;
    d["shortDescription"]["text"] = info.description;
    d["helpUri"] = sarif_help_uri(info.id);
    d["defaultConfiguration"]["level"] = "error";
    d["properties"]["raw_only"] = info.raw_only;
    rules.push_back(std::move(d));
  }
  return driver;
}

/// The invocation, with a notification per unknown rule and per fact not read from the dump.
Json invocation_json(const CheckResult& r) {
  Json invocation;
  invocation["executionSuccessful"] = true;
  invocation["exitCode"] = static_cast<int>(r.exit_code());
  Json notifications = Json::array();
  for (const RuleResult& rr : r.rules) {
    if (rr.status != Status::kUnknown) continue;
    const check::RuleInfo& info = check::rule_info(rr.rule);
    Json n;
    n["level"] = "warning";
    n["message"]["text"] = "Rule " + std::string(info.name) + " is unknown (neither proved nor violated)" +
                           (rr.detail.empty() ? std::string(".") : ": " + rr.detail);
    n["associatedRule"]["id"] = info.name;
    n["associatedRule"]["index"] = static_cast<unsigned>(info.id);
    notifications.push_back(std::move(n));
  }
  // Every assumption is visible too: a fact not read from the dump that verdicts rest on.
  for (const Fact& f : r.facts) {
    if (fact_known(f)) continue;
    Json n;
    n["level"] = f.matters ? "warning" : "note";
    n["message"]["text"] = std::string(f.source == FactSource::kBlind ? "Blind spot: " : "Assumed: ") +
                           std::string(fact_name(f.id)) + " is " + f.value + " (" + f.origin + ")" +
                           (f.matters ? "." : "; it changes nothing in this dump.");
    n["properties"]["fact"] = std::string(fact_key(f.id));
    notifications.push_back(std::move(n));
  }
  if (!notifications.empty()) invocation["toolExecutionNotifications"] = std::move(notifications);
  return invocation;
}

/// The run's ptverify properties: verdict, parameters, facts and what each rule rests on.
Json properties_json(const CheckResult& r) {
  Json p;
  p["verdict"] = check::to_string(r.verdict());
  p["complete"] = r.complete;
  p["summary"] = r.summary_line();
  p["spec"] = r.spec;
  p["mode"] = check::mode_name(r);
  Json& params = p["parameters"] = Json::object();
  for (const check::Parameter& param : r.parameters) params[param.name] = hex16(param.value);
  p["parameters_admissible"] = r.parameters_admissible;
  // Built apart and then inserted: ordered_json holds its members in a vector, so a reference
  // to one member does not survive inserting another.
  Json facts = Json::array(), assumptions = Json::array();
  for (const Fact& f : r.facts) {
    facts.push_back(Json{{"id", std::string(fact_key(f.id))},
                         {"source", std::string(to_string(f.source))},
                         {"value", f.value},
                         {"origin", f.origin},
                         {"matters", f.matters}});
    if (f.source != FactSource::kDump) assumptions.push_back(std::string(fact_key(f.id)));
  }
  p["facts"] = std::move(facts);
  p["assumptions"] = std::move(assumptions);
  Json uses = Json::object();
  for (const RuleResult& rr : r.rules) {
    Json u = Json::array();
    for (FactId id : rr.uses) u.push_back(std::string(fact_key(id)));
    uses[std::string(check::rule_info(rr.rule).name)] = std::move(u);
  }
  p["rule_facts"] = std::move(uses);
  return p;
}

}  // namespace

void write_check_sarif(const CheckResult& r, std::ostream& os) {
  Json log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  Json run;
  run["tool"]["driver"] = driver_json();
  const Artifacts a{sarif_artifact_uri(r.dump), r.spec.empty() ? std::string() : sarif_artifact_uri(r.spec),
                    &r.spec_lines, &r.spec_files};
  run["invocations"] = Json::array({invocation_json(r)});
  Json artifacts = Json::array({Json{{"location", Json{{"uri", a.dump_uri}}}}});
  Json results = Json::array();
  std::vector<std::string> spec_files;  // the spec files results point at, in order of first use
  for (const Violation& v : r.violations) {
    results.push_back(result_json(v, a));
    if (!results.back().contains("relatedLocations")) continue;
    const std::string uri = results.back()["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    if (std::find(spec_files.begin(), spec_files.end(), uri) == spec_files.end()) spec_files.push_back(uri);
  }
  for (const std::string& uri : spec_files) artifacts.push_back(Json{{"location", Json{{"uri", uri}}}});
  run["artifacts"] = std::move(artifacts);
  run["results"] = std::move(results);
  run["properties"] = properties_json(r);
  log["runs"] = Json::array({run});
  os << log.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace ptv
