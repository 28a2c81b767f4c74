// Internal to verifier/smt/*.cpp: raw access to an Expr's Z3 term. Not for other folders.
#pragma once

#include <cstdint>
#include <optional>

#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"

namespace ptv::smt {

struct ExprAccess {
  /// Wraps a freshly made Z3 term (or nullptr after a Z3 error, which is then recorded in ctx).
  /// width: bit-vector width, 0 for a Boolean; folded: the constant value, if known.
  static Expr wrap(Context& ctx, Z3_ast ast, unsigned width, std::optional<std::uint64_t> folded);
  [[nodiscard]] static Z3_ast ast(const Expr& e) { return e.ast_; }
  [[nodiscard]] static bool folded(const Expr& e) { return e.folded_; }
  [[nodiscard]] static std::uint64_t value(const Expr& e) { return e.value_; }
};

}  // namespace ptv::smt
