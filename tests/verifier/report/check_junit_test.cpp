// The JUnit XML check report. Strategy: escaping first (xml_escape on < & " ' and on what XML
// cannot carry), then every written report is checked well-formed by a small checker here
// (balanced tags, quoted attributes without '<', only the five entities and character
// references), then the mapping: one testcase per rule with classname and name, failures for
// violated rules listing their violations, skipped for unknown and not-applicable, counts and
// time on the suite, and a rule whose violations are all baselined passing as the exit code does.
#include "verifier/report/check_junit.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;

std::string junit(const CheckResult& r) {
  std::ostringstream os;
  write_check_junit(r, os);
  return os.str();
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

/// Empty when `xml` is well-formed as far as this report needs (no DTD, no CDATA, no comments),
/// else what is wrong.
std::string well_formed(const std::string& xml) {
  std::vector<std::string> open;
  auto entity_ok = [&](std::size_t at) {
    for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#9;", "&#10;", "&#13;"})
      if (xml.compare(at, std::string_view(e).size(), e) == 0) return true;
    return false;
  };
  std::size_t i = 0;
  if (xml.starts_with("<?xml")) i = xml.find("?>") + 2;
  for (; i < xml.size(); ++i) {
    if (xml[i] == '&' && !entity_ok(i)) return "bad entity at " + std::to_string(i);
    if (xml[i] == '>') return "stray '>' at " + std::to_string(i);
    if (xml[i] != '<') continue;
    const bool closing = xml[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    const std::size_t name_end = xml.find_first_of(" />", j);
    const std::string name = xml.substr(j, name_end - j);
    j = name_end;
    bool in_quotes = false;
    for (; j < xml.size() && (in_quotes || xml[j] != '>'); ++j) {
      if (xml[j] == '"') in_quotes = !in_quotes;
      if (in_quotes && xml[j] == '<') return "'<' in an attribute of <" + name + ">";
      if (in_quotes && xml[j] == '&' && !entity_ok(j)) return "bad entity in an attribute of <" + name + ">";
    }
    if (j == xml.size()) return "unterminated <" + name;
    const bool empty = xml[j - 1] == '/';
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + name + "> closes nothing open";
      open.pop_back();
    } else if (!empty) {
      open.push_back(name);
    }
    i = j;
  }
  return open.empty() ? std::string() : "<" + open.back() + "> not closed";
}

TEST_CASE("check junit - xml_escape escapes markup and replaces what XML cannot carry") {
  CHECK(xml_escape("a<b & \"c\" 'd' >", false) == "a&lt;b &amp; &quot;c&quot; &apos;d&apos; &gt;");
  CHECK(xml_escape("line\nnext\ttab\r", false) == "line\nnext\ttab&#13;");
  CHECK(xml_escape("line\nnext\ttab", true) == "line&#10;next&#9;tab");
  CHECK(xml_escape(std::string("nul\0bell\a", 9), false) ==
        "nul\xef\xbf\xbd"
        "bell\xef\xbf\xbd");
  CHECK(xml_escape("caf\xc3\xa9 \xe2\x80\x94", false) == "caf\xc3\xa9 \xe2\x80\x94");
  CHECK(xml_escape("bad\xff\xc3(", false) == "bad\xef\xbf\xbd\xef\xbf\xbd(");
}

TEST_CASE("check junit - every report is well-formed XML") {
  CHECK(well_formed("<a x=\"1\"><b/></a>").empty());  // the checker itself
  CHECK(!well_formed("<a x=\"<\"></a>").empty());
  CHECK(!well_formed("<a>&nbsp;</a>").empty());
  CHECK(!well_formed("<a><b></a>").empty());
  for (const CheckResult& r : {holds(), violated(), unknown(), CheckResult{}}) {
    const std::string xml = junit(r);
    CAPTURE(xml);
    CHECK(well_formed(xml) == "");
    CHECK(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
  }
}

TEST_CASE("check junit - one testcase per rule, classname from the spec file stem") {
  const std::string xml = junit(holds());
  CHECK(count(xml, "<testcase ") == check::kRules.size());
  for (const check::RuleInfo& info : check::kRules)
    CHECK(xml.find("<testcase classname=\"ptverify.linux-6.1\" name=\"" + std::string(info.name) +
                   "\" time=\"0.001\"/>") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"ptverify check captures/core.slice.elf\" tests=\"16\" failures=\"0\" errors=\"0\" "
                 "skipped=\"0\" time=\"0.250\">") != std::string::npos);
  CHECK(xml.find("<property name=\"verdict\" value=\"holds\"/>") != std::string::npos);
  CHECK(xml.find("<property name=\"parameter.kaslr_slide\" value=\"0x0000000012000000\"/>") != std::string::npos);
}

TEST_CASE("check junit - violated rules fail listing their violations, escaped") {
  const std::string xml = junit(violated());
  CHECK(xml.find("<testsuites name=\"ptverify check\" tests=\"16\" failures=\"2\" errors=\"0\" skipped=\"1\" "
                 "time=\"0.250\">") != std::string::npos);
  CHECK(count(xml, "<failure ") == 2);
  CHECK(xml.find("<testcase classname=\"ptverify.linux-6.1\" name=\"wx\" time=\"0.020\">\n"
                 "      <failure message=\"1 new violation\" type=\"violated\">[new] [0xffff888000200000, "
                 "0xffff888000400000) 2M region &quot;direct-map&quot; rights -rwx 2M at 0xffff888000201000: writable "
                 "and executable\n"
                 "    decided by the PD entry at 0x0000000002602008 = 0x00000000002000e3 (XD=0)\n"
                 "</failure>\n") != std::string::npos);
  // The message holds < & " : escaped, never raw.
  CHECK(xml.find("user page &lt;U/S=1&gt; in the &quot;kernel&quot; half &amp; above") != std::string::npos);
  CHECK(xml.find("<U/S=1>") == std::string::npos);
  CHECK(xml.find("[0xffffffffffe00000, 0x10000000000000000) 2M") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"ptverify.linux-6.1\" name=\"page-table-exposure\" time=\"30.000\">\n"
                 "      <skipped message=\"unknown: solver timeout after 30 s\"/>\n") != std::string::npos);
  CHECK(xml.find("<system-out>ptverify check: VIOLATED") != std::string::npos);
}

TEST_CASE("check junit - unknown and not-applicable rules are skipped, never passed") {
  const std::string xml = junit(unknown());
  std::size_t raw_only = 0;
  for (const check::RuleInfo& info : check::kRules) raw_only += info.raw_only;
  CHECK(count(xml, "<skipped ") == raw_only + 1);
  CHECK(count(xml, "<skipped message=\"not applicable: needs raw memory\"/>") == raw_only);
  CHECK(xml.find("<skipped message=\"unknown: ptdump does not show the PCD bit\"/>") != std::string::npos);
  CHECK(xml.find("failures=\"0\" errors=\"0\" skipped=\"" + std::to_string(raw_only + 1) + "\"") != std::string::npos);
  CHECK(xml.find("<testsuite name=\"ptverify check ptdump kernel.txt\"") != std::string::npos);
}

TEST_CASE("check junit - a rule whose violations are all baselined passes and lists them") {
  CheckResult r = violated();
  r.violations[0].baselined = true;
  const std::string xml = junit(r);
  CHECK(count(xml, "<failure ") == 1);
  CHECK(xml.find("failures=\"1\"") != std::string::npos);
  CHECK(xml.find("name=\"wx\" time=\"0.020\">\n      <system-out>1 violation accepted by the baseline:\n[baselined] "
                 "[0xffff888000200000,") != std::string::npos);
  // A violated rule with no listed violation (the list was cut by --max-violations) still fails.
  r.violations.clear();
  r.violations.push_back(violated().violations[1]);
  const std::string cut = junit(r);
  CHECK(cut.find("name=\"wx\" time=\"0.020\">\n      <failure message=\"1 new violation\" type=\"violated\">1 range\n"
                 "</failure>") != std::string::npos);
}

TEST_CASE("check junit - a spec without a name still gives a classname") {
  CheckResult r = holds();
  r.spec = "";
  CHECK(junit(r).find("classname=\"ptverify.spec\"") != std::string::npos);
}

}  // namespace
}  // namespace ptv
