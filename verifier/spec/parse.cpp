// The spec parser: JSON (comments allowed) to the Spec AST, top-level keys, rules, parameters,
// definitions and constraints. Regions and arrays are read in parse_regions.cpp, "extends" in
// parse_extends.cpp (which holds parse_spec and load_spec).
//
// Exceptions (SpecFailure, nlohmann's parse_error) stay inside; parse_spec() returns an Error
// whose message starts with the file name and the JSON path.
#include "verifier/spec/parse.h"

#include <algorithm>
#include <set>
#include <vector>

#include "verifier/base/json_read.h"
#include "verifier/spec/from_kernel.h"
#include "verifier/spec/parse_reader.h"
#include "verifier/spec/source_lines.h"

namespace ptv::spec {

using detail::child;
using detail::element;
using detail::Json;
using detail::Reader;
using detail::SpecFailure;

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool is_reserved(std::string_view s) {
  return unit_constant(s).has_value() || s == "align_up" || s == "align_down" || s == "min" || s == "max";
}

// Tracks the JSON path during nlohmann's SAX-like callback, to report duplicate keys (which the
// DOM would silently collapse to the last one).
class DuplicateKeys {
 public:
  bool on_event(Json::parse_event_t event, Json& parsed) {
    using E = Json::parse_event_t;
    switch (event) {
      case E::object_start:
        frames_.push_back(Frame{false, 0, {}, {}});
        break;
      case E::array_start:
        frames_.push_back(Frame{true, 0, {}, {}});
        break;
      case E::key: {
        const std::string k = parsed.get<std::string>();
        if (!frames_.back().keys.insert(k).second && !duplicate_) duplicate_ = child(path(), k);
        frames_.back().last_key = k;
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        completed();
        break;
      case E::value:
        completed();
        break;
    }
    return true;
  }
  [[nodiscard]] const std::optional<std::string>& duplicate() const { return duplicate_; }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::set<std::string> keys;
    std::string last_key;
  };
  void completed() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  // The path of the innermost open object.
  std::string path() const {
    std::string p;
    for (std::size_t i = 0; i + 1 < frames_.size(); ++i)
      p = frames_[i].array ? element(p, frames_[i].index) : child(p, frames_[i].last_key);
    return p;
  }
  std::vector<Frame> frames_;
  std::optional<std::string> duplicate_;
};

/// A name the spec declares (`what`: "a parameter name", ...) is an identifier and not built in.
void check_name(const Reader& r, const std::string& p, const std::string& name, const char* what) {
  if (!is_identifier(name)) r.fail(p, std::string(what) + " must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");
  if (is_reserved(name)) r.fail(p, "'" + name + "' is a built-in name");
}

/// A parameter's "from_kernel" expression: checked here for its syntax (every name a symbol);
/// evaluated by check against the symbols it is given (from_kernel_value()).
void read_from_kernel(Reader& r, const Json& v, const std::string& path, Parameter& param) {
  param.from_kernel = r.string_at(v, path);
  if (const auto e = check_from_kernel(param.from_kernel))
    r.fail(path, "column " + std::to_string(e->column) + ": " + e->message);
}

void read_parameters(Reader& r, const Json& j, Spec& spec) {
  const std::string path = "parameters";
  if (!j.is_object()) r.fail(path, "expected an object mapping parameter names to their domains");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = child(path, it.key());
    check_name(r, p, it.key(), "a parameter name");
    const Json& v = it.value();
    r.expect_object(v, p, {"min", "max", "align", "values", "description", "from_kernel"});
    Parameter param;
    param.name = it.key();
    param.path = p;
    if (v.contains("min")) param.min = r.constant_at(v["min"], child(p, "min"));
    if (v.contains("max")) param.max = r.constant_at(v["max"], child(p, "max"));
    if (v.contains("align")) {
      param.align = r.constant_at(v["align"], child(p, "align"));
      if (param.align == 0 || (param.align & (param.align - 1)) != 0)
        r.fail(child(p, "align"), std::to_string(param.align) + " is not a power of two");
    }
    if (v.contains("values")) {
      const std::string vp = child(p, "values");
      r.expect_array(v["values"], vp);
      if (v["values"].empty()) r.fail(vp, "the list of allowed values is empty");
      for (std::size_t i = 0; i < v["values"].size(); ++i)
        param.values.push_back(r.constant_at(v["values"][i], element(vp, i)));
    }
    if (v.contains("description")) param.description = r.string_at(v["description"], child(p, "description"));
    if (v.contains("from_kernel")) read_from_kernel(r, v["from_kernel"], child(p, "from_kernel"), param);
    if (param.min > param.max)
      r.fail(p, "min (" + std::to_string(param.min) + ") is greater than max (" + std::to_string(param.max) + ")");
    for (std::size_t i = 0; i < param.values.size(); ++i)
      if (!param.admits(param.values[i]))
        r.fail(element(child(p, "values"), i),
               std::to_string(param.values[i]) + " lies outside min/max or is not a multiple of align");
    if (!param.least()) r.fail(p, "no value satisfies min, max and align together");
    r.add_parameter(param.name, spec.parameters.size());
    spec.parameters.push_back(std::move(param));
  }
}

void read_definitions(Reader& r, const Json& j) {
  const std::string path = "definitions";
  if (!j.is_object()) r.fail(path, "expected an object mapping names to integer expressions");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string p = child(path, it.key());
    check_name(r, p, it.key(), "a definition name");
    if (r.has_name(it.key())) r.fail(p, "'" + it.key() + "' is already a parameter or a definition");
    r.add_definition(it.key(), r.expression_at(it.value(), p, Type::kInteger).root);
  }
}

void read_constraints(const Reader& r, const Json& j, Spec& spec) {
  const std::string path = "constraints";
  r.expect_array(j, path);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = element(path, i);
    Constraint c;
    if (j[i].is_object()) {
      r.expect_object(j[i], p, {"assert", "description"});
      if (!j[i].contains("assert")) r.fail(p, "missing key \"assert\" (the Boolean expression)");
      c.expr = r.expression_at(j[i]["assert"], child(p, "assert"), Type::kBoolean);
      if (j[i].contains("description")) c.description = r.string_at(j[i]["description"], child(p, "description"));
    } else {
      c.expr = r.expression_at(j[i], p, Type::kBoolean);
    }
    spec.constraints.push_back(std::move(c));
  }
}

/// Why the spec's rules switch rule `id` off entirely ("" when they do not): an exception to it
/// would be redundant.
std::string switched_off(const Rules& rules, std::string_view id) {
  if (id == "null-guard" && rules.null_guard == 0) return "rules.null_guard is 0";
  if (id == "user-kernel-split" && rules.user_in_kernel_half == UserInKernelHalf::kAllowed)
    return "rules.user_kernel_split.user_in_kernel_half is \"allowed\"";
  if (id == "supervisor-in-user-half" && rules.supervisor_in_user_half == Policy::kAllowed)
    return "rules.user_kernel_split.supervisor_in_user_half is \"allowed\"";
  if (id == "wx" && rules.wx == Policy::kAllowed) return "rules.wx is \"allowed\"";
  if (id == "recursive-slot" && rules.recursive_slot.kind == RecursiveSlotRule::Kind::kAny)
    return "rules.recursive_slot is \"any\"";
  if (id == "conflicting-aliases" && rules.conflicting_aliases == Policy::kAllowed)
    return "rules.conflicting_aliases is \"allowed\"";
  return {};
}

/// "exceptions": [{"rule": ID, "region": NAME, "reason": TEXT}, ...] (docs/spec-language.md §6.1).
void read_exceptions(const Reader& r, const Json& j, Spec& spec) {
  const std::string path = "exceptions";
  r.expect_array(j, path);
  std::vector<std::string> rule_ids(kCheckRuleIds.begin(), kCheckRuleIds.end());
  std::vector<std::string> region_names;
  for (const Region& reg : spec.regions) region_names.push_back(reg.name);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = element(path, i);
    const Json& e = j[i];
    if (!e.is_object())
      r.fail(p, std::string("expected an object {\"rule\", \"region\", \"reason\"}, got a JSON ") + e.type_name());
    r.expect_object(e, p, {"rule", "region", "reason"});
    for (const char* key : {"rule", "region", "reason"})
      if (!e.contains(key)) r.fail(p, std::string("missing key \"") + key + "\"");
    RuleException x;
    x.path = p;
    const std::string rule = r.string_at(e["rule"], child(p, "rule"));
    const auto found = std::find(kCheckRuleIds.begin(), kCheckRuleIds.end(), rule);
    if (found == kCheckRuleIds.end()) {
      std::string msg = "no rule has the id \"" + rule + "\"";
      if (auto s = detail::closest(rule, rule_ids)) msg += " (did you mean \"" + *s + "\"?)";
      r.fail(child(p, "rule"), msg + "; `ptverify check --list-rules` lists them");
    }
    x.rule = static_cast<std::size_t>(found - kCheckRuleIds.begin());
    if (rule == "outside-regions")
      r.fail(child(p, "rule"),
             "outside-regions cannot be excepted for a region: it is about addresses that no region contains");
    if (rule == "canonical")
      r.fail(child(p, "rule"),
             "canonical cannot be excepted for a region: no walk translates a non-canonical address, and no region "
             "makes one acceptable");
    if (const std::string off = switched_off(spec.rules, rule); !off.empty())
      r.fail(child(p, "rule"), "the exception is redundant: " + off + ", which switches " + rule + " off everywhere");
    const std::string region = r.string_at(e["region"], child(p, "region"));
    const std::optional<std::size_t> at = spec.find_region(region);
    if (!at) {
      std::string msg = "no region or array is named \"" + region + "\"";
      if (auto s = detail::closest(region, region_names)) msg += " (did you mean \"" + *s + "\"?)";
      r.fail(child(p, "region"), msg);
    }
    x.region = *at;
    x.reason = r.string_at(e["reason"], child(p, "reason"));
    if (x.reason.find_first_not_of(" \t\n\r") == std::string::npos)
      r.fail(child(p, "reason"), "the reason is empty: say why the rule does not apply there (reports show it)");
    for (const RuleException& before : spec.exceptions)
      if (before.rule == x.rule && before.region == x.region)
        r.fail(p, "a second exception to " + rule + " for region \"" + region +
                      "\" (the first: " + r.where(before.path) + ")");
    spec.exceptions.push_back(std::move(x));
  }
}

}  // namespace

namespace detail {

Json parse_json(std::string_view text, const std::string& file) {
  if (std::optional<Error> deep = json_too_deep(text, file)) throw SpecFailure{deep->message};
  DuplicateKeys dups;
  Json::parser_callback_t cb = [&dups](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    return dups.on_event(event, parsed);
  };
  Json j;
  try {
    j = Json::parse(text.begin(), text.end(), cb, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    // Locate the byte offset as file:line:col, and keep nlohmann's description of the problem.
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    std::string what = e.what();
    if (auto p = what.find(": "); p != std::string::npos && what.find("parse error") != std::string::npos)
      what = what.substr(p + 2);
    throw SpecFailure{file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": JSON syntax error: " + what};
  }
  if (dups.duplicate()) {
    // The line of the key's last occurrence: the duplicate.
    const auto lines = value_lines(text, /*last_wins=*/true);
    const auto at = lines.find(*dups.duplicate());
    throw SpecFailure{file + (at == lines.end() ? std::string() : ":" + std::to_string(at->second)) + ": " +
                      *dups.duplicate() + ": duplicate key (JSON objects need unique keys)"};
  }
  return j;
}

Spec read_spec(const Json& j, const std::string& file, Reader::Locator locate) {
  Reader r(file, std::move(locate));
  r.expect_object(
      j, "",
      {"name", "description", "rules", "parameters", "definitions", "constraints", "regions", "arrays", "exceptions"});
  Spec spec;
  spec.file = file;
  if (!j.contains("name")) r.fail("", "missing key \"name\"");
  spec.name = r.string_at(j["name"], "name");
  if (j.contains("description")) spec.description = r.string_at(j["description"], "description");
  if (!j.contains("rules")) r.fail("", "missing key \"rules\" (at least {\"paging_mode\": 4})");
  if (j.contains("parameters")) read_parameters(r, j["parameters"], spec);
  if (j.contains("definitions")) read_definitions(r, j["definitions"]);
  spec.rules = detail::read_rules(r, j["rules"]);
  if (j.contains("constraints")) read_constraints(r, j["constraints"], spec);
  static const Json kEmpty = Json::array();
  detail::read_regions(r, j.contains("regions") ? j["regions"] : kEmpty, j.contains("arrays") ? j["arrays"] : kEmpty,
                       spec);
  if (j.contains("exceptions")) read_exceptions(r, j["exceptions"], spec);
  return spec;
}

Rules read_rules(const Reader& r, const Json& j) {
  const std::string path = "rules";
  r.expect_object(j, path,
                  {"paging_mode", "canonical", "null_guard", "wx", "user_kernel_split", "outside_regions",
                   "recursive_slot", "conflicting_aliases"});
  Rules rules;
  if (!j.contains("paging_mode")) r.fail(path, "missing key \"paging_mode\" (4 or 5)");
  const Json& pm = j["paging_mode"];
  if (!pm.is_number_unsigned() || (pm.get<std::uint64_t>() != 4 && pm.get<std::uint64_t>() != 5))
    r.fail(child(path, "paging_mode"), "expected 4 or 5 (levels of paging)");
  rules.paging_mode = pm.get<std::uint64_t>() == 4 ? PagingMode::k4Level : PagingMode::k5Level;
  if (j.contains("canonical")) {
    if (!j["canonical"].is_boolean()) r.fail(child(path, "canonical"), "expected true or false");
    rules.canonical = j["canonical"].get<bool>();
  }
  if (j.contains("null_guard")) {
    rules.null_guard = r.constant_at(j["null_guard"], child(path, "null_guard"));
    if (rules.null_guard % kPageBytes != 0)
      r.fail(child(path, "null_guard"), "must be a multiple of the 4 KiB page size");
  }
  const std::initializer_list<std::pair<std::string_view, Policy>> policy = {{"forbidden", Policy::kForbidden},
                                                                             {"allowed", Policy::kAllowed}};
  if (j.contains("wx")) rules.wx = r.choice_at(j["wx"], child(path, "wx"), policy);
  if (j.contains("outside_regions"))
    rules.outside_regions = r.choice_at(j["outside_regions"], child(path, "outside_regions"), policy);
  if (j.contains("conflicting_aliases"))
    rules.conflicting_aliases = r.choice_at(j["conflicting_aliases"], child(path, "conflicting_aliases"), policy);
  if (j.contains("user_kernel_split")) {
    const std::string p = child(path, "user_kernel_split");
    const Json& s = j["user_kernel_split"];
    r.expect_object(s, p, {"user_in_kernel_half", "supervisor_in_user_half"});
    if (s.contains("user_in_kernel_half"))
      rules.user_in_kernel_half =
          r.choice_at(s["user_in_kernel_half"], child(p, "user_in_kernel_half"),
                      {std::pair<std::string_view, UserInKernelHalf>{"forbidden", UserInKernelHalf::kForbidden},
                       {"vsyscall-only", UserInKernelHalf::kVsyscallOnly},
                       {"allowed", UserInKernelHalf::kAllowed}});
    if (s.contains("supervisor_in_user_half"))
      rules.supervisor_in_user_half =
          r.choice_at(s["supervisor_in_user_half"], child(p, "supervisor_in_user_half"), policy);
  }
  if (j.contains("recursive_slot")) {
    const std::string p = child(path, "recursive_slot");
    const Json& rs = j["recursive_slot"];
    if (rs.is_object()) {
      r.expect_object(rs, p, {"index"});
      if (!rs.contains("index") || !rs["index"].is_number_unsigned() || rs["index"].get<std::uint64_t>() > 511)
        r.fail(child(p, "index"), "expected the top-level table index of the slot, 0..511");
      rules.recursive_slot =
          RecursiveSlotRule{RecursiveSlotRule::Kind::kIndex, static_cast<unsigned>(rs["index"].get<std::uint64_t>())};
    } else {
      rules.recursive_slot.kind =
          r.choice_at(rs, p,
                      {std::pair<std::string_view, RecursiveSlotRule::Kind>{"any", RecursiveSlotRule::Kind::kAny},
                       {"none", RecursiveSlotRule::Kind::kNone}});
    }
  }
  return rules;
}

}  // namespace detail

}  // namespace ptv::spec
