// The line of each region in the spec text. Strategy: the scanner is pinned on small texts with
// what could mislead it (a "regions" key nested elsewhere, brackets and quotes inside strings and
// comments, several elements on one line); then parse_spec is checked to give each region, the
// arrays after the plain regions, the line its object starts on, and a bundled spec to agree
// with a plain text search for each region's name.
#include "verifier/spec/source_lines.h"

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "verifier/base/compressed.h"
#include "verifier/spec/parse.h"

namespace ptv::spec {
namespace {

using Lines = std::vector<unsigned>;

TEST_CASE("spec source lines - the elements of the top-level array, and only that one") {
  CHECK(top_level_element_lines(R"({"regions": [{"a": 1},
{"b": 2}]})",
                                "regions") == Lines{1, 2});
  CHECK(top_level_element_lines(R"({
  "rules": {"regions": [1, 2, 3]},
  "x": [{"regions": [4]}],
  // "regions": [ in a comment
  /* "regions": [5] */
  "s": "\"regions\": [ { ",
  "regions": [
    {"name": "a ] }"},

    {"name": "b", "inner": [{"c": 1}]}, {"name": "c"}
  ],
  "arrays": []
})",
                                "regions") == Lines{8, 10, 10});
  CHECK(top_level_element_lines(R"({"regions": []})", "regions").empty());
  CHECK(top_level_element_lines(R"({"name": "t"})", "regions").empty());
  CHECK(top_level_element_lines(R"([{"regions": [1]}])", "regions").empty());
  CHECK(top_level_element_lines("", "regions").empty());
  CHECK(top_level_element_lines(R"({"regions": [{"a": 1} // unclosed)", "regions") == Lines{1});
}

TEST_CASE("spec source lines - parse_spec gives each region and array the line its object starts on") {
  const std::string text = R"({
  "name": "t",
  "rules": {"paging_mode": 4},
  "arrays": [
    {"name": "s", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": 2, "size": 4096,
     "guard": 4096, "must": "mapped", "rights": {"allowed": ["writable"]}}
  ],
  "regions": [
    {"name": "text", "kind": "code", "half": "kernel", "start": "0xffffffff80000000", "size": "2 * MiB",
     "must": "may-be-mapped", "rights": {"allowed": ["executable"]}},
    // the heap
    {"name": "heap", "kind": "heap", "half": "kernel", "start": "0xffffc80000000000", "size": "1 * GiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable"]}}
  ]
}
)";
  Expected<Spec> spec = parse_spec(text, "t.json");
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  REQUIRE(spec->regions.size() == 3);
  CHECK(spec->regions[0].name == "text");
  CHECK(spec->regions[0].line == 9);
  CHECK(spec->regions[1].name == "heap");
  CHECK(spec->regions[1].line == 12);
  CHECK(spec->regions[2].name == "s");
  CHECK(spec->regions[2].line == 5);
}

TEST_CASE("spec source lines - every region of a bundled spec sits on the line naming it") {
  const std::string path = std::string(PTV_FIXTURES_DIR) + "/../../specs/reference-layout.json";
  Expected<std::string> text = read_whole_file(path);
  REQUIRE(text.ok());
  Expected<Spec> spec = parse_spec(*text, path);
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  REQUIRE(!spec->regions.empty());
  std::vector<std::string> lines{""};
  for (char c : *text) {
    if (c == '\n')
      lines.emplace_back();
    else
      lines.back() += c;
  }
  for (const Region& r : spec->regions) {
    CAPTURE(r.name);
    REQUIRE(r.line > 0);
    REQUIRE(r.line < lines.size() + 1);
    CHECK(lines[r.line - 1].find("\"name\": \"" + r.name + '"') != std::string::npos);
  }
}

TEST_CASE("spec source lines - value_lines gives the line of every value by its JSON path") {
  const std::string text =
      "{\n"
      "  // \"name\": \"not this\"\n"
      "  \"name\": \"t\", \"rules\": {\"wx\":\n"
      "    \"allowed\"},\n"
      "  \"regions\": [\n"
      "    {\"name\": \"a\",\n"
      "     \"start\": \"0x1000\"}, {\"name\": \"b\", \"rights\": {\"allowed\": [\"user\",\n"
      "     \"global\"]}}\n"
      "  ]\n"
      "}\n";
  const std::map<std::string, unsigned> lines = value_lines(text);
  CHECK(lines.at("") == 1);
  CHECK(lines.at("name") == 3);
  CHECK(lines.at("rules") == 3);
  CHECK(lines.at("rules.wx") == 4);
  CHECK(lines.at("regions") == 5);
  CHECK(lines.at("regions[0]") == 6);
  CHECK(lines.at("regions[0].start") == 7);
  CHECK(lines.at("regions[1]") == 7);
  CHECK(lines.at("regions[1].rights.allowed[0]") == 7);
  CHECK(lines.at("regions[1].rights.allowed[1]") == 8);
  // A key written twice: the first value, or with last_wins the duplicate.
  const std::string dup = "{\"a\": 1,\n\"a\": 2}";
  CHECK(value_lines(dup).at("a") == 1);
  CHECK(value_lines(dup, true).at("a") == 2);
}

}  // namespace
}  // namespace ptv::spec
