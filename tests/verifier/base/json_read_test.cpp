// The JSON reading shared by the mapping-set and check-report readers. Strategy: pin each
// check's diagnostic (FILE:LINE:COL for a syntax error, else FILE, the JSON Pointer, what was
// expected and what was found) on a small document, for both JSON flavours the readers use
// (nlohmann::json and ordered_json); mapping_json_test and check_json_test pin their schemas.

// As in mapping_json.cpp: g++ 12 reports a false -Warray-bounds inside nlohmann::json's DOM
// construction (std::map::begin in set_parents), naming no line of ours. Silence exactly that
// warning for this file, before any header can pull in <map>.
#pragma GCC diagnostic ignored "-Warray-bounds"

#include "verifier/base/json_read.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ptv {
namespace {

const std::string kSource = "f.json";

/// The error read_json gives for `doc` when check(reader, root) runs on it; "" when none.
template <class Json, class F>
std::string error_of(std::string_view doc, F check) {
  const Expected<int> r = read_json<Json>(doc, kSource, [&](const Json& root) {
    check(JsonReader<Json>(kSource), root);
    return 0;
  });
  return r ? std::string() : r.error().message;
}

template <class Json>
void check_syntax_errors() {
  auto nothing = [](const JsonReader<Json>&, const Json&) {};
  CHECK(error_of<Json>("{\n  \"a\": tru\n}", nothing) ==
        "f.json:2:11: expected valid JSON (syntax error while parsing value - invalid literal; last read: "
        "'\"a\": tru<U+000A>'), found '\\x0a'");
  CHECK(error_of<Json>("{", nothing).starts_with("f.json:1:2: expected valid JSON ("));
}

template <class Json>
void check_value_errors() {
  using Rd = JsonReader<Json>;
  const std::string doc = R"({"r": {"start": "0x2000", "end": "0x1000"}, "n": -1, "a": 5, "x": "0xg"})";
  auto no_element = [](const Json&, const std::string&) {};
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) {
          rd.object(j, "", {"r", "n", "a"});
        }) == "f.json:/x: expected only the keys r, n, a, found \"0xg\"");
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) {
          rd.exact_object(j, "", {"r", "n", "a", "x", "z"});
        }) == "f.json:/z: expected a value (the key is required), found nothing");
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) { rd.object(j.at("a"), "/a", {}); }) ==
        "f.json:/a: expected an object, found 5");
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) { rd.range(j.at("r"), "/r"); }) ==
        "f.json:/r/end: expected an end above the start 0x0000000000002000, found \"0x1000\"");
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) { rd.hex64(j.at("x"), "/x"); }) ==
        "f.json:/x: expected a hex string below 2^64, found \"0xg\"");
  CHECK(error_of<Json>(doc, [](const Rd& rd, const Json& j) { rd.unsigned_num(j.at("n"), "/n", 9); }) ==
        "f.json:/n: expected a non-negative integer, found -1");
  CHECK(error_of<Json>(doc, [&](const Rd& rd, const Json& j) { rd.each(j, "", "a", no_element); }) ==
        "f.json:/a: expected an array, found 5");
  CHECK(error_of<Json>(doc, [&](const Rd& rd, const Json& j) { rd.each(j, "", "none", no_element); }).empty());
}

template <class Json>
void check_top_range() {
  const Json j = Json::parse(R"({"start": "0xffffffffffe00000", "end": "0x10000000000000000"})");
  const VirtRange r = JsonReader<Json>(kSource).range(j, "");
  CHECK(r.first == VirtAddr(0xffff'ffff'ffe0'0000));
  CHECK(r.last == VirtAddr(~std::uint64_t{0}));
}

TEST_CASE("json read - a syntax error names the line and column where parsing failed") {
  check_syntax_errors<nlohmann::json>();
  check_syntax_errors<nlohmann::ordered_json>();
}

TEST_CASE("json read - a failed check names the JSON Pointer, what was expected and what was found") {
  check_value_errors<nlohmann::json>();
  check_value_errors<nlohmann::ordered_json>();
}

TEST_CASE("json read - a range may end at 2^64") {
  check_top_range<nlohmann::json>();
  check_top_range<nlohmann::ordered_json>();
}

}  // namespace
}  // namespace ptv
