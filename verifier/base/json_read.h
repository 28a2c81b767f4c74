// Reading the JSON that ptverify writes (mapping sets, check reports): one parse step that
// turns a syntax error into FILE:LINE:COL, and a checking reader whose errors name the JSON
// Pointer of the offending value,
//
//   SOURCE:/json/pointer: expected WHAT, found SHOWN
//
// where SHOWN is the value as JSON text cut at 60 bytes, or "nothing" for a missing key. Like
// the text readers, the reader throws text::ParseFailure inside; read_json catches it at the
// boundary. JsonReader is instantiated for nlohmann::json and nlohmann::ordered_json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "models/address.h"
#include "models/expected.h"
#include "verifier/base/text_scan.h"

namespace ptv {

/// Checks values of a parsed JSON document where they are. Every check either returns the
/// value or throws text::ParseFailure naming `ptr`, the value's JSON Pointer ("" for the root).
template <class Json>
class JsonReader {
 public:
  /// Requires: `source` (the file name diagnostics start with) outlives the reader.
  explicit JsonReader(const std::string& source) : source_(source) {}

  /// "SOURCE:PTR: expected EXPECTED, found F" with F the JSON text of `found`, or "nothing".
  [[noreturn]] void fail(const std::string& ptr, std::string_view expected, const Json* found) const;
  /// The same with F given as text (cut at 60 bytes).
  [[noreturn]] void fail_shown(const std::string& ptr, std::string_view expected, std::string shown) const;

  /// Requires j to be an object whose keys are all among `keys` (any of them may be missing).
  const Json& object(const Json& j, const std::string& ptr, std::initializer_list<std::string_view> keys) const;
  /// Requires j to be an object whose keys are exactly `keys`: no other, none missing.
  void exact_object(const Json& j, const std::string& ptr, std::initializer_list<std::string_view> keys) const;
  /// The member `key` of the object obj, or null when it has none.
  static const Json* member(const Json& obj, const char* key);
  /// The member `key` of the object obj; an error when it has none.
  const Json& required(const Json& obj, const std::string& ptr, const char* key) const;

  /// A "0x..." hex string below 2^64; with allow_top also exactly 2^64, which comes back empty.
  std::optional<std::uint64_t> hex(const Json& j, const std::string& ptr, bool allow_top = false) const;
  /// A "0x..." hex string below 2^64.
  std::uint64_t hex64(const Json& j, const std::string& ptr) const;
  /// A non-negative integer at most `max`.
  std::uint64_t unsigned_num(const Json& j, const std::string& ptr, std::uint64_t max) const;
  std::string string(const Json& j, const std::string& ptr) const;
  /// A non-negative number (a duration in seconds).
  double seconds(const Json& j, const std::string& ptr) const;
  bool boolean(const Json& j, const std::string& ptr) const;
  /// The range [obj[start_key], obj[end_key]) of the object obj; the end is exclusive, may be
  /// 2^64, and must lie above the start.
  VirtRange range(const Json& obj, const std::string& ptr, const char* start_key = "start",
                  const char* end_key = "end") const;

  /// Calls f(element, pointer) for each element of the array obj[key]; nothing when obj has no
  /// member `key`, an error when it is not an array.
  template <class F>
  void each(const Json& obj, const std::string& ptr, const char* key, F f) const {
    const Json* arr = member(obj, key);
    if (!arr) return;
    const std::string p = ptr + '/' + key;
    if (!arr->is_array()) fail(p, "an array", arr);
    for (std::size_t i = 0; i < arr->size(); ++i) f((*arr)[i], p + '/' + std::to_string(i));
  }

 private:
  const std::string& source_;
};

/// The diagnostic for a JSON syntax error at `byte` (1-based, as nlohmann's parse_error::byte)
/// of content, with `what` the parser's message: "SOURCE:LINE:COL: expected valid JSON (WHY),
/// found 'C'".
Error json_syntax_error(std::string_view content, const std::string& source, std::size_t byte, std::string_view what);

/// The deepest nesting of arrays and objects any of ptverify's JSON inputs has is under ten;
/// deeper input is refused before it is parsed (a value nested 100,000 deep would otherwise
/// cost a recursion as deep wherever it is printed or compared).
inline constexpr std::size_t kMaxJsonDepth = 128;

/// The diagnostic for the first '[' or '{' of content nested deeper than kMaxJsonDepth
/// ("SOURCE:LINE:COL: nested deeper than 128 arrays and objects"), or none. Strings are
/// skipped; the scan is linear and allocates nothing.
std::optional<Error> json_too_deep(std::string_view content, const std::string& source);

/// Parses content as Json and returns read_root(root). Errors: a syntax error as
/// json_syntax_error says; a text::ParseFailure thrown by read_root as its error; any other
/// nlohmann exception, of the parser (a number too large for a double) or of read_root, as
/// "SOURCE: MESSAGE" (with JSON_DIAGNOSTICS the message carries the path).
/// Requires: the including file includes <nlohmann/json.hpp>.
template <class Json, class F>
auto read_json(std::string_view content, const std::string& source, F read_root)
    -> Expected<std::invoke_result_t<F&, const Json&>> {
  if (std::optional<Error> deep = json_too_deep(content, source)) return *deep;
  Json root;
  try {
    root = Json::parse(content.begin(), content.end());
  } catch (const typename Json::parse_error& e) {
    return json_syntax_error(content, source, e.byte, e.what());
  } catch (const typename Json::exception& e) {
    // Not a syntax error, e.g. out_of_range.406 for a number past a double ("1e400").
    return Error{source + ": " + e.what()};
  }
  try {
    return read_root(root);
  } catch (const text::ParseFailure& f) {
    return f.error;
  } catch (const typename Json::exception& e) {
    return Error{source + ": " + e.what()};
  }
}

extern template class JsonReader<nlohmann::json>;
extern template class JsonReader<nlohmann::ordered_json>;

}  // namespace ptv
