// Strategy: the physical-layout rule (a region's "physical" key, docs/spec-language.md §5.5) on
// hand-built tables, where the right answer is known page by page: the checker and the oracle
// must agree on the exact violating addresses (identity, linear, nested regions that state none,
// a table outside memory); a parameter only the offset names is inferred from the frames, and
// pages that disagree on it leave no admissible value; the parser rejects malformed values with
// the JSON path; and the example spec specs/examples/hobby-os.json holds on a table built to it
// and catches one frame moved.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <variant>

#include "agreement.h"
#include "hand_built.h"
#include "models/walk.h"
#include "rule_oracle.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::oracle::hand;

namespace {

spec::Spec parsed(const std::string& text) {
  auto s = spec::parse_spec(text, "phys.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(*s);
}

const check::RuleResult& physical(const check::CheckResult& r) {
  return r.rules[static_cast<std::size_t>(check::RuleId::kPhysicalLayout)];
}

std::vector<check::Violation> physical_violations(const check::CheckResult& r) {
  std::vector<check::Violation> out;
  for (const check::Violation& v : r.violations)
    if (v.rule == check::RuleId::kPhysicalLayout) out.push_back(v);
  return out;
}

check::CheckResult checked(const oracle::Machine& m, const spec::Spec& s) {
  auto r = oracle::check_machine(m, s);
  if (const auto* err = std::get_if<std::string>(&r)) FAIL(*err);
  return std::get<check::CheckResult>(std::move(r));
}

/// run_check with the parameters left to inference (check_machine pins them).
check::CheckResult inferred(const oracle::Machine& m, const spec::Spec& s) {
  PagingState state;
  state.cr3 = m.root;
  state.efer_nxe = true;
  state.cr0_wp = true;
  state.maxphyaddr = 52;
  state.page_1gb = true;
  const TableReader reader = oracle::table_reader(m);
  const auto space = enumerate_address_space(state, reader);
  REQUIRE(space.ok());
  const MappingSet ms = to_mapping_set(*space, state, "elf-core", "hand");
  const check::RawContext raw{state, reader, std::nullopt, &*space};
  check::CheckOutcome o = check::run_check(ms, s, &raw, check::CheckOptions{});
  if (const auto* b = std::get_if<check::BadInput>(&o)) FAIL(b->message);
  if (const auto* e = std::get_if<check::InternalError>(&o)) FAIL(e->message);
  return std::get<check::CheckResult>(std::move(o));
}

const std::string kRights = R"("rights": {"allowed": ["writable", "executable", "global"]})";

}  // namespace

TEST_CASE("physical-layout: an identity region with one page off is violated there, and only there") {
  Tables t;
  for (std::uint64_t va = 0x40'0000; va < 0x40'8000; va += k4K) t.map(va, va, kRW);
  t.map(0x40'3000, 0x90'0000, kRW);  // one frame moved
  const spec::Spec s = parsed(spec_text(
      {},
      R"({"name": "low", "kind": "other", "half": "user", "start": "0x400000", "end": "0x800000", "must": "may-be-mapped", )" +
          kRights + R"(, "physical": "identity"})"));
  const check::CheckResult r = checked(t.m, s);
  CHECK(physical(r).status == check::Status::kViolated);
  const auto vs = physical_violations(r);
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].range == VirtRange{VirtAddr(0x40'3000), VirtAddr(0x40'3fff)});
  CHECK(vs[0].phys == std::optional<std::uint64_t>(0x90'0000));
  CHECK(vs[0].message.find("identity") != std::string::npos);
  CHECK(!vs[0].walk.empty());
  CHECK(oracle::disagreements(t.m, s).empty());
}

TEST_CASE("physical-layout: linear holds when every mapped page agrees, unmapped pages are not constrained") {
  Tables t;
  const std::uint64_t base = 0xffff'8880'0000'0000;
  t.map(base, 0, kRW | kXD, k2M);
  t.map(base + 0x40'0000, 0x40'0000, kRW | kXD);  // a hole between, unmapped
  const spec::Spec s = parsed(spec_text(
      {},
      R"({"name": "dm", "kind": "direct-map", "half": "kernel", "start": "0xffff888000000000", "size": "1 * GiB", "must": "may-be-mapped", )" +
          kRights + R"(, "physical": {"linear": "0xffff888000000000"}})"));
  const check::CheckResult r = checked(t.m, s);
  CHECK(physical(r).status == check::Status::kHolds);
  CHECK(oracle::disagreements(t.m, s).empty());
}

TEST_CASE("physical-layout: a nested region without a layout is not constrained by its parent's") {
  Tables t;
  t.map(0x40'0000, 0x40'0000, kRW);
  t.map(0x40'1000, 0x77'7000, kRW);  // inside the nested region: any frame
  t.map(0x40'2000, 0x55'5000, kRW);  // back in the parent: off
  const spec::Spec s = parsed(spec_text(
      {},
      R"({"name": "low", "kind": "other", "half": "user", "start": "0x400000", "end": "0x800000", "must": "may-be-mapped", )" +
          kRights + R"(, "physical": "identity"}, )" +
          R"({"name": "hole", "kind": "other", "half": "user", "start": "0x401000", "size": "4 * KiB", "must": "may-be-mapped", "nested_in": "low", )" +
          kRights + "}"));
  const check::CheckResult r = checked(t.m, s);
  const auto vs = physical_violations(r);
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].range == VirtRange{VirtAddr(0x40'2000), VirtAddr(0x40'2fff)});
  CHECK(oracle::disagreements(t.m, s).empty());
}

TEST_CASE("physical-layout: below a table outside memory the frame is unknown, never a pass") {
  Tables t;
  t.map(0x40'0000, 0x40'0000, kRW);
  // A PT for 0x600000 that is not in memory.
  const std::uint64_t pd = t.table_for(0x60'0000, 2);
  t.m.memory.at(pd)[Tables::index(0x60'0000, 2)] = 0x7000'0000 | kP | kRW;
  const spec::Spec s = parsed(spec_text(
      {},
      R"({"name": "low", "kind": "other", "half": "user", "start": "0x400000", "end": "0x800000", "must": "may-be-mapped", )" +
          kRights + R"(, "physical": "identity"})"));
  const check::CheckResult r = checked(t.m, s);
  CHECK(physical(r).status == check::Status::kUnknown);
  CHECK(oracle::disagreements(t.m, s).empty());
}

TEST_CASE("physical-layout: an offset parameter is inferred from the frames, and pages that disagree leave none") {
  const std::string spec_json = R"({"name": "img", "rules": {"paging_mode": 4, "null_guard": 0, "wx": "allowed",
    "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
    "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "allowed"},
    "parameters": {"kernel_phys": {"min": 0, "max": "64 * GiB", "align": "2 * MiB"}},
    "regions": [{"name": "image", "kind": "code", "half": "kernel", "start": "0xffffffff81000000", "size": "64 * MiB",
      "must": "may-be-mapped", "rights": {"allowed": ["writable", "executable", "global"]},
      "physical": {"linear": "0xffffffff81000000 - kernel_phys"}}]})";
  const spec::Spec s = parsed(spec_json);
  Tables t;
  const std::uint64_t text = 0xffff'ffff'8100'0000, phys = 0x3'4560'0000;
  t.map(text, phys, 0, k2M);
  t.map(text + k2M, phys + k2M, kRW | kXD);
  SUBCASE("every page agrees: the value is found and the rule proved under it") {
    const check::CheckResult r = inferred(t.m, s);
    CHECK(physical(r).status == check::Status::kHolds);
    REQUIRE(r.parameters.size() == 1);
    CHECK(r.parameters[0].value == phys);
    CHECK(r.parameters_admissible);
  }
  SUBCASE("one page disagrees: no value satisfies every page, and the rule is violated") {
    t.map(text + k2M + k4K, phys + 0x100'0000, kRW | kXD);
    const check::CheckResult r = inferred(t.m, s);
    CHECK(physical(r).status == check::Status::kViolated);
    CHECK(!r.parameters_admissible);
  }
}

TEST_CASE("physical-layout: the parser rejects a bad physical value with its path") {
  const auto bad = [](const std::string& physical, const std::string& must = "may-be-mapped") {
    const std::string text = spec_text(
        {}, R"({"name": "low", "kind": "other", "half": "user", "start": "0x400000", "end": "0x800000", "must": ")" +
                must + "\"" + (must == "unmapped" ? "" : ", " + kRights) + R"(, "physical": )" + physical + "}");
    auto s = spec::parse_spec(text, "bad.json");
    REQUIRE(!s.ok());
    return s.error().message;
  };
  CHECK(bad("\"idenity\"").find("regions[0].physical") != std::string::npos);
  CHECK(bad("\"idenity\"").find("not a physical layout") != std::string::npos);
  CHECK(bad("{\"linaer\": 0}").find("regions[0].physical") != std::string::npos);
  CHECK(bad("{}").find("missing key \"linear\"") != std::string::npos);
  CHECK(bad("{\"linear\": \"nope +\"}").find("regions[0].physical.linear") != std::string::npos);
  CHECK(bad("7").find("regions[0].physical") != std::string::npos);
  CHECK(bad("\"identity\"", "unmapped").find("maps no frame") != std::string::npos);
}

TEST_CASE("physical-layout: specs/examples/hobby-os.json holds on a table built to it, and catches a moved frame") {
  const auto file =
      std::filesystem::path(PTV_FIXTURES_DIR).parent_path().parent_path() / "specs" / "examples" / "hobby-os.json";
  auto loaded = spec::load_spec(file);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
  const spec::Spec& s = *loaded;
  Tables t;  // tables from 0x100000 up
  // Low memory, identity, supervisor only (the leaf withholds U/S: the tables above are shared
  // with user space), below the tables.
  const auto kernel_tables = kP | kRW;
  for (std::uint64_t va = 0x1000; va < 0x1'0000; va += k4K) t.map(va, va, kRW | kXD);
  // The higher-half kernel at physical 2 MiB: text (read-only, executable) and data.
  const std::uint64_t kbase = 0xffff'ffff'8000'0000;
  t.map(kbase + 0x20'0000, 0x20'0000, 0, k2M, kernel_tables);
  t.map(kbase + 0x40'0000, 0x40'0000, kRW | kXD, k4K, kernel_tables);
  t.map(kbase + 0x40'1000, 0x40'1000, kRW | kXD, k4K, kernel_tables);
  // A user program.
  t.map(0x40'0000, 0x80'0000, kUS, k4K);
  t.map(0x40'1000, 0x80'1000, kUS | kRW | kXD, k4K);
  // The recursive slot.
  t.m.memory.at(t.m.root)[510] = t.m.root | kP | kRW | kXD;

  const check::CheckResult ok = checked(t.m, s);
  for (const check::RuleResult& rr : ok.rules) {
    INFO(check::rule_info(rr.rule).name << ": " << rr.detail);
    CHECK(rr.status == check::Status::kHolds);
  }
  CHECK(oracle::disagreements(t.m, s).empty());

  SUBCASE("a kernel data page moved to another frame") {
    t.map(kbase + 0x40'1000, 0x60'0000, kRW | kXD, k4K, kernel_tables);
    const check::CheckResult r = checked(t.m, s);
    const auto vs = physical_violations(r);
    REQUIRE(vs.size() == 1);
    CHECK(vs[0].region == "kernel");
    CHECK(vs[0].range == VirtRange::from_size(VirtAddr(kbase + 0x40'1000), k4K));
    CHECK(oracle::disagreements(t.m, s).empty());
  }
  SUBCASE("a low-memory page not identity-mapped") {
    t.map(0x5000, 0x9000, kRW | kXD);
    const auto vs = physical_violations(checked(t.m, s));
    REQUIRE(vs.size() == 1);
    CHECK(vs[0].region == "low-identity");
    CHECK(vs[0].address == VirtAddr(0x5000));
  }
}
