#include "verifier/report/check_json.h"

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "models/format.h"
#include "verifier/base/compressed.h"
#include "verifier/base/json_read.h"
#include "verifier/checks/baseline.h"
#include "verifier/checks/replay.h"
#include "verifier/report/text.h"
#include "verifier/report/violation_rights.h"

namespace ptv {

namespace {

// ordered_json keeps the written key order, and keeps "parameters" in the order of the vector so
// that a round trip is exact.
using Json = nlohmann::ordered_json;
using check::CheckResult;
using check::RuleResult;
using check::Status;
using check::Violation;
using check::WalkLevel;

// ---------------------------------------------------------------------------------------------
// Writer.

Json walk_json(const WalkLevel& w) {
  Json j;
  j["level"] = check::level_name(w);
  j["table"] = hex16(w.table);
  j["index"] = w.index;
  j["entry_address"] = hex16(w.entry_address);
  j["raw"] = hex16(w.raw);
  j["decoded"] = w.decoded;
  j["deciding"] = w.deciding;
  j["deciding_bits"] = w.deciding_bits;
  return j;
}

Json place_json(const check::Place& p) {
  Json j;
  j["symbol"] = p.symbol;
  j["section"] = p.section;
  j["area"] = p.area;
  return j;
}

Json violation_json(const Violation& v) {
  Json j;
  j["rule"] = check::rule_info(v.rule).name;
  j["region"] = v.region;
  j["address"] = hex16(v.address.value());
  j["start"] = hex16(v.range.first.value());
  j["end"] = hex_end(v.range);
  j["rights"] = violation_rights_text(v.rights);
  j["message"] = v.message;
  j["phys"] = v.phys ? Json(hex16(*v.phys)) : Json(nullptr);
  j["fingerprint"] = v.fingerprint;
  j["baselined"] = v.baselined;
  Json& walk = j["walk"] = Json::array();
  for (const WalkLevel& w : v.walk) walk.push_back(walk_json(w));
  Json places;
  places["first"] = place_json(v.first_place);
  places["last"] = place_json(v.last_place);
  j["places"] = std::move(places);
  return j;
}

// ---------------------------------------------------------------------------------------------
// Reader: the shared JSON checks (verifier/base/json_read.h), plus the report's values. Every
// object must have all of its keys (exact_object).

class Reader : public JsonReader<Json> {
 public:
  using JsonReader::JsonReader;

  check::RuleId rule(const Json& j, const std::string& ptr) const {
    if (j.is_string())
      if (const auto id = check::rule_from_name(j.get_ref<const std::string&>())) return *id;
    fail(ptr, "a rule name such as \"wx\" (docs/check.md, \"Rules\")", &j);
  }
  Status status(const Json& j, const std::string& ptr) const {
    for (Status s : {Status::kHolds, Status::kViolated, Status::kUnknown, Status::kNotApplicable})
      if (j.is_string() && j.get_ref<const std::string&>() == check::to_string(s)) return s;
    fail(ptr, "\"holds\", \"violated\", \"unknown\" or \"not-applicable\"", &j);
  }
};

WalkLevel read_walk(const Reader& rd, const Json& j, const std::string& p) {
  rd.exact_object(j, p, {"level", "table", "index", "entry_address", "raw", "decoded", "deciding", "deciding_bits"});
  WalkLevel w;
  const std::string level = rd.string(j.at("level"), p + "/level");
  w.level = level_from_name(level);
  if (!w.level) w.unknown_level = level;  // told back as read; check_saved_walk refuses it
  w.table = rd.hex64(j.at("table"), p + "/table");
  w.index = static_cast<unsigned>(rd.unsigned_num(j.at("index"), p + "/index", 511));
  w.entry_address = rd.hex64(j.at("entry_address"), p + "/entry_address");
  w.raw = rd.hex64(j.at("raw"), p + "/raw");
  w.decoded = rd.string(j.at("decoded"), p + "/decoded");
  w.deciding = rd.boolean(j.at("deciding"), p + "/deciding");
  w.deciding_bits = rd.string(j.at("deciding_bits"), p + "/deciding_bits");
  return w;
}

check::Place read_place(const Reader& rd, const Json& j, const std::string& p) {
  rd.exact_object(j, p, {"symbol", "section", "area"});
  return check::Place{rd.string(j.at("symbol"), p + "/symbol"), rd.string(j.at("section"), p + "/section"),
                      rd.string(j.at("area"), p + "/area")};
}

Violation read_violation(const Reader& rd, const Json& j, const std::string& p, std::int64_t version) {
  if (version < 3)
    rd.exact_object(
        j, p,
        {"rule", "region", "address", "start", "end", "rights", "message", "phys", "fingerprint", "baselined", "walk"});
  else
    rd.exact_object(j, p,
                    {"rule", "region", "address", "start", "end", "rights", "message", "phys", "fingerprint",
                     "baselined", "walk", "places"});
  Violation v;
  v.rule = rd.rule(j.at("rule"), p + "/rule");
  v.region = rd.string(j.at("region"), p + "/region");
  v.address = VirtAddr(rd.hex64(j.at("address"), p + "/address"));
  v.range = rd.range(j, p);
  if (!v.range.contains(v.address))
    rd.fail(p + "/address",
            "an address inside [start, end) = [" + hex16(v.range.first.value()) + ", " + hex_end(v.range) + ")",
            &j.at("address"));
  v.rights = rights_from_text(rd.string(j.at("rights"), p + "/rights"));
  v.message = rd.string(j.at("message"), p + "/message");
  if (const Json& phys = j.at("phys"); !phys.is_null()) v.phys = rd.hex64(phys, p + "/phys");
  v.fingerprint = rd.string(j.at("fingerprint"), p + "/fingerprint");
  v.baselined = rd.boolean(j.at("baselined"), p + "/baselined");
  rd.each(j, p, "walk", [&](const Json& w, const std::string& wp) { v.walk.push_back(read_walk(rd, w, wp)); });
  if (version >= 3) {
    const Json& places = j.at("places");
    rd.exact_object(places, p + "/places", {"first", "last"});
    v.first_place = read_place(rd, places.at("first"), p + "/places/first");
    v.last_place = read_place(rd, places.at("last"), p + "/places/last");
  }
  return v;
}

Fact read_fact(const Reader& rd, const Json& j, const std::string& p) {
  rd.exact_object(j, p, {"id", "source", "value", "origin", "matters"});
  const Json& id = j.at("id");
  const auto fid = id.is_string() ? fact_from_key(id.get_ref<const std::string&>()) : std::nullopt;
  if (!fid) rd.fail(p + "/id", "a fact id such as \"cr0.wp\" (docs/check.md, \"Assumptions\")", &id);
  const Json& src = j.at("source");
  const auto fsrc = src.is_string() ? fact_source_from(src.get_ref<const std::string&>()) : std::nullopt;
  if (!fsrc) rd.fail(p + "/source", "\"dump\", \"flag\", \"assumed\" or \"blind\"", &src);
  return Fact{*fid, *fsrc, rd.string(j.at("value"), p + "/value"), rd.string(j.at("origin"), p + "/origin"),
              rd.boolean(j.at("matters"), p + "/matters")};
}

/// The format version, after checking the top-level keys it allows (version 1, before facts,
/// is still read: its verdicts stand as they were written).
std::int64_t read_version(const Reader& rd, const Json& root) {
  const Json* version_json = root.is_object() && root.contains("format_version") ? &root.at("format_version") : nullptr;
  const std::int64_t version =
      version_json && version_json->is_number_integer() ? version_json->get<std::int64_t>() : 0;
  if (version == 1)
    rd.exact_object(
        root, "",
        {"format_version", "verdict", "complete", "summary", "dump", "dump_format", "spec", "mode", "parameters",
         "parameters_admissible", "rules", "violations", "notes", "seconds", "queries", "formula_nodes"});
  else if (version == 2)
    rd.exact_object(root, "",
                    {"format_version", "verdict", "complete", "summary", "dump", "dump_format", "spec", "mode",
                     "parameters", "parameters_admissible", "facts", "assumptions", "rules", "violations", "notes",
                     "seconds", "queries", "formula_nodes"});
  else
    rd.exact_object(root, "",
                    {"format_version", "verdict", "complete", "summary", "dump", "dump_format", "spec", "mode",
                     "parameters", "parameter_sources", "parameters_admissible", "facts", "assumptions", "rules",
                     "violations", "notes", "seconds", "queries", "formula_nodes"});
  if (version != 1 && version != 2 && version != kCheckJsonVersion)
    rd.fail("/format_version", "1, 2 or " + std::to_string(kCheckJsonVersion) + " (the versions this reader knows)",
            &root.at("format_version"));
  return version;
}

/// The facts, and the assumptions, which are derived from them: the reader checks they agree.
void read_facts(const Reader& rd, const Json& root, CheckResult& r) {
  rd.each(root, "", "facts", [&](const Json& j, const std::string& p) { r.facts.push_back(read_fact(rd, j, p)); });
  Json want = Json::array();
  for (const Fact& f : r.facts)
    if (f.source != FactSource::kDump) want.push_back(std::string(fact_key(f.id)));
  if (root.at("assumptions") != want)
    rd.fail("/assumptions", "the ids of the facts not read from the dump: " + want.dump(), &root.at("assumptions"));
}

/// One element of "rules"; from version 2 on, with the ids of the facts it uses.
RuleResult read_rule(const Reader& rd, const Json& j, const std::string& p, std::int64_t version,
                     const std::vector<Fact>& facts) {
  if (version == 1)
    rd.exact_object(j, p, {"rule", "status", "violations", "detail", "seconds"});
  else if (!j.is_object() || !j.contains("exceptions"))
    rd.exact_object(j, p, {"rule", "status", "violations", "detail", "seconds", "uses"});
  else
    rd.exact_object(j, p, {"rule", "status", "violations", "detail", "seconds", "uses", "exceptions"});
  RuleResult rr;
  rr.rule = rd.rule(j.at("rule"), p + "/rule");
  rr.status = rd.status(j.at("status"), p + "/status");
  rr.violations = rd.unsigned_num(j.at("violations"), p + "/violations", ~std::uint64_t{0});
  rr.detail = rd.string(j.at("detail"), p + "/detail");
  rr.seconds = rd.seconds(j.at("seconds"), p + "/seconds");
  if (version != 1)
    rd.each(j, p, "uses", [&](const Json& u, const std::string& up) {
      const auto id = u.is_string() ? fact_from_key(u.get_ref<const std::string&>()) : std::nullopt;
      if (!id || !find_fact(facts, *id)) rd.fail(up, "the id of one of the report's facts", &u);
      rr.uses.push_back(*id);
    });
  if (j.contains("exceptions"))
    rd.each(j, p, "exceptions", [&](const Json& x, const std::string& xp) {
      rd.exact_object(x, xp, {"region", "reason"});
      rr.exceptions.push_back(check::RuleExceptionNote{rd.string(x.at("region"), xp + "/region"),
                                                       rd.string(x.at("reason"), xp + "/reason")});
    });
  return rr;
}

/// Version 3: where each parameter's value comes from, one entry per parameter.
void read_parameter_sources(const Reader& rd, const Json& j, CheckResult& r) {
  const std::string p = "/parameter_sources";
  if (!j.is_object() || j.size() != r.parameters.size()) rd.fail(p, "an object with one entry per parameter", &j);
  for (check::Parameter& param : r.parameters) {
    const std::string pp = p + "/" + param.name;
    if (!j.contains(param.name)) rd.fail(p, "an entry for parameter " + param.name, &j);
    const Json& e = j.at(param.name);
    rd.object(e, pp, {"source", "origin", "admissible"});
    rd.required(e, pp, "source");
    rd.required(e, pp, "origin");
    const std::string src = rd.string(e.at("source"), pp + "/source");
    if (src == "inferred")
      param.source = check::ParameterSource::kInferred;
    else if (src == "given")
      param.source = check::ParameterSource::kGiven;
    else if (src == "read")
      param.source = check::ParameterSource::kRead;
    else
      rd.fail(pp + "/source", "\"inferred\", \"given\" or \"read\"", &e.at("source"));
    param.origin = rd.string(e.at("origin"), pp + "/origin");
    if (e.contains("admissible")) {
      const Json& a = e.at("admissible");
      const std::string ap = pp + "/admissible";
      rd.exact_object(a, ap, {"least", "greatest", "domain_values"});
      check::AdmissibleRange range;
      range.least = rd.hex64(a.at("least"), ap + "/least");
      range.greatest = rd.hex64(a.at("greatest"), ap + "/greatest");
      range.domain_values = rd.unsigned_num(a.at("domain_values"), ap + "/domain_values", ~std::uint64_t{0});
      if (range.least > range.greatest) rd.fail(ap, "least no greater than greatest", &a);
      param.admissible = range;
    }
  }
}

CheckResult read_root(const Json& root, const std::string& source, std::int64_t* version_read = nullptr) {
  const Reader rd(source);
  const std::int64_t version = read_version(rd, root);
  if (version_read) *version_read = version;

  CheckResult r;
  r.complete = rd.boolean(root.at("complete"), "/complete");
  rd.string(root.at("summary"), "/summary");
  r.dump = rd.string(root.at("dump"), "/dump");
  r.dump_format = rd.string(root.at("dump_format"), "/dump_format");
  r.spec = rd.string(root.at("spec"), "/spec");
  const std::string mode = rd.string(root.at("mode"), "/mode");
  r.mode = mode_from_name(mode);
  if (!r.mode) r.unknown_mode = mode;  // told back as read; read_check_json refuses walks under it
  const Json& params = root.at("parameters");
  if (!params.is_object()) rd.fail("/parameters", "an object mapping parameter names to hex strings", &params);
  for (const auto& [name, value] : params.items())
    r.parameters.push_back(check::Parameter{name, rd.hex64(value, "/parameters/" + name)});
  if (version >= 3) read_parameter_sources(rd, root.at("parameter_sources"), r);
  r.parameters_admissible = rd.boolean(root.at("parameters_admissible"), "/parameters_admissible");
  if (version != 1) read_facts(rd, root, r);
  rd.each(root, "", "rules",
          [&](const Json& j, const std::string& p) { r.rules.push_back(read_rule(rd, j, p, version, r.facts)); });
  rd.each(root, "", "violations",
          [&](const Json& j, const std::string& p) { r.violations.push_back(read_violation(rd, j, p, version)); });
  rd.each(root, "", "notes", [&](const Json& j, const std::string& p) { r.notes.push_back(rd.string(j, p)); });
  r.seconds = rd.seconds(root.at("seconds"), "/seconds");
  r.queries = rd.unsigned_num(root.at("queries"), "/queries", ~std::uint64_t{0});
  r.formula_nodes = rd.unsigned_num(root.at("formula_nodes"), "/formula_nodes", ~std::uint64_t{0});

  // The verdict is derived; a disagreeing one means the file was edited or written by a tool
  // with another lattice, and a baseline built on it would be wrong.
  const Json& verdict = root.at("verdict");
  const Status computed = r.verdict();
  if (verdict != check::to_string(computed))
    rd.fail("/verdict", std::string("\"") + check::to_string(computed) + "\" (what the rules and violations give)",
            &verdict);
  return r;
}

}  // namespace

void write_check_json(const CheckResult& r, std::ostream& os) {
  Json j;
  j["format_version"] = kCheckJsonVersion;
  j["verdict"] = check::to_string(r.verdict());
  j["complete"] = r.complete;
  j["summary"] = r.summary_line();
  j["dump"] = r.dump;
  j["dump_format"] = r.dump_format;
  j["spec"] = r.spec;
  j["mode"] = check::mode_name(r);
  Json& params = j["parameters"] = Json::object();
  for (const check::Parameter& p : r.parameters) params[p.name] = hex16(p.value);
  Json sources = Json::object();
  for (const check::Parameter& p : r.parameters) {
    Json e;
    e["source"] = std::string(check::to_string(p.source));
    e["origin"] = p.origin;
    if (p.admissible) {
      Json a;
      a["least"] = hex16(p.admissible->least);
      a["greatest"] = hex16(p.admissible->greatest);
      a["domain_values"] = p.admissible->domain_values;
      e["admissible"] = std::move(a);
    }
    sources[p.name] = std::move(e);
  }
  j["parameter_sources"] = std::move(sources);
  j["parameters_admissible"] = r.parameters_admissible;
  // Built apart and then inserted: ordered_json holds its members in a vector, so a reference
  // to one member does not survive inserting another.
  Json facts = Json::array(), assumptions = Json::array();
  for (const Fact& f : r.facts) {
    Json e;
    e["id"] = std::string(fact_key(f.id));
    e["source"] = std::string(to_string(f.source));
    e["value"] = f.value;
    e["origin"] = f.origin;
    e["matters"] = f.matters;
    facts.push_back(std::move(e));
    if (f.source != FactSource::kDump) assumptions.push_back(std::string(fact_key(f.id)));
  }
  j["facts"] = std::move(facts);
  j["assumptions"] = std::move(assumptions);
  Json& rules = j["rules"] = Json::array();
  for (const RuleResult& rr : r.rules) {
    Json e;
    e["rule"] = check::rule_info(rr.rule).name;
    e["status"] = check::to_string(rr.status);
    e["violations"] = rr.violations;
    e["detail"] = rr.detail;
    e["seconds"] = rr.seconds;
    Json& uses = e["uses"] = Json::array();
    for (FactId id : rr.uses) uses.push_back(std::string(fact_key(id)));
    if (!rr.exceptions.empty()) {
      Json& ex = e["exceptions"] = Json::array();
      for (const check::RuleExceptionNote& n : rr.exceptions)
        ex.push_back(Json{{"region", n.region}, {"reason", n.reason}});
    }
    rules.push_back(std::move(e));
  }
  Json& violations = j["violations"] = Json::array();
  for (const Violation& v : r.violations) violations.push_back(violation_json(v));
  j["notes"] = r.notes;
  j["seconds"] = r.seconds;
  j["queries"] = r.queries;
  j["formula_nodes"] = r.formula_nodes;
  os << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

Expected<CheckResult> parse_check_json(std::string_view content, const std::string& source) {
  return read_json<Json>(content, source, [&](const Json& root) { return read_root(root, source); });
}

Expected<CheckResult> read_check_json(std::string_view content, const std::string& source) {
  std::int64_t version = 0;
  auto r = read_json<Json>(content, source, [&](const Json& root) { return read_root(root, source, &version); });
  if (!r) return r;
  // A saved walk is recomputed from its own raw entries: a report whose walk text, levels or
  // rule disagree with them is refused rather than explained.
  const bool current = version >= 2;  // older reports marked the deciding entry otherwise
  for (std::size_t k = 0; k < r->violations.size(); ++k) {
    const check::Violation& v = r->violations[k];
    if (v.walk.empty()) continue;
    const std::string at = source + ":/violations/" + std::to_string(k) + "/walk: ";
    if (!r->mode)
      return Error{at + "the report's mode \"" + r->unknown_mode +
                   "\" is not 4-level or 5-level, so no walk can be checked"};
    if (const auto why = check::check_saved_walk(v, *r->mode, r->facts, current))
      return Error{at + *why + " (a saved walk must be what its own raw entries give)"};
  }
  return r;
}

Expected<std::vector<std::string>> load_baseline(const std::string& path) {
  auto content = read_whole_file(path);
  if (!content) return content.error();
  auto report = parse_check_json(*content, path);  // only the fingerprints are used, not the walks
  if (!report) return Error{report.error().message + " (a --baseline file is a `ptverify check --json FILE` report)"};
  std::vector<std::string> fingerprints;
  fingerprints.reserve(report->violations.size());
  for (const check::Violation& v : report->violations) fingerprints.push_back(fingerprint_of(v));
  return fingerprints;
}

}  // namespace ptv
