// The batch summary: a dump's outcome from its check result and from how its worker ended (every
// way a worker can end: a report, bad input, a signal, a timeout, an internal error, no report),
// the counts, the verdict and the exit code under each --fail-on policy, the rules that failed
// most; then merging shards (counts add up, different specs and duplicate dumps are refused
// naming the files) and the JSON round trip (read(write(s)) == s; derived values that disagree
// are refused).
#include "verifier/report/batch_summary.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <sstream>
#include <string>

#include "verifier/report/check_json.h"
#include "verifier/report/check_result_samples.h"

namespace ptv::batch {
namespace {

DumpOutcome dump(const std::string& name, Verdict v, std::vector<std::string> violated = {},
                 std::vector<std::string> unknown = {}) {
  DumpOutcome d;
  d.dump = name;
  d.verdict = v;
  d.violated_rules = std::move(violated);
  d.unknown_rules = std::move(unknown);
  d.reason = v == Verdict::kError ? name + ": not a dump" : "";
  d.seconds = 0.5;
  return d;
}

Summary sample() {
  Summary s;
  s.spec = "specs/linux-x86_64-4level.json";
  s.spec_digest = spec_digest("{}");
  s.dumps = {dump("a.elf", Verdict::kHolds), dump("b.elf", Verdict::kViolated, {"wx", "region-rights"}),
             dump("c.elf", Verdict::kViolated, {"wx"}), dump("d.txt", Verdict::kUnknown, {}, {"region-rights"}),
             dump("e.bin", Verdict::kError)};
  s.wall_seconds = 2.5;
  return s;
}

std::string json_of(const Summary& s) {
  std::ostringstream os;
  write_summary_json(s, os);
  return os.str();
}

std::string json_text(const check::CheckResult& r) {
  std::ostringstream os;
  write_check_json(r, os);
  return os.str();
}

TEST_CASE("batch: counts, verdict and rule failures of a summary") {
  const Summary s = sample();
  CHECK(count(s) == Counts{1, 2, 1, 1});
  CHECK(verdict(s) == Verdict::kViolated);
  const std::vector<RuleFailures> rules = rule_failures(s);
  REQUIRE(rules.size() == 2);
  CHECK(rules[0] == RuleFailures{"region-rights", 1, 1});  // two dumps, name order breaks the tie
  CHECK(rules[1] == RuleFailures{"wx", 2, 0});
  CHECK(dumps_per_second(s) == doctest::Approx(2.0));
  CHECK(verdict(Summary{}) == Verdict::kHolds);
}

TEST_CASE("batch: the exit code follows --fail-on, and an error counts as unknown") {
  Summary s = sample();
  CHECK(exit_code(s, true, true) == ExitCode::kViolations);
  CHECK(exit_code(s, false, true) == ExitCode::kUnknown);
  CHECK(exit_code(s, false, false) == ExitCode::kOk);
  s.dumps = {dump("a.elf", Verdict::kHolds), dump("e.bin", Verdict::kError)};
  CHECK(verdict(s) == Verdict::kUnknown);
  CHECK(exit_code(s, true, true) == ExitCode::kUnknown);
  CHECK(exit_code(s, true, false) == ExitCode::kOk);
}

TEST_CASE("batch: a dump's outcome from a check result") {
  const DumpOutcome v = outcome_of_result("b.elf", "r/b.elf.json", checktest::violated());
  CHECK(v.verdict == Verdict::kViolated);
  CHECK(!v.violated_rules.empty());
  CHECK(v.report == "r/b.elf.json");
  const DumpOutcome u = outcome_of_result("d.txt", "", checktest::unknown());
  CHECK(u.verdict == Verdict::kUnknown);
  CHECK(u.unknown_rules == std::vector<std::string>{"region-rights"});
  CHECK(u.reason == "not decided: region-rights (ptdump does not show the PCD bit)");
  CHECK(outcome_of_result("a.elf", "", checktest::holds()).verdict == Verdict::kHolds);
}

TEST_CASE("batch: a worker that wrote its report gives the report's verdict") {
  WorkerEnd end;
  end.exit_code = 1;
  end.report_text = json_text(checktest::violated());
  const DumpOutcome o = outcome_of_worker("b.elf", "r/b.elf.json", end);
  CHECK(o.verdict == Verdict::kViolated);
  end.exit_code = 0;
  end.report_text = "{not json";
  const DumpOutcome bad = outcome_of_worker("b.elf", "r/b.elf.json", end);
  CHECK(bad.verdict == Verdict::kUnknown);
  CHECK(bad.reason.find("its report cannot be read: r/b.elf.json:1:") == 0);
}

TEST_CASE("batch: a worker that ended without a verdict gives unknown or error, and why") {
  WorkerEnd end;
  end.exit_code = 2;
  end.stderr_tail = "ptverify: x.bin: not a dump";
  DumpOutcome o = outcome_of_worker("x.bin", "r/x.json", end);
  CHECK(o.verdict == Verdict::kError);
  CHECK(o.reason == "x.bin: not a dump");
  end.exit_code = 4;
  end.stderr_tail = "ptverify: internal error: a counterexample does not replay";
  o = outcome_of_worker("x.bin", "r/x.json", end);
  CHECK(o.verdict == Verdict::kUnknown);
  CHECK(o.reason == "exit 4 (internal error: a counterexample does not replay)");
  end.exit_code = 0;
  end.signal = SIGSEGV;
  o = outcome_of_worker("x.bin", "r/x.json", end);
  CHECK(o.verdict == Verdict::kUnknown);
  CHECK(o.reason.find("ended by SIGSEGV") == 0);
  end.signal = 0;
  end.timed_out = true;
  end.waited_seconds = 17;
  o = outcome_of_worker("x.bin", "r/x.json", end);
  CHECK(o.reason == "timed out after 17.00 s");
  end.timed_out = false;
  end.exit_code = 3;
  end.stderr_tail = "";
  o = outcome_of_worker("x.bin", "r/x.json", end);
  CHECK(o.verdict == Verdict::kUnknown);
  CHECK(o.reason == "exit 3, no report written");
}

TEST_CASE("batch: merged shards hold every dump once, and the counts add up") {
  const Summary whole = sample();
  Summary a = whole, b = whole;
  a.dumps.assign(whole.dumps.begin(), whole.dumps.begin() + 2);
  b.dumps.assign(whole.dumps.begin() + 2, whole.dumps.end());
  a.wall_seconds = 1;
  b.wall_seconds = 1.5;
  Expected<Summary> m = merge({{"a.json", a}, {"b.json", b}});
  REQUIRE(m.ok());
  CHECK(m->dumps == whole.dumps);
  CHECK(count(*m) == count(whole));
  CHECK(rule_failures(*m) == rule_failures(whole));
  CHECK(m->shards == 2);
  CHECK(m->wall_seconds == doctest::Approx(2.5));
}

TEST_CASE("batch: merge refuses a dump in two shards and shards of different specs, naming the files") {
  const Summary s = sample();
  Expected<Summary> dup = merge({{"a.json", s}, {"b.json", s}});
  REQUIRE(!dup.ok());
  CHECK(dup.error().message == "dump a.elf is in both a.json and b.json");
  Summary other = s;
  other.dumps = {dump("z.elf", Verdict::kHolds)};
  other.spec = "specs/linux-x86_64-5level.json";
  other.spec_digest = spec_digest("{ }");
  Expected<Summary> specs = merge({{"a.json", s}, {"b.json", other}});
  REQUIRE(!specs.ok());
  CHECK(specs.error().message.find("b.json: checked against spec specs/linux-x86_64-5level.json") == 0);
  CHECK(specs.error().message.find("but a.json against specs/linux-x86_64-4level.json") != std::string::npos);
  other.spec = "linux-x86_64-4level";  // the same bytes by another name: they agree
  other.spec_digest = s.spec_digest;
  CHECK(merge({{"a.json", s}, {"b.json", other}}).ok());
}

TEST_CASE("batch: the JSON summary reads back as written") {
  const Summary s = sample();
  Expected<Summary> back = parse_summary_json(json_of(s), "s.json");
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message));
  CHECK(*back == s);
  CHECK(json_of(*back) == json_of(s));
}

TEST_CASE("batch: a JSON summary whose counts or verdict disagree with its dumps is refused") {
  std::string text = json_of(sample());
  const std::string counts = "\"holds\": 1,";
  REQUIRE(text.find(counts) != std::string::npos);
  std::string edited = text;
  edited.replace(edited.find(counts), counts.size(), "\"holds\": 5,");
  Expected<Summary> r = parse_summary_json(edited, "s.json");
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("s.json:/counts: expected the counts of the dumps") == 0);
  edited = text;
  const std::string v = "\"verdict\": \"violated\",\n  \"counts\"";
  REQUIRE(edited.find(v) != std::string::npos);
  edited.replace(edited.find(v), v.size(), "\"verdict\": \"holds\",\n  \"counts\"");
  r = parse_summary_json(edited, "s.json");
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("s.json:/verdict:") == 0);
}

TEST_CASE("batch: the text summary names the failed dumps and the rules") {
  std::ostringstream os;
  write_summary_text(sample(), os);
  const std::string t = os.str();
  CHECK(t.find("ptverify check: VIOLATED - 5 dumps: 1 hold, 2 violated, 1 unknown, 1 error\n") == 0);
  CHECK(t.find("2.50 s wall, 2.00 dumps/s") != std::string::npos);
  CHECK(t.find("  violated b.elf: wx, region-rights\n") != std::string::npos);
  CHECK(t.find("  error    e.bin: e.bin: not a dump\n") != std::string::npos);
  CHECK(t.find("a.elf") == std::string::npos);
  CHECK(t.find("  wx                       2 violated\n") != std::string::npos);
}

}  // namespace
}  // namespace ptv::batch
