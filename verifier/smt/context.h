// The SMT context: owns the Z3 context every Expr, Solver and Model of one job lives in.
//
// There is no global context and no global flag: callers create a Context, pass it explicitly,
// and keep it alive longer than every Expr, Solver and Model made from it. Z3 errors never
// exit() or throw through this API: they make the Expr being built invalid and are recorded
// here (last_error()), and a Solver fed an invalid Expr answers Invalid.
//
// Z3's headers appear only in verifier/smt/*.cpp; this header declares the handle types.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/smt/expr.h"

typedef struct _Z3_context* Z3_context;  // NOLINT: the same declaration as <z3_api.h>

namespace ptv::smt {

/// The version of the Z3 library linked in ("4.8.12"), as it reports itself (Z3_get_version).
[[nodiscard]] std::string z3_version();

/// A constant declared through this context, for SMT-LIB export.
struct Declaration {
  std::string name;
  unsigned width = 0;  ///< bit-vector width; 0 for a Boolean
};

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  /// The bit-vector constant `name` of `width` bits (1..65535). Declaring the same name twice
  /// with the same width gives the same constant. Invalid when the name was declared with
  /// another sort, or is not an SMT-LIB simple symbol (letters, digits, ~!@$%^&*_-+=<>.?/,
  /// not starting with a digit), so every exported query stays parseable by z3 and cvc5.
  [[nodiscard]] Expr bv_const(std::string_view name, unsigned width);
  /// The Boolean constant `name`; same rules as bv_const.
  [[nodiscard]] Expr bool_const(std::string_view name);
  /// The numeral `value` as a `width`-bit vector. Invalid when value does not fit in width.
  [[nodiscard]] Expr bv_val(std::uint64_t value, unsigned width);
  [[nodiscard]] Expr bool_val(bool value);

  /// Constants declared so far, in declaration order.
  [[nodiscard]] const std::vector<Declaration>& declarations() const;

  /// The most recent error (a width mismatch, a Z3 error message, ...), if any was recorded.
  [[nodiscard]] std::optional<std::string> last_error() const;
  /// Records an error; used by the smt/*.cpp files when an operation yields an invalid Expr.
  void record_error(std::string message);

  /// The raw Z3 handle, for verifier/smt/*.cpp only.
  [[nodiscard]] Z3_context raw() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ptv::smt
