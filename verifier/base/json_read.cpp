#include "verifier/base/json_read.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "models/format.h"

namespace ptv {

namespace {

/// 1-based line and column of byte offset `pos` in content.
std::pair<std::uint64_t, std::size_t> line_col(std::string_view content, std::size_t pos) {
  pos = std::min(pos, content.size());
  const std::string_view before = content.substr(0, pos);
  const auto line = static_cast<std::uint64_t>(std::count(before.begin(), before.end(), '\n')) + 1;
  const std::size_t nl = before.rfind('\n');
  return {line, nl == std::string_view::npos ? pos + 1 : pos - nl};
}

}  // namespace

std::optional<Error> json_too_deep(std::string_view content, const std::string& source) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        const auto [line, col] = line_col(content, i);
        return Error{source + ':' + std::to_string(line) + ':' + std::to_string(col) + ": nested deeper than " +
                     std::to_string(kMaxJsonDepth) + " arrays and objects (no ptverify input is)"};
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

template <class Json>
void JsonReader<Json>::fail(const std::string& ptr, std::string_view expected, const Json* found) const {
  fail_shown(ptr, expected, found ? found->dump(-1, ' ', false, Json::error_handler_t::replace) : "nothing");
}

template <class Json>
void JsonReader<Json>::fail_shown(const std::string& ptr, std::string_view expected, std::string shown) const {
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw text::ParseFailure{
      Error{source_ + ':' + (ptr.empty() ? "/" : ptr) + ": expected " + std::string(expected) + ", found " + shown}};
}

template <class Json>
const Json& JsonReader<Json>::object(const Json& j, const std::string& ptr,
                                     std::initializer_list<std::string_view> keys) const {
  if (!j.is_object()) fail(ptr, "an object", &j);
  for (const auto& [k, v] : j.items()) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string list;
      for (std::string_view key : keys) list += (list.empty() ? "" : ", ") + std::string(key);
      fail(ptr + '/' + k, "only the keys " + list, &v);
    }
  }
  return j;
}

template <class Json>
void JsonReader<Json>::exact_object(const Json& j, const std::string& ptr,
                                    std::initializer_list<std::string_view> keys) const {
  object(j, ptr, keys);
  for (std::string_view key : keys)
    if (!j.contains(key)) fail(ptr + '/' + std::string(key), "a value (the key is required)", nullptr);
}

template <class Json>
const Json* JsonReader<Json>::member(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

template <class Json>
const Json& JsonReader<Json>::required(const Json& obj, const std::string& ptr, const char* key) const {
  const Json* v = member(obj, key);
  if (!v) fail(ptr + '/' + key, "a value (the key is required)", nullptr);
  return *v;
}

template <class Json>
std::optional<std::uint64_t> JsonReader<Json>::hex(const Json& j, const std::string& ptr, bool allow_top) const {
  constexpr std::string_view kWhat = "a hex string such as \"0x1000\"";
  if (!j.is_string()) fail(ptr, kWhat, &j);
  const std::string& s = j.template get_ref<const std::string&>();
  if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) fail(ptr, kWhat, &j);
  std::string_view digits(s);
  digits.remove_prefix(2);
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  if (allow_top && digits == "10000000000000000") return std::nullopt;
  text::Cursor c(digits);
  const auto v = c.hex(16);
  if (!v || !c.at_end()) fail(ptr, allow_top ? "a hex string of at most 2^64" : "a hex string below 2^64", &j);
  return v;
}

template <class Json>
std::uint64_t JsonReader<Json>::hex64(const Json& j, const std::string& ptr) const {
  return *hex(j, ptr);
}

template <class Json>
std::uint64_t JsonReader<Json>::unsigned_num(const Json& j, const std::string& ptr, std::uint64_t max) const {
  if (!j.is_number_unsigned() && !(j.is_number_integer() && j.template get<std::int64_t>() >= 0))
    fail(ptr, "a non-negative integer", &j);
  const auto v = j.template get<std::uint64_t>();
  if (v > max) fail(ptr, "an integer at most " + std::to_string(max), &j);
  return v;
}

template <class Json>
std::string JsonReader<Json>::string(const Json& j, const std::string& ptr) const {
  if (!j.is_string()) fail(ptr, "a string", &j);
  return j.template get<std::string>();
}

template <class Json>
double JsonReader<Json>::seconds(const Json& j, const std::string& ptr) const {
  if (!j.is_number() || j.template get<double>() < 0) fail(ptr, "a non-negative number of seconds", &j);
  return j.template get<double>();
}

template <class Json>
bool JsonReader<Json>::boolean(const Json& j, const std::string& ptr) const {
  if (!j.is_boolean()) fail(ptr, "true or false", &j);
  return j.template get<bool>();
}

template <class Json>
VirtRange JsonReader<Json>::range(const Json& obj, const std::string& ptr, const char* start_key,
                                  const char* end_key) const {
  const std::uint64_t start = hex64(required(obj, ptr, start_key), ptr + '/' + start_key);
  const Json& end_j = required(obj, ptr, end_key);
  const auto end = hex(end_j, ptr + '/' + end_key, true);
  if (end && *end <= start) fail(ptr + '/' + end_key, "an end above the start " + hex16(start), &end_j);
  return text::range_to(VirtAddr(start), end.value_or(0));
}

template class JsonReader<nlohmann::json>;
template class JsonReader<nlohmann::ordered_json>;

Error json_syntax_error(std::string_view content, const std::string& source, std::size_t byte, std::string_view what) {
  const std::size_t pos = byte > 0 ? byte - 1 : 0;
  const auto [line, col] = line_col(content, pos);
  std::string why(what);
  if (const std::size_t colon = why.find(": ", why.find("column")); colon != std::string::npos)
    why = why.substr(colon + 2);
  return text::expected_at(source, line, col, "valid JSON (" + why + ")",
                           pos < content.size() ? content.substr(pos, 1) : std::string_view());
}

}  // namespace ptv
