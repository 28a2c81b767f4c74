// Strategy: the bundled Linux specs describe real kernels, so every real capture must satisfy
// them: the committed slices always (the top-level table the capture's CPU state selects, and
// the other PTI copy when there is one), and the full cores of the shared captures when that
// folder is there (skipped visibly otherwise). The slices span Debian 6.1 and 6.12 kernels and
// flavours, with and without PTI and KASLR, 4- and 5-level paging, and guests paused in user
// mode, which the specs were not tuned on. Each of the 16 rules must be proved, with admissible
// KASLR parameters found (in one solver query: the guess from the runs is right), and every
// fact the verdict rests on read from the capture.
#include <doctest/doctest.h>

#include "../realdata/capture.h"
#include "../realdata/check_harness.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

void expect_holds(const test::Capture& cap, const char* name) {
  const char* spec_file = cap.state.cr4_la57 ? "linux-x86_64-5level.json" : "linux-x86_64-4level.json";
  const auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/" + spec_file);
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  for (const Fact& f : cap.facts) {
    CAPTURE(std::string(fact_name(f.id)));
    CHECK(f.source == FactSource::kDump);
  }
  for (PhysAddr root : cap.roots()) {
    CAPTURE(std::string(name));
    CAPTURE(root);
    const CheckResult r = test::check_raw(cap, cap.core->reader(), *spec, {}, root);
    CHECK(r.verdict() == Status::kHolds);
    CHECK(r.parameters_admissible);
    CHECK(r.complete);
    // The guess from the runs (verifier/checks/seed.h) is right on every real kernel: the
    // inference takes one query, and the concrete pass decides everything else.
    CHECK(r.queries == 1);
    for (const RuleResult& rule : r.rules) {
      CAPTURE(std::string(rule_info(rule.rule).name));
      CHECK(rule.status == Status::kHolds);
    }
    for (const Violation& v : r.violations) FAIL_CHECK(rule_info(v.rule).name << ": " << v.message);
  }
}

}  // namespace

TEST_CASE("linux specs: every committed real slice holds, kernel and PTI user tables") {
  for (const char* name : test::kFixtures) expect_holds(test::open_fixture(name), name);
}

TEST_CASE("linux specs: every full real core holds, kernel and PTI user tables") {
  for (const char* name : test::kCaptures)
    if (auto cap = test::open_capture(name)) expect_holds(*cap, name);
}
