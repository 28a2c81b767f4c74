// The human check report. Strategy: pin the contract a CI log reader relies on first (line one is
// summary_line(), for every verdict), then that colour is only decoration (no escape sequence
// without it; with it, removing the sequences gives the plain report byte for byte), then the
// domain terms of each part: the rule table, a violation's range, size and rights, and its walk
// with the deciding level marked '>' and its bits named.
#include "verifier/report/check_text.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;

std::string text(const CheckResult& r, bool colour) {
  std::ostringstream os;
  write_check_text(r, os, colour);
  return os.str();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

/// s without ANSI SGR sequences (ESC '[' ... 'm').
std::string strip_sgr(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033' && i + 1 < s.size() && s[i + 1] == '[') {
      i = s.find('m', i);
      REQUIRE(i != std::string::npos);
      continue;
    }
    out += s[i];
  }
  return out;
}

std::string line_with(const std::string& report, const std::string& needle) {
  for (const std::string& l : lines(report))
    if (l.find(needle) != std::string::npos) return l;
  FAIL("no line contains " << needle << " in:\n" << report);
  return {};
}

TEST_CASE("check text - the first line is the summary line for every verdict") {
  for (const CheckResult& r : {holds(), violated(), unknown()}) {
    const auto plain = lines(text(r, false));
    REQUIRE(!plain.empty());
    CHECK(plain.front() == r.summary_line());
    CHECK(lines(strip_sgr(text(r, true))).front() == r.summary_line());
  }
  CHECK(lines(text(violated(), false)).front().starts_with("ptverify check: VIOLATED"));
  CHECK(lines(text(unknown(), false)).front().starts_with("ptverify check: UNKNOWN"));
}

TEST_CASE("check text - colour codes only when asked, and colour changes nothing else") {
  for (const CheckResult& r : {holds(), violated(), unknown()}) {
    const std::string plain = text(r, false);
    const std::string coloured = text(r, true);
    CHECK(plain.find('\033') == std::string::npos);
    CHECK(coloured.find("\033[") != std::string::npos);
    CHECK(strip_sgr(coloured) == plain);
  }
  // The deciding bits are what the eye should land on.
  CHECK(text(violated(), true).find("\033[1m\033[31mXD=0\033[0m") != std::string::npos);
}

TEST_CASE("check text - the rule table has one row per rule with status, count and detail") {
  const std::string t = text(violated(), false);
  for (const check::RuleInfo& info : check::kRules)
    CHECK(t.find('\n' + std::string(info.name) + ' ') != std::string::npos);
}

TEST_CASE("check text - a rule row shows status, violations and detail in columns") {
  const auto ls = lines(text(violated(), false));
  auto row = [&](std::string_view name) {
    for (const std::string& l : ls)
      if (l.starts_with(std::string(name) + ' ')) return l;
    return std::string();
  };
  const std::string header = line_with(text(violated(), false), "status");
  CHECK(header.starts_with("rule "));
  const std::size_t status_col = header.find("status");
  const std::size_t count_col = header.find("violations");
  const std::size_t detail_col = header.find("detail");
  const std::string wx = row("wx");
  REQUIRE(wx.size() > detail_col);
  CHECK(wx.substr(status_col, 8) == "violated");
  CHECK(wx.substr(count_col, 2) == "1 ");
  CHECK(wx.substr(detail_col) == "1 range");
  const std::string exposure = row("page-table-exposure");
  CHECK(exposure.substr(status_col, 7) == "unknown");
  CHECK(exposure.substr(detail_col) == "solver timeout after 30 s");
  CHECK(row("canonical").substr(status_col, 5) == "holds");
  CHECK(row("reserved-bits").substr(status_col, 5) == "holds");
  CHECK(line_with(text(unknown(), false), "conflicting-aliases").find("not-applicable") != std::string::npos);
}

TEST_CASE("check text - a violation is told by rule, region, address, range with size, rights and message") {
  const std::string t = text(violated(), false);
  CHECK(t.find("\nviolation 1 of 2: wx in region \"direct-map\" (new)\n"
               "  address  0xffff888000201000\n"
               "  range    [0xffff888000200000, 0xffff888000400000)  2M\n"
               "  rights   -rwx 2M\n"
               "  phys     0x0000000000200000\n"
               "  message  writable and executable\n") != std::string::npos);
  // A range reaching the top of the address space ends at 2^64; no phys line when there is none.
  CHECK(t.find("violation 2 of 2: user-kernel-split in region \"fixmap\" (new)\n"
               "  address  0xfffffffffff00000\n"
               "  range    [0xffffffffffe00000, 0x10000000000000000)  2M\n"
               "  rights   ur-x 4K\n"
               "  message  user page <U/S=1> in the \"kernel\" half & above\n") != std::string::npos);
  CHECK(t.find("  fingerprint wx:direct-map:0xffff888000200000-0xffff888000400000\n") != std::string::npos);
}

TEST_CASE("check text - the walk shows every level and marks the deciding one") {
  const std::string t = text(violated(), false);
  CHECK(t.find("  walk:\n"
               "    PML4  table 0x0000000001a0d000 [273] entry 0x0000000001a0d888 = 0x0000000002601063  P RW A "
               "table=P0x2601000\n"
               "    PDPT  table 0x0000000002601000 [  0] entry 0x0000000002601000 = 0x0000000002602063  P RW A "
               "table=P0x2602000\n"
               "  > PD    table 0x0000000002602000 [  1] entry 0x0000000002602008 = 0x00000000002000e3  P RW A D PS "
               "frame=P0x200000  <- XD=0\n") != std::string::npos);
  CHECK(line_with(t, "[256]").starts_with("  > PT    table 0x0000000002703000 [256]"));
  CHECK(line_with(t, "[256]").ends_with("  <- U/S=1"));
}

TEST_CASE("check text - baselined violations, incomplete lists and inadmissible parameters are said") {
  CheckResult r = violated();
  r.violations[0].baselined = true;
  r.complete = false;
  r.parameters_admissible = false;
  const std::string t = text(r, false);
  CHECK(t.find("violation 1 of 2: wx in region \"direct-map\" (baselined)\n") != std::string::npos);
  CHECK(t.find("the list may be incomplete") != std::string::npos);
  CHECK(t.find("last candidate parameters: kaslr_slide = 0x0000000012000000\n") != std::string::npos);
  CHECK(t.find("no admissible parameter values") != std::string::npos);
  const auto ls = lines(t);
  bool found = false;
  for (const std::string& l : ls) found |= l.starts_with("wx ") && l.find("1 (1 baselined)") != std::string::npos;
  CHECK(found);
}

TEST_CASE("check text - inputs, parameters, notes and statistics frame the report") {
  const std::string t = text(holds(), false);
  CHECK(t.find("\ndump:  captures/core.slice.elf (elf-core, 4-level)\nspec:  specs/linux-6.1.json\n") !=
        std::string::npos);
  CHECK(t.find("parameters: page_offset_base = 0xffff888000000000, kaslr_slide = 0x0000000012000000\n") !=
        std::string::npos);
  CHECK(t.find("\nnotes:\n  - EFER.NXE assumed 1 (the QEMU note has no EFER)\n") != std::string::npos);
  CHECK(t.ends_with("\n17 queries, 412 formula nodes, 0.25 s\n"));
  CHECK(t.find("violation ") == std::string::npos);
  CHECK(t.find("incomplete") == std::string::npos);
}

}  // namespace
}  // namespace ptv
