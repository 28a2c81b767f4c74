// Strategy: the "exceptions" key (docs/spec-language.md §6.1) read back field by field, every
// refusal with the exact message and the line it must name, and its merge in a spec that extends
// another (added, removed, an error for a removal with no match and for a region removed under
// an exception), written into a scratch folder; the flattened JSON of `spec show` keeps them.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "scratch_dir.h"
#include "verifier/spec/parse.h"

using namespace ptv::spec;
using ptv::test::ScratchDir;

namespace {

// Line 1 "{", 2 name, 3 rules, 4 "regions": [, 5 text, 6 data, 7 stacks array, 8 "exceptions": [,
// 9.. the exceptions, then "]}".
std::string spec_with(const std::string& exceptions, const std::string& rules = R"({"paging_mode": 4})") {
  return "{\n"
         "  \"name\": \"t\",\n"
         "  \"rules\": " +
         rules +
         ",\n"
         "  \"regions\": [\n"
         "    {\"name\": \"text\", \"kind\": \"code\", \"half\": \"kernel\", \"start\": \"0xffffffff81000000\", "
         "\"size\": \"2 * MiB\", \"must\": \"may-be-mapped\", \"rights\": {\"allowed\": []}},\n"
         "    {\"name\": \"data\", \"kind\": \"data\", \"half\": \"kernel\", \"start\": \"0xffffffff82000000\", "
         "\"size\": \"2 * MiB\", \"must\": \"may-be-mapped\", \"rights\": {\"allowed\": []}}],\n"
         "  \"arrays\": [{\"name\": \"stacks\", \"kind\": \"stack\", \"half\": \"kernel\", \"start\": "
         "\"0xffffc90000000000\", \"count\": 2, \"size\": \"16 * KiB\", \"guard\": \"4 * KiB\", "
         "\"must\": \"may-be-mapped\", \"rights\": {\"allowed\": []}}],\n"
         "  \"exceptions\": [\n" +
         exceptions + "\n  ]\n}\n";
}

std::string error_of(const std::string& text) {
  const auto s = parse_spec(text, "x.json");
  REQUIRE_FALSE(s.ok());
  return s.error().message;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("spec exceptions: read back with their rule, region and reason, arrays too") {
  const auto s = parse_spec(spec_with(R"(    {"rule": "wx", "region": "text", "reason": "self-patching"},
    {"rule": "guard-unmapped", "region": "stacks", "reason": "lazily mapped guards"})"),
                            "x.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  REQUIRE(s->exceptions.size() == 2);
  CHECK(kCheckRuleIds[s->exceptions[0].rule] == "wx");
  CHECK(s->regions[s->exceptions[0].region].name == "text");
  CHECK(s->exceptions[0].reason == "self-patching");
  CHECK(s->exceptions[0].path == "exceptions[0]");
  CHECK(kCheckRuleIds[s->exceptions[1].rule] == "guard-unmapped");
  CHECK(s->regions[s->exceptions[1].region].name == "stacks");
  CHECK(s->exceptions_to(s->exceptions[0].rule).size() == 1);
}

TEST_CASE("spec exceptions: every meaningless exception is refused with its file and line") {
  struct Row {
    std::string exceptions, rules, want;
  };
  const std::string kDefault = R"({"paging_mode": 4})";
  const Row rows[] = {
      {R"(    {"rule": "w^x", "region": "text", "reason": "r"})", kDefault,
       "x.json:9: exceptions[0].rule: no rule has the id \"w^x\" (did you mean \"wx\"?); `ptverify check "
       "--list-rules` lists them"},
      {R"(    {"rule": "conflicting-alias", "region": "text", "reason": "r"})", kDefault,
       "x.json:9: exceptions[0].rule: no rule has the id \"conflicting-alias\" (did you mean "
       "\"conflicting-aliases\"?); `ptverify check --list-rules` lists them"},
      {"    {\"rule\": \"wx\", \"region\": \"text\", \"reason\": \"r\"},\n    {\"rule\": \"wx\", \"region\": \"txet\", "
       "\"reason\": \"r\"}",
       kDefault, "x.json:10: exceptions[1].region: no region or array is named \"txet\" (did you mean \"text\"?)"},
      {R"(    {"rule": "wx", "region": "text"})", kDefault, "x.json:9: exceptions[0]: missing key \"reason\""},
      {R"(    {"rule": "wx", "region": "text", "reason": "  "})", kDefault,
       "x.json:9: exceptions[0].reason: the reason is empty: say why the rule does not apply there (reports show "
       "it)"},
      {R"(    {"rule": "wx", "region": "text", "reason": 3})", kDefault,
       "x.json:9: exceptions[0].reason: expected a string, got a non-negative integer"},
      {R"(    {"rule": "wx", "region": "text", "reason": "r", "until": "2027"})", kDefault,
       "x.json:9: exceptions[0]: unknown key \"until\"; allowed keys: rule, region, reason"},
      {R"(    {"rule": "outside-regions", "region": "text", "reason": "r"})", kDefault,
       "x.json:9: exceptions[0].rule: outside-regions cannot be excepted for a region: it is about addresses that "
       "no region contains"},
      {R"(    {"rule": "canonical", "region": "text", "reason": "r"})", kDefault,
       "x.json:9: exceptions[0].rule: canonical cannot be excepted for a region: no walk translates a "
       "non-canonical address, and no region makes one acceptable"},
      {"    {\"rule\": \"wx\", \"region\": \"text\", \"reason\": \"r\"},\n    {\"rule\": \"wx\", \"region\": \"text\", "
       "\"reason\": \"again\"}",
       kDefault,
       "x.json:10: exceptions[1]: a second exception to wx for region \"text\" (the first: x.json:9: exceptions[0])"},
      {R"(    {"rule": "wx", "region": "text", "reason": "r"})", R"({"paging_mode": 4, "wx": "allowed"})",
       "x.json:9: exceptions[0].rule: the exception is redundant: rules.wx is \"allowed\", which switches wx off "
       "everywhere"},
      {R"(    {"rule": "null-guard", "region": "text", "reason": "r"})", R"({"paging_mode": 4, "null_guard": 0})",
       "x.json:9: exceptions[0].rule: the exception is redundant: rules.null_guard is 0, which switches null-guard "
       "off everywhere"},
      {R"(    {"rule": "conflicting-aliases", "region": "text", "reason": "r"})",
       R"({"paging_mode": 4, "conflicting_aliases": "allowed"})",
       "x.json:9: exceptions[0].rule: the exception is redundant: rules.conflicting_aliases is \"allowed\", which "
       "switches conflicting-aliases off everywhere"},
      {R"(    "wx")", kDefault,
       "x.json:9: exceptions[0]: expected an object {\"rule\", \"region\", \"reason\"}, got a JSON string"},
  };
  for (const Row& row : rows) {
    INFO(row.exceptions);
    CHECK(error_of(spec_with(row.exceptions, row.rules)) == row.want);
  }
}

TEST_CASE("spec exceptions: an extending spec adds one and removes one of its base's") {
  ScratchDir dir;
  write(dir / "base.json", spec_with(R"(    {"rule": "wx", "region": "text", "reason": "self-patching"},
    {"rule": "page-size", "region": "data", "reason": "mixed pages"})"));
  write(dir / "ext.json", R"({"extends": "base.json",
  "exceptions": [
    {"rule": "wx", "region": "text", "remove": true},
    {"rule": "conflicting-aliases", "region": "data", "reason": "aliased"}
  ]
})");
  const auto s = load_spec(dir / "ext.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  REQUIRE(s->exceptions.size() == 2);
  CHECK(kCheckRuleIds[s->exceptions[0].rule] == "page-size");
  CHECK(kCheckRuleIds[s->exceptions[1].rule] == "conflicting-aliases");
  CHECK(s->exceptions[1].reason == "aliased");
  // The flattened spec keeps the merged list, and parses back to it.
  const auto flat = flatten_spec(dir / "ext.json");
  REQUIRE(flat.ok());
  CHECK(flat->find("\"exceptions\": [") != std::string::npos);
  CHECK(flat->find("\"remove\"") == std::string::npos);
  const auto back = parse_spec(*flat, "flat.json");
  REQUIRE(back.ok());
  CHECK(back->exceptions.size() == 2);

  SUBCASE("an added exception is checked like any, in the extending file") {
    write(dir / "bad.json", R"({"extends": "base.json",
  "exceptions": [{"rule": "wx", "region": "text", "reason": "twice"}]
})");
    const auto bad = load_spec(dir / "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == (dir / "bad.json").string() +
                                     ":2: exceptions[0]: a second exception to wx for region \"text\" (the first: " +
                                     (dir / "base.json").string() + ":9: exceptions[0])");
  }
  SUBCASE("removing an exception the base does not have") {
    write(dir / "bad.json", R"({"extends": "base.json",
  "exceptions": [{"rule": "wx", "region": "data", "remove": true}]
})");
    const auto bad = load_spec(dir / "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == (dir / "bad.json").string() +
                                     ":2: exceptions[0]: the base has no exception to \"wx\" for region \"data\"; it "
                                     "has: wx in text, page-size in data");
  }
  SUBCASE("removing a region a base's exception names") {
    write(dir / "bad.json", R"({"extends": "base.json",
  "regions": [{"name": "data", "remove": true}]
})");
    const auto bad = load_spec(dir / "bad.json");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message ==
          (dir / "bad.json").string() +
              ":2: regions: the base's exception to \"page-size\" for region \"data\" names a region this file "
              "removes: remove the exception too ({\"rule\": \"page-size\", \"region\": \"data\", \"remove\": true} "
              "under \"exceptions\")");
  }
}
