// Strategy: one capture, every format, one spec. The raw walk of the committed slice is the
// reference; each text format of the same capture is checked against the bundled Linux spec
// with the parameters the raw check inferred and the capture's registers. A text format may know
// less (a rule it cannot settle is unknown, a rule about frames is not applicable) but may never
// contradict the raw verdict of a rule; info tlb completed by info mem of the same moment, with
// the user confirming that no entry sets a reserved bit, must match it exactly. Without that
// confirmation, no rule that needs a listed translation to exist may hold.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>

#include "../realdata/capture.h"
#include "../realdata/check_harness.h"
#include "verifier/checks/check.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

const std::string kDir = std::string(PTV_FIXTURES_DIR) + "/linux-6.1-ptdump-4level-pti";

spec::Spec linux_spec() {
  auto s = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(s.value());
}

/// A file of the capture (compressed or not).
std::string capture_file(const std::string& name) {
  const std::string p = kDir + "/" + name;
  return std::filesystem::exists(p) ? p : p + ".zst";
}

/// check of a text dump as `ptverify check FILE --registers registers.txt [--with-mem M]
/// [--assume-no-reserved]` does it.
CheckResult check_text(const spec::Spec& spec, const std::string& file,
                       const std::map<std::string, std::uint64_t>& params, const std::string& with_mem = "",
                       bool assume_no_reserved = true) {
  DumpOptions lo;
  lo.path = capture_file(file);
  lo.machine.registers_file = capture_file("registers.txt");
  if (!with_mem.empty()) lo.with_mem = capture_file(with_mem);
  lo.assume_no_reserved = assume_no_reserved;
  const auto m = load_dump(lo);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
  CheckOptions opts;
  opts.fixed_parameters = params;
  const CheckOutcome out = run_check(m->mappings, spec, nullptr, opts);
  REQUIRE_MESSAGE(std::holds_alternative<CheckResult>(out), problem(out));
  return std::get<CheckResult>(out);
}

}  // namespace

TEST_CASE("cross-format check: no format of the PTI capture contradicts the raw walk") {
  const spec::Spec spec = linux_spec();
  const test::Capture cap = test::open_fixture("linux-6.1-ptdump-4level-pti");
  const CheckResult ref = test::check_raw(cap, cap.core->reader(), spec);
  CHECK(ref.parameters_admissible);
  const std::map<std::string, std::uint64_t> params = test::fixed_parameters(ref.parameters);

  struct Case {
    const char* file;
    const char* with_mem;
    bool exact;  // same moment as the core and complete rights: must match rule for rule
  };
  for (const Case& c :
       {Case{"info-tlb.txt", "info-mem.txt", true}, Case{"info-tlb.txt", "", false}, Case{"info-mem.txt", "", false},
        Case{"ptdump-kernel.txt", "", false}, Case{"ptdump-current_kernel.txt", "", false}}) {
    CAPTURE(std::string(c.file) + (c.with_mem[0] ? std::string(" + ") + c.with_mem : ""));
    const CheckResult r = check_text(spec, c.file, params, c.with_mem);
    for (const RuleInfo& info : kRules) {
      CAPTURE(std::string(info.name));
      const Status want = ref.rules[static_cast<std::size_t>(info.id)].status;
      const Status got = r.rules[static_cast<std::size_t>(info.id)].status;
      if (info.raw_only) {
        CHECK(got == Status::kNotApplicable);
        continue;
      }
      if (c.exact) {
        CHECK(got == want);
      } else {
        CHECK((got == want || got == Status::kUnknown));
      }
    }
  }
}

TEST_CASE("cross-format check: a text format cannot show reserved bits, so what needs a translation is unknown") {
  // A 2 MiB leaf with a reserved bit set is listed by info tlb and ptdump as mapped; the walk
  // faults. Without --assume-no-reserved no rule that a faulting translation could break holds.
  const spec::Spec spec = linux_spec();
  const test::Capture cap = test::open_fixture("linux-6.1-ptdump-4level-pti");
  const CheckResult ref = test::check_raw(cap, cap.core->reader(), spec);
  const std::map<std::string, std::uint64_t> params = test::fixed_parameters(ref.parameters);
  for (const char* file : {"info-tlb.txt", "ptdump-kernel.txt"}) {
    CAPTURE(std::string(file));
    const CheckResult r =
        check_text(spec, file, params, file == std::string("info-tlb.txt") ? "info-mem.txt" : "", false);
    CHECK(r.verdict() != Status::kHolds);
    CHECK(r.rules[static_cast<std::size_t>(RuleId::kReservedBits)].status == Status::kUnknown);
    for (const Fact& f : r.facts)
      if (f.id == FactId::kReservedBits) CHECK(f.source == FactSource::kBlind);
  }
}
