// Strategy: every spec error names the file and line, the JSON path and what is wrong. Each row below is
// a minimal spec text with one mistake and the exact message prefix it must produce; then a
// well-formed spec is read back field by field. The specs are built from one valid template
// with one field replaced, so each row differs from a good spec by the error it pins.
#include "verifier/spec/parse.h"

#include <doctest/doctest.h>

#include <string>

using namespace ptv::spec;

namespace {

// A valid spec; `region0` and `extra` splice in the part a test case varies.
std::string spec_text(const std::string& region0, const std::string& extra = "", const std::string& params = "") {
  return R"({
  // comments are allowed
  "name": "t",
  "rules": {"paging_mode": 4},
  "parameters": {"kernel_base": {"min": "0xffffffff80000000", "max": "0xffffffffc0000000", "align": "2 * MiB"})" +
         params + R"(},
  "regions": [
    )" + region0 +
         R"(,
    {"name": "heap", "kind": "heap", "half": "kernel", "start": "0xffffc90000000000", "size": "1 * GiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable"]}}
  ])" + extra +
         "\n}\n";
}

const std::string kGoodRegion =
    R"({"name": "image", "kind": "code", "half": "kernel", "start": "kernel_base", "size": "64 * MiB", "must": "mapped",
     "rights": {"allowed": ["executable", "global"], "required": ["executable"]}})";

std::string error_of(const std::string& text) {
  ptv::Expected<Spec> s = parse_spec(text, "specs/t.json");
  REQUIRE_FALSE(s.ok());
  return s.error().message;
}

}  // namespace

TEST_CASE("spec parse: a well-formed spec reads back field by field") {
  ptv::Expected<Spec> s = parse_spec(spec_text(kGoodRegion), "specs/t.json");
  REQUIRE(s.ok());
  CHECK(s->file == "specs/t.json");
  CHECK(s->name == "t");
  CHECK(s->rules.paging_mode == ptv::PagingMode::k4Level);
  CHECK(s->rules.null_guard == 4096);  // the default
  REQUIRE(s->parameters.size() == 1);
  CHECK(s->parameters[0].align == 2u << 20);
  REQUIRE(s->regions.size() == 2);
  const Region& r = s->regions[0];
  CHECK(r.name == "image");
  CHECK(r.path == "regions[0]");
  CHECK(r.kind == RegionKind::kCode);
  CHECK(r.must == Must::kMapped);
  CHECK(r.end_kind == EndKind::kSize);
  CHECK(r.end.path == "regions[0].size");
  CHECK(r.allowed.has(Rights::kExecutable));
  CHECK_FALSE(r.allowed.has(Rights::kWritable));
  CHECK(r.required == Rights{Rights::kExecutable});
  CHECK(s->find_region("heap") == 1u);
  CHECK_FALSE(r.maps_page_tables);  // only direct-map and recursive regions by default
}

TEST_CASE("spec parse: maps_page_tables defaults by kind and can be declared") {
  const std::string dm =
      R"({"name": "dm", "kind": "direct-map", "half": "kernel", "start": "0xffff888000000000", "size": "1 * TiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}})";
  ptv::Expected<Spec> a = parse_spec(spec_text(dm), "specs/t.json");
  REQUIRE(a.ok());
  CHECK(a->regions[0].maps_page_tables);
  const std::string img =
      R"({"name": "img", "kind": "code", "half": "kernel", "start": "kernel_base", "size": "64 * MiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "maps_page_tables": true})";
  ptv::Expected<Spec> b = parse_spec(spec_text(img), "specs/t.json");
  REQUIRE(b.ok());
  CHECK(b->regions[0].maps_page_tables);
  const std::string guard =
      R"({"name": "g", "kind": "guard", "half": "kernel", "start": "kernel_base", "size": "4096", "must": "unmapped", "maps_page_tables": true})";
  CHECK(error_of(spec_text(guard)) ==
        "specs/t.json:7: regions[0].maps_page_tables: an unmapped region maps no page-table frame");
}

TEST_CASE("spec parse: errors name the file, the JSON path and what is wrong") {
  struct Row {
    std::string text;
    std::string message;  // the expected message starts with this
  };
  // The line the offending value is on: spec_text puts the first region on line 7, the heap on
  // line 8 (9 after kGoodRegion's two lines), the parameters on line 5.
  auto at = [](int line) { return "specs/t.json:" + std::to_string(line) + ": "; };
  const Row rows[] = {
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "strat": "0", "size": "4096", "must": "unmapped"})"),
       at(7) + "regions[0]: unknown key \"strat\" (did you mean \"start\"?)"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "kernle_base", "size": "4096", "must": "unmapped"})"),
       at(7) +
           "regions[0].start: column 1: unknown name 'kernle_base' (not a parameter, a definition or a unit constant); "
           "did you mean 'kernel_base'?\n"
           "    kernle_base\n    ^"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "kernel_base", "end": "kernel_base + (1 < 2) ", "must": "unmapped"})"),
       at(7) + "regions[0].end: column 18: '+' needs an integer as its right operand, got a Boolean (a comparison)"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "(kernel_base", "size": "4096", "must": "unmapped"})"),
       at(7) + "regions[0].start: column 13: missing ')' for the '(' at column 1"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": -4096, "size": "4096", "must": "unmapped"})"),
       at(7) + "regions[0].start: expected an expression string (e.g. \"16 * KiB\") or a non-negative integer, got a "
               "negative integer"},
      {spec_text(
           R"({"name": "image", "kind": "cod", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped"})"),
       at(7) + "regions[0].kind: \"cod\" is not a region kind"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "upper", "start": "0", "size": "4096", "must": "unmapped"})"),
       at(7) + "regions[0].half: \"upper\" is not one of \"user\", \"kernel\""},
      {spec_text(R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "must": "unmapped"})"),
       at(7) + "regions[0]: needs one of \"end\" (exclusive), \"last\" (inclusive) or \"size\""},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "end": "1", "size": "1", "must": "unmapped"})"),
       at(7) + "regions[0]: give only one of \"end\", \"last\" and \"size\""},
      {spec_text(
           R"({"name": "image", "kind": "guard", "half": "kernel", "start": "0", "size": "4096", "must": "may-be-mapped", "rights": {"allowed": []}})"),
       at(7) + "regions[0].must: a region of kind \"guard\" must be \"unmapped\""},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "mapped", "rights": {"allowed": ["user"], "required": ["user", "executable"]}})"),
       at(7) + "regions[0].rights.required: \"executable\" is required but not allowed"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "mapped"})"),
       at(7) + "regions[0]: missing key \"rights\""},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "mapped", "rights": {"allowed": ["writeable"]}})"),
       at(7) + "regions[0].rights.allowed[0]: \"writeable\" is not one of \"user\", \"writable\", \"executable\", "
               "\"global\""},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped", "nested_in": "haep"})"),
       at(7) + "regions[0].nested_in: no region is named \"haep\" (did you mean \"heap\"?)"},
      {spec_text(
           R"({"name": "heap", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped"})"),
       at(8) + "regions[1].name: \"heap\" is already the name of regions[0]"},
      {spec_text(
           R"({"name": "image", "kind": "code", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped", "start": "1"})"),
       at(7) + "regions[0].start: duplicate key"},
      {spec_text(kGoodRegion, "", R"(, "n": {"min": 8, "max": 4})"),
       at(5) + "parameters.n: min (8) is greater than max (4)"},
      {spec_text(kGoodRegion, "", R"(, "n": {"min": 1, "max": 3, "align": 4})"),
       at(5) + "parameters.n: no value satisfies min, max and align together"},
      {spec_text(kGoodRegion, "", R"(, "n": {"align": 3})"), at(5) + "parameters.n.align: 3 is not a power of two"},
      {spec_text(kGoodRegion, "", R"(, "n": {"max": "kernel_base"})"),
       at(5) + "parameters.n.max: must be a constant expression, but it uses parameter 'kernel_base'"},
      {spec_text(kGoodRegion, "", R"(, "n": {"values": [16, 5], "align": 4})"),
       at(5) + "parameters.n.values[1]: 5 lies outside min/max or is not a multiple of align"},
      {spec_text(kGoodRegion, "", R"(, "KiB": {})"), at(5) + "parameters.KiB: 'KiB' is a built-in name"},
      {spec_text(kGoodRegion, R"(, "constraints": ["kernel_base + 1"])"),
       at(11) + "constraints[0]: column 13: expected a Boolean (a comparison) expression, got an integer"},
      {spec_text(kGoodRegion, R"(, "constraints": [{"assert": "kernel_base > 0", "why": "x"}])"),
       at(11) + "constraints[0]: unknown key \"why\""},
      {spec_text(
           kGoodRegion,
           R"(, "arrays": [{"name": "s", "kind": "stack", "half": "kernel", "start": "0", "count": 2, "size": 4096, "must": "unmapped"}])"),
       at(11) + "arrays[0]: missing key \"guard\""},
      {spec_text(kGoodRegion, R"(, "colour": "blue")"), at(1) + "(top level): unknown key \"colour\""},
  };
  for (const Row& row : rows) {
    const std::string got = error_of(row.text);
    CAPTURE(got);
    CHECK(got.rfind(row.message, 0) == 0);
  }
}

TEST_CASE("spec parse: rules are validated with their JSON path") {
  auto with_rules = [](const std::string& rules) {
    return R"({"name": "t", "rules": )" + rules + R"(, "regions": []})";
  };
  CHECK(error_of(with_rules(R"({"paging_mode": 3})")) ==
        "specs/t.json:1: rules.paging_mode: expected 4 or 5 (levels of paging)");
  CHECK(error_of(with_rules(R"({})")) == "specs/t.json:1: rules: missing key \"paging_mode\" (4 or 5)");
  CHECK(error_of(with_rules(R"({"paging_mode": 4, "null_guard": 100})")) ==
        "specs/t.json:1: rules.null_guard: must be a multiple of the 4 KiB page size");
  CHECK(error_of(with_rules(R"({"paging_mode": 4, "wx": "maybe"})")) ==
        "specs/t.json:1: rules.wx: \"maybe\" is not one of \"forbidden\", \"allowed\"");
  CHECK(error_of(with_rules(R"({"paging_mode": 4, "recursive_slot": {"index": 512}})")) ==
        "specs/t.json:1: rules.recursive_slot.index: expected the top-level table index of the slot, 0..511");
  CHECK(error_of(with_rules(R"({"paging_mode": 4, "user_kernel_split": {"user_in_kernel_half": "sometimes"}})"))
            .rfind("specs/t.json:1: rules.user_kernel_split.user_in_kernel_half: \"sometimes\" is not one of", 0) == 0);
}

TEST_CASE("spec parse: a JSON syntax error is located by line and column") {
  const std::string text = "{\n  \"name\": \"t\",\n  \"rules\": {\"paging_mode\": 4,}\n}\n";
  const std::string got = error_of(text);
  CHECK(got.rfind("specs/t.json:3:", 0) == 0);
  CHECK(got.find("JSON syntax error") != std::string::npos);
}

TEST_CASE("spec parse: nesting must name a plain region of the same half, without cycles") {
  const std::string a =
      R"({"name": "a", "kind": "other", "half": "kernel", "start": "0xffff800000000000", "size": "4096", "must": "unmapped", "nested_in": "heap"})";
  ptv::Expected<Spec> ok = parse_spec(spec_text(a), "specs/t.json");
  REQUIRE(ok.ok());
  CHECK(ok->regions[0].parent == 1u);
  const std::string user =
      R"({"name": "a", "kind": "other", "half": "user", "start": "0", "size": "4096", "must": "unmapped", "nested_in": "heap"})";
  CHECK(error_of(spec_text(user)) ==
        "specs/t.json:7: regions[0].nested_in: \"heap\" is in the kernel half, this region in the user half");
  const std::string cycle = spec_text(
      R"({"name": "a", "kind": "other", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped", "nested_in": "b"},
    {"name": "b", "kind": "other", "half": "kernel", "start": "0", "size": "4096", "must": "unmapped", "nested_in": "a"})");
  CHECK(error_of(cycle) == "specs/t.json:7: regions[0].nested_in: the nesting of \"a\" forms a cycle");
}

TEST_CASE("spec parse: a missing file is an error naming it") {
  ptv::Expected<Spec> s = load_spec("/nonexistent/spec.json");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message == "/nonexistent/spec.json: cannot open: No such file or directory");
}
