// Strategy: the bundled Linux specs describe real kernels, so every real capture must satisfy
// them: the committed slices always (kernel and PTI user top-level tables), and the full cores
// of ../shared/realdumps when that folder is there (skipped visibly otherwise). Each of the 15
// rules must be proved, with admissible KASLR parameters found.
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
  for (PhysAddr root : {cap.state.root_table(), PhysAddr(cap.state.root_table().value() + 0x1000)}) {
    CAPTURE(std::string(name));
    CAPTURE(root);
    const CheckResult r = test::check_raw(cap, cap.core->reader(), *spec, {}, root);
    CHECK(r.verdict() == Status::kHolds);
    CHECK(r.parameters_admissible);
    CHECK(r.complete);
    for (const RuleResult& rule : r.rules) {
      CAPTURE(std::string(rule_info(rule.rule).name));
      CHECK(rule.status == Status::kHolds);
    }
    for (const Violation& v : r.violations) FAIL_CHECK(rule_info(v.rule).name << ": " << v.message);
  }
}

}  // namespace

TEST_CASE("linux specs: every committed real slice holds, kernel and PTI user tables") {
  for (const char* name : test::kCaptures) expect_holds(test::open_fixture(name), name);
}

TEST_CASE("linux specs: every full real core holds, kernel and PTI user tables") {
  for (const char* name : test::kCaptures)
    if (auto cap = test::open_capture(name)) expect_holds(*cap, name);
}

