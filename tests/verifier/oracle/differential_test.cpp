// Strategy: the real checker (check::run_check over the raw walk, as `ptverify check` runs it on
// a core) against the independent oracle (rule_oracle.h, itself pinned by rule_oracle_test.cpp
// on hand-built cases), on seeded random (machine, concrete spec) pairs from random_machine.h.
// Per rule, the status and the violating set must agree: the union of the check's violation
// ranges against the oracle's "must" set (for conflicting-aliases, physical frames: each
// violation's phys and the size of its range). About a third of the specs carry scoped
// exceptions (spec-language.md §6.1), which both sides must honour the same way; the run checks
// that some of them do excuse something. Every disagreement is printed with its
// seed, the machine, the spec and both answers, and the distinct kinds are summed up at the end with the smallest seed
// of each. PTV_DIFF_CASES (default 60: the checker spends about 0.6 s a case, in Z3) and PTV_DIFF_SEED (default 1, the
// first case's seed; case i uses seed + i) choose the cases: PTV_DIFF_CASES=1 PTV_DIFF_SEED=S replays S.
// PTV_DIFF_VERBOSE=1 prints every case and its timings before and after the check runs (to find a slow or hanging one).
//
// Each disagreement is a finding: settle which side the contract supports, fix it, and save the
// printed case (its "machine:", "  table" and "spec:" lines) as a file in regressions/, which
// regressions_test.cpp replays on every run. `make fuzz` runs many more cases.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "agreement.h"
#include "models/walk.h"
#include "random_machine.h"
#include "rule_oracle.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using oracle::IntervalSet;

namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

struct Kind {
  std::size_t count = 0;
  std::uint64_t smallest_seed = 0;
  std::size_t smallest_size = ~std::size_t{0};
};

}  // namespace

TEST_CASE("oracle differential: run_check agrees with the rule oracle on random tables and specs") {
  const std::uint64_t cases = env_or("PTV_DIFF_CASES", 60);
  const std::uint64_t first_seed = env_or("PTV_DIFF_SEED", 1);
  std::map<std::string, Kind> kinds;
  std::size_t disagreeing_cases = 0;
  std::size_t with_exceptions = 0;  // cases whose spec carries scoped exceptions
  std::size_t excusing = 0;         // ... and where they excuse something (the oracle says)
  for (std::uint64_t c = 0; c < cases; ++c) {
    const std::uint64_t seed = first_seed + c;
    const oracle::RandomCase rc = oracle::random_case(seed);
    const auto parsed = spec::parse_spec(rc.spec_json, "random-" + std::to_string(seed) + ".json");
    REQUIRE_MESSAGE(parsed.ok(), "seed " << seed << ": the generator made an invalid spec: "
                                         << (parsed.ok() ? "" : parsed.error().message) << "\n"
                                         << rc.spec_json);
    if (!parsed->exceptions.empty()) {
      ++with_exceptions;
      spec::Spec without = *parsed;
      without.exceptions.clear();
      spec::ParameterValues values;
      for (const spec::Parameter& p : without.parameters) values.push_back(p.values.empty() ? p.min : p.values.front());
      const auto l1 = spec::evaluate_layout(*parsed, values), l2 = spec::evaluate_layout(without, values);
      REQUIRE((l1.ok() && l2.ok()));
      const oracle::OracleResult a = oracle::evaluate(rc.machine, *l1), b = oracle::evaluate(rc.machine, *l2);
      for (std::size_t r = 0; r < a.rules.size(); ++r)
        if (a.rules[r].must != b.rules[r].must || a.rules[r].may != b.rules[r].may) {
          ++excusing;
          break;
        }
    }
    const bool verbose = std::getenv("PTV_DIFF_VERBOSE") != nullptr;
    if (verbose) MESSAGE("seed " << seed << ":\nmachine: " << oracle::describe(rc.machine) << "spec: " << rc.spec_json);
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    std::vector<std::string> case_kinds;
    const std::string diff = oracle::disagreements(rc.machine, *parsed, &case_kinds);
    if (verbose) MESSAGE("seed " << seed << ": " << std::chrono::duration<double>(Clock::now() - t0).count() << " s");
    const std::size_t size = oracle::present_entries(rc.machine) + parsed->regions.size();
    // PTV_DIFF_SAVE=DIR writes each case run there as seed-N.txt, in the form regressions/ holds.
    if (const char* dir = std::getenv("PTV_DIFF_SAVE"); dir && *dir) {
      std::ofstream f(std::string(dir) + "/seed-" + std::to_string(seed) + ".txt");
      f << "seed " << seed << " of the differential test\nmachine: " << oracle::describe(rc.machine)
        << "spec: " << rc.spec_json << "\n";
    }
    if (case_kinds.empty()) continue;
    // PTV_DIFF_SAVE_DISAGREEING=DIR writes only the cases that disagree (`make fuzz-rules`).
    if (const char* dir = std::getenv("PTV_DIFF_SAVE_DISAGREEING"); dir && *dir) {
      std::ofstream f(std::string(dir) + "/seed-" + std::to_string(seed) + ".txt");
      f << "seed " << seed << " of the differential test\nmachine: " << oracle::describe(rc.machine)
        << "spec: " << rc.spec_json << "\n";
    }
    ++disagreeing_cases;
    for (const std::string& k : case_kinds) {
      Kind& kd = kinds[k];
      ++kd.count;
      if (size < kd.smallest_size) {
        kd.smallest_size = size;
        kd.smallest_seed = seed;
      }
    }
    MESSAGE("seed " << seed << " (PTV_DIFF_CASES=1 PTV_DIFF_SEED=" << seed << "): the check and the oracle disagree\n"
                    << diff << "machine: " << oracle::describe(rc.machine) << "spec: " << rc.spec_json);
  }
  std::ostringstream summary;
  summary << disagreeing_cases << " of " << cases << " cases disagree (seeds " << first_seed << ".."
          << first_seed + cases - 1 << "); kinds (count, smallest seed):\n";
  for (const auto& [k, kd] : kinds) summary << "  " << k << "  x" << kd.count << ", seed " << kd.smallest_seed << "\n";
  summary << with_exceptions << " of the cases' specs carry scoped exceptions, which excuse something in " << excusing
          << "\n";
  MESSAGE(summary.str());
  CHECK_MESSAGE(disagreeing_cases == 0, summary.str());
  // The generator gives about a third of the specs exceptions: the default run compares some.
  if (cases >= 30) CHECK_MESSAGE(excusing > 0, summary.str());
}

TEST_CASE("sweep differential: the concrete pass and the solver give the same verdicts and violation counts") {
  // The question "does some address break a rule?" answered by the pass over the intervals
  // (checks/sweep.h) and by the solver, on the same random cases: every rule the same.
  const std::uint64_t cases = env_or("PTV_DIFF_CASES", 60);
  const std::uint64_t first_seed = env_or("PTV_DIFF_SEED", 1);
  std::size_t holding = 0;
  for (std::uint64_t c = 0; c < cases; ++c) {
    const std::uint64_t seed = first_seed + c;
    const oracle::RandomCase rc = oracle::random_case(seed);
    const auto parsed = spec::parse_spec(rc.spec_json, "random-" + std::to_string(seed) + ".json");
    REQUIRE(parsed.ok());
    const auto swept = oracle::check_machine(rc.machine, *parsed, true);
    const auto solved = oracle::check_machine(rc.machine, *parsed, false);
    CAPTURE(seed);
    REQUIRE(swept.index() == solved.index());
    if (const auto* e = std::get_if<std::string>(&swept)) {
      CHECK(*e == std::get<std::string>(solved));
      continue;
    }
    const auto& a = std::get<check::CheckResult>(swept);
    const auto& b = std::get<check::CheckResult>(solved);
    if (a.verdict() == check::Status::kHolds) ++holding;
    REQUIRE(a.rules.size() == b.rules.size());
    for (std::size_t r = 0; r < a.rules.size(); ++r) {
      CAPTURE(r);
      CHECK(a.rules[r].status == b.rules[r].status);
      CHECK(a.rules[r].violations == b.rules[r].violations);
    }
    // Both paths list violations with the same solver search, whose models (and so how ranges
    // are cut) may differ once the first question was asked differently: the statuses and
    // counts above are what must agree.
  }
  MESSAGE(holding << " of " << cases << " cases hold (decided by the pass alone)");
}
