// Strategy: specs that extend specs. Each case writes a small base and an extending file into a
// scratch folder, loads the extending one, and reads the merged Spec back (or the exact error):
// every merge rule of docs/spec-language.md section 10 once (rules key by key, parameters and
// definitions by name, constraints appended, regions by name: merged, added, removed), every
// error with the file and line it must name (a base's own error names the base), cycles and the
// depth bound, both ways of naming a base (bundled name, relative path), and the flattened JSON
// of `spec show` parsing back to the same spec, for the bundled 5-level spec too.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "scratch_dir.h"
#include "verifier/spec/parse.h"

using namespace ptv::spec;
using ptv::test::ScratchDir;

namespace {

const std::string kSpecsDir = std::string(PTV_FIXTURES_DIR) + "/../../specs";

void write(const std::filesystem::path& p, const std::string& text) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// Line 1 "{", line 2 name, 3 rules, 4 parameters, 5 definitions, 6 constraints, 7 "regions": [,
// 8 null-guard, 9 heap, 10 stack (nested in heap), 11 "]", 12 arrays, 13 "}".
const std::string kBase = R"({
  "name": "base", "description": "the base",
  "rules": {"paging_mode": 4, "wx": "forbidden", "user_kernel_split": {"user_in_kernel_half": "forbidden"}},
  "parameters": {"heap_base": {"min": "0xffffc90000000000", "max": "0xffffc90000000000"}, "n": {"min": 1, "max": 4}},
  "definitions": {"heap_size": "1 * GiB", "stack_start": "heap_base + 4 * KiB"},
  "constraints": ["n >= 1"],
  "regions": [
    {"name": "null-guard", "kind": "guard", "half": "user", "start": 0, "end": "4 * KiB", "must": "unmapped"},
    {"name": "heap", "kind": "heap", "half": "kernel", "start": "heap_base", "size": "heap_size", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "description": "the heap"},
    {"name": "stack", "kind": "stack", "half": "kernel", "start": "stack_start", "size": "16 * KiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "nested_in": "heap"}
  ],
  "arrays": [{"name": "stacks", "kind": "stack", "half": "kernel", "start": "heap_base + 1 * MiB", "count": "n", "size": "16 * KiB", "guard": "4 * KiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "nested_in": "heap"}]
}
)";

/// Writes base.json and ext.json (whose first line is `{"extends": "base.json",`) and loads ext.json.
ptv::Expected<Spec> load_ext(const ScratchDir& dir, const std::string& ext_body) {
  write(dir / "base.json", kBase);
  write(dir / "ext.json", "{\"extends\": \"base.json\",\n" + ext_body + "\n}\n");
  return load_spec(dir / "ext.json");
}

std::string error_of(const ptv::Expected<Spec>& s) {
  REQUIRE_FALSE(s.ok());
  return s.error().message;
}

const Region& region(const Spec& s, const std::string& name) {
  const auto i = s.find_region(name);
  REQUIRE(i.has_value());
  return s.regions[*i];
}

}  // namespace

TEST_CASE("spec extends: the base alone is read as before") {
  ScratchDir dir;
  write(dir / "base.json", kBase);
  const ptv::Expected<Spec> s = load_spec(dir / "base.json");
  REQUIRE(s.ok());
  CHECK(s->regions.size() == 4);
  CHECK(region(*s, "heap").line == 9);
}

TEST_CASE("spec extends: a region's rights are overridden and its other keys kept") {
  ScratchDir dir;
  const ptv::Expected<Spec> s = load_ext(dir, R"("name": "ext",
  "regions": [{"name": "heap", "rights": {"allowed": ["writable", "global"]}}])");
  REQUIRE(s.ok());
  CHECK(s->name == "ext");
  CHECK(s->description == "the base");  // not given: the base's
  REQUIRE(s->regions.size() == 4);
  const Region& heap = region(*s, "heap");
  CHECK(heap.allowed.bits == (Rights::kWritable | Rights::kGlobal));
  CHECK(heap.start.text == "heap_base");
  CHECK(heap.description == "the heap");
  CHECK(heap.path == "regions[1]");  // in place
  CHECK(heap.line == 3);             // the extending file's entry
  CHECK(heap.file.empty());          // the extending file's own
  // Written in the base: its line there, and the base's file (SARIF points at it).
  CHECK(region(*s, "null-guard").line == 8);
  CHECK(region(*s, "null-guard").file == (dir.path() / "base.json").string());
  CHECK(*region(*s, "stack").parent == *s->find_region("heap"));
}

TEST_CASE("spec extends: rules are overridden key by key") {
  ScratchDir dir;
  const ptv::Expected<Spec> s = load_ext(dir, R"("name": "ext",
  "rules": {"wx": "allowed", "user_kernel_split": {"supervisor_in_user_half": "allowed"}})");
  REQUIRE(s.ok());
  CHECK(s->rules.wx == Policy::kAllowed);
  CHECK(s->rules.paging_mode == ptv::PagingMode::k4Level);  // kept
  CHECK(s->rules.supervisor_in_user_half == Policy::kAllowed);
  CHECK(s->rules.user_in_kernel_half == UserInKernelHalf::kForbidden);  // its sibling kept
}

TEST_CASE("spec extends: parameters and definitions by name, constraints appended") {
  ScratchDir dir;
  const ptv::Expected<Spec> s = load_ext(dir, R"("name": "ext",
  "parameters": {"n": {"min": 2, "max": 8}, "m": {"values": [1, 2]}},
  "definitions": {"heap_size": "2 * GiB", "extra": "heap_size + 1"},
  "constraints": ["m <= n"])");
  REQUIRE(s.ok());
  REQUIRE(s->parameters.size() == 3);
  CHECK(s->parameters[*s->find_parameter("n")].min == 2);
  CHECK(s->parameters[*s->find_parameter("n")].max == 8);
  CHECK(s->parameters[2].name == "m");
  REQUIRE(s->constraints.size() == 2);
  CHECK(s->constraints[0].expr.text == "n >= 1");
  CHECK(s->constraints[1].expr.text == "m <= n");
  CHECK(s->constraints[1].expr.path == "constraints[1]");
}

TEST_CASE("spec extends: a new region is added and may nest in a base region") {
  ScratchDir dir;
  const ptv::Expected<Spec> s = load_ext(dir, R"("name": "ext",
  "regions": [
    {"name": "vm", "kind": "vmalloc", "half": "kernel", "start": "heap_base + 2 * MiB", "size": "1 * MiB",
     "must": "may-be-mapped", "rights": {"allowed": []}, "nested_in": "heap"}
  ])");
  REQUIRE(s.ok());
  REQUIRE(s->regions.size() == 5);
  CHECK(s->regions[3].name == "vm");  // after the base's regions, before the arrays
  CHECK(s->regions[3].path == "regions[3]");
  CHECK(s->regions[3].line == 4);
  CHECK(s->regions[4].name == "stacks");
  CHECK(*s->regions[3].parent == *s->find_region("heap"));
}

TEST_CASE("spec extends: a region is removed, and null removes one key") {
  ScratchDir dir;
  const ptv::Expected<Spec> s = load_ext(dir, R"("name": "ext",
  "regions": [{"name": "stack", "remove": true}, {"name": "heap", "description": null, "last": "heap_base + 4 * GiB - 1"}])");
  REQUIRE(s.ok());
  CHECK_FALSE(s->find_region("stack").has_value());
  REQUIRE(s->regions.size() == 3);
  const Region& heap = region(*s, "heap");
  CHECK(heap.description.empty());
  CHECK(heap.end_kind == EndKind::kLast);  // "last" replaced the base's "size"
  CHECK(heap.end.text == "heap_base + 4 * GiB - 1");
}

TEST_CASE("spec extends: removing a region another is nested in is an error at the removal") {
  ScratchDir dir;
  const std::string e = error_of(load_ext(dir, R"("name": "ext",
  "regions": [
    {"name": "heap", "remove": true}
  ])"));
  CHECK(e == (dir / "ext.json").string() +
                 ":4: regions[0]: cannot remove \"heap\": \"stack\" is nested_in it (remove that one too, or "
                 "change its \"nested_in\")");
}

TEST_CASE("spec extends: entries that cannot merge are errors in the extending file") {
  ScratchDir dir;
  const std::string ext = (dir / "ext.json").string();
  CHECK(error_of(load_ext(dir, R"("regions": [{"name": "haep", "remove": true}])")) ==
        ext + ":2: regions[0].name: no region of the base is named \"haep\" (did you mean \"heap\"?)");
  CHECK(error_of(load_ext(dir, R"("regions": [{"name": "stacks", "size": 4096}])")) ==
        ext + ":2: regions[0]: \"stacks\" is an array in the base: change it under \"arrays\"");
  CHECK(error_of(load_ext(dir, R"("regions": [{"name": "heap", "remove": true, "size": 1}])")) ==
        ext + ":2: regions[0]: an entry with \"remove\" has only \"name\" and \"remove\"");
  CHECK(error_of(load_ext(dir, R"("regions": [{"name": "heap"}, {"name": "heap"}])")) ==
        ext + ":2: regions[1].name: \"heap\" appears twice in this file's regions and arrays");
  CHECK(error_of(load_ext(dir, R"("colour": "red")")) ==
        ext +
            ":1: (top level): unknown key \"colour\"; allowed keys: name, description, rules, parameters, "
            "definitions, constraints, regions, arrays, exceptions");
}

TEST_CASE("spec extends: an error names the file and line the value was written on") {
  ScratchDir dir;
  const std::string ext = (dir / "ext.json").string();
  const std::string base = (dir / "base.json").string();
  // In the extending file's own value.
  CHECK(error_of(load_ext(dir, R"("name": "ext",
  "regions": [{"name": "heap",
               "start": "heap_bse"}])"))
            .starts_with(ext + ":4: regions[0].start: column 1: unknown name 'heap_bse'"));
  // In the base's value, made wrong by the extension's change to its region: both named.
  CHECK(error_of(load_ext(dir, R"("name": "ext",
  "regions": [{"name": "heap", "must": "unmapped"}])")) ==
        base + ":9: regions[1].rights (merged with " + ext +
            ":3: regions[0]): an unmapped region (a guard) grants no rights; remove them");
  // In a base that is wrong on its own: the base is named, whatever extends it.
  std::string bad = kBase;
  bad.replace(bad.find("\"size\": \"16 * KiB\", \"must\""), 19, "\"size\": \"16 * KiB + true\", ");
  write(dir / "base.json", bad);
  write(dir / "ext.json", "{\"extends\": \"base.json\", \"name\": \"ext\"}\n");
  CHECK(error_of(load_spec(dir / "ext.json")).starts_with(base + ":10: regions[2].size: column "));
  // A syntax error in the base.
  write(dir / "base.json", "{\n  \"name\": \"base\",\n}\n");
  CHECK(error_of(load_spec(dir / "ext.json")).starts_with(base + ":3:1: JSON syntax error"));
}

TEST_CASE("spec extends: the base is a path relative to the extending file, or a bundled name") {
  ScratchDir dir;
  write(dir / "base.json", kBase);
  write(dir / "sub" / "ext.json", R"({"extends": "../base.json", "name": "ext"})");
  const ptv::Expected<Spec> rel = load_spec(dir / "sub" / "ext.json");
  REQUIRE(rel.ok());
  CHECK(rel->regions.size() == 4);
  // Without ".json", beside the extending file.
  write(dir / "sub" / "ext2.json", R"({"extends": "ext", "name": "ext2"})");
  REQUIRE(load_spec(dir / "sub" / "ext2.json").ok());

  write(dir / "mine.json", R"({"extends": "linux-x86_64-4level", "name": "mine", "rules": {"wx": "allowed"}})");
  const ptv::Expected<Spec> named = load_spec(dir / "mine.json", SpecSearch{{kSpecsDir}});
  REQUIRE(named.ok());
  const ptv::Expected<Spec> bundled = load_spec(kSpecsDir + "/linux-x86_64-4level.json");
  REQUIRE(bundled.ok());
  CHECK(named->name == "mine");
  CHECK(named->rules.wx == Policy::kAllowed);
  CHECK(named->regions.size() == bundled->regions.size());
  // No such bundled spec: the error lists them, at the "extends".
  write(dir / "typo.json", R"({"extends": "linux-x86_64-4levle", "name": "t"})");
  CHECK(error_of(load_spec(dir / "typo.json", SpecSearch{{kSpecsDir}}))
            .starts_with((dir / "typo.json").string() +
                         ":1: extends: linux-x86_64-4levle: no such spec file, and no bundled spec has that name; "
                         "the bundled specs are:"));
}

TEST_CASE("spec extends: a cycle is an error naming its files, and chains are bounded") {
  ScratchDir dir;
  write(dir / "a.json", R"({"extends": "b.json", "name": "a"})");
  write(dir / "b.json", R"({"extends": "a.json", "name": "b"})");
  const std::string a = (dir / "a.json").string();
  const std::string b = (dir / "b.json").string();
  CHECK(error_of(load_spec(dir / "a.json")) ==
        b + ":1: extends: the specs extend one another in a cycle: " + a + " -> " + b + " -> " + a);
  write(dir / "self.json", R"({"extends": "self.json", "name": "s"})");
  CHECK(error_of(load_spec(dir / "self.json")).find("in a cycle") != std::string::npos);

  // A chain: s0 is the base, each s<i> extends s<i-1>.
  write(dir / "s0.json", kBase);
  for (unsigned i = 1; i <= kMaxExtendsDepth + 1; ++i)
    write(dir / ("s" + std::to_string(i) + ".json"),
          "{\"extends\": \"s" + std::to_string(i - 1) + ".json\", \"name\": \"s" + std::to_string(i) + "\"}");
  const ptv::Expected<Spec> deep = load_spec(dir / ("s" + std::to_string(kMaxExtendsDepth) + ".json"));
  REQUIRE(deep.ok());
  CHECK(deep->regions.size() == 4);
  CHECK(error_of(load_spec(dir / ("s" + std::to_string(kMaxExtendsDepth + 1) + ".json")))
            .find("more than " + std::to_string(kMaxExtendsDepth) + " specs extend one another") != std::string::npos);
}

TEST_CASE("spec extends: the flattened spec parses to the same spec") {
  ScratchDir dir;
  write(dir / "base.json", kBase);
  for (const std::string& file : {(dir / "base.json").string(), kSpecsDir + "/linux-x86_64-5level.json",
                                  kSpecsDir + "/linux-x86_64-4level.json"}) {
    CAPTURE(file);
    const ptv::Expected<Spec> original = load_spec(file);
    REQUIRE(original.ok());
    const ptv::Expected<std::string> flat = flatten_spec(file);
    REQUIRE(flat.ok());
    CHECK(flat->find("extends") == std::string::npos);
    const ptv::Expected<Spec> again = parse_spec(*flat, "flat.json");
    REQUIRE(again.ok());
    CHECK(again->name == original->name);
    CHECK(again->rules.paging_mode == original->rules.paging_mode);
    REQUIRE(again->parameters.size() == original->parameters.size());
    for (std::size_t i = 0; i < again->parameters.size(); ++i) {
      CHECK(again->parameters[i].name == original->parameters[i].name);
      CHECK(again->parameters[i].min == original->parameters[i].min);
      CHECK(again->parameters[i].max == original->parameters[i].max);
      CHECK(again->parameters[i].align == original->parameters[i].align);
    }
    REQUIRE(again->constraints.size() == original->constraints.size());
    REQUIRE(again->regions.size() == original->regions.size());
    for (std::size_t i = 0; i < again->regions.size(); ++i) {
      const Region& x = again->regions[i];
      const Region& y = original->regions[i];
      CHECK(x.name == y.name);
      CHECK(x.path == y.path);
      CHECK(x.start.text == y.start.text);
      CHECK(x.end.text == y.end.text);
      CHECK(x.allowed == y.allowed);
      CHECK(x.must == y.must);
      CHECK(x.parent == y.parent);
    }
  }
}

TEST_CASE("spec extends: the bundled 5-level spec is the 4-level one with the LA57 layout") {
  const ptv::Expected<Spec> five = load_spec(kSpecsDir + "/linux-x86_64-5level.json");
  const ptv::Expected<Spec> four = load_spec(kSpecsDir + "/linux-x86_64-4level.json");
  REQUIRE(five.ok());
  REQUIRE(four.ok());
  CHECK(five->name == "linux-x86_64-5level");
  CHECK(five->rules.paging_mode == ptv::PagingMode::k5Level);
  REQUIRE(five->regions.size() == four->regions.size());
  for (std::size_t i = 0; i < five->regions.size(); ++i) CHECK(five->regions[i].name == four->regions[i].name);
  CHECK(region(*five, "user-space").end.text == "0x00fffffffffff000");
  CHECK(region(*five, "hypervisor-hole").start.text == "0xff00000000000000");
  CHECK(region(*five, "ldt-remap").end.text == "0xff11000000000000");
  CHECK(region(*five, "kernel-image").start.text == region(*four, "kernel-image").start.text);
  CHECK(five->parameters[*five->find_parameter("direct_map_size")].max == 4096ULL << 40);
}
