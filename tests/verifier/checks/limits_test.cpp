// Strategy: every limit of a check run is a way to stop searching, and stopping is never a proof.
// Each case forces one limit on a dump with known violations or unknown ranges and pins the
// statuses that must come out: the violation-list cap (a rule it stopped is violated, a rule not
// searched to the end is unknown, and a baseline cannot turn either into a pass), the whole-run
// time limit (the rules not decided are unknown, "not decided: time limit"), and the number of
// solver queries, which follows the rules and the spec's structure, not the number of ranges the
// dump leaves unknown.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "../../models/table_builder.h"
#include "models/walk.h"
#include "verifier/checks/baseline.h"
#include "verifier/checks/check.h"
#include "verifier/checks/rules.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

// W^X forbidden, no user translation in the kernel half, every other rule allowed.
const char* kSpec = R"({"name": "limits", "rules": {"paging_mode": 4, "null_guard": 4096, "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "allowed"},
  "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "allowed"}, "regions": []})";

/// Two W+X pages far apart (two wx violations) and a user page in the kernel half (one
/// user-kernel-split violation).
struct Tables {
  test::TableBuilder tb;
  PhysAddr root = tb.alloc();
  PagingState state;
  Tables() {
    state.cr3 = root.value();
    tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'8880'0000'0000), PhysAddr(0x90'0000), Level::kPt, bits::kRW);
    tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'8880'4000'0000), PhysAddr(0x91'0000), Level::kPt, bits::kRW);
    tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'c900'0000'0000), PhysAddr(0x92'0000), Level::kPt,
           bits::kUS | bits::kXd);
  }
};

CheckResult check_with(const CheckOptions& o) {
  Tables t;
  const auto space = enumerate_address_space(t.state, t.tb.reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, t.state, "elf-core", "hand-built");
  const auto spec = spec::parse_spec(kSpec, "limits.json");
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  const RawContext raw{t.state, t.tb.reader(), std::nullopt, &*space};
  const CheckOutcome r = run_check(m, *spec, &raw, o);
  REQUIRE_MESSAGE(std::holds_alternative<CheckResult>(r), problem(r));
  return std::get<CheckResult>(r);
}

const RuleResult& rule(const CheckResult& r, RuleId id) {
  for (const RuleResult& x : r.rules)
    if (x.rule == id) return x;
  FAIL("no such rule in the result");
  return r.rules.front();
}

}  // namespace

TEST_CASE("check limits: without a cap, both rules are violated and every violation is listed") {
  const CheckResult r = check_with(CheckOptions{});
  CHECK(rule(r, RuleId::kWx).status == Status::kViolated);
  CHECK(rule(r, RuleId::kUserKernelSplit).status == Status::kViolated);
  CHECK(r.violations.size() == 3);
  CHECK(r.complete);
  CHECK(r.exit_code() == ExitCode::kViolations);
}

TEST_CASE("check limits: a violation cap of 0 or 1 leaves no violated rule holding, and the run fails") {
  for (const std::size_t cap : {std::size_t{0}, std::size_t{1}, std::size_t{2}}) {
    CAPTURE(cap);
    CheckOptions o;
    o.max_violations = cap;
    const CheckResult r = check_with(o);
    CHECK(r.violations.size() <= cap);
    CHECK_FALSE(r.complete);
    // A rule the cap stopped has at least one violation; one not searched to the end is unknown.
    CHECK(rule(r, RuleId::kWx).status != Status::kHolds);
    CHECK(rule(r, RuleId::kUserKernelSplit).status != Status::kHolds);
    CHECK(r.verdict() != Status::kHolds);
    CHECK(r.exit_code() != ExitCode::kOk);
  }
}

TEST_CASE("check limits: a baseline accepting the one listed violation does not pass the unlisted ones") {
  CheckOptions o;
  o.max_violations = 1;
  CheckResult r = check_with(o);
  REQUIRE(r.violations.size() == 1);
  apply_baseline(r, {make_fingerprint(r.violations.front())});
  CHECK(r.violations.front().baselined);
  CHECK(r.verdict() != Status::kHolds);
  CHECK(r.exit_code() != ExitCode::kOk);

  // With the whole list baselined, the run passes: the cap was the only reason it could not.
  CheckResult all = check_with(CheckOptions{});
  std::vector<std::string> fps;
  for (const Violation& v : all.violations) fps.push_back(make_fingerprint(v));
  apply_baseline(all, fps);
  CHECK(all.exit_code() == ExitCode::kOk);
}

TEST_CASE("check limits: a time limit already reached decides nothing the solver must decide") {
  CheckOptions o;
  o.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  o.time_limit_s = 0.05;
  const CheckResult r = check_with(o);
  CHECK(r.limit_reached.find("time limit") != std::string::npos);
  CHECK(r.verdict() == Status::kUnknown);
  CHECK(r.exit_code() == ExitCode::kUnknown);
  // Both rules this dump breaks need the solver: neither may hold. (A rule the spec turns off
  // folds to a constant and is proved without a query, limit or not.)
  CHECK(rule(r, RuleId::kWx).status == Status::kUnknown);
  CHECK(rule(r, RuleId::kUserKernelSplit).status == Status::kUnknown);
  for (const RuleResult& x : r.rules) {
    CAPTURE(x.detail);
    if (x.status == Status::kUnknown) CHECK(x.detail.find("not decided: time limit") != std::string::npos);
  }
}

TEST_CASE("check limits: the number of queries does not grow with the number of unknown ranges") {
  auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  // A text dump that leaves `n` ranges unknown, spread over the kernel half (where the vmap
  // stacks array cuts every range into pieces), with a few known mappings between them.
  const auto queries = [&](std::uint64_t n) {
    MappingSet m;
    m.format = "ptdump";
    m.source = "hand-made";
    m.mode = PagingMode::k4Level;
    const std::uint64_t base = 0xffff'a000'0000'0000;
    const std::uint64_t step = ((std::uint64_t{1} << 40) / n) & ~std::uint64_t{0x1fff};
    for (std::uint64_t i = 0; i < n; ++i) {
      UnknownRange u;
      const std::uint64_t a = base + i * step;
      u.range = VirtRange{VirtAddr(a), VirtAddr(a + step / 2 - 1)};
      u.reason = "entries skipped";
      m.unknown.push_back(u);
    }
    REQUIRE_FALSE(m.validate());
    const CheckOutcome r = run_check(m, *spec, nullptr, CheckOptions{});
    REQUIRE_MESSAGE(std::holds_alternative<CheckResult>(r), problem(r));
    CHECK(std::get<CheckResult>(r).verdict() == Status::kUnknown);
    return std::get<CheckResult>(r).queries;
  };
  const std::size_t few = queries(4);
  const std::size_t many = queries(4000);
  CAPTURE(few);
  CAPTURE(many);
  CHECK(many <= few + 8);
}
