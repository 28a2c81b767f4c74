// Strategy: `check --explain-params` claims that both ends of each inferred parameter's range are
// admissible and that no admissible value lies outside it. On hand-built tables whose admissible
// values are known by hand (a region of 8 MiB slid in 2 MiB steps must cover the pages mapped in
// it) the range must be exactly those values; on the real KASLR capture the kernel's own _stext
// (its kallsyms line) must lie in kernel_text's range, the range must hold the value inferred,
// and pinning either end with --param must still hold.
#include <doctest/doctest.h>

#include <string>

#include "../../models/table_builder.h"
#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

// One region of 8 MiB at kDirect + base (base a multiple of 2 MiB below 1 GiB); outside it
// nothing may be mapped.
const char* kSpec = R"({"name": "slide", "rules": {"paging_mode": 4, "null_guard": 0, "wx": "allowed",
  "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
  "outside_regions": "forbidden", "recursive_slot": "any", "conflicting_aliases": "allowed"},
  "parameters": {"base": {"min": 0, "max": "1 * GiB", "align": "2 * MiB"}},
  "regions": [{"name": "window", "kind": "data", "half": "kernel", "start": "0xffff888000000000 + base",
               "size": "8 * MiB", "must": "may-be-mapped", "rights": {"allowed": ["writable", "global"]}}]})";

constexpr std::uint64_t kDirect = 0xffff'8880'0000'0000;
constexpr std::uint64_t kMiB = 0x10'0000;

/// check --explain-params on tables mapping one 4 KiB page at each offset from kDirect.
CheckResult explain(std::initializer_list<std::uint64_t> offsets) {
  test::TableBuilder tb;
  const PhysAddr root = tb.alloc();
  PagingState state;
  state.cr3 = root.value();
  std::uint64_t pa = 0x90'0000;
  for (std::uint64_t off : offsets) {
    tb.map(root, PagingMode::k4Level, VirtAddr(kDirect + off), PhysAddr(pa), Level::kPt, bits::kRW | bits::kXd);
    pa += 0x1000;
  }
  const auto space = enumerate_address_space(state, tb.reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, state, "elf-core", "hand-built");
  const auto spec = spec::parse_spec(kSpec, "slide.json");
  REQUIRE(spec.ok());
  CheckOptions o;
  o.explain_parameters = true;
  CheckOutcome out = run_check(m, *spec, nullptr, o);
  REQUIRE(std::holds_alternative<CheckResult>(out));
  return std::get<CheckResult>(std::move(out));
}

}  // namespace

TEST_CASE("explain-params: the range is exactly the slides that cover every mapped page") {
  // A page at 6 MiB: the window [base, base + 8 MiB) covers it for base 0, 2, 4 and 6 MiB.
  const CheckResult r = explain({6 * kMiB});
  CHECK(r.verdict() == Status::kHolds);
  REQUIRE(r.parameters.size() == 1);
  REQUIRE(r.parameters[0].admissible);
  CHECK(r.parameters[0].admissible->least == 0);
  CHECK(r.parameters[0].admissible->greatest == 6 * kMiB);
  CHECK(r.parameters[0].admissible->domain_values == 4);
  CHECK(r.parameters[0].value <= 6 * kMiB);
}

TEST_CASE("explain-params: pages at 6 and 12 MiB leave one slide, and the range says the dump fixes it") {
  const CheckResult r = explain({6 * kMiB, 12 * kMiB});
  CHECK(r.verdict() == Status::kHolds);
  REQUIRE(r.parameters[0].admissible);
  CHECK(r.parameters[0].admissible->least == 6 * kMiB);
  CHECK(r.parameters[0].admissible->greatest == 6 * kMiB);
  CHECK(r.parameters[0].admissible->domain_values == 1);
  CHECK(r.parameters[0].value == 6 * kMiB);
}

TEST_CASE("explain-params: pages no slide covers give no range, and the verdict is violated") {
  // 6 MiB and 20 MiB are 14 MiB apart: no 8 MiB window holds both.
  const CheckResult r = explain({6 * kMiB, 20 * kMiB});
  CHECK(r.verdict() == Status::kViolated);
  CHECK_FALSE(r.parameters_admissible);
  CHECK_FALSE(r.parameters[0].admissible);
}

TEST_CASE("explain-params: on the real KASLR capture, the kernel's own _stext lies in kernel_text's range") {
  const test::Capture cap = test::open_fixture("linux-6.1-4level-kaslr");
  const auto space = enumerate_address_space(cap.state, cap.core->reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", cap.dir.string());
  const auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE(spec.ok());
  constexpr std::uint64_t kStext = 0xffff'ffff'b900'0000;  // kallsyms-selected.txt beside the core
  // The bases away from the kernel image pinned where a plain run puts them: the image's three
  // parameters are explained (each range costs a few seconds of queries).
  CheckOptions o;
  const CheckOutcome plain = run_check(m, *spec, nullptr, o);
  REQUIRE(std::holds_alternative<CheckResult>(plain));
  for (const Parameter& p : std::get<CheckResult>(plain).parameters)
    if (p.name != "kernel_text" && p.name != "kernel_image_size" && p.name != "kernel_phys")
      o.fixed_parameters[p.name] = p.value;
  o.explain_parameters = true;
  CheckOutcome out = run_check(m, *spec, nullptr, o);
  REQUIRE(std::holds_alternative<CheckResult>(out));
  const CheckResult& r = std::get<CheckResult>(out);
  CHECK(r.verdict() == Status::kHolds);
  bool seen = false;
  for (const Parameter& p : r.parameters) {
    CAPTURE(p.name);
    if (o.fixed_parameters.contains(p.name)) {
      CHECK_FALSE(p.admissible);  // given, not inferred
      continue;
    }
    REQUIRE(p.admissible);
    CHECK(p.admissible->least <= p.value);
    CHECK(p.value <= p.admissible->greatest);
    if (p.name != "kernel_text") continue;
    seen = true;
    CHECK(p.admissible->least <= kStext);
    CHECK(kStext <= p.admissible->greatest);
    // Both ends are admissible: pinned there, the spec holds.
    for (std::uint64_t end : {p.admissible->least, p.admissible->greatest}) {
      CheckOptions pin;
      pin.fixed_parameters = o.fixed_parameters;
      pin.fixed_parameters["kernel_text"] = end;
      CheckOutcome at = run_check(m, *spec, nullptr, pin);
      REQUIRE(std::holds_alternative<CheckResult>(at));
      CHECK(std::get<CheckResult>(at).verdict() == Status::kHolds);
    }
  }
  CHECK(seen);
}
