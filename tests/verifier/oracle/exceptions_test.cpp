// Strategy: scoped exceptions (docs/spec-language.md §6.1) by hand, as rule_oracle_test.cpp pins
// the rules: each case builds tables with the same violation inside and outside an excepted
// region and states, from the docs alone, which one is still reported. evaluate() requires the
// checker (run_check) and the oracle to agree, so each case is a contract test of both; the
// report's detail is checked on the checker's result.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "agreement.h"
#include "hand_built.h"
#include "rule_oracle.h"
#include "verifier/checks/check.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using oracle::IntervalSet;
using oracle::Verdict;

namespace {

using namespace oracle::hand;

/// spec_text with an "exceptions" list (JSON objects, comma separated).
std::string with_exceptions(std::string text, const std::string& exceptions) {
  text.pop_back();  // the closing brace
  return text + ", \"exceptions\": [" + exceptions + "]}";
}

spec::Spec parsed(const std::string& text) {
  auto s = spec::parse_spec(text, "t.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(*s);
}

/// The oracle's answer, after requiring the checker to give the same one.
oracle::OracleResult evaluate(const oracle::Machine& m, const std::string& text) {
  const spec::Spec s = parsed(text);
  const auto layout = spec::evaluate_layout(s, {});
  REQUIRE_MESSAGE(layout.ok(), (layout.ok() ? "" : layout.error().message));
  const std::string diff = oracle::disagreements(m, s);
  CHECK_MESSAGE(diff.empty(), "the checker disagrees with the oracle:\n" << diff);
  return oracle::evaluate(m, *layout);
}

/// The checker's result for one rule.
check::RuleResult checked(const oracle::Machine& m, const std::string& text, check::RuleId rule) {
  const auto got = oracle::check_machine(m, parsed(text));
  REQUIRE_MESSAGE(std::holds_alternative<check::CheckResult>(got), std::get<std::string>(got));
  return std::get<check::CheckResult>(got).rules.at(static_cast<std::size_t>(rule));
}

// Two kernel regions, each with one page that is writable and executable.
const std::string kTwoRegions =
    R"({"name": "text", "kind": "code", "half": "kernel", "start": "0xffffffff81000000", "size": "2 * MiB",
        "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}},
       {"name": "data", "kind": "data", "half": "kernel", "start": "0xffffffff82000000", "size": "2 * MiB",
        "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}},
       {"name": "elsewhere", "kind": "other", "half": "kernel", "start": "0xffffffff90000000", "size": "4 * KiB",
        "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}})";

}  // namespace

TEST_CASE(
    "oracle exceptions wx: a W+X page inside the excepted region is excused, the same page outside it is reported") {
  Tables t;
  t.map(0xffff'ffff'8100'0000, 0x200'0000, kRW);  // W+X in text
  t.map(0xffff'ffff'8200'0000, 0x200'1000, kRW);  // W+X in data
  const std::string plain = spec_text({{"wx", "\"forbidden\""}}, kTwoRegions);
  auto r = evaluate(t.m, plain);
  CHECK(r.at("wx").must ==
        IntervalSet{{0xffff'ffff'8100'0000, 0xffff'ffff'8100'0fff}, {0xffff'ffff'8200'0000, 0xffff'ffff'8200'0fff}});

  const std::string text_excepted =
      with_exceptions(plain, R"({"rule": "wx", "region": "text", "reason": "self-patching text"})");
  r = evaluate(t.m, text_excepted);
  CHECK(r.at("wx").must == IntervalSet{{0xffff'ffff'8200'0000, 0xffff'ffff'8200'0fff}});
  const check::RuleResult still = checked(t.m, text_excepted, check::RuleId::kWx);
  CHECK(still.status == check::Status::kViolated);
  CHECK(still.detail.find("except in text: self-patching text") != std::string::npos);

  // An exception for a third region leaves both violations.
  r = evaluate(t.m, with_exceptions(plain, R"({"rule": "wx", "region": "elsewhere", "reason": "r"})"));
  CHECK(r.at("wx").must.size() == 2);

  // Both excepted: the rule holds, and says where it does not apply.
  const std::string both = with_exceptions(plain, R"({"rule": "wx", "region": "text", "reason": "self-patching text"},
                                                     {"rule": "wx", "region": "data", "reason": "a JIT"})");
  r = evaluate(t.m, both);
  CHECK(r.at("wx").status == Verdict::kHolds);
  const check::RuleResult holds = checked(t.m, both, check::RuleId::kWx);
  CHECK(holds.status == check::Status::kHolds);
  CHECK(holds.detail.rfind("holds (except in text: self-patching text; except in data: a JIT)", 0) == 0);
}

TEST_CASE("oracle exceptions wx: the extent counts, nested regions and an array's gaps included, not one byte beyond") {
  Tables t;
  t.map(0xffff'ffff'8100'3000, 0x200'0000, kRW);  // in the gap of the array nested in text
  t.map(0xffff'ffff'8100'0000, 0x200'1000, kRW);  // in the array's first element
  t.map(0xffff'ffff'8120'0000, 0x200'2000, kRW);  // the first page after text
  const std::string regions =
      R"({"name": "text", "kind": "code", "half": "kernel", "start": "0xffffffff81000000", "size": "2 * MiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}},
         {"name": "after", "kind": "data", "half": "kernel", "start": "0xffffffff81200000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}})";
  const std::string arrays =
      R"({"name": "stacks", "kind": "stack", "half": "kernel", "start": "0xffffffff81000000", "count": 2,
          "size": "8 * KiB", "guard": "4 * KiB", "stride": "32 * KiB", "must": "may-be-mapped",
          "rights": {"allowed": ["user", "writable", "executable", "global"]},
          "nested_in": "text"})";
  const std::string plain = spec_text({{"wx", "\"forbidden\""}}, regions, arrays);
  const auto r = evaluate(t.m, with_exceptions(plain, R"({"rule": "wx", "region": "text", "reason": "r"})"));
  CHECK(r.at("wx").must == IntervalSet{{0xffff'ffff'8120'0000, 0xffff'ffff'8120'0fff}});
  // The array's own extent runs to its last guard: the page in its gap is inside it.
  const auto a = evaluate(t.m, with_exceptions(plain, R"({"rule": "wx", "region": "stacks", "reason": "r"})"));
  CHECK(a.at("wx").must == IntervalSet{{0xffff'ffff'8120'0000, 0xffff'ffff'8120'0fff}});
  // An exception to another rule changes nothing for wx.
  const auto o = evaluate(t.m, with_exceptions(plain, R"({"rule": "page-size", "region": "text", "reason": "r"})"));
  CHECK(o.at("wx").must.size() == 3);
}

TEST_CASE(
    "oracle exceptions conflicting-aliases: excused when either translation is in the region, reported otherwise") {
  Tables t;
  t.map(0xffff'ffff'8100'0000, 0x300'0000, 0);          // supervisor-executable, read-only (text)
  t.map(0xffff'ffff'8200'0000, 0x300'0000, kRW | kXD);  // the same frame, writable (data)
  t.map(0xffff'ffff'8100'1000, 0x300'1000, 0);          // a second frame, executable in text ...
  t.map(0xffff'ffff'9000'0000, 0x300'1000, kRW | kXD);  // ... and writable in elsewhere
  const std::string plain = spec_text({{"conflicting_aliases", "\"forbidden\""}}, kTwoRegions);
  auto r = evaluate(t.m, plain);
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x300'0000, 0x300'1fff}});

  // The writable side in data: the first frame is excused, the second is not.
  const std::string data_excepted = with_exceptions(
      plain, R"({"rule": "conflicting-aliases", "region": "data", "reason": "user text aliased through the map"})");
  r = evaluate(t.m, data_excepted);
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x300'1000, 0x300'1fff}});
  CHECK(checked(t.m, data_excepted, check::RuleId::kConflictingAliases).status == check::Status::kViolated);

  // The executable side in text: both frames are excused.
  const std::string text_excepted =
      with_exceptions(plain, R"({"rule": "conflicting-aliases", "region": "text", "reason": "r"})");
  r = evaluate(t.m, text_excepted);
  CHECK(r.at("conflicting-aliases").status == Verdict::kHolds);
  const check::RuleResult holds = checked(t.m, text_excepted, check::RuleId::kConflictingAliases);
  CHECK(holds.status == check::Status::kHolds);
  CHECK(holds.detail.rfind("holds (except in text: r)", 0) == 0);

  // A region neither translation is in excuses nothing.
  r = evaluate(t.m, with_exceptions(plain, R"({"rule": "conflicting-aliases", "region": "elsewhere", "reason": "r"})"));
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x300'0000, 0x300'0fff}});
}

TEST_CASE(
    "oracle exceptions conflicting-aliases: one large page half inside the excepted region is excused only there") {
  Tables t;
  t.map(0xffff'ffff'8100'0000, 0x400'0000, 0, k2M);          // 2 MiB, supervisor-executable
  t.map(0xffff'ffff'8300'0000, 0x400'0000, kRW | kXD, k2M);  // the same 2 MiB, writable
  const std::string regions =
      R"({"name": "low-half", "kind": "code", "half": "kernel", "start": "0xffffffff81000000", "size": "1 * MiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}})";
  const std::string text = with_exceptions(spec_text({{"conflicting_aliases", "\"forbidden\""}}, regions),
                                           R"({"rule": "conflicting-aliases", "region": "low-half", "reason": "r"})");
  const auto r = evaluate(t.m, text);
  CHECK(r.at("conflicting-aliases").must == IntervalSet{{0x410'0000, 0x41f'ffff}});
}

TEST_CASE(
    "oracle exceptions address rules: region-rights, null-guard and user-kernel-split lifted in one region only") {
  Tables t;
  t.map(0x1000, 0x200'0000, kRW | kUS | kXD);                 // below the null guard, in low
  t.map(0x2000, 0x200'1000, kRW | kUS | kXD);                 // below the null guard, outside low
  t.map(0xffff'c900'0000'0000, 0x200'2000, kRW | kUS | kXD);  // user in the kernel half, in vm
  t.map(0xffff'c900'0010'0000, 0x200'3000, kRW | kUS | kXD);  // user in the kernel half, in vm2
  const std::string regions =
      R"({"name": "low", "kind": "other", "half": "user", "start": "0x1000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"]}},
         {"name": "vm", "kind": "vmalloc", "half": "kernel", "start": "0xffffc90000000000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable"]}},
         {"name": "vm2", "kind": "vmalloc", "half": "kernel", "start": "0xffffc90000100000", "size": "4 * KiB",
          "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";
  const std::string text = with_exceptions(
      spec_text(
          {{"null_guard", "\"64 * KiB\""},
           {"user_kernel_split", R"({"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "allowed"})"}},
          regions),
      R"({"rule": "null-guard", "region": "low", "reason": "r"},
         {"rule": "user-kernel-split", "region": "vm", "reason": "r"},
         {"rule": "region-rights", "region": "vm", "reason": "r"})");
  const auto r = evaluate(t.m, text);
  CHECK(r.at("null-guard").must == IntervalSet{{0x2000, 0x2fff}});
  CHECK(r.at("user-kernel-split").must == IntervalSet{{0xffff'c900'0010'0000, 0xffff'c900'0010'0fff}});
  CHECK(r.at("region-rights").must == IntervalSet{{0xffff'c900'0010'0000, 0xffff'c900'0010'0fff}});
}

TEST_CASE("oracle exceptions recursive-slot: a slot wholly inside the excepted region is excused") {
  Tables t;
  t.map(0xffff'8880'0000'0000, 0x200'0000, kRW | kXD);
  t.m.memory.at(t.m.root)[510] = t.m.root | kP | kRW | kXD;  // recursive slot 510
  const std::string regions =
      R"({"name": "slot", "kind": "other", "half": "kernel", "start": "0xffffff0000000000", "size": "512 * GiB",
          "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}})";
  const std::string plain = spec_text({{"recursive_slot", "\"none\""}}, regions);
  auto r = evaluate(t.m, plain);
  CHECK(r.at("recursive-slot").status == Verdict::kViolated);
  r = evaluate(t.m, with_exceptions(plain, R"({"rule": "recursive-slot", "region": "slot", "reason": "r"})"));
  CHECK(r.at("recursive-slot").status == Verdict::kHolds);
}
