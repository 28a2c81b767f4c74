#include "verifier/report/batch_summary.h"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "verifier/base/json_read.h"
#include "verifier/base/printable.h"
#include "verifier/checks/rules.h"
#include "verifier/report/check_json.h"

namespace ptv::batch {

namespace {

using Json = nlohmann::ordered_json;

std::string seconds_text(double s) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(2) << s;
  return os.str();
}

/// "SIGSEGV", or "signal N" for a number glibc has no name for.
std::string signal_name(int sig) {
  if (const char* abbrev = sigabbrev_np(sig)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
}

/// The worker's last stderr line without the "ptverify: " every diagnostic starts with.
std::string last_words(const WorkerEnd& end) {
  const std::string_view prefix = "ptverify: ";
  return end.stderr_tail.starts_with(prefix) ? end.stderr_tail.substr(prefix.size()) : end.stderr_tail;
}

/// " (LINE)" with the worker's last stderr line, or "" when it printed nothing.
std::string said(const WorkerEnd& end) { return end.stderr_tail.empty() ? "" : " (" + last_words(end) + ")"; }

DumpOutcome without_report(const std::string& dump, const WorkerEnd& end) {
  DumpOutcome o;
  o.dump = dump;
  if (end.timed_out) {
    o.reason = "timed out after " + seconds_text(end.waited_seconds) + " s";
  } else if (end.signal != 0) {
    o.reason = "ended by " + signal_name(end.signal) + said(end);
  } else if (end.exit_code == static_cast<int>(ExitCode::kBadInput)) {
    o.verdict = Verdict::kError;
    o.reason = end.stderr_tail.empty() ? "exit 2 (bad input)" : last_words(end);
  } else {
    o.reason = "exit " + std::to_string(end.exit_code) + said(end);
  }
  return o;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kHolds:
      return "holds";
    case Verdict::kViolated:
      return "violated";
    case Verdict::kUnknown:
      return "unknown";
    case Verdict::kError:
      return "error";
  }
  return "unknown";
}

Counts count(const Summary& s) {
  Counts c;
  for (const DumpOutcome& d : s.dumps) {
    switch (d.verdict) {
      case Verdict::kHolds:
        ++c.holds;
        break;
      case Verdict::kViolated:
        ++c.violated;
        break;
      case Verdict::kUnknown:
        ++c.unknown;
        break;
      case Verdict::kError:
        ++c.error;
        break;
    }
  }
  return c;
}

Verdict verdict(const Summary& s) {
  const Counts c = count(s);
  if (c.violated > 0) return Verdict::kViolated;
  if (c.unknown + c.error > 0) return Verdict::kUnknown;
  return Verdict::kHolds;
}

double dumps_per_second(const Summary& s) {
  return s.wall_seconds > 0 ? static_cast<double>(s.dumps.size()) / s.wall_seconds : 0;
}

ExitCode exit_code(const Summary& s, bool fail_on_violated, bool fail_on_unknown) {
  const Counts c = count(s);
  if (c.violated > 0 && fail_on_violated) return ExitCode::kViolations;
  if (c.unknown + c.error > 0 && fail_on_unknown) return ExitCode::kUnknown;
  return ExitCode::kOk;
}

std::vector<RuleFailures> rule_failures(const Summary& s) {
  std::map<std::string, RuleFailures> by_rule;
  for (const DumpOutcome& d : s.dumps) {
    for (const std::string& r : d.violated_rules) ++by_rule[r].violated;
    for (const std::string& r : d.unknown_rules) ++by_rule[r].unknown;
  }
  std::vector<RuleFailures> out;
  for (auto& [name, f] : by_rule) {
    f.rule = name;
    out.push_back(f);
  }
  // Most failures first; the map's name order breaks ties (stable_sort keeps it).
  std::stable_sort(out.begin(), out.end(), [](const RuleFailures& a, const RuleFailures& b) {
    return a.violated + a.unknown > b.violated + b.unknown;
  });
  return out;
}

DumpOutcome outcome_of_result(const std::string& dump, const std::string& report, const check::CheckResult& r) {
  DumpOutcome o;
  o.dump = dump;
  o.report = report;
  o.seconds = r.seconds;
  std::string first_detail;
  for (const check::RuleResult& rule : r.rules) {
    const std::string name(check::rule_info(rule.rule).name);
    if (rule.status == check::Status::kViolated) o.violated_rules.push_back(name);
    if (rule.status != check::Status::kUnknown) continue;
    o.unknown_rules.push_back(name);
    if (first_detail.empty()) first_detail = rule.detail;
  }
  const check::Status v = r.verdict();
  o.verdict = v == check::Status::kViolated  ? Verdict::kViolated
              : v == check::Status::kUnknown ? Verdict::kUnknown
                                             : Verdict::kHolds;
  if (o.verdict == Verdict::kUnknown) {
    std::string names;
    for (const std::string& n : o.unknown_rules) names += (names.empty() ? "" : ", ") + n;
    o.reason = "not decided: " + names + (first_detail.empty() ? "" : " (" + first_detail + ")");
  }
  return o;
}

DumpOutcome outcome_of_worker(const std::string& dump, const std::string& report, const WorkerEnd& end) {
  const bool verdict_exit = end.exit_code == 0 || end.exit_code == 1 || end.exit_code == 3;
  if (end.timed_out || end.signal != 0 || !verdict_exit) return without_report(dump, end);
  if (!end.report_text) {
    DumpOutcome o = without_report(dump, end);
    o.reason += ", no report written";
    return o;
  }
  Expected<check::CheckResult> r = parse_check_json(*end.report_text, report);
  if (!r) {
    DumpOutcome o = without_report(dump, end);
    o.reason = "its report cannot be read: " + r.error().message;
    return o;
  }
  return outcome_of_result(dump, report, *r);
}

std::string spec_digest(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(16) << std::setfill('0') << h;
  return os.str();
}

Expected<Summary> merge(const std::vector<std::pair<std::string, Summary>>& shards) {
  Summary out;
  out.shards = 0;
  std::string spec_file;
  std::map<std::string, std::string> file_of;  // dump -> the shard file that has it
  for (const auto& [file, s] : shards) {
    if (out.shards == 0) {
      out.spec = s.spec;
      out.spec_digest = s.spec_digest;
      spec_file = file;
    } else if (s.spec_digest != out.spec_digest) {
      return Error{file + ": checked against spec " + s.spec + " (digest " + s.spec_digest + "), but " + spec_file +
                   " against " + out.spec + " (digest " + out.spec_digest + "): only summaries of one spec merge"};
    }
    for (const DumpOutcome& d : s.dumps) {
      const auto [at, fresh] = file_of.emplace(d.dump, file);
      if (!fresh) return Error{"dump " + d.dump + " is in both " + at->second + " and " + file};
      out.dumps.push_back(d);
    }
    out.wall_seconds += s.wall_seconds;
    out.shards += s.shards;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text.

namespace {

void write_failed_dump(const DumpOutcome& d, std::ostream& os) {
  os << "  " << std::left << std::setw(9) << to_string(d.verdict) << printable(d.dump) << ": ";
  if (d.verdict == Verdict::kViolated) {
    for (std::size_t i = 0; i < d.violated_rules.size(); ++i) os << (i ? ", " : "") << d.violated_rules[i];
  } else {
    os << printable(d.reason);
  }
  if (!d.report.empty()) os << "  [" << printable(d.report) << "]";
  os << '\n';
}

}  // namespace

void write_summary_text(const Summary& s, std::ostream& os) {
  const Counts c = count(s);
  std::string word(to_string(verdict(s)));
  std::transform(word.begin(), word.end(), word.begin(), [](char ch) { return static_cast<char>(std::toupper(ch)); });
  os << "ptverify check: " << word << " - " << s.dumps.size() << " dumps: " << c.holds << " hold, " << c.violated
     << " violated, " << c.unknown << " unknown, " << c.error << " error\n";
  os << "spec " << printable(s.spec) << ", " << seconds_text(s.wall_seconds) << " s wall"
     << (s.shards > 1 ? " (summed over " + std::to_string(s.shards) + " shards)" : "") << ", "
     << seconds_text(dumps_per_second(s)) << " dumps/s\n";
  if (c.holds < s.dumps.size()) {
    os << "\nnot holding:\n";
    for (const DumpOutcome& d : s.dumps)
      if (d.verdict != Verdict::kHolds) write_failed_dump(d, os);
  }
  const std::vector<RuleFailures> rules = rule_failures(s);
  if (rules.empty()) return;
  os << "\nrules that failed most (dumps):\n";
  for (const RuleFailures& r : rules) {
    os << "  " << std::left << std::setw(24) << r.rule << ' ' << r.violated << " violated";
    if (r.unknown > 0) os << ", " << r.unknown << " unknown";
    os << '\n';
  }
}

// ---------------------------------------------------------------------------------------------
// JSON.

namespace {

Json strings_json(const std::vector<std::string>& v) {
  Json a = Json::array();
  for (const std::string& x : v) a.push_back(x);
  return a;
}

Json dump_json(const DumpOutcome& d) {
  Json j;
  j["dump"] = d.dump;
  j["verdict"] = to_string(d.verdict);
  j["reason"] = d.reason;
  j["violated_rules"] = strings_json(d.violated_rules);
  j["unknown_rules"] = strings_json(d.unknown_rules);
  j["report"] = d.report;
  j["seconds"] = d.seconds;
  return j;
}

Json counts_json(const Summary& s) {
  const Counts c = count(s);
  Json j;
  j["dumps"] = s.dumps.size();
  j["holds"] = c.holds;
  j["violated"] = c.violated;
  j["unknown"] = c.unknown;
  j["error"] = c.error;
  return j;
}

}  // namespace

void write_summary_json(const Summary& s, std::ostream& os) {
  Json j;
  j["format_version"] = kBatchSummaryVersion;
  j["tool"] = "ptverify check batch";
  j["spec"] = s.spec;
  j["spec_digest"] = s.spec_digest;
  j["verdict"] = to_string(verdict(s));
  j["counts"] = counts_json(s);
  Json& dumps = j["dumps"] = Json::array();
  for (const DumpOutcome& d : s.dumps) dumps.push_back(dump_json(d));
  Json& rules = j["rules"] = Json::array();
  for (const RuleFailures& r : rule_failures(s))
    rules.push_back({{"rule", r.rule}, {"violated", r.violated}, {"unknown", r.unknown}});
  j["wall_seconds"] = s.wall_seconds;
  j["dumps_per_second"] = dumps_per_second(s);
  j["shards"] = s.shards;
  os << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

namespace {

class Reader : public JsonReader<Json> {
 public:
  using JsonReader::JsonReader;

  Verdict verdict(const Json& j, const std::string& ptr) const {
    for (Verdict v : {Verdict::kHolds, Verdict::kViolated, Verdict::kUnknown, Verdict::kError})
      if (j.is_string() && j.get_ref<const std::string&>() == to_string(v)) return v;
    fail(ptr, "\"holds\", \"violated\", \"unknown\" or \"error\"", &j);
  }
  std::vector<std::string> strings(const Json& obj, const std::string& ptr, const char* key) const {
    std::vector<std::string> out;
    each(obj, ptr, key, [&](const Json& e, const std::string& p) { out.push_back(string(e, p)); });
    return out;
  }
};

DumpOutcome read_dump(const Reader& rd, const Json& j, const std::string& p) {
  rd.exact_object(j, p, {"dump", "verdict", "reason", "violated_rules", "unknown_rules", "report", "seconds"});
  DumpOutcome d;
  d.dump = rd.string(j.at("dump"), p + "/dump");
  d.verdict = rd.verdict(j.at("verdict"), p + "/verdict");
  d.reason = rd.string(j.at("reason"), p + "/reason");
  d.violated_rules = rd.strings(j, p, "violated_rules");
  d.unknown_rules = rd.strings(j, p, "unknown_rules");
  d.report = rd.string(j.at("report"), p + "/report");
  d.seconds = rd.seconds(j.at("seconds"), p + "/seconds");
  return d;
}

Summary read_summary(const Reader& rd, const Json& root) {
  rd.exact_object(root, "",
                  {"format_version", "tool", "spec", "spec_digest", "verdict", "counts", "dumps", "rules",
                   "wall_seconds", "dumps_per_second", "shards"});
  if (root.at("format_version") != kBatchSummaryVersion)
    rd.fail("/format_version", std::to_string(kBatchSummaryVersion) + " (the version this reader knows)",
            &root.at("format_version"));
  if (root.at("tool") != "ptverify check batch")
    rd.fail("/tool", "\"ptverify check batch\" (a batch summary)", &root.at("tool"));
  Summary s;
  s.spec = rd.string(root.at("spec"), "/spec");
  s.spec_digest = rd.string(root.at("spec_digest"), "/spec_digest");
  rd.each(root, "", "dumps", [&](const Json& d, const std::string& p) { s.dumps.push_back(read_dump(rd, d, p)); });
  s.wall_seconds = rd.seconds(root.at("wall_seconds"), "/wall_seconds");
  s.shards = static_cast<unsigned>(rd.unsigned_num(root.at("shards"), "/shards", 1U << 20));
  // The derived values must agree with the dumps: a hand-edited count is refused, not believed.
  if (root.at("counts") != counts_json(s))
    rd.fail("/counts", "the counts of the dumps: " + counts_json(s).dump(), &root.at("counts"));
  if (rd.verdict(root.at("verdict"), "/verdict") != verdict(s))
    rd.fail("/verdict", "the dumps' verdict \"" + std::string(to_string(verdict(s))) + "\"", &root.at("verdict"));
  return s;
}

}  // namespace

Expected<Summary> parse_summary_json(std::string_view text, const std::string& source) {
  return read_json<Json>(text, source, [&](const Json& root) { return read_summary(Reader(source), root); });
}

}  // namespace ptv::batch
