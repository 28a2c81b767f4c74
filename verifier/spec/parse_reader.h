// Internal to verifier/spec/parse*.cpp: JSON access that fails with the file and JSON path.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/spec/spec.h"

namespace ptv::spec::detail {

using Json = nlohmann::ordered_json;

/// Thrown inside the parser; parse_spec() turns it into an Error at its boundary.
struct SpecFailure {
  std::string message;
};

[[nodiscard]] inline std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
[[nodiscard]] inline std::string element(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

/// A close match for `word` among `candidates` (edit distance <= 2, or a third of its length).
[[nodiscard]] std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);

class Reader {
 public:
  /// Where the value at a JSON path was written, as a message prefix: "FILE:LINE: PATH" (the
  /// file and path it came from, which for a spec that extends another may be the base's).
  using Locator = std::function<std::string(const std::string& path)>;

  explicit Reader(std::string file, Locator locate = {}) : file_(std::move(file)), locate_(std::move(locate)) {}

  /// Throws SpecFailure "WHERE: what", WHERE as the locator says (else "FILE: PATH").
  [[noreturn]] void fail(const std::string& path, const std::string& what) const;
  /// Where the value at `path` was written, as fail() names it: "FILE:LINE: PATH".
  [[nodiscard]] std::string where(const std::string& path) const;

  /// Requires j to be an object whose keys are all in `allowed`.
  void expect_object(const Json& j, const std::string& path, std::initializer_list<std::string_view> allowed) const;
  void expect_array(const Json& j, const std::string& path) const;
  [[nodiscard]] std::string string_at(const Json& j, const std::string& path) const;
  /// One of `choices`, by spelling.
  template <class E>
  [[nodiscard]] E choice_at(const Json& j, const std::string& path,
                            std::initializer_list<std::pair<std::string_view, E>> choices) const {
    const std::string s = string_at(j, path);
    std::string list;
    for (const auto& [name, value] : choices) {
      if (name == s) return value;
      list += (list.empty() ? "\"" : ", \"") + std::string(name) + "\"";
    }
    fail(path, "\"" + s + "\" is not one of " + list);
  }

  // Names expressions can use.
  void add_parameter(const std::string& name, std::size_t index) {
    names_[name] = NameBinding{NameBinding::Kind::kParameter, index, 0, nullptr};
  }
  void add_definition(const std::string& name, NodePtr root) {
    names_[name] = NameBinding{NameBinding::Kind::kDefinition, 0, 0, std::move(root)};
  }
  [[nodiscard]] bool has_name(const std::string& name) const { return names_.count(name) != 0; }

  /// An expression: a JSON string in the expression language, or a non-negative JSON integer.
  [[nodiscard]] Expression expression_at(const Json& j, const std::string& path, Type want) const;
  /// A constant integer expression (it may use definitions that are constant, not parameters).
  [[nodiscard]] std::uint64_t constant_at(const Json& j, const std::string& path) const;

  [[nodiscard]] const std::string& file() const { return file_; }

 private:
  std::string file_;
  Locator locate_;
  std::map<std::string, NameBinding, std::less<>> names_;
};

/// The JSON of a spec's text (comments allowed, duplicate keys refused); fails with the file
/// and line.
[[nodiscard]] Json parse_json(std::string_view text, const std::string& file);

/// The Spec of a spec's JSON (without "extends"): every key read and checked; `locate` says where
/// each path was written.
[[nodiscard]] Spec read_spec(const Json& j, const std::string& file, Reader::Locator locate);

// The parts of a spec, each reading one top-level key (parse.cpp, parse_regions.cpp).
Rules read_rules(const Reader& r, const Json& j);
void read_regions(Reader& r, const Json& regions, const Json& arrays, Spec& spec);

}  // namespace ptv::spec::detail
