// The JSON check report. Strategy: round trips first (read(write(r)) equals r field for field for
// a holding, a violated and an unknown result, and for one that uses every corner: baselined,
// incomplete, inadmissible parameters, no walk, awkward doubles; writing again gives the same
// bytes); then the written form is pinned against the documented schema (key names and order,
// hex strings, the exclusive end reaching 2^64, null phys, derived verdict); last, each kind of
// bad report is an error naming the file, the JSON Pointer (or line:col) and what was expected.
#include "verifier/report/check_json.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/check_result_samples.h"

namespace ptv {
namespace {

using namespace checktest;
using Json = nlohmann::ordered_json;

std::string written(const CheckResult& r) {
  std::ostringstream os;
  write_check_json(r, os);
  return os.str();
}

CheckResult must_read(const std::string& json, const std::string& source = "r.json") {
  auto r = parse_check_json(json, source);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return std::move(r).value();
}

void check_round_trip(const CheckResult& r) {
  const std::string json = written(r);
  const CheckResult back = must_read(json);
  check_same(r, back);
  CHECK(written(back) == json);
}

std::vector<std::string> keys(const Json& j) {
  std::vector<std::string> out;
  for (const auto& [k, v] : j.items()) out.push_back(k);
  return out;
}

TEST_CASE("check json - holding, violated and unknown results read back field for field") {
  check_round_trip(holds());
  check_round_trip(violated());
  check_round_trip(unknown());
  check_round_trip(CheckResult{});
}

TEST_CASE("check json - every corner of the value reads back field for field") {
  CheckResult r = violated();
  r.violations[0].baselined = true;
  r.violations[1].walk.clear();
  r.violations[1].fingerprint = "";
  r.complete = false;
  r.parameters_admissible = false;
  r.seconds = 0.1 + 0.2;  // not representable in few digits
  r.rules[0].seconds = 1e-9;
  r.queries = ~std::size_t{0};
  r.notes = {"tab\there", "quote \" backslash \\ newline\n", "\u00e9\u2014"};
  r.dump = "dir with space/core \"1\".elf";
  r.violations[0].first_place = check::Place{"startup_64+0x1000", ".text", "High Kernel Mapping"};
  r.violations[0].last_place = check::Place{"e1000_probe+0x10 [e1000]", "", "Modules"};
  r.parameters[0].source = check::ParameterSource::kRead;
  r.parameters[0].origin = "_stext in kallsyms (k.txt, 3 symbols)";
  check_round_trip(r);
}

TEST_CASE("check json - the written form follows the documented schema") {
  const Json j = Json::parse(written(violated()));
  CHECK(keys(j) == std::vector<std::string>{"format_version", "verdict", "complete", "summary", "dump", "dump_format",
                                            "spec", "mode", "parameters", "parameter_sources", "parameters_admissible",
                                            "facts", "assumptions", "rules", "violations", "notes", "seconds",
                                            "queries", "formula_nodes"});
  CHECK(j["format_version"] == 3);
  CHECK(j["parameter_sources"] == Json::parse(R"({"kaslr_slide": {"source": "inferred", "origin": ""}})"));
  CHECK(j["facts"][0] == Json::parse(R"({"id": "cr0.wp", "source": "dump", "value": "1", "origin": "registers.txt:22",
      "matters": true})"));
  CHECK(j["assumptions"] == Json::parse(R"(["cr4.smep", "maxphyaddr"])"));
  CHECK(j["verdict"] == "violated");
  CHECK(j["summary"] == violated().summary_line());
  CHECK(j["parameters"] == Json::parse(R"({"kaslr_slide": "0x0000000012000000"})"));
  REQUIRE(j["rules"].size() == check::kRules.size());
  CHECK(keys(j["rules"][0]) == std::vector<std::string>{"rule", "status", "violations", "detail", "seconds", "uses"});
  CHECK(j["rules"][static_cast<int>(RuleId::kWx)]["uses"] == Json::parse(R"(["cr0.wp", "cr4.smep", "maxphyaddr"])"));
  CHECK(j["rules"][static_cast<int>(RuleId::kWx)]["status"] == "violated");
  CHECK(j["rules"][static_cast<int>(RuleId::kPageTableExposure)]["status"] == "unknown");

  const Json& wx = j["violations"][0];
  CHECK(keys(wx) == std::vector<std::string>{"rule", "region", "address", "start", "end", "rights", "message", "phys",
                                             "fingerprint", "baselined", "walk", "places"});
  CHECK(wx["places"] == Json::parse(R"({"first": {"symbol": "", "section": "", "area": ""},
      "last": {"symbol": "", "section": "", "area": ""}})"));
  CHECK(wx["rule"] == "wx");
  CHECK(wx["address"] == "0xffff888000201000");
  CHECK(wx["start"] == "0xffff888000200000");
  CHECK(wx["end"] == "0xffff888000400000");  // exclusive
  CHECK(wx["phys"] == "0x0000000000200000");
  CHECK(wx["fingerprint"] == "wx:direct-map:0xffff888000200000-0xffff888000400000");
  REQUIRE(wx["walk"].size() == 3);
  CHECK(keys(wx["walk"][0]) == std::vector<std::string>{"level", "table", "index", "entry_address", "raw", "decoded",
                                                        "deciding", "deciding_bits"});
  CHECK(wx["walk"][2] == Json::parse(R"({"level": "PD", "table": "0x0000000002602000", "index": 1,
      "entry_address": "0x0000000002602008", "raw": "0x00000000002000e3", "decoded": "P RW A D PS frame=P0x200000",
      "deciding": true, "deciding_bits": "XD=0"})"));

  const Json& uk = j["violations"][1];
  CHECK(uk["end"] == "0x10000000000000000");  // 2^64: the range reaches the top
  CHECK(uk["phys"].is_null());

  CHECK(Json::parse(written(holds()))["verdict"] == "holds");
  CHECK(Json::parse(written(unknown()))["verdict"] == "unknown");
  CheckResult accepted = violated();
  for (Violation& v : accepted.violations) v.baselined = true;
  CHECK(Json::parse(written(accepted))["verdict"] == "unknown");  // page-table-exposure stays unknown
}

TEST_CASE("check json - bytes that are not UTF-8 are written as U+FFFD") {
  CheckResult r = holds();
  r.dump = std::string("bad\xff(name");
  CHECK(must_read(written(r)).dump == "bad\xef\xbf\xbd(name");
}

TEST_CASE("check json - bad reports are errors naming the JSON Pointer and what was expected") {
  const std::string good = written(violated());
  // Replaces the first occurrence of `from` in the good report.
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const std::size_t at = s.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return s.replace(at, from.size(), to);
  };
  struct Row {
    std::string text;
    std::string error;
  };
  const Row rows[] = {
      {edit("\"format_version\": 3", "\"format_version\": 4"),
       "r.json:/format_version: expected 1, 2 or 3 (the versions this reader knows), found 4"},
      {edit("\"source\": \"inferred\"", "\"source\": \"guessed\""),
       "r.json:/parameter_sources/kaslr_slide/source: expected \"inferred\", \"given\" or \"read\", found \"guessed\""},
      {edit("\"area\": \"\"", "\"area\": 3"), "r.json:/violations/0/places/first/area: expected a string, found 3"},
      {edit("\"id\": \"cr0.wp\"", "\"id\": \"cr0.pw\""),
       "r.json:/facts/0/id: expected a fact id such as \"cr0.wp\" (docs/check.md, \"Assumptions\"), found \"cr0.pw\""},
      {edit("\"assumptions\": [\n    \"cr4.smep\",", "\"assumptions\": [\n"),
       "r.json:/assumptions: expected the ids of the facts not read from the dump: [\"cr4.smep\",\"maxphyaddr\"]"},
      {edit("\"uses\": [\n        \"maxphyaddr\"", "\"uses\": [\n        \"pdpe1gb\""),
       "r.json:/rules/0/uses/0: expected the id of one of the report's facts, found \"pdpe1gb\""},
      {edit("\"rule\": \"wx\",\n      \"region\"", "\"rule\": \"w^x\",\n      \"region\""),
       "r.json:/violations/0/rule: expected a rule name such as \"wx\" (docs/check.md, \"Rules\"), found \"w^x\""},
      {edit("\"end\": \"0xffff888000400000\"", "\"end\": \"0xffff888000200000\""),
       "r.json:/violations/0/end: expected an end above the start 0xffff888000200000, found \"0xffff888000200000\""},
      {edit("\"end\": \"0x10000000000000000\"", "\"end\": \"0x20000000000000000\""),
       "r.json:/violations/1/end: expected a hex string of at most 2^64, found \"0x20000000000000000\""},
      {edit("\"address\": \"0xffff888000201000\"", "\"address\": \"0x1000\""),
       "r.json:/violations/0/address: expected an address inside [start, end) = [0xffff888000200000, "
       "0xffff888000400000), found \"0x1000\""},
      {edit("\"baselined\": false", "\"baselined\": false, \"baseline\": true"),
       "r.json:/violations/0/baseline: expected only the keys rule, region, address, start, end, rights, message, "
       "phys, fingerprint, baselined, walk, places, found true"},
      {edit("\"deciding_bits\": \"XD=0\"", "\"deciding_bits\": 0"),
       "r.json:/violations/0/walk/2/deciding_bits: expected a string, found 0"},
      {edit("\"index\": 273", "\"index\": 512"),
       "r.json:/violations/0/walk/0/index: expected an integer at most 511, found 512"},
      {edit("\"status\": \"violated\"", "\"status\": \"failed\""),
       "r.json:/rules/2/status: expected \"holds\", \"violated\", \"unknown\" or \"not-applicable\", found \"failed\""},
      {edit("\"kaslr_slide\": \"0x0000000012000000\"", "\"kaslr_slide\": 5"),
       "r.json:/parameters/kaslr_slide: expected a hex string such as \"0x1000\", found 5"},
      {edit("\"verdict\": \"violated\"", "\"verdict\": \"holds\""),
       "r.json:/verdict: expected \"violated\" (what the rules and violations give), found \"holds\""},
      {edit("\"queries\": 17,\n", ""), "r.json:/queries: expected a value (the key is required), found nothing"},
      {edit("\"seconds\": 0.25", "\"seconds\": -1"),
       "r.json:/seconds: expected a non-negative number of seconds, found -1"},
      {"[]", "r.json:/: expected an object, found []"},
      {"{\n  \"format_version\": 1,\n  x}", "r.json:3:3: expected valid JSON"},
  };
  for (const Row& row : rows) {
    const auto r = parse_check_json(row.text, "r.json");
    REQUIRE_MESSAGE(!r.ok(), row.error);
    CHECK_MESSAGE(r.error().message.starts_with(row.error),
                  "expected: " << row.error << "\nfound:    " << r.error().message);
  }
}

}  // namespace
}  // namespace ptv

namespace ptv {
namespace {

// A saved report is input like any other: its walks are recomputed from their own raw entries.
TEST_CASE("check json - a walk its raw entries contradict is refused, not explained") {
  std::ifstream in(std::string(PTV_FIXTURES_DIR) + "/reports/explain-wx.json");
  const Json good = Json::parse(in);
  CHECK(read_check_json(good.dump(2), "wx.json").ok());
  auto refused = [&](auto edit, const std::string& want) {
    Json j = good;
    edit(j["violations"][0]["walk"]);
    const auto r = read_check_json(j.dump(2), "wx.json");
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message.find("wx.json:/violations/0/walk: ") == 0, r.error().message);
    CHECK_MESSAGE(r.error().message.find(want) != std::string::npos, r.error().message);
  };
  // The leaf's raw entry sets XD and clears R/W, while its text still says RW and no XD.
  refused(
      [](Json& w) { w[3]["raw"] = "0x8000000000001061"; },
      "the raw entry 0x8000000000001061 decodes as \"P RO SUP A D pk=0 XD page=P0x0000000000001000\", not \"P RW SUP");
  // Entry and text agree with each other, but the page is then neither writable nor executable.
  refused(
      [](Json& w) {
        w[3]["raw"] = "0x8000000000001061";
        w[3]["decoded"] = "P RO SUP A D pk=0 XD page=P0x0000000000001000";
      },
      "the saved entries do not make 0xffff8c4700001000 writable and executable by one privilege, as wx claims");
  refused([](Json& w) { w[0]["level"] = "PML9"; }, "the level here is PML4, not PML9");
  refused([](Json& w) { w[1]["index"] = 285; }, "the entry for 0xffff8c4700001000 is index 284");
  refused([](Json& w) { w[2]["table"] = "0x0000000004409000"; }, "the table here is 0x0000000004402000");
  refused([](Json& w) { w.erase(3); }, "do not make 0xffff8c4700001000 writable and executable");
}

// Rights are written as text and read back into data that writes the same text.
TEST_CASE("check json - rights of each kind read back as data that is written the same") {
  CheckResult r = violated();
  REQUIRE(r.violations.size() >= 2);
  AttrClass c;
  c.kind = AttrClass::Kind::kMapped;
  c.user = Tri::kYes;
  c.writable = c.user_writable = Tri::kYes;
  c.executable = Tri::kYes;
  c.supervisor_executable = Tri::kNo;  // SMEP: shown as no "sx"
  c.global = Tri::kYes;
  c.valid = Tri::kYes;
  c.page_size = 4096;
  r.violations[0].rights = {c, {}, {}};
  r.violations[1].rights = {{}, check::AliasKind::kUser, {}};
  const std::string json = written(r);
  CHECK(Json::parse(json)["violations"][0]["rights"] == "mapped urwx G page 4096");
  CHECK(Json::parse(json)["violations"][1]["rights"] == "user-executable alias of a user-writable frame");
  const CheckResult back = must_read(json);
  CHECK(back.violations[0].rights == r.violations[0].rights);
  CHECK(back.violations[1].rights == r.violations[1].rights);
  CHECK(written(back) == json);
}

// Levels and the mode are read into the models' enums; a name this code does not know is kept as
// read, so it is written back unchanged and quoted by the refusal above.
TEST_CASE("check json - level and mode names read as enums, unknown names kept as text") {
  std::ifstream in(std::string(PTV_FIXTURES_DIR) + "/reports/explain-wx.json");
  const Json good = Json::parse(in);
  const CheckResult known = must_read(good.dump(2));
  REQUIRE(known.mode == PagingMode::k4Level);
  CHECK(known.unknown_mode.empty());
  REQUIRE(known.violations.at(0).walk.size() == 4);
  CHECK(known.violations[0].walk[0].level == Level::kPml4);
  CHECK(known.violations[0].walk[3].level == Level::kPt);
  CHECK(known.violations[0].walk[3].unknown_level.empty());

  Json edited = good;
  edited["mode"] = "6-level";
  edited["violations"][0]["walk"][3]["level"] = "PML9";
  const CheckResult odd = must_read(edited.dump(2));
  CHECK_FALSE(odd.mode.has_value());
  CHECK(check::mode_name(odd) == "6-level");
  const check::WalkLevel& w = odd.violations.at(0).walk.at(3);
  CHECK_FALSE(w.level.has_value());
  CHECK(check::level_name(w) == "PML9");
  const Json back = Json::parse(written(odd));
  CHECK(back["mode"] == "6-level");
  CHECK(back["violations"][0]["walk"][3]["level"] == "PML9");
  const auto r = read_check_json(edited.dump(2), "odd.json");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message ==
        "odd.json:/violations/0/walk: the report's mode \"6-level\" is not 4-level or 5-level, so no walk can be "
        "checked");
}

}  // namespace
}  // namespace ptv
