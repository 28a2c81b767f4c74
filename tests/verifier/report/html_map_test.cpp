// The HTML map page (verifier/report/html_map.h), as text. Strategy: first what makes the page
// safe to open anywhere (escaping of every name and message, including bytes that are not
// UTF-8; nothing loaded from elsewhere), then the structure the script and the browser test rely
// on (ids, classes, data attributes, the walk with its deciding entry), then the embedded data
// (parsed back: one entry per box, runs merged only past the per-box cap, counts preserved).
// What the page does in a browser is pinned by tests/browser/render_test.sh in chromium.
#include "verifier/report/html_map.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "verifier/report/html_map_parts.h"
#include "verifier/report/map_samples.h"

namespace ptv {
namespace {

using namespace maptest;

std::string page(const AddressMap& map) {
  std::ostringstream os;
  write_html_map(map, os);
  return os.str();
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// ordered_json: g++ 12 warns falsely on json's std::map (-Warray-bounds).
using Json = nlohmann::ordered_json;

Json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"ptv-data\">";
  const std::size_t a = html.find(open);
  REQUIRE(a != std::string::npos);
  const std::size_t b = html.find("</script>", a);
  REQUIRE(b != std::string::npos);
  return Json::parse(html.substr(a + open.size(), b - a - open.size()));
}

struct Sample {
  spec::Spec spec = sample_spec();
  spec::Layout layout = sample_layout(spec);
  MappingSet mappings = sample_mappings();
  check::CheckResult check = sample_check();
};

TEST_CASE("html map: html_escape escapes markup and replaces bytes that are not UTF-8") {
  CHECK(html_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(html_escape("\xc3\x97 \xe2\x94\x80 \xf0\x9f\x98\x80") == "\xc3\x97 \xe2\x94\x80 \xf0\x9f\x98\x80");  // kept
  CHECK(html_escape("x\xffy") == "x\xef\xbf\xbdy");
  CHECK(html_escape("\xc0\xaf") == "\xef\xbf\xbd\xef\xbf\xbd");          // overlong
  CHECK(html_escape("\xed\xa0\x80").find('\xed') == std::string::npos);  // surrogate
  CHECK(html_escape("\xe2\x94") == "\xef\xbf\xbd\xef\xbf\xbd");          // truncated
  CHECK(html_escape("a\x01\x7f\tb\n") == "a\xef\xbf\xbd\xef\xbf\xbd\tb\n");
}

TEST_CASE("html map: names, messages and file names are escaped everywhere, data cannot close its script") {
  Sample s;
  s.mappings.markers = {Marker{VirtAddr(0xffff'8880'0000'0000), "</script><script>alert(\"x\")</script> & \xff", 1}};
  s.check.violations[0].message = "<img src=x onerror=alert(1)>";
  const std::string html = page(build_address_map(s.mappings, nullptr, &s.check));
  CHECK(html.find("<script>alert") == std::string::npos);
  CHECK(html.find("<img") == std::string::npos);
  CHECK(html.find("&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; \xef\xbf\xbd") !=
        std::string::npos);
  CHECK(html.find("&lt;img src=x onerror=alert(1)&gt;") != std::string::npos);
  CHECK(html.find("captures/sample &lt;core&gt;.elf") != std::string::npos);
  CHECK(html.find("\\u003c/script\\u003e") != std::string::npos);  // in the JSON data
  CHECK(count(html, "<script") == 2);                              // the data and the script
  CHECK(count(html, "</script>") == 2);
  CHECK(page_data(html)["boxes"][0]["name"].get<std::string>().starts_with("</script>"));
}

TEST_CASE("html map: the page is self-contained - nothing is loaded from elsewhere") {
  const Sample s;
  const std::string html = page(build_address_map(s.mappings, &s.layout, &s.check));
  for (const char* banned : {" src=", " href=", "@import", "<link", "<iframe", "<img", "fetch(", "XMLHttpRequest",
                             "import(", "WebSocket", "url(http", "url('", "url(\""}) {
    CAPTURE(banned);
    CHECK(html.find(banned) == std::string::npos);
  }
  // "http" only as the SVG namespace name, which names and loads nothing.
  const std::string ns = "http://www.w3.org/2000/svg";
  for (std::size_t at = html.find("http"); at != std::string::npos; at = html.find("http", at + 1))
    CHECK(html.compare(at, ns.size(), ns) == 0);
}

TEST_CASE("html map: ids and classes the script and the browser test rely on") {
  const Sample s;
  const AddressMap map = build_address_map(s.mappings, &s.layout, &s.check);
  const std::string html = page(map);
  CHECK(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\" data-ptv-ready=\"no\">"));
  for (const char* needle :
       {"<svg id=\"map\"", "<g id=\"overview\">", "<g id=\"zoom\" display=\"none\">", "<nav id=\"crumbs\"",
        "id=\"selection\"", "id=\"violations\"", "id=\"legend\"", "id=\"rules\"", "id=\"parameters\"",
        "data-name=\"dmap\"", "data-name=\"non-canonical hole\"", "<g class=\"vmark\" id=\"vmark-1\"",
        "<details class=\"violation\" id=\"violation-1\" data-n=\"1\" data-rule=\"wx\" "
        "data-first=\"0xffff897fffe00000\" data-end=\"0xffff898000002000\">",
        "<table class=\"walk\" id=\"walk-1\">", "writable and executable &lt;&amp;&gt; &quot;quoted&quot;"}) {
    CAPTURE(needle);
    CHECK(html.find(needle) != std::string::npos);
  }
  CHECK(count(html, "<g class=\"box") == map.boxes.size());
  for (std::size_t i = 0; i < map.boxes.size(); ++i)
    CHECK(html.find("id=\"box-" + std::to_string(i) + "\"") != std::string::npos);
  // The boxes the violation overlaps are outlined; the hole is not clickable.
  CHECK(count(html, " violating\"") == 2);
  CHECK(html.find("<g class=\"box hole\" id=\"box-7\" data-box=\"7\" data-name=\"non-canonical hole\">") !=
        std::string::npos);
  // The walk: one row per level, the PT entry deciding, its R/W and XD bits marked.
  CHECK(count(html, "<tr class=\"level") == 4);
  CHECK(count(html, "<tr class=\"level deciding\">") == 1);
  CHECK(html.find("<td>PT</td><td class=\"hex\">0x0000000000004000</td>") != std::string::npos);
  CHECK(html.find("class=\"bit on decides\" title=\"bit 1: read/write = 1\">R/W=1") != std::string::npos);
  CHECK(html.find("class=\"bit off decides\" title=\"bit 63: execute-disable = 0\">XD=0") != std::string::npos);
  CHECK(html.find("\xe2\x86\x90 R/W=1, XD=0") != std::string::npos);
  // Boundary addresses beside the strip, as in the terminal.
  CHECK(html.find(">0xffffffffffffffff</text>") != std::string::npos);
  CHECK(html.find(">0xffff888000000000</text>") != std::string::npos);

  const std::string unchecked = page(build_address_map(s.mappings, &s.layout, nullptr));
  CHECK(unchecked.find("<details class=\"violation") == std::string::npos);
  CHECK(unchecked.find("give <code>--spec SPEC</code>") != std::string::npos);
}

TEST_CASE("html map: the embedded data has every box and violation, and merges runs only past the cap") {
  Sample s;
  // 10000 4K pages 8K apart at the start of dmap: more than kMaxRunsPerBox.
  std::vector<Run> runs;
  runs.push_back(s.mappings.runs[0]);
  for (std::uint64_t i = 0; i < 10'000; ++i) runs.push_back(run(kDmap + i * 0x2000, 0x1000, false, true, false, 4096));
  runs.push_back(s.mappings.runs[2]);
  runs.push_back(s.mappings.runs[3]);
  s.mappings.runs = runs;
  REQUIRE(!s.mappings.validate());
  const AddressMap map = build_address_map(s.mappings, &s.layout, &s.check);
  const Json data = page_data(page(map));
  REQUIRE(data["boxes"].size() == map.boxes.size());
  REQUIRE(data["violations"].size() == 1);
  CHECK(data["violations"][0]["box"] == 4);
  CHECK(data["violations"][0]["first"] == "0xffff897fffe00000");
  const Json& dmap = data["boxes"][4];
  CHECK(dmap["name"] == "dmap");
  CHECK(dmap["runs"] == 10'001);
  CHECK(dmap["r"].size() <= html::kMaxRunsPerBox);
  CHECK(dmap["gap"] != "");
  std::size_t merged = 0;
  for (const auto& r : dmap["r"]) merged += r[4].get<std::size_t>();
  CHECK(merged == 10'001);
  // Offsets are relative to the box's first address, in hex.
  CHECK(dmap["r"][0][0] == "0");
  // A box under the cap keeps every run as it is.
  const Json& user = data["boxes"][8];
  CHECK(user["gap"] == "");
  REQUIRE(user["r"].size() == 1);
  CHECK(user["r"][0][0] == "3ff000");
  CHECK(user["r"][0][1] == "400fff");
  CHECK(user["r"][0][2] == 3);  // urw-
  CHECK(data["boxes"][6]["u"][0][2] == "not walked");
}

}  // namespace
}  // namespace ptv
