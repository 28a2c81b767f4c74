// Writers over a ProveReport: text for people (summary line first), JSON for programs, and the
// obligation registry listing.
#include <cstdio>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "models/format.h"
#include "verifier/base/printable.h"
#include "verifier/checks/prove.h"
#include "verifier/checks/prove_goals.h"

namespace ptv::check {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f s", s);
  return buf;
}

std::string unique_text(const Counterexample& cx) {
  if (!cx.unique) return "not established";
  if (!*cx.unique) return "no: other values of these parameters break it too";
  return cx.parameters.empty() ? "yes: the refutation does not depend on parameter values"
                               : "yes: no other values of these parameters break it";
}

std::size_t goals_with(const ObligationResult& o, Status s) {
  std::size_t n = 0;
  for (const GoalResult& g : o.goals) n += g.status == s ? 1 : 0;
  return n;
}

// The report's names (the spec's name, regions, parameters) and messages come from the spec
// file: write_text passes this text through printable_lines() (verifier/base/printable.h).
void write_text_unescaped(std::ostream& out, const ProveReport& rep) {
  out << "prove " << rep.spec_file << ": " << upper(prove_word(rep.verdict)) << " (" << rep.count(Status::kViolated)
      << " refuted, " << rep.count(Status::kUnknown) << " unknown, " << rep.count(Status::kHolds) << " proved, "
      << rep.count(Status::kNotApplicable) << " not applicable, of " << rep.obligations.size() << " obligations) in "
      << seconds_text(rep.seconds) << ", " << rep.queries << " queries\n";
  out << "spec \"" << rep.spec_name << "\": " << to_string(rep.paging_mode) << " paging, " << rep.parameter_count
      << " parameters, " << rep.region_count << " regions and arrays\n\n";
  for (const ObligationResult& o : rep.obligations) {
    out << o.info.id << ' ' << std::left << std::setw(24) << o.info.name << ' ' << std::setw(15)
        << (o.status == Status::kHolds || o.status == Status::kNotApplicable ? std::string(prove_word(o.status))
                                                                             : upper(prove_word(o.status)));
    const std::size_t total = o.goals.size() + o.apart + o.undecided;
    if (o.status == Status::kViolated || o.status == Status::kUnknown) {
      out << goals_with(o, o.status) + (o.status == Status::kUnknown ? o.undecided : 0) << " of " << total << " goals";
      if (o.undecided != 0) out << " (" << o.note << ")";
    } else if (!o.note.empty()) {
      out << o.note;
    } else {
      out << total << (total == 1 ? " goal" : " goals");
    }
    out << '\n';
    for (const GoalResult& g : o.goals) {
      if (g.status == Status::kUnknown) {
        out << "  - " << g.subject << ": unknown: " << g.unknown_reason;
        if (!g.query.empty()) out << " [query " << g.query << "]";
        out << '\n';
      }
      if (g.status != Status::kViolated || !g.counterexample) continue;
      const Counterexample& cx = *g.counterexample;
      out << "  - " << g.subject << "\n";
      out << "      " << cx.message << "\n";
      if (cx.address) out << "      address:    " << hex16(cx.address->value()) << "\n";
      for (std::size_t i = 0; i < cx.regions.size(); ++i)
        out << (i == 0 ? "      regions:    " : "                  ") << cx.regions[i].name << ' '
            << (cx.regions[i].range
                    ? closed_range_text(cx.regions[i].range->first.value(), cx.regions[i].range->last.value())
                    : std::string("(bounds not well-defined)"))
            << " (" << cx.regions[i].path << ")\n";
      out << "      parameters: ";
      if (cx.parameters.empty()) out << "none involved";
      for (std::size_t i = 0; i < cx.parameters.size(); ++i)
        out << (i ? ", " : "") << cx.parameters[i].name << '=' << hex(cx.parameters[i].value);
      out << "\n      unique:     " << unique_text(cx) << "\n";
    }
  }
  for (const std::string& e : rep.internal_errors) out << "internal error: " << e << '\n';
  out << "\nverdict: " << prove_word(rep.verdict) << " (exit " << static_cast<int>(exit_code(rep)) << ")\n";
}

}  // namespace

void write_text(std::ostream& out, const ProveReport& rep) {
  std::ostringstream text;
  write_text_unescaped(text, rep);
  out << printable_lines(text.str());
}

void write_json(std::ostream& out, const ProveReport& rep) {
  using Json = nlohmann::ordered_json;
  Json j;
  j["tool"] = "ptverify prove";
  j["spec"] = {{"file", rep.spec_file},
               {"name", rep.spec_name},
               {"paging_mode", rep.paging_mode == PagingMode::k4Level ? 4 : 5},
               {"parameters", rep.parameter_count},
               {"regions", rep.region_count}};
  j["verdict"] = prove_word(rep.verdict);
  j["exit_code"] = static_cast<int>(exit_code(rep));
  j["summary"] = {{"proved", rep.count(Status::kHolds)},
                  {"refuted", rep.count(Status::kViolated)},
                  {"unknown", rep.count(Status::kUnknown)},
                  {"not_applicable", rep.count(Status::kNotApplicable)}};
  j["queries"] = rep.queries;
  j["seconds"] = rep.seconds;
  Json example = Json::object();
  for (const NamedValue& v : rep.example) example[v.name] = hex(v.value);
  j["example"] = example;
  Json obligations = Json::array();
  for (const ObligationResult& o : rep.obligations) {
    Json jo{
        {"id", o.info.id}, {"name", o.info.name}, {"description", o.info.description}, {"status", prove_word(o.status)},
        {"note", o.note},  {"seconds", o.seconds}};
    Json goals = Json::array();
    for (const GoalResult& g : o.goals) {
      Json jg{{"subject", g.subject}, {"status", prove_word(g.status)}, {"query", g.query}, {"seconds", g.seconds}};
      if (g.status == Status::kUnknown) jg["unknown_reason"] = g.unknown_reason;
      if (g.counterexample) {
        const Counterexample& cx = *g.counterexample;
        Json regions = Json::array();
        for (const PlacedRegionWitness& r : cx.regions) {
          Json jr{{"name", r.name}, {"path", r.path}};
          jr["start"] = r.range ? Json(hex16(r.range->first.value())) : Json();
          jr["last"] = r.range ? Json(hex16(r.range->last.value())) : Json();
          jr["end"] = r.range ? Json(hex_end(*r.range)) : Json();
          regions.push_back(std::move(jr));
        }
        Json params = Json::object();
        for (const NamedValue& v : cx.parameters) params[v.name] = hex(v.value);
        jg["counterexample"] = {{"message", cx.message},
                                {"address", cx.address ? Json(hex16(cx.address->value())) : Json()},
                                {"regions", regions},
                                {"parameters", params},
                                {"unique", cx.unique ? Json(*cx.unique) : Json()}};
      }
      goals.push_back(std::move(jg));
    }
    jo["goals"] = std::move(goals);
    jo["goals_apart"] = o.apart;
    jo["goals_undecided"] = o.undecided;
    obligations.push_back(std::move(jo));
  }
  j["obligations"] = std::move(obligations);
  j["internal_errors"] = rep.internal_errors;
  out << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

void write_obligation_list(std::ostream& out, bool json) {
  if (json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const ObligationInfo& o : kObligations)
      j.push_back({{"id", o.id}, {"name", o.name}, {"description", o.description}});
    out << j.dump(2) << '\n';
    return;
  }
  for (const ObligationInfo& o : kObligations)
    out << o.id << "  " << std::left << std::setw(24) << o.name << o.description << '\n';
}

}  // namespace ptv::check
