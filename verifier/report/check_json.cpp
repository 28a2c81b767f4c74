#include "verifier/report/check_json.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "verifier/ingest/text_scan.h"
#include "verifier/report/text.h"

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
  j["level"] = w.level;
  j["table"] = hex16(w.table);
  j["index"] = w.index;
  j["entry_address"] = hex16(w.entry_address);
  j["raw"] = hex16(w.raw);
  j["decoded"] = w.decoded;
  j["deciding"] = w.deciding;
  j["deciding_bits"] = w.deciding_bits;
  return j;
}

Json violation_json(const Violation& v) {
  Json j;
  j["rule"] = check::rule_info(v.rule).name;
  j["region"] = v.region;
  j["address"] = hex16(v.address.value());
  j["start"] = hex16(v.range.first.value());
  j["end"] = hex_end(v.range);
  j["rights"] = v.rights;
  j["message"] = v.message;
  j["phys"] = v.phys ? Json(hex16(*v.phys)) : Json(nullptr);
  j["fingerprint"] = v.fingerprint;
  j["baselined"] = v.baselined;
  Json& walk = j["walk"] = Json::array();
  for (const WalkLevel& w : v.walk) walk.push_back(walk_json(w));
  return j;
}

// ---------------------------------------------------------------------------------------------
// Reader: every value is checked where it is, and errors name its JSON Pointer.

class Reader {
 public:
  explicit Reader(const std::string& source) : source_(source) {}

  /// "SOURCE:/json/pointer: expected WHAT, found SHOWN" (SHOWN is JSON text, cut at 60 bytes).
  [[noreturn]] void fail(const std::string& ptr, std::string_view expected, const Json* found) const {
    std::string shown = found ? found->dump(-1, ' ', false, Json::error_handler_t::replace) : "nothing";
    if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
    throw text::ParseFailure{
        Error{source_ + ':' + (ptr.empty() ? "/" : ptr) + ": expected " + std::string(expected) + ", found " + shown}};
  }

  /// Requires j to be an object whose keys are all in `keys`, and each of them present.
  void object(const Json& j, const std::string& ptr, std::initializer_list<std::string_view> keys) const {
    if (!j.is_object()) fail(ptr, "an object", &j);
    for (const auto& [k, v] : j.items()) {
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
        std::string list;
        for (std::string_view key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
        fail(ptr + '/' + k, "only the keys " + list, &v);
      }
    }
    for (std::string_view key : keys)
      if (!j.contains(key)) fail(ptr + '/' + std::string(key), "a value (the key is required)", nullptr);
  }

  /// A "0x..." hex string below 2^64; with allow_top also exactly 2^64, which comes back empty.
  std::optional<std::uint64_t> hex(const Json& j, const std::string& ptr, bool allow_top = false) const {
    constexpr std::string_view kWhat = "a hex string such as \"0x1000\"";
    if (!j.is_string()) fail(ptr, kWhat, &j);
    const std::string& s = j.get_ref<const std::string&>();
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) fail(ptr, kWhat, &j);
    std::string_view digits(s);
    digits.remove_prefix(2);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (allow_top && digits == "10000000000000000") return std::nullopt;
    text::Cursor c(digits);
    const auto v = c.hex(16);
    if (!v || !c.at_end()) fail(ptr, allow_top ? "a hex string of at most 2^64" : "a hex string below 2^64", &j);
    return v;
  }
  std::uint64_t hex64(const Json& j, const std::string& ptr) const { return *hex(j, ptr); }

  std::uint64_t unsigned_num(const Json& j, const std::string& ptr, std::uint64_t max) const {
    if (!j.is_number_unsigned() && !(j.is_number_integer() && j.get<std::int64_t>() >= 0))
      fail(ptr, "a non-negative integer", &j);
    const auto v = j.get<std::uint64_t>();
    if (v > max) fail(ptr, "an integer at most " + std::to_string(max), &j);
    return v;
  }
  double seconds(const Json& j, const std::string& ptr) const {
    if (!j.is_number() || j.get<double>() < 0) fail(ptr, "a non-negative number of seconds", &j);
    return j.get<double>();
  }
  std::string string(const Json& j, const std::string& ptr) const {
    if (!j.is_string()) fail(ptr, "a string", &j);
    return j.get<std::string>();
  }
  bool boolean(const Json& j, const std::string& ptr) const {
    if (!j.is_boolean()) fail(ptr, "true or false", &j);
    return j.get<bool>();
  }
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
  template <class F>
  void each(const Json& obj, const std::string& ptr, const char* key, F f) const {
    const Json& arr = obj.at(key);
    const std::string p = ptr + '/' + key;
    if (!arr.is_array()) fail(p, "an array", &arr);
    for (std::size_t i = 0; i < arr.size(); ++i) f(arr[i], p + '/' + std::to_string(i));
  }

 private:
  const std::string& source_;
};

WalkLevel read_walk(const Reader& rd, const Json& j, const std::string& p) {
  rd.object(j, p, {"level", "table", "index", "entry_address", "raw", "decoded", "deciding", "deciding_bits"});
  WalkLevel w;
  w.level = rd.string(j.at("level"), p + "/level");
  w.table = rd.hex64(j.at("table"), p + "/table");
  w.index = static_cast<unsigned>(rd.unsigned_num(j.at("index"), p + "/index", 511));
  w.entry_address = rd.hex64(j.at("entry_address"), p + "/entry_address");
  w.raw = rd.hex64(j.at("raw"), p + "/raw");
  w.decoded = rd.string(j.at("decoded"), p + "/decoded");
  w.deciding = rd.boolean(j.at("deciding"), p + "/deciding");
  w.deciding_bits = rd.string(j.at("deciding_bits"), p + "/deciding_bits");
  return w;
}

Violation read_violation(const Reader& rd, const Json& j, const std::string& p) {
  rd.object(j, p, {"rule", "region", "address", "start", "end", "rights", "message", "phys", "fingerprint", "baselined",
                   "walk"});
  Violation v;
  v.rule = rd.rule(j.at("rule"), p + "/rule");
  v.region = rd.string(j.at("region"), p + "/region");
  v.address = VirtAddr(rd.hex64(j.at("address"), p + "/address"));
  const std::uint64_t start = rd.hex64(j.at("start"), p + "/start");
  const auto end = rd.hex(j.at("end"), p + "/end", true);
  if (end && *end <= start) rd.fail(p + "/end", "an end above the start " + hex16(start), &j.at("end"));
  v.range = text::range_to(VirtAddr(start), end.value_or(0));
  if (!v.range.contains(v.address))
    rd.fail(p + "/address", "an address inside [start, end) = [" + hex16(start) + ", " + hex_end(v.range) + ")",
            &j.at("address"));
  v.rights = rd.string(j.at("rights"), p + "/rights");
  v.message = rd.string(j.at("message"), p + "/message");
  if (const Json& phys = j.at("phys"); !phys.is_null()) v.phys = rd.hex64(phys, p + "/phys");
  v.fingerprint = rd.string(j.at("fingerprint"), p + "/fingerprint");
  v.baselined = rd.boolean(j.at("baselined"), p + "/baselined");
  rd.each(j, p, "walk", [&](const Json& w, const std::string& wp) { v.walk.push_back(read_walk(rd, w, wp)); });
  return v;
}

CheckResult read_root(const Json& root, const std::string& source) {
  const Reader rd(source);
  rd.object(root, "", {"format_version", "verdict", "complete", "summary", "dump", "dump_format", "spec", "mode",
                       "parameters", "parameters_admissible", "rules", "violations", "notes", "seconds", "queries",
                       "formula_nodes"});
  const Json& version = root.at("format_version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != kCheckJsonVersion)
    rd.fail("/format_version", "1 (the only version this reader knows)", &version);

  CheckResult r;
  r.complete = rd.boolean(root.at("complete"), "/complete");
  rd.string(root.at("summary"), "/summary");
  r.dump = rd.string(root.at("dump"), "/dump");
  r.dump_format = rd.string(root.at("dump_format"), "/dump_format");
  r.spec = rd.string(root.at("spec"), "/spec");
  r.mode = rd.string(root.at("mode"), "/mode");
  const Json& params = root.at("parameters");
  if (!params.is_object()) rd.fail("/parameters", "an object mapping parameter names to hex strings", &params);
  for (const auto& [name, value] : params.items())
    r.parameters.push_back(check::Parameter{name, rd.hex64(value, "/parameters/" + name)});
  r.parameters_admissible = rd.boolean(root.at("parameters_admissible"), "/parameters_admissible");
  rd.each(root, "", "rules", [&](const Json& j, const std::string& p) {
    rd.object(j, p, {"rule", "status", "violations", "detail", "seconds"});
    RuleResult rr;
    rr.rule = rd.rule(j.at("rule"), p + "/rule");
    rr.status = rd.status(j.at("status"), p + "/status");
    rr.violations = rd.unsigned_num(j.at("violations"), p + "/violations", ~std::uint64_t{0});
    rr.detail = rd.string(j.at("detail"), p + "/detail");
    rr.seconds = rd.seconds(j.at("seconds"), p + "/seconds");
    r.rules.push_back(std::move(rr));
  });
  rd.each(root, "", "violations",
          [&](const Json& j, const std::string& p) { r.violations.push_back(read_violation(rd, j, p)); });
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

/// 1-based line and column of byte offset `pos` in content.
std::pair<std::uint64_t, std::size_t> line_col(std::string_view content, std::size_t pos) {
  pos = std::min(pos, content.size());
  const std::string_view before = content.substr(0, pos);
  const auto line = static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  const std::size_t nl = before.rfind('\n');
  return {line, nl == std::string_view::npos ? pos + 1 : pos - nl};
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
  j["mode"] = r.mode;
  Json& params = j["parameters"] = Json::object();
  for (const check::Parameter& p : r.parameters) params[p.name] = hex16(p.value);
  j["parameters_admissible"] = r.parameters_admissible;
  Json& rules = j["rules"] = Json::array();
  for (const RuleResult& rr : r.rules) {
    Json e;
    e["rule"] = check::rule_info(rr.rule).name;
    e["status"] = check::to_string(rr.status);
    e["violations"] = rr.violations;
    e["detail"] = rr.detail;
    e["seconds"] = rr.seconds;
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

Expected<CheckResult> read_check_json(std::string_view content, const std::string& source) {
  Json root;
  try {
    root = Json::parse(content.begin(), content.end());
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based: the byte at which parsing failed.
    const std::size_t pos = e.byte > 0 ? e.byte - 1 : 0;
    const auto [line, col] = line_col(content, pos);
    std::string why = e.what();
    if (const std::size_t colon = why.find(": ", why.find("column")); colon != std::string::npos)
      why = why.substr(colon + 2);
    return text::expected_at(source, line, col, "valid JSON (" + why + ")",
                             pos < content.size() ? content.substr(pos, 1) : std::string_view());
  }
  try {
    return read_root(root, source);
  } catch (const text::ParseFailure& f) {
    return f.error;
  } catch (const Json::exception& e) {  // JSON_DIAGNOSTICS: the message carries the path
    return Error{source + ": " + e.what()};
  }
}

}  // namespace ptv
