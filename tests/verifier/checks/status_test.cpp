// Strategy: the status lattice of verifier/checks/status.h on its own, exhaustively over every
// pair and triple of statuses (join is commutative, associative and idempotent; its bottom is
// not-applicable and its top violated), then the words check and prove print, the exit code of
// each verdict, and CheckResult::verdict as the join of its rules.
#include "verifier/checks/status.h"

#include <doctest/doctest.h>

#include <array>
#include <string>

#include "verifier/checks/result.h"

using namespace ptv;
using namespace ptv::check;

namespace {

constexpr std::array<Status, 4> kAll = {Status::kNotApplicable, Status::kHolds, Status::kUnknown, Status::kViolated};

}  // namespace

TEST_CASE("status: join is commutative, associative and idempotent") {
  for (Status a : kAll) {
    CHECK(join(a, a) == a);
    for (Status b : kAll) {
      CHECK(join(a, b) == join(b, a));
      for (Status c : kAll) CHECK(join(join(a, b), c) == join(a, join(b, c)));
    }
  }
}

TEST_CASE("status: not-applicable is the bottom and violated dominates") {
  for (Status a : kAll) {
    CHECK(join(Status::kNotApplicable, a) == a);
    CHECK(join(Status::kViolated, a) == Status::kViolated);
  }
}

TEST_CASE("status: unknown joined with holds is unknown, never holds") {
  CHECK(join(Status::kUnknown, Status::kHolds) == Status::kUnknown);
  CHECK(join(Status::kHolds, Status::kUnknown) == Status::kUnknown);
  CHECK(join(Status::kUnknown, Status::kNotApplicable) == Status::kUnknown);
}

TEST_CASE("status: check and prove print their own words for the same statuses") {
  CHECK(std::string(to_string(Status::kHolds)) == "holds");
  CHECK(std::string(to_string(Status::kViolated)) == "violated");
  CHECK(std::string(to_string(Status::kUnknown)) == "unknown");
  CHECK(std::string(to_string(Status::kNotApplicable)) == "not-applicable");
  CHECK(prove_word(Status::kHolds) == "proved");
  CHECK(prove_word(Status::kViolated) == "refuted");
  CHECK(prove_word(Status::kUnknown) == "unknown");
  CHECK(prove_word(Status::kNotApplicable) == "not-applicable");
}

TEST_CASE("status: the exit code of each verdict") {
  CHECK(exit_code(Status::kNotApplicable) == ExitCode::kOk);
  CHECK(exit_code(Status::kHolds) == ExitCode::kOk);
  CHECK(exit_code(Status::kUnknown) == ExitCode::kUnknown);
  CHECK(exit_code(Status::kViolated) == ExitCode::kViolations);
}

TEST_CASE("status: a check run's verdict is the join of its rules, a baselined violation aside") {
  CheckResult r;
  CHECK(r.verdict() == Status::kHolds);  // nothing applicable
  r.rules.push_back(RuleResult{RuleId::kWx, Status::kNotApplicable, {}, 0, 0, {}, {}});
  CHECK(r.verdict() == Status::kHolds);
  r.rules.push_back(RuleResult{RuleId::kCanonical, Status::kHolds, {}, 0, 0, {}, {}});
  r.rules.push_back(RuleResult{RuleId::kNullGuard, Status::kUnknown, {}, 0, 0, {}, {}});
  CHECK(r.verdict() == Status::kUnknown);
  r.rules.push_back(RuleResult{RuleId::kOutsideRegions, Status::kViolated, {}, 1, 0, {}, {}});
  Violation v;
  v.rule = RuleId::kOutsideRegions;
  r.violations.push_back(v);
  CHECK(r.verdict() == Status::kViolated);
  CHECK(r.exit_code() == ExitCode::kViolations);
  r.violations[0].baselined = true;
  CHECK(r.verdict() == Status::kUnknown);
  r.rules[3].violations = 2;  // one of them not listed: never held against the baseline
  CHECK(r.verdict() == Status::kViolated);
}
