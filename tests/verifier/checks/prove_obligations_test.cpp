// Strategy: for every obligation of the registry, a small spec that breaks it, and the exact
// counterexample prove must report: the goal, the (minimised) parameter values, the lowest
// offending address, the regions involved with their placed bounds, and whether the witness is
// unique. Each spec differs from a baseline that proves everything by the one mistake it pins,
// and the obligations it does not target must stay proved. Then the lattice: an empty parameter
// space is a spec error naming the contradicting declarations, a solver limit is unknown with
// the limit named, and exit codes follow the table in verifier/checks/prove.h.
#include <doctest/doctest.h>

#include <sstream>

#include "verifier/checks/prove.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

struct SpecParts {
  std::string rules = R"("paging_mode": 4, "null_guard": "64 * KiB")";
  std::string parameters;
  std::string constraints;
  std::string regions;
  std::string arrays;
  std::string exceptions;  ///< docs/spec-language.md §6.1, when not empty
};

spec::Spec make_spec(const SpecParts& p) {
  const std::string text = "{\"name\": \"t\", \"rules\": {" + p.rules + "}, \"parameters\": {" + p.parameters +
                           "}, \"constraints\": [" + p.constraints + "], \"regions\": [" + p.regions +
                           "], \"arrays\": [" + p.arrays + "]" +
                           (p.exceptions.empty() ? "" : ", \"exceptions\": [" + p.exceptions + "]") + "}";
  Expected<spec::Spec> s = spec::parse_spec(text, "t.json");
  if (!s) FAIL(s.error().message);
  return std::move(s).value();
}

ProveReport run(const SpecParts& p) {
  Expected<ProveReport> r = prove(make_spec(p));
  if (!r) FAIL(r.error().message);
  REQUIRE(r->internal_errors.empty());
  return std::move(r).value();
}

const ObligationResult& obligation(const ProveReport& r, ObligationId id) {
  return r.obligations[static_cast<std::size_t>(id)];
}

// The one refuted goal of an obligation.
const GoalResult& refuted(const ProveReport& r, ObligationId id) {
  const ObligationResult& o = obligation(r, id);
  CAPTURE(o.info.name);
  REQUIRE(o.status == Status::kViolated);
  const GoalResult* found = nullptr;
  for (const GoalResult& g : o.goals)
    if (g.status == Status::kViolated) {
      REQUIRE(found == nullptr);
      found = &g;
    }
  REQUIRE(found != nullptr);
  REQUIRE(found->counterexample.has_value());
  return *found;
}

void only_refuted(const ProveReport& r, std::initializer_list<ObligationId> ids) {
  for (const ObligationResult& o : r.obligations) {
    CAPTURE(o.info.name);
    const bool expected = std::find(ids.begin(), ids.end(), o.info.kind) != ids.end();
    CHECK((o.status == Status::kViolated) == expected);
    CHECK(o.status != Status::kUnknown);
  }
}

std::vector<NamedValue> params(std::initializer_list<std::pair<const char*, std::uint64_t>> l) {
  std::vector<NamedValue> out;
  for (const auto& [n, v] : l) out.push_back(NamedValue{n, v});
  return out;
}

VirtRange range(std::uint64_t first, std::uint64_t last) { return VirtRange{VirtAddr(first), VirtAddr(last)}; }

const char* kUserRegion =
    R"({"name": "u", "kind": "data", "half": "user", "start": "0x10000", "size": "0x10000", "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]}})";
const char* kKernelRegion =
    R"({"name": "k", "kind": "heap", "half": "kernel", "start": "0xffffc90000000000", "size": "1 * GiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";

}  // namespace

TEST_CASE("prove: a well-formed spec proves every obligation and exits 0") {
  SpecParts p;
  p.parameters = R"("n": {"min": 1, "max": 8})";
  p.regions = std::string(kUserRegion) + "," + kKernelRegion;
  p.arrays =
      R"({"name": "st", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": "n", "size": "16 * KiB", "guard": "4 * KiB", "must": "mapped", "rights": {"allowed": ["writable"]}, "nested_in": "k"})";
  const ProveReport r = run(p);
  CHECK(r.verdict == Status::kHolds);
  CHECK(exit_code(r) == ExitCode::kOk);
  only_refuted(r, {});
  CHECK(obligation(r, ObligationId::kRecursiveSlot).status == Status::kNotApplicable);
  CHECK(obligation(r, ObligationId::kParametersSatisfiable).note.rfind("e.g. n=", 0) == 0);
}

TEST_CASE("prove P01: an empty parameter space is a spec error naming the contradiction") {
  SpecParts p;
  p.parameters = R"("a": {"max": 10}, "b": {"max": 100})";
  p.constraints = R"("b < 50", "a > 20")";
  p.regions = kUserRegion;
  Expected<ProveReport> r = prove(make_spec(p));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "t.json: the parameter space is empty: no parameter values satisfy these declarations together:\n"
        "  parameters.a (0x0 <= a <= 0xa)\n"
        "  constraints[1] \"a > 20\"");
  SpecParts q;
  q.parameters = R"("a": {})";
  q.constraints = R"("a < 0")";
  q.regions = kUserRegion;
  Expected<ProveReport> s = prove(make_spec(q));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message ==
        "t.json: the parameter space is empty: no parameter values satisfy this declaration:\n  constraints[0] \"a < "
        "0\"");
}

TEST_CASE("prove P02: a region whose size can go below 0 is refuted, with the column that wraps") {
  SpecParts p;
  p.parameters = R"("n": {"min": 4, "max": 16})";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "r", "kind": "data", "half": "user", "start": "0x100000", "size": "(n - 8) * 4096", "must": "unmapped"})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kRegionBounds});
  const GoalResult& g = refuted(r, ObligationId::kRegionBounds);
  CHECK(g.subject == "r");
  CHECK(g.query == "P02.region-bounds.r");
  const Counterexample& cx = *g.counterexample;
  CHECK(cx.message == "regions[1].size: the '-' at column 4 goes below 0 (0x4 - 0x8)");
  CHECK_FALSE(cx.address.has_value());
  REQUIRE(cx.regions.size() == 1);
  CHECK_FALSE(cx.regions[0].range.has_value());
  CHECK(cx.parameters == params({{"n", 4}}));
  CHECK(cx.unique == false);
  CHECK(exit_code(r) == ExitCode::kViolations);
}

TEST_CASE("prove P03: a region over the non-canonical hole is refuted at its first non-canonical address") {
  SpecParts p;
  p.regions =
      R"({"name": "top", "kind": "mmap", "half": "user", "start": "0x00007fffffff0000", "size": "0x20000", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kCanonical, ObligationId::kInHalf});
  const Counterexample& cx = *refuted(r, ObligationId::kCanonical).counterexample;
  CHECK(cx.address == VirtAddr(0x0000'8000'0000'0000));
  REQUIRE(cx.regions.size() == 1);
  CHECK(cx.regions[0].name == "top");
  CHECK(cx.regions[0].range == range(0x0000'7fff'ffff'0000, 0x0000'8000'0000'ffff));
  CHECK(cx.parameters.empty());
  CHECK(cx.unique == true);
  CHECK(cx.message.find("contains the non-canonical address 0x0000800000000000") != std::string::npos);
}

TEST_CASE("prove P04: a kernel region in the user half is refuted at its start") {
  SpecParts p;
  p.parameters = R"("base": {"min": "0x100000", "max": "0xffffffff80000000", "align": "1 * MiB"})";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "kr", "kind": "code", "half": "kernel", "start": "base", "size": "1 * MiB", "must": "may-be-mapped", "rights": {"allowed": ["executable"]}})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kInHalf, ObligationId::kCanonical});
  const Counterexample& cx = *refuted(r, ObligationId::kInHalf).counterexample;
  CHECK(cx.address == VirtAddr(0x10'0000));
  CHECK(cx.regions[0].range == range(0x10'0000, 0x1f'ffff));
  CHECK(cx.parameters == params({{"base", 0x10'0000}}));
  CHECK(cx.unique == false);
  CHECK(cx.message.find("below the kernel half's first address 0xffff800000000000") != std::string::npos);
}

TEST_CASE("prove P05: a start off the page grid is refuted at that start, with the smallest offset") {
  SpecParts p;
  p.parameters = R"("p": {"max": "0x10000", "align": "0x800"})";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "r", "kind": "data", "half": "user", "start": "0x100000 + p", "size": "0x1000", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kAligned});
  const Counterexample& cx = *refuted(r, ObligationId::kAligned).counterexample;
  CHECK(cx.address == VirtAddr(0x10'0800));
  CHECK(cx.parameters == params({{"p", 0x800}}));
  CHECK(cx.unique == false);
  CHECK(cx.message ==
        "r [0x0000000000100800, 0x00000000001017ff]: its start 0x0000000000100800 is not a multiple of 4 KiB, the 4 "
        "KiB page size");
}

TEST_CASE("prove P05: a region that must be mapped with 2 MiB pages only needs 2 MiB bounds") {
  SpecParts p;
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "big", "kind": "data", "half": "user", "start": "0x200000", "size": "0x201000", "must": "mapped", "page_sizes": ["2M"], "rights": {"allowed": ["user"]}})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kAligned});
  const Counterexample& cx = *refuted(r, ObligationId::kAligned).counterexample;
  CHECK(cx.address == VirtAddr(0x40'1000));
  CHECK(
      cx.message.find("its end 0x0000000000401000 is not a multiple of 2 MiB, its smallest allowed page size 2 MiB") !=
      std::string::npos);
}

TEST_CASE("prove P06: overlapping regions are refuted at the lowest shared address") {
  SpecParts p;
  p.parameters = R"("q": {"max": "0x100000", "align": "0x1000"})";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "b", "kind": "heap", "half": "user", "start": "0x18000 + q", "size": "0x1000", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kDisjoint});
  const GoalResult& g = refuted(r, ObligationId::kDisjoint);
  CHECK(g.subject == "u / b");
  const Counterexample& cx = *g.counterexample;
  CHECK(cx.address == VirtAddr(0x1'8000));
  REQUIRE(cx.regions.size() == 2);
  CHECK(cx.regions[0].range == range(0x1'0000, 0x1'ffff));
  CHECK(cx.regions[1].range == range(0x1'8000, 0x1'8fff));
  CHECK(cx.parameters == params({{"q", 0}}));
  CHECK(cx.unique == false);
  CHECK(cx.message ==
        "0x0000000000018000 lies in both u [0x0000000000010000, 0x000000000001ffff] and b [0x0000000000018000, "
        "0x0000000000018fff]");
}

TEST_CASE("prove P07: a nested region reaching past its parent is refuted at the parent's end") {
  SpecParts p;
  p.parameters = R"("c": {"max": "0x20000", "align": "0x1000"})";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "child", "kind": "data", "half": "user", "start": "0x10000 + c", "size": "0x4000", "must": "may-be-mapped", "rights": {"allowed": ["user"]}, "nested_in": "u"})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kNesting});
  const GoalResult& g = refuted(r, ObligationId::kNesting);
  CHECK(g.subject == "child in u");
  const Counterexample& cx = *g.counterexample;
  CHECK(cx.address == VirtAddr(0x2'0000));
  CHECK(cx.parameters == params({{"c", 0xd000}}));
  CHECK(cx.regions[0].range == range(0x1'd000, 0x2'0fff));
  CHECK(cx.regions[1].range == range(0x1'0000, 0x1'ffff));
}

TEST_CASE("prove P08: an array whose guard can be empty is refuted between elements 0 and 1") {
  SpecParts p;
  p.parameters = R"("n": {"min": 1, "max": 8}, "g": {"max": "0x2000", "align": "0x1000"})";
  p.regions = kKernelRegion;
  p.arrays =
      R"({"name": "st", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": "n", "size": "16 * KiB", "guard": "g", "must": "mapped", "rights": {"allowed": ["writable"]}, "nested_in": "k"})";
  const ProveReport r = run(p);
  only_refuted(r, {ObligationId::kArrayGuards});
  const Counterexample& cx = *refuted(r, ObligationId::kArrayGuards).counterexample;
  CHECK(cx.address == VirtAddr(0xffff'c900'0000'4000));
  CHECK(cx.parameters == params({{"n", 2}, {"g", 0}}));
  CHECK(cx.regions[0].range == range(0xffff'c900'0000'0000, 0xffff'c900'0000'7fff));
  CHECK(cx.message.find("the guard is 0 bytes") != std::string::npos);

  SpecParts q = p;
  q.parameters = "";
  q.arrays =
      R"({"name": "st", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": 4, "size": "16 * KiB", "guard": "4 * KiB", "stride": "16 * KiB", "must": "mapped", "rights": {"allowed": ["writable"]}, "nested_in": "k"})";
  const ProveReport report1 = run(q);
  const Counterexample& cy = *refuted(report1, ObligationId::kArrayGuards).counterexample;
  CHECK(cy.address == VirtAddr(0xffff'c900'0000'4000));
  CHECK(cy.unique == true);
  CHECK(cy.message.find("element 1 starts at 0xffffc90000004000, inside element 0 or its guard (stride 16 KiB < size + "
                        "guard 20 KiB)") != std::string::npos);
}

TEST_CASE("prove P09: a recursive region must be one whole top-level slot, the named one, shared with nothing") {
  const std::string slot510 =
      R"({"name": "rec", "kind": "recursive", "half": "kernel", "start": "0xffffff0000000000", "size": "512 * GiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";
  SpecParts ok;
  ok.rules += R"(, "recursive_slot": {"index": 510})";
  ok.regions = std::string(kUserRegion) + "," + slot510;
  only_refuted(run(ok), {});

  SpecParts wrong_index = ok;
  wrong_index.rules = R"("paging_mode": 4, "null_guard": "64 * KiB", "recursive_slot": {"index": 511})";
  const ProveReport report2 = run(wrong_index);
  const Counterexample& a = *refuted(report2, ObligationId::kRecursiveSlot).counterexample;
  CHECK(a.address == VirtAddr(0xffff'ff00'0000'0000));
  CHECK(a.message.find(
            "it is slot 510, but rules.recursive_slot.index is 511 [0xffffff8000000000, 0xffffffffffffffff]") !=
        std::string::npos);

  SpecParts partial;
  partial.regions =
      std::string(kUserRegion) +
      R"(, {"name": "rec", "kind": "recursive", "half": "kernel", "start": "0xffffffffc0000000", "size": "1 * GiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";
  const ProveReport report3 = run(partial);
  const Counterexample& b = *refuted(report3, ObligationId::kRecursiveSlot).counterexample;
  CHECK(b.address == VirtAddr(0xffff'ffff'c000'0000));
  CHECK(b.message.find("it starts 511 GiB into slot 511 [0xffffff8000000000, 0xffffffffffffffff] and spans 1 GiB") !=
        std::string::npos);

  SpecParts shared = ok;
  shared.regions +=
      R"(, {"name": "other", "kind": "heap", "half": "kernel", "start": "0xffffff7fffff0000", "size": "0x20000", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";
  const ProveReport r = run(shared);
  only_refuted(r, {ObligationId::kRecursiveSlot, ObligationId::kDisjoint});
  const GoalResult& g = refuted(r, ObligationId::kRecursiveSlot);
  CHECK(g.subject == "rec: slot shared with other");
  CHECK(g.counterexample->address == VirtAddr(0xffff'ff7f'ffff'0000));

  SpecParts none = ok;
  none.rules = R"("paging_mode": 4, "null_guard": "64 * KiB", "recursive_slot": "none")";
  CHECK(refuted(run(none), ObligationId::kRecursiveSlot)
            .counterexample->message.find("rules.recursive_slot is \"none\"") != std::string::npos);
}

TEST_CASE("prove P10: region rights that contradict a global rule are refuted, one rule each") {
  struct Row {
    std::string rules;
    std::string region;
    std::string subject;
    std::uint64_t address;
  };
  const std::string base = R"("paging_mode": 4, "null_guard": "64 * KiB")";
  const Row rows[] = {
      {base,
       R"({"name": "x", "kind": "heap", "half": "kernel", "start": "0xffffc90000000000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "x: user access in the kernel half", 0xffff'c900'0000'0000},
      {base + R"(, "user_kernel_split": {"user_in_kernel_half": "vsyscall-only"})",
       R"({"name": "x", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff600000", "size": "8192", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "x: one vsyscall page", 0xffff'ffff'ff60'0000},
      {base + R"(, "user_kernel_split": {"user_in_kernel_half": "vsyscall-only"})",
       R"({"name": "x", "kind": "heap", "half": "kernel", "start": "0xffffc90000000000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "x: user access in the kernel half", 0xffff'c900'0000'0000},
      {base,
       R"({"name": "x", "kind": "data", "half": "user", "start": "0x100000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})",
       "x: supervisor-only in the user half", 0x10'0000},
      {base,
       R"({"name": "x", "kind": "code", "half": "user", "start": "0x100000", "size": "4096", "must": "mapped", "rights": {"allowed": ["user", "writable", "executable"], "required": ["writable", "executable"]}})",
       "x: requires W and X", 0x10'0000},
      {base,
       R"({"name": "x", "kind": "data", "half": "user", "start": "0x1000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "x: null guard", 0x1000},
      // Two 4 KiB vsyscall pages: the reference allows one.
      {base + R"(, "user_kernel_split": {"user_in_kernel_half": "vsyscall-only"})",
       R"({"name": "v", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff600000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}},
          {"name": "x", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff601000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "x: a second vsyscall page", 0xffff'ffff'ff60'1000},
  };
  for (const Row& row : rows) {
    CAPTURE(row.subject);
    SpecParts p;
    p.rules = row.rules;
    p.regions = row.region;
    const ProveReport r = run(p);
    const GoalResult& g = refuted(r, ObligationId::kRightsVsRules);
    CHECK(g.subject == row.subject);
    CHECK(g.counterexample->address == VirtAddr(row.address));
    CHECK(g.counterexample->unique == true);
  }
  // The same vsyscall page of 4 KiB is allowed.
  SpecParts ok;
  ok.rules = base + R"(, "user_kernel_split": {"user_in_kernel_half": "vsyscall-only"})";
  ok.regions =
      R"({"name": "x", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff600000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})";
  only_refuted(run(ok), {});
}

TEST_CASE("prove P10: an exception to the rule for the region, or one it is nested in, lifts the goal") {
  struct Row {
    std::string rules, region, rule;
  };
  const std::string base = R"("paging_mode": 4, "null_guard": "64 * KiB")";
  const Row rows[] = {
      {base,
       R"({"name": "x", "kind": "heap", "half": "kernel", "start": "0xffffc90000000000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "user-kernel-split"},
      {base,
       R"({"name": "x", "kind": "data", "half": "user", "start": "0x100000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})",
       "supervisor-in-user-half"},
      {base,
       R"({"name": "x", "kind": "code", "half": "user", "start": "0x100000", "size": "4096", "must": "mapped", "rights": {"allowed": ["user", "writable", "executable"], "required": ["writable", "executable"]}})",
       "wx"},
      {base,
       R"({"name": "x", "kind": "data", "half": "user", "start": "0x1000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})",
       "null-guard"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.rule);
    SpecParts p;
    p.rules = row.rules;
    p.regions = row.region;
    p.exceptions = R"({"rule": ")" + row.rule + R"(", "region": "x", "reason": "on purpose"})";
    only_refuted(run(p), {});
    // An exception to another rule lifts nothing.
    p.exceptions = R"({"rule": "page-size", "region": "x", "reason": "on purpose"})";
    CHECK(obligation(run(p), ObligationId::kRightsVsRules).status == Status::kViolated);
  }
  // Through the parent: x nested in a wider region the exception names.
  SpecParts nested;
  nested.regions =
      R"({"name": "outer", "kind": "code", "half": "user", "start": "0x100000", "size": "0x10000", "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable"]}},
         {"name": "x", "kind": "code", "half": "user", "start": "0x100000", "size": "4096", "must": "mapped", "rights": {"allowed": ["user", "writable", "executable"], "required": ["writable", "executable"]}, "nested_in": "outer"})";
  nested.exceptions = R"({"rule": "wx", "region": "outer", "reason": "on purpose"})";
  only_refuted(run(nested), {});
  // But not through a region nested in it.
  SpecParts inner = nested;
  inner.regions =
      R"({"name": "x", "kind": "code", "half": "user", "start": "0x100000", "size": "0x10000", "must": "mapped", "rights": {"allowed": ["user", "writable", "executable"], "required": ["writable", "executable"]}},
         {"name": "in", "kind": "code", "half": "user", "start": "0x100000", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": ["user"]}, "nested_in": "x"})";
  inner.exceptions = R"({"rule": "wx", "region": "in", "reason": "on purpose"})";
  CHECK(refuted(run(inner), ObligationId::kRightsVsRules).subject == "x: requires W and X");
}

TEST_CASE("prove: a solver limit makes goals unknown with the limit named, never proved") {
  SpecParts p;
  p.parameters = R"("n": {"min": 1, "max": 8})";
  p.constraints = R"("n * n < 40")";
  p.regions =
      std::string(kUserRegion) +
      R"(, {"name": "r", "kind": "data", "half": "user", "start": "0x100000", "size": "n * 0x1000", "must": "may-be-mapped", "rights": {"allowed": ["user"]}})";
  ProveOptions o;
  o.limits = smt::QueryLimits{0, 1, 0};  // rlimit 1: every query stops at once, deterministically
  Expected<ProveReport> r = prove(make_spec(p), o);
  REQUIRE(r.ok());
  const ObligationResult& p01 = obligation(*r, ObligationId::kParametersSatisfiable);
  CHECK(p01.status == Status::kUnknown);
  REQUIRE(p01.goals.size() == 1);
  CHECK(p01.goals[0].unknown_reason.find("rlimit") != std::string::npos);
  CHECK(r->verdict == Status::kUnknown);
  CHECK(exit_code(*r) == ExitCode::kUnknown);
}

TEST_CASE("prove: the status lattice joins to the worst status, unknown never becomes proved") {
  CHECK(join(Status::kHolds, Status::kNotApplicable) == Status::kHolds);
  CHECK(join(Status::kHolds, Status::kUnknown) == Status::kUnknown);
  CHECK(join(Status::kUnknown, Status::kViolated) == Status::kViolated);
  CHECK(join(Status::kNotApplicable, Status::kNotApplicable) == Status::kNotApplicable);
  ProveReport r;
  r.verdict = Status::kViolated;
  CHECK(exit_code(r) == ExitCode::kViolations);
  r.internal_errors.push_back("replay failed");
  CHECK(exit_code(r) == ExitCode::kInternal);
}

TEST_CASE("prove: the obligation registry lists every obligation once, in order, with ids P01..P10") {
  std::ostringstream text, json;
  write_obligation_list(text, false);
  write_obligation_list(json, true);
  for (std::size_t i = 0; i < kObligations.size(); ++i) {
    CHECK(static_cast<std::size_t>(kObligations[i].kind) == i);
    CHECK(kObligations[i].id == (i < 9 ? "P0" : "P") + std::to_string(i + 1));
    CHECK(text.str().find(std::string(kObligations[i].name)) != std::string::npos);
    CHECK(json.str().find("\"" + std::string(kObligations[i].id) + "\"") != std::string::npos);
  }
}
