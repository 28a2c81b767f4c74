// Expected<T>: a value or an error message, for boundaries that must not throw.
// (std::expected needs -std=c++2b; g++ 12 with C++20 does not have it.)
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ptv {

/// An error: a human-readable message that already names where (file:line:col,
/// file+0xoffset, or a JSON path) and what was expected.
struct Error {
  std::string message;
  /// True when ptverify itself is at fault (a stage broke an invariant it promises), not the
  /// input: exit 4 instead of 2 (verifier/base/exit_codes.h).
  bool internal = false;
};

template <class T>
class Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  /// Requires: ok().
  [[nodiscard]] T& value() & { return std::get<0>(v_); }
  [[nodiscard]] const T& value() const& { return std::get<0>(v_); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  /// Requires: !ok().
  [[nodiscard]] const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace ptv
