// Strategy: pin the rule oracle (rule_oracle.h) by hand before it judges the checker
// (differential_test.cpp). Each TEST_CASE builds a few tables by hand, a spec that relaxes every
// global rule but the one under test, and states the exact violating sets, derived by hand from
// docs/spec-language.md (§5, §5.3, §5.4, §6) and the SDM vol. 3A §4.5, not from the verifier.
// The checker must give the same answer on every case (evaluate() requires it), so each case is
// also a contract test of `check`: array gaps governed by the parent, one report per guard page,
// the vsyscall page, page-table frames decided by the innermost region, W^X and aliases per
// privilege with CR0.WP and CR4.SMEP, tables outside the dump.
#include "rule_oracle.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "agreement.h"
#include "hand_built.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using oracle::IntervalSet;
using oracle::Verdict;

namespace {

using namespace oracle::hand;

/// The oracle's answer, after requiring the checker (run_check on the same tables) to give the
/// same one: each hand-derived expectation below pins both.
oracle::OracleResult evaluate(const oracle::Machine& m, const std::string& text) {
  const auto s = spec::parse_spec(text, "t.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  const auto layout = spec::evaluate_layout(*s, {});
  REQUIRE_MESSAGE(layout.ok(), (layout.ok() ? "" : layout.error().message));
  const std::string diff = oracle::disagreements(m, *s);
  CHECK_MESSAGE(diff.empty(), "the checker disagrees with the oracle:\n" << diff);
  return oracle::evaluate(m, *layout);
}

/// Every rule but those named holds, with nothing in its sets.
void others_hold(const oracle::OracleResult& r, std::initializer_list<std::string_view> except) {
  for (const oracle::RuleAnswer& a : r.rules) {
    if (std::find(except.begin(), except.end(), a.rule) != except.end()) continue;
    INFO(a.rule);
    CHECK(a.status == Verdict::kHolds);
    CHECK(a.must.empty());
  }
}

}  // namespace

TEST_CASE("oracle canonical: the walk's upper half is sign-extended, and no translation is non-canonical") {
  Tables t;
  t.map(0x0000'7fff'ffff'f000, 0x200'0000, kRW);  // PML4 255, the last user page
  t.map(0xffff'8000'0000'0000, 0x200'1000, kRW);  // PML4 256, the first kernel page
  const auto r = evaluate(t.m, spec_text({{"outside_regions", "\"forbidden\""}}));
  CHECK(r.at("canonical").status == Verdict::kHolds);
  CHECK(r.at("outside-regions").must ==
        IntervalSet{{0x0000'7fff'ffff'f000, 0x0000'7fff'ffff'ffff}, {0xffff'8000'0000'0000, 0xffff'8000'0000'0fff}});
  others_hold(r, {"outside-regions"});
}

TEST_CASE("oracle null-guard: pages below the null guard, not the one at its end") {
  Tables t;
  t.map(0x1000, 0x200'0000, kRW | kUS);
  t.map(0xf000, 0x200'1000, kRW | kUS);
  t.map(0x1'0000, 0x200'2000, kRW | kUS);
  const auto r = evaluate(t.m, spec_text({{"null_guard", "\"64 * KiB\""}}));
  CHECK(r.at("null-guard").status == Verdict::kViolated);
  CHECK(r.at("null-guard").must == IntervalSet{{0x1000, 0x1fff}, {0xf000, 0xffff}});
  others_hold(r, {"null-guard"});
}

TEST_CASE("oracle user-kernel-split: the 4 KiB vsyscall page is excused, a 16 KiB vsyscall region is not") {
  Tables t;
  t.map(0xffff'ffff'ff60'0000, 0x200'0000, kUS);  // the vsyscall page
  for (std::uint64_t i = 0; i < 4; ++i) t.map(0xffff'ffff'ff70'0000 + k4K * i, 0x200'1000 + k4K * i, kUS);
  t.map(0xffff'8880'0000'0000, 0x200'8000, kUS | kRW | kXD);  // a user page in no region
  const std::string regions =
      R"({"name": "vsyscall", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff600000", "size": "4 * KiB",
          "must": "mapped", "rights": {"allowed": ["user", "executable"]}},
         {"name": "vsyscall-16k", "kind": "vsyscall", "half": "kernel", "start": "0xffffffffff700000", "size": "16 * KiB",
          "must": "mapped", "rights": {"allowed": ["user", "executable"]}})";
  const auto r =
      evaluate(t.m, spec_text({{"user_kernel_split",
                                R"({"user_in_kernel_half": "vsyscall-only", "supervisor_in_user_half": "allowed"})"}},
                              regions));
  CHECK(r.at("user-kernel-split").must ==
        IntervalSet{{0xffff'8880'0000'0000, 0xffff'8880'0000'0fff}, {0xffff'ffff'ff70'0000, 0xffff'ffff'ff70'3fff}});
  others_hold(r, {"user-kernel-split"});
  // Under "forbidden" the vsyscall page is no excuse either.
  const auto f = evaluate(
      t.m, spec_text(
               {{"user_kernel_split", R"({"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "allowed"})"}},
               regions));
  CHECK(f.at("user-kernel-split").must == IntervalSet{{0xffff'8880'0000'0000, 0xffff'8880'0000'0fff},
                                                      {0xffff'ffff'ff60'0000, 0xffff'ffff'ff60'0fff},
                                                      {0xffff'ffff'ff70'0000, 0xffff'ffff'ff70'3fff}});
}

TEST_CASE("oracle supervisor-in-user-half: a supervisor page in the user half, where U/S=0 at any level") {
  Tables t;
  t.map(0x40'0000, 0x200'0000, kRW);                         // leaf U/S=0
  t.map(0x40'1000, 0x200'1000, kRW | kUS);                   // user
  t.map(0x8000'0000, 0x200'2000, kRW | kUS, k4K, kP | kRW);  // U/S=0 in the tables above a user leaf
  t.map(0xffff'8000'0000'0000, 0x200'3000, kRW);             // supervisor in the kernel half: fine
  const auto r =
      evaluate(t.m, spec_text({{"user_kernel_split",
                                R"({"user_in_kernel_half": "allowed", "supervisor_in_user_half": "forbidden"})"}}));
  CHECK(r.at("supervisor-in-user-half").must == IntervalSet{{0x40'0000, 0x40'0fff}, {0x8000'0000, 0x8000'0fff}});
  others_hold(r, {"supervisor-in-user-half"});
}

TEST_CASE(
    "oracle wx: CR0.WP=0 makes a supervisor read-only executable page writable, SMEP does not save a user W+X page") {
  Tables t;
  t.map(0xffff'ffff'8100'0000, 0x200'0000, 0);          // supervisor, read-only, executable
  t.map(0x40'0000, 0x200'1000, kUS);                    // user, read-only, executable
  t.map(0x40'1000, 0x200'2000, kUS | kRW);              // user, writable, executable
  t.map(0xffff'8880'0000'0000, 0x200'3000, kRW | kXD);  // supervisor, writable, NX
  const std::string text = spec_text({{"wx", "\"forbidden\""}});
  t.m.cpu.cr0_wp = true;
  t.m.cpu.cr4_smep = true;
  auto r = evaluate(t.m, text);
  CHECK(r.at("wx").must == IntervalSet{{0x40'1000, 0x40'1fff}});  // user-writable and user-executable
  others_hold(r, {"wx"});
  t.m.cpu.cr0_wp = false;  // every page is now writable; SMEP keeps supervisor fetches off user pages
  r = evaluate(t.m, text);
  CHECK(r.at("wx").must == IntervalSet{{0x40'1000, 0x40'1fff}, {0xffff'ffff'8100'0000, 0xffff'ffff'8100'0fff}});
  t.m.cpu.cr4_smep = false;  // and now the read-only user page too: writable and supervisor-executable
  r = evaluate(t.m, text);
  CHECK(r.at("wx").must == IntervalSet{{0x40'0000, 0x40'1fff}, {0xffff'ffff'8100'0000, 0xffff'ffff'8100'0fff}});
  t.m.cpu.efer_nxe = false;  // no XD: the direct map page is executable too (its XD is now reserved)
  r = evaluate(t.m, text);
  CHECK(r.at("reserved-bits").must == IntervalSet{{0xffff'8880'0000'0000, 0xffff'8880'0000'0fff}});
}

TEST_CASE("oracle region-rights: a right the region does not allow, and not in a guard") {
  Tables t;
  t.map(0xffff'c900'0000'0000, 0x200'0000, kRW | kXD);        // allowed
  t.map(0xffff'c900'0000'1000, 0x200'1000, kRW | kXD | kUS);  // user: not allowed
  t.map(0xffff'c900'0000'2000, 0x200'2000, kRW);              // executable: not allowed
  t.map(0x50'0000, 0x200'3000, kRW | kUS | kXD);              // user-writable, in a guard region
  const std::string regions =
      R"({"name": "vmalloc", "kind": "vmalloc", "half": "kernel", "start": "0xffffc90000000000", "size": "16 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable", "global"]}},
         {"name": "hole", "kind": "other", "half": "user", "start": "0x500000", "size": "4 * KiB", "must": "unmapped"})";
  const auto r = evaluate(t.m, spec_text({}, regions));
  CHECK(r.at("region-rights").must == IntervalSet{{0xffff'c900'0000'1000, 0xffff'c900'0000'2fff}});
  CHECK(r.at("guard-unmapped").must == IntervalSet{{0x50'0000, 0x50'0fff}});
  others_hold(r, {"region-rights", "guard-unmapped"});
}

TEST_CASE("oracle region-required-rights: a translation lacking a required right, not an unmapped page") {
  Tables t;
  t.map(0xffff'8880'0000'0000, 0x200'0000, kRW | kXD);
  t.map(0xffff'8880'0000'1000, 0x200'1000, kXD);  // read-only
  t.m.cpu.cr0_wp = true;
  const std::string regions =
      R"({"name": "data", "kind": "data", "half": "kernel", "start": "0xffff888000000000", "size": "16 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable"], "required": ["writable"]}})";
  auto r = evaluate(t.m, spec_text({}, regions));
  CHECK(r.at("region-required-rights").must == IntervalSet{{0xffff'8880'0000'1000, 0xffff'8880'0000'1fff}});
  others_hold(r, {"region-required-rights"});
  t.m.cpu.cr0_wp = false;  // supervisor writes ignore R/W: the page is writable
  r = evaluate(t.m, spec_text({}, regions));
  CHECK(r.at("region-required-rights").status == Verdict::kHolds);
}

TEST_CASE("oracle required-mapped: an array's unmapped gap breaks its parent's must-mapped") {
  // Parent [0x40'0000, 0x40'ffff] must be mapped; the array in it has elements at 0x40'0000 and
  // 0x40'4000, guards after each, and a gap [0x40'2000, 0x40'3fff] that the parent governs.
  Tables t;
  for (std::uint64_t va = 0x40'0000; va < 0x41'0000; va += k4K) {
    const bool guard = va == 0x40'1000 || va == 0x40'5000;
    if (!guard && va != 0x40'3000) t.map(va, 0x200'0000 + (va - 0x40'0000), kRW | kUS | kXD);
  }
  const std::string regions =
      R"({"name": "parent", "kind": "heap", "half": "user", "start": "0x400000", "size": "64 * KiB",
          "must": "mapped", "rights": {"allowed": ["user", "writable"]}})";
  const std::string arrays =
      R"({"name": "stacks", "kind": "stack", "half": "user", "start": "0x400000", "count": 2, "size": "4 * KiB",
          "guard": "4 * KiB", "stride": "16 * KiB", "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]},
          "nested_in": "parent"})";
  const auto r = evaluate(t.m, spec_text({}, regions, arrays));
  CHECK(r.at("required-mapped").must == IntervalSet{{0x40'3000, 0x40'3fff}});  // not the guards
  others_hold(r, {"required-mapped"});
  // A fault is no translation either.
  t.m.memory.at(t.table_for(0x40'2000, 1))[2] |= std::uint64_t{1} << 51;
  t.m.cpu.maxphyaddr = 46;
  const auto f = evaluate(t.m, spec_text({}, regions, arrays));
  CHECK(f.at("required-mapped").must == IntervalSet{{0x40'2000, 0x40'3fff}});
  CHECK(f.at("reserved-bits").must == IntervalSet{{0x40'2000, 0x40'2fff}});
}

TEST_CASE("oracle guard-unmapped: a mapped guard page is one violation, a page in a gap the parent allows is none") {
  Tables t;
  t.map(0x40'1000, 0x200'0000, kRW | kUS | kXD);  // the guard after element 0
  t.map(0x40'2000, 0x200'1000, kRW | kUS | kXD);  // the gap: the parent allows it
  t.map(0x60'2000, 0x200'2000, kRW | kUS | kXD);  // the gap of a top-level array: outside every region
  const std::string regions =
      R"({"name": "parent", "kind": "heap", "half": "user", "start": "0x400000", "size": "64 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]}})";
  const std::string arrays =
      R"({"name": "stacks", "kind": "stack", "half": "user", "start": "0x400000", "count": 2, "size": "4 * KiB",
          "guard": "4 * KiB", "stride": "16 * KiB", "must": "mapped", "rights": {"allowed": []}, "page_sizes": ["2M"],
          "nested_in": "parent"},
         {"name": "top", "kind": "stack", "half": "user", "start": "0x600000", "count": 2, "size": "4 * KiB",
          "guard": "4 * KiB", "stride": "16 * KiB", "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]}})";
  const auto r = evaluate(t.m, spec_text({{"outside_regions", "\"forbidden\""}}, regions, arrays));
  CHECK(r.at("guard-unmapped").must == IntervalSet{{0x40'1000, 0x40'1fff}});
  CHECK(r.at("outside-regions").must == IntervalSet{{0x60'2000, 0x60'2fff}});
  // The elements must be mapped (and are not); the guard's user, writable 4 KiB page breaks no
  // rights or page-size rule of the array.
  CHECK(r.at("required-mapped").must == IntervalSet{{0x40'0000, 0x40'0fff}, {0x40'4000, 0x40'4fff}});
  others_hold(r, {"guard-unmapped", "outside-regions", "required-mapped"});
}

TEST_CASE("oracle outside-regions: translations in no region's cover") {
  Tables t;
  t.map(0x40'0000, 0x200'0000, kRW | kUS | kXD);
  t.map(0x40'1000, 0x200'1000, kRW | kUS | kXD);
  t.map(0xffff'8880'0000'0000, 0x200'2000, kRW | kXD);
  const std::string regions =
      R"({"name": "heap", "kind": "heap", "half": "user", "start": "0x400000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]}})";
  auto r = evaluate(t.m, spec_text({{"outside_regions", "\"forbidden\""}}, regions));
  CHECK(r.at("outside-regions").must ==
        IntervalSet{{0x40'1000, 0x40'1fff}, {0xffff'8880'0000'0000, 0xffff'8880'0000'0fff}});
  others_hold(r, {"outside-regions"});
  r = evaluate(t.m, spec_text({{"outside_regions", "\"allowed\""}}, regions));
  CHECK(r.at("outside-regions").status == Verdict::kHolds);
}

TEST_CASE("oracle page-size: the part of a 2 MiB page inside a 4K-only region") {
  Tables t;
  t.map(0xffff'ffff'8000'0000, 0x20'0000, kXD, k2M);
  const std::string regions =
      R"({"name": "small", "kind": "data", "half": "kernel", "start": "0xffffffff80100000", "size": "16 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": []}, "page_sizes": ["4K"]},
         {"name": "hole", "kind": "guard", "half": "kernel", "start": "0xffffffff80104000", "size": "4 * KiB",
          "must": "unmapped"},
         {"name": "large", "kind": "data", "half": "kernel", "start": "0xffffffff80105000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": []}, "page_sizes": ["2M"]})";
  const auto r = evaluate(t.m, spec_text({}, regions));
  CHECK(r.at("page-size").must == IntervalSet{{0xffff'ffff'8010'0000, 0xffff'ffff'8010'3fff}});
  CHECK(r.at("guard-unmapped").must == IntervalSet{{0xffff'ffff'8010'4000, 0xffff'ffff'8010'4fff}});
  others_hold(r, {"page-size", "guard-unmapped"});
}

TEST_CASE("oracle reserved-bits: bits above MAXPHYADDR, PS in a PML4E, bits 20:13 of a 2 MiB leaf") {
  Tables t;
  t.m.cpu.maxphyaddr = 40;
  t.map(0x40'0000, 0x200'0000 | (std::uint64_t{1} << 45), kRW | kUS);  // a 4 KiB leaf
  t.map(0x8000'0000, 0x40'0000 | (std::uint64_t{1} << 13), kRW | kUS, k2M);
  t.m.memory.at(t.m.root)[3] = 0x30'0000 | kP | kPS;  // PML4 entry 3 with PS: reserved
  const auto r = evaluate(t.m, spec_text({}));
  CHECK(r.at("reserved-bits").must == IntervalSet{{0x40'0000, 0x40'0fff},
                                                  {0x8000'0000, 0x801f'ffff},
                                                  {0x0000'0180'0000'0000, 0x0000'01ff'ffff'ffff}});
  others_hold(r, {"reserved-bits"});
  t.m.cpu.page_1gb = false;  // PS in a PDPTE without 1 GiB pages is reserved too
  t.map(0xc000'0000, 0, kRW, std::uint64_t{1} << 30);
  CHECK(evaluate(t.m, spec_text({})).at("reserved-bits").must.size() == 4);
}

TEST_CASE("oracle recursive-slot: top-level entries pointing at the root, against any, none and an index") {
  Tables t;
  t.map(0xffff'8880'0000'0000, 0x200'0000, kRW | kXD);
  t.m.memory.at(t.m.root)[510] = t.m.root | kP | kRW;
  const IntervalSet slot510{{0xffff'ff00'0000'0000, 0xffff'ff7f'ffff'ffff}};
  CHECK(evaluate(t.m, spec_text({{"recursive_slot", "\"any\""}})).at("recursive-slot").status == Verdict::kHolds);
  CHECK(evaluate(t.m, spec_text({{"recursive_slot", "\"none\""}})).at("recursive-slot").must == slot510);
  CHECK(evaluate(t.m, spec_text({{"recursive_slot", R"({"index": 510})"}})).at("recursive-slot").status ==
        Verdict::kHolds);
  const auto r = evaluate(t.m, spec_text({{"recursive_slot", R"({"index": 511})"}}));
  CHECK(r.at("recursive-slot").must == IntervalSet{{0xffff'ff00'0000'0000, 0xffff'ffff'ffff'ffff}});
}

TEST_CASE(
    "oracle conflicting-aliases: SMEP keeps a user-executable frame from aliasing a supervisor-only writable one") {
  Tables t;
  t.map(0x40'0000, 0x300'0000, kUS);                    // user, read-only, executable
  t.map(0xffff'8880'0300'0000, 0x300'0000, kRW | kXD);  // supervisor-only, writable, NX
  t.map(0xffff'8880'0300'1000, 0x300'1000, kRW | kXD);  // a frame nothing else maps
  const std::string text = spec_text({{"conflicting_aliases", "\"forbidden\""}});
  t.m.cpu.cr4_smep = true;
  auto r = evaluate(t.m, text);
  CHECK(r.at("conflicting-aliases").status == Verdict::kHolds);
  others_hold(r, {});
  t.m.cpu.cr4_smep = false;  // the supervisor may now run the user page it can write elsewhere
  r = evaluate(t.m, text);
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x300'0000, 0x300'0fff}});
  // One leaf entry under two rights contexts is two translations: one writes, the other runs.
  Tables u;
  const std::uint64_t pdpt = u.alloc(), pd = u.alloc(), pt = u.alloc();
  u.m.memory.at(u.m.root)[511] = pdpt | kP | kRW;
  u.m.memory.at(pdpt)[0] = pd | kP | kRW | kXD;  // writable, never executable
  u.m.memory.at(pdpt)[1] = pd | kP;              // read-only, executable
  u.m.memory.at(pd)[0] = pt | kP | kRW;
  u.m.memory.at(pt)[0] = 0x300'0000 | kP | kRW;
  r = evaluate(u.m, spec_text({{"conflicting_aliases", "\"forbidden\""}, {"wx", "\"forbidden\""}}));
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x300'0000, 0x300'0fff}});
  CHECK(r.at("wx").status == Verdict::kHolds);
}

TEST_CASE("oracle page-table-exposure: a maps_page_tables false region inside the direct map decides for its pages") {
  Tables t;
  const std::uint64_t dm = 0xffff'8880'0000'0000;
  // Tables first: root 0x10'0000; PDPT, PD, PT for the direct map at 0x10'1000..0x10'3000, a
  // second PT at 0x10'4000; PDPT, PD, PT for the user half at 0x10'5000..0x10'7000.
  t.table_for(dm, 1);
  t.table_for(dm + k2M, 1);
  t.table_for(0x40'0000, 1);
  REQUIRE(t.next == 0x10'8000);
  t.map(dm + 0x10'0000, 0x10'0000, kRW | kXD);  // the root, writable, outside the inner region
  t.map(dm + 0x20'1000, 0x10'1000, kRW | kXD);  // a PDPT, writable, in the inner region
  t.map(dm + 0x20'2000, 0x10'2000, kXD);        // a PD, read-only: fine
  t.map(0x40'0000, 0x10'3000, kUS | kXD);       // a PT, user-accessible: never allowed
  t.map(dm + 0x20'3000, 0x10'8000, kRW | kXD);  // not a table frame
  const std::string regions =
      R"({"name": "direct-map", "kind": "direct-map", "half": "kernel", "start": "0xffff888000000000", "size": "1 * GiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable", "global"]}},
         {"name": "no-tables", "kind": "data", "half": "kernel", "start": "0xffff888000200000", "size": "2 * MiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable", "global"]}, "maps_page_tables": false,
          "nested_in": "direct-map"})";
  const auto r = evaluate(t.m, spec_text({}, regions));
  CHECK(r.at("page-table-exposure").must == IntervalSet{{0x40'0000, 0x40'0fff}, {dm + 0x20'1000, dm + 0x20'1fff}});
  others_hold(r, {"page-table-exposure"});
}

TEST_CASE("oracle unknown: a table outside memory makes rules undecided there, never holds") {
  Tables t;
  t.m.memory.at(t.m.root)[0] = 0xf000'0000 | kP | kRW;  // a PDPT memory does not hold, supervisor-only
  t.map(0xffff'8880'0000'0000, 0x200'0000, kRW | kXD);
  const std::string regions =
      R"({"name": "low", "kind": "heap", "half": "user", "start": "0x400000", "size": "4 * KiB",
          "must": "mapped", "rights": {"allowed": ["user", "writable"]}})";
  const auto r = evaluate(t.m, spec_text({{"wx", "\"forbidden\""}}, regions));
  const IntervalSet slot0{{0, 0x0000'007f'ffff'ffff}};
  CHECK(r.at("required-mapped").status == Verdict::kUnknown);
  CHECK(r.at("required-mapped").may == IntervalSet{{0x40'0000, 0x40'0fff}});
  CHECK(r.at("wx").may == slot0);
  CHECK(r.at("reserved-bits").may == slot0);
  CHECK(r.at("region-rights").may == IntervalSet{{0x40'0000, 0x40'0fff}});  // executable, global
  CHECK(r.at("supervisor-in-user-half").status == Verdict::kHolds);         // allowed by the spec
  CHECK(r.at("user-kernel-split").status == Verdict::kHolds);               // no user page below U/S=0
  // The table behind the missing PDPT could be any frame: the writable direct-map page may map one.
  CHECK(r.at("page-table-exposure").may ==
        IntervalSet{{0, 0x0000'007f'ffff'ffff}, {0xffff'8880'0000'0000, 0xffff'8880'0000'0fff}});
}
