// --baseline. Strategy: pin the fingerprint first (its exact text, and that it depends on rule,
// region and range only, not on the witness address, rights, message or walk, which may differ
// between runs); then loading a saved JSON report gives its fingerprints, and bad files are errors
// naming the file; last, applying a baseline marks exactly the matching violations and moves the
// verdict and exit code through the lattice: violated while one violation is new, holds when all
// are accepted, and unknown (never holds) when a rule is still unknown.
#include "verifier/checks/baseline.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/check_json.h"
#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;

/// A file under the temporary directory, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("ptv-baseline-test-" + std::to_string(::getpid()) + '-' + std::to_string(counter++) + ".json");
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

std::string json(const CheckResult& r) {
  std::ostringstream os;
  write_check_json(r, os);
  return os.str();
}

TEST_CASE("baseline - the fingerprint is rule, region and exclusive range") {
  const CheckResult r = violated();
  CHECK(make_fingerprint(r.violations[0]) == "wx:direct-map:0xffff888000200000-0xffff888000400000");
  CHECK(make_fingerprint(r.violations[1]) == "user-kernel-split:fixmap:0xffffffffffe00000-0x10000000000000000");
  Violation none;
  none.rule = RuleId::kOutsideRegions;
  none.range = VirtRange{VirtAddr(0x1000), VirtAddr(0x1fff)};
  CHECK(make_fingerprint(none) == "outside-regions::0x0000000000001000-0x0000000000002000");
}

TEST_CASE("baseline - the fingerprint does not depend on what may change between runs") {
  const Violation a = violated().violations[0];
  Violation b = a;
  b.address = VirtAddr(0xffff'8880'003f'f000);
  b.rights.text = "-rwx 4K";
  b.message = "another sentence";
  b.walk.pop_back();
  b.phys.reset();
  b.baselined = true;
  b.fingerprint = "";
  CHECK(make_fingerprint(b) == make_fingerprint(a));
  for (auto change :
       {+[](Violation& v) { v.rule = RuleId::kRegionRights; }, +[](Violation& v) { v.region = "vmalloc"; },
        +[](Violation& v) { v.range.first = VirtAddr(0xffff'8880'0000'0000); },
        +[](Violation& v) { v.range.last = VirtAddr(0xffff'8880'005f'ffff); }}) {
    Violation c = a;
    change(c);
    CHECK(make_fingerprint(c) != make_fingerprint(a));
  }
}

TEST_CASE("baseline - loading a saved JSON report gives its fingerprints") {
  CheckResult saved = violated();
  saved.violations[1].baselined = true;  // accepted before: stays accepted
  saved.violations[1].fingerprint = "";  // another writer left it out: computed
  const TempFile f(json(saved));
  const auto fps = load_baseline(f.path());
  REQUIRE_MESSAGE(fps.ok(), (fps.ok() ? "" : fps.error().message));
  CHECK(*fps == std::vector<std::string>{"wx:direct-map:0xffff888000200000-0xffff888000400000",
                                         "user-kernel-split:fixmap:0xffffffffffe00000-0x10000000000000000"});

  const TempFile clean(json(holds()));
  const auto none = load_baseline(clean.path());
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("baseline - a missing or bad baseline file is an error naming it") {
  const auto missing = load_baseline("/nonexistent/ptv-baseline.json");
  REQUIRE(!missing.ok());
  CHECK(missing.error().message.starts_with("/nonexistent/ptv-baseline.json: "));

  const TempFile f("{\"format_version\": 1}");
  const auto bad = load_baseline(f.path());
  REQUIRE(!bad.ok());
  CHECK(bad.error().message.starts_with(f.path() + ":/"));
  CHECK(bad.error().message.find("a --baseline file is a `ptverify check --json FILE` report") != std::string::npos);

  const TempFile text("ptverify check: HOLDS\n");
  const auto not_json = load_baseline(text.path());
  REQUIRE(!not_json.ok());
  CHECK(not_json.error().message.starts_with(text.path() + ":1:1: expected valid JSON"));
}

TEST_CASE("baseline - applying marks exactly the matching violations") {
  CheckResult r = violated();
  apply_baseline(r, {"wx:direct-map:0xffff888000200000-0xffff888000400000", "wx:other:0x0-0x1000"});
  CHECK(r.violations[0].baselined);
  CHECK(!r.violations[1].baselined);
  CHECK(r.verdict() == Status::kViolated);
  CHECK(r.exit_code() == ExitCode::kViolations);
  CHECK(r.summary_line().find("2 violations (1 new)") != std::string::npos);
  // Rule statuses stay: the rule is still broken, the violation only accepted.
  CHECK(rule(r, RuleId::kWx).status == Status::kViolated);

  CheckResult empty_fp = violated();
  empty_fp.violations[1].fingerprint = "";
  apply_baseline(empty_fp, {"user-kernel-split:fixmap:0xffffffffffe00000-0x10000000000000000"});
  CHECK(empty_fp.violations[1].baselined);

  CheckResult untouched = violated();
  apply_baseline(untouched, {});
  CHECK(!untouched.violations[0].baselined);
  CHECK(!untouched.violations[1].baselined);
}

TEST_CASE("baseline - the verdict becomes holds only when every violation is accepted and nothing is unknown") {
  CheckResult r = violated();
  rule(r, RuleId::kPageTableExposure).status = Status::kHolds;
  const TempFile saved(json(r));
  const auto fps = load_baseline(saved.path());
  REQUIRE(fps.ok());

  CheckResult next = r;  // the next run finds the same violations
  apply_baseline(next, *fps);
  CHECK(next.verdict() == Status::kHolds);
  CHECK(next.exit_code() == ExitCode::kOk);
  CHECK(next.summary_line().starts_with("ptverify check: HOLDS"));
  CHECK(next.summary_line().find("2 violations (0 new)") != std::string::npos);

  CheckResult still_unknown = violated();  // page-table-exposure unknown: never a pass
  apply_baseline(still_unknown, *fps);
  CHECK(still_unknown.verdict() == Status::kUnknown);
  CHECK(still_unknown.exit_code() == ExitCode::kUnknown);

  CheckResult regressed = r;  // a new violation appears beside the accepted ones
  Violation fresh = r.violations[0];
  fresh.region = "vmalloc";
  fresh.fingerprint = make_fingerprint(fresh);
  regressed.violations.push_back(fresh);
  apply_baseline(regressed, *fps);
  CHECK(regressed.verdict() == Status::kViolated);
  CHECK(regressed.exit_code() == ExitCode::kViolations);
  CHECK(!regressed.violations[2].baselined);

  // The accepted report round-trips as a baseline of its own (fingerprints unchanged).
  const TempFile accepted(json(next));
  const auto again = load_baseline(accepted.path());
  REQUIRE(again.ok());
  CHECK(*again == *fps);
}

}  // namespace
}  // namespace ptv
