// Strategy: explain --all groups violations of one rule and region decided at the same level by
// the same bits, so that a cause shared by many ranges is told once. Hand-made violations with
// walks (deciding entry shared or set alike, or decided by other bits) and without walks (text
// dumps) pin the grouping rule, the order of the groups (largest first) and the text: one walk
// per group, after the list of the group's ranges.
#include <doctest/doctest.h>

#include <sstream>

#include "verifier/report/explain.h"
#include "verifier/report/violation_rights.h"

using namespace ptv;
using namespace ptv::check;

namespace {

constexpr std::uint64_t kTable = 0x0000'0000'0020'0067;  // P RW US A, table at 0x200000

/// A wx violation at va, of `bytes`, whose walk ends in a PT leaf at `leaf_entry` holding `leaf`.
Violation wx_at(std::uint64_t va, std::uint64_t bytes, std::uint64_t leaf_entry, std::uint64_t leaf,
                std::string region = "kernel-text", std::string bits = "R/W=1, XD=0") {
  Violation v;
  v.rule = RuleId::kWx;
  v.region = std::move(region);
  v.address = VirtAddr(va);
  v.range = VirtRange::from_size(v.address, bytes);
  v.rights = rights_from_text("mapped -rwx page 4096");
  v.message = "writable and executable";
  const std::pair<Level, std::uint64_t> levels[] = {
      {Level::kPml4, kTable}, {Level::kPdpt, kTable}, {Level::kPd, kTable}, {Level::kPt, leaf}};
  std::uint64_t table = 0x10'0000;
  for (const auto& [level, raw] : levels) {
    const std::uint64_t entry = level == Level::kPt ? leaf_entry : table + 8;
    v.walk.push_back(
        WalkLevel{level, table, 1, entry, raw, "decoded", level == Level::kPt, level == Level::kPt ? bits : "", {}});
    table += 0x1000;
  }
  return v;
}

CheckResult report_of(std::vector<Violation> vs) {
  CheckResult r;
  r.dump = "core.elf";
  r.dump_format = "elf-core";
  r.spec = "spec.json";
  r.mode = PagingMode::k4Level;
  r.violations = std::move(vs);
  return r;
}

}  // namespace

TEST_CASE("explain groups: violations decided alike are one group, other bits their own") {
  // 1 and 3 share the deciding PT entry; 2 has its own, set alike; 4 is decided by other bits.
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063),
                                   wx_at(0xffff'8880'0000'5000, 0x1000, 0x440'3028, 0x5063),
                                   wx_at(0xffff'8880'0000'9000, 0x1000, 0x440'3008, 0x1063),
                                   wx_at(0xffff'8880'0000'b000, 0x1000, 0x440'3058, 0xb063, "kernel-text", "XD=0")});
  const std::vector<ViolationGroup> groups = group_violations(r);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].members == std::vector<std::size_t>{0, 1, 2});
  CHECK(groups[0].bytes == 0x3000);
  CHECK(groups[1].members == std::vector<std::size_t>{3});
  CHECK(groups[1].bytes == 0x1000);
}

TEST_CASE("explain groups: a different region makes a different group") {
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063, "a"),
                                   wx_at(0xffff'8880'0000'2000, 0x1000, 0x440'3010, 0x2063, "b"),
                                   wx_at(0xffff'8880'0000'3000, 0x1000, 0x440'3018, 0x3063, "a")});
  const std::vector<ViolationGroup> groups = group_violations(r);
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].members == std::vector<std::size_t>{0, 2});
}

TEST_CASE("explain groups: without walks, rule and region group") {
  Violation a = wx_at(0xffff'8880'0000'1000, 0x1000, 0, 0);
  Violation b = wx_at(0xffff'8880'0020'0000, 0x20'0000, 0, 0);
  Violation c = wx_at(0xffff'8880'0040'0000, 0x1000, 0, 0, "other");
  a.walk.clear();
  b.walk.clear();
  c.walk.clear();
  const std::vector<ViolationGroup> groups = group_violations(report_of({a, b, c}));
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].members == std::vector<std::size_t>{0, 1});
  CHECK(groups[0].bytes == 0x20'1000);
  CHECK(groups[1].members == std::vector<std::size_t>{2});
}

TEST_CASE("explain groups: the largest group comes first, ties in report order") {
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063, "a"),
                                   wx_at(0xffff'8880'0020'0000, 0x20'0000, 0x440'3010, 0x2063, "b"),
                                   wx_at(0xffff'8880'0060'0000, 0x1000, 0x440'3018, 0x3063, "c")});
  const std::vector<ViolationGroup> groups = group_violations(r);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].members.front() == 1);
  CHECK(groups[1].members.front() == 0);
  CHECK(groups[2].members.front() == 2);
}

TEST_CASE("explain groups: the text tells one walk per group, after the group's ranges") {
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063),
                                   wx_at(0xffff'8880'0000'5000, 0x1000, 0x440'3028, 0x5063, "kernel-text", "XD=0"),
                                   wx_at(0xffff'8880'0000'9000, 0x3000, 0x440'3008, 0x1063)});
  std::ostringstream os;
  write_explain_groups(r, os, false);
  const std::string text = os.str();
  CAPTURE(text);
  CHECK(text.find("3 violations in 2 groups") == 0);
  const auto first = text.find("violations 1 and 3 of 3: wx in region \"kernel-text\"");
  const auto second = text.find("violation 2 of 3: wx in region \"kernel-text\"");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  CHECK(first < second);
  CHECK(text.find("2 ranges, 16K in all") != std::string::npos);
  CHECK(text.find("  1    [0xffff888000001000, 0xffff888000002000)  4K\n") != std::string::npos);
  CHECK(text.find("  3    [0xffff888000009000, 0xffff88800000c000)  12K\n") != std::string::npos);
  std::size_t walks = 0;
  for (auto at = text.find("\nwalk of "); at != std::string::npos; at = text.find("\nwalk of ", at + 1)) ++walks;
  CHECK(walks == 2);
  CHECK(text.find("each range has its own") == std::string::npos);
}

TEST_CASE("explain groups: ranges with their own deciding entries, set alike, say so") {
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063),
                                   wx_at(0xffff'8880'0000'5000, 0x1000, 0x440'3028, 0x5063)});
  std::ostringstream os;
  write_explain_groups(r, os, false);
  CHECK(os.str().find("(each range has its own PT entry, set alike") != std::string::npos);
}

TEST_CASE("explain groups: a report of distinct causes reads as one story per violation") {
  const CheckResult r = report_of({wx_at(0xffff'8880'0000'1000, 0x1000, 0x440'3008, 0x1063, "a"),
                                   wx_at(0xffff'8880'0000'5000, 0x1000, 0x440'3028, 0x5063, "b")});
  std::ostringstream all;
  write_explain_groups(r, all, false);
  std::ostringstream one;
  write_explain_text(r, 0, one, false);
  write_explain_text(r, 1, one << '\n', false);
  CHECK(all.str() == one.str());
}
