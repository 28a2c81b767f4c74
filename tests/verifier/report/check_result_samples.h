// Hand-built CheckResult values shared by the report-writer and baseline tests: one that holds,
// one violated with two violations carrying walks (one range reaching 2^64, one message needing
// escaping in every format), one unknown; and a field-for-field comparison.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "verifier/checks/baseline.h"
#include "verifier/checks/result.h"

namespace ptv::checktest {

using check::CheckResult;
using check::RuleId;
using check::RuleResult;
using check::Status;
using check::Violation;
using check::WalkLevel;

/// Every rule of kRules with status kHolds, in registry order.
inline std::vector<RuleResult> all_hold() {
  std::vector<RuleResult> rules;
  for (const check::RuleInfo& info : check::kRules)
    rules.push_back(RuleResult{info.id, Status::kHolds, "proved for every address", 0, 0.001, {}, {}});
  return rules;
}

inline RuleResult& rule(CheckResult& r, RuleId id) {
  for (RuleResult& rr : r.rules)
    if (rr.rule == id) return rr;
  FAIL("no rule result for " << check::rule_info(id).name);
  return r.rules.front();
}

inline CheckResult holds() {
  CheckResult r;
  r.dump = "captures/core.slice.elf";
  r.dump_format = "elf-core";
  r.spec = "specs/linux-6.1.json";
  r.mode = PagingMode::k4Level;
  r.rules = all_hold();
  r.complete = true;
  r.parameters = {{"page_offset_base", 0xffff'8880'0000'0000}, {"kaslr_slide", 0x1200'0000}};
  r.notes = {"EFER.NXE assumed 1 (the QEMU note has no EFER)"};
  r.facts = {Fact{FactId::kWp, FactSource::kDump, "1", "registers.txt:22", true},
             Fact{FactId::kSmep, FactSource::kFlag, "1", "--smep/--no-smep", true},
             Fact{FactId::kMaxPhyAddr, FactSource::kAssumed, "unknown (36 to 52 bits)", "not in the dump", false}};
  for (RuleResult& rr : r.rules)
    for (const Fact& f : r.facts)
      if (rr.rule == RuleId::kWx || f.id == FactId::kMaxPhyAddr) rr.uses.push_back(f.id);
  r.seconds = 0.25;
  r.queries = 17;
  r.formula_nodes = 412;
  return r;
}

/// W^X broken in the direct map (2 MiB page, decided by the PD entry's XD bit), and a user page
/// in the kernel half whose range reaches the top of the address space (decided by the PT
/// entry's U/S bit); page-table-exposure unknown.
inline CheckResult violated() {
  CheckResult r = holds();
  r.parameters = {{"kaslr_slide", 0x1200'0000}};
  r.notes = {};
  r.complete = true;

  Violation wx;
  wx.rule = RuleId::kWx;
  wx.region = "direct-map";
  wx.address = VirtAddr(0xffff'8880'0020'1000);
  wx.range = VirtRange{VirtAddr(0xffff'8880'0020'0000), VirtAddr(0xffff'8880'003f'ffff)};
  wx.rights.text = "-rwx 2M";
  wx.message = "writable and executable";
  wx.phys = 0x20'0000;
  //                        level  table        index entry address  raw entry
  wx.walk = {
      WalkLevel{
          Level::kPml4, 0x1a0'd000, 273, 0x1a0'd888, 0x0000'0000'0260'1063, "P RW A table=P0x2601000", false, "", {}},
      WalkLevel{
          Level::kPdpt, 0x260'1000, 0, 0x260'1000, 0x0000'0000'0260'2063, "P RW A table=P0x2602000", false, "", {}},
      WalkLevel{Level::kPd,
                0x260'2000,
                1,
                0x260'2008,
                0x0000'0000'0020'00e3,
                "P RW A D PS frame=P0x200000",
                true,
                "XD=0",
                {}}};
  wx.fingerprint = make_fingerprint(wx);

  Violation uk;
  uk.rule = RuleId::kUserKernelSplit;
  uk.region = "fixmap";
  uk.address = VirtAddr(0xffff'ffff'fff0'0000);
  uk.range = VirtRange{VirtAddr(0xffff'ffff'ffe0'0000), VirtAddr(0xffff'ffff'ffff'ffff)};
  uk.rights.text = "ur-x 4K";
  uk.message = "user page <U/S=1> in the \"kernel\" half & above";
  uk.walk = {WalkLevel{Level::kPml4, 0x1a0'd000, 511, 0x1a0'dff8, 0x0000'0000'0270'1067, "P RW US A", false, "", {}},
             WalkLevel{Level::kPdpt, 0x270'1000, 511, 0x270'1ff8, 0x0000'0000'0270'2067, "P RW US A", false, "", {}},
             WalkLevel{Level::kPd, 0x270'2000, 511, 0x270'2ff8, 0x0000'0000'0270'3067, "P RW US A", false, "", {}},
             WalkLevel{Level::kPt, 0x270'3000, 256, 0x270'3800, 0x0000'0000'0033'3025, "P US A", true, "U/S=1", {}}};
  uk.fingerprint = make_fingerprint(uk);

  r.violations = {wx, uk};
  rule(r, RuleId::kWx) = RuleResult{
      RuleId::kWx, Status::kViolated, "1 range", 1, 0.02, {FactId::kWp, FactId::kSmep, FactId::kMaxPhyAddr}, {}};
  rule(r, RuleId::kUserKernelSplit) =
      RuleResult{RuleId::kUserKernelSplit, Status::kViolated, "1 range", 1, 0.03, {}, {}};
  rule(r, RuleId::kPageTableExposure) =
      RuleResult{RuleId::kPageTableExposure, Status::kUnknown, "solver timeout after 30 s", 0, 30.0, {}, {}};
  return r;
}

/// A text dump: rights the format does not show leave region-rights unknown, and the raw-only
/// rules are not applicable.
inline CheckResult unknown() {
  CheckResult r = holds();
  r.dump = "ptdump kernel.txt";
  r.dump_format = "ptdump";
  r.parameters_admissible = true;
  r.parameters = {};
  rule(r, RuleId::kRegionRights).status = Status::kUnknown;
  rule(r, RuleId::kRegionRights).detail = "ptdump does not show the PCD bit";
  for (const check::RuleInfo& info : check::kRules) {
    if (!info.raw_only) continue;
    rule(r, info.id).status = Status::kNotApplicable;
    rule(r, info.id).detail = "needs raw memory";
  }
  r.complete = true;
  return r;
}

inline void check_same(const WalkLevel& a, const WalkLevel& b) {
  CHECK(a.level == b.level);
  CHECK(a.table == b.table);
  CHECK(a.index == b.index);
  CHECK(a.entry_address == b.entry_address);
  CHECK(a.raw == b.raw);
  CHECK(a.decoded == b.decoded);
  CHECK(a.deciding == b.deciding);
  CHECK(a.deciding_bits == b.deciding_bits);
  CHECK(a.unknown_level == b.unknown_level);
}

/// a and b equal field for field (doubles exactly: the JSON writer keeps every bit).
inline void check_same(const CheckResult& a, const CheckResult& b) {
  CHECK(a.dump == b.dump);
  CHECK(a.dump_format == b.dump_format);
  CHECK(a.spec == b.spec);
  CHECK(a.mode == b.mode);
  CHECK(a.unknown_mode == b.unknown_mode);
  REQUIRE(a.rules.size() == b.rules.size());
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    CAPTURE(i);
    CHECK(a.rules[i].rule == b.rules[i].rule);
    CHECK(a.rules[i].status == b.rules[i].status);
    CHECK(a.rules[i].detail == b.rules[i].detail);
    CHECK(a.rules[i].violations == b.rules[i].violations);
    CHECK(a.rules[i].seconds == b.rules[i].seconds);
  }
  REQUIRE(a.violations.size() == b.violations.size());
  for (std::size_t i = 0; i < a.violations.size(); ++i) {
    CAPTURE(i);
    const Violation& x = a.violations[i];
    const Violation& y = b.violations[i];
    CHECK(x.rule == y.rule);
    CHECK(x.region == y.region);
    CHECK(x.address == y.address);
    CHECK(x.range == y.range);
    CHECK(x.rights == y.rights);
    CHECK(x.message == y.message);
    CHECK(x.phys == y.phys);
    CHECK(x.fingerprint == y.fingerprint);
    CHECK(x.baselined == y.baselined);
    CHECK(x.first_place == y.first_place);
    CHECK(x.last_place == y.last_place);
    REQUIRE(x.walk.size() == y.walk.size());
    for (std::size_t k = 0; k < x.walk.size(); ++k) check_same(x.walk[k], y.walk[k]);
  }
  CHECK(a.complete == b.complete);
  CHECK(a.parameters_admissible == b.parameters_admissible);
  REQUIRE(a.parameters.size() == b.parameters.size());
  for (std::size_t i = 0; i < a.parameters.size(); ++i) {
    CHECK(a.parameters[i].name == b.parameters[i].name);
    CHECK(a.parameters[i].value == b.parameters[i].value);
    CHECK(a.parameters[i].source == b.parameters[i].source);
    CHECK(a.parameters[i].origin == b.parameters[i].origin);
  }
  CHECK(a.notes == b.notes);
  CHECK(a.seconds == b.seconds);
  CHECK(a.queries == b.queries);
  CHECK(a.formula_nodes == b.formula_nodes);
}

}  // namespace ptv::checktest
