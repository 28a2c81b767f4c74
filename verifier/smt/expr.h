// Expr: a bit-vector or Boolean term, as a value type.
//
// Encoding code reads like the formula it builds: + - * & | ^ ~, ule/ult/uge/ugt (unsigned; the
// signed operators < <= > >= are deleted on purpose, addresses are unsigned), ==, !=, &&, ||, !,
// implies, extract(hi, lo), zext, concat, ite, shl/lshr. Every binary operation checks that its
// operands have the same sort (bit-vectors of equal width, or Booleans); a mismatch, a Z3
// error or an invalid operand makes the result invalid, and invalidity propagates to every
// term built from it, then to the Solver (which answers Invalid), instead of crashing.
//
// Constants fold at construction: an operation on numerals (widths up to 64) yields a numeral,
// and Boolean operations with a constant operand simplify (false && x is false, ite(true, a, b)
// is a), so formulas about constant regions never reach the solver.
//
// An Expr holds a reference-counted Z3 term and a pointer to its Context, which must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

typedef struct _Z3_ast* Z3_ast;  // NOLINT: the same declaration as <z3_api.h>

namespace ptv::smt {

class Context;
struct ExprAccess;

class Expr {
 public:
  /// An invalid expression.
  Expr() = default;
  Expr(const Expr& other);
  Expr(Expr&& other) noexcept;
  Expr& operator=(const Expr& other);
  Expr& operator=(Expr&& other) noexcept;
  ~Expr();

  [[nodiscard]] bool valid() const { return ast_ != nullptr; }
  [[nodiscard]] bool is_bool() const { return valid() && width_ == 0; }
  [[nodiscard]] bool is_bv() const { return valid() && width_ != 0; }
  /// Bit-vector width; 0 for Booleans and invalid expressions.
  [[nodiscard]] unsigned width() const { return width_; }
  /// The value of a folded bit-vector numeral of width <= 64; empty for anything else.
  [[nodiscard]] std::optional<std::uint64_t> as_u64() const;
  /// The value of a folded Boolean constant; empty for anything else.
  [[nodiscard]] std::optional<bool> as_bool() const;
  /// The term in SMT-LIB 2 syntax (may use `let`); "<invalid>" when invalid.
  [[nodiscard]] std::string to_smt2() const;
  /// The context this term lives in; nullptr when invalid.
  [[nodiscard]] Context* context() const { return ctx_; }

  // Bit-vector arithmetic (modulo 2^width) and bitwise logic. Operands: equal widths.
  friend Expr operator+(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a, const Expr& b);
  friend Expr operator*(const Expr& a, const Expr& b);
  friend Expr operator&(const Expr& a, const Expr& b);
  friend Expr operator|(const Expr& a, const Expr& b);
  friend Expr operator^(const Expr& a, const Expr& b);
  friend Expr operator~(const Expr& a);
  /// Shift left / logical shift right by `amount` (same width); amounts >= width give 0.
  [[nodiscard]] Expr shl(const Expr& amount) const;
  [[nodiscard]] Expr lshr(const Expr& amount) const;
  /// Unsigned division and remainder with SMT-LIB semantics (x udiv 0 = all ones, x urem 0 = x).
  [[nodiscard]] Expr udiv(const Expr& divisor) const;
  [[nodiscard]] Expr urem(const Expr& divisor) const;

  // Unsigned comparisons; the result is Boolean.
  [[nodiscard]] Expr ule(const Expr& b) const;
  [[nodiscard]] Expr ult(const Expr& b) const;
  [[nodiscard]] Expr uge(const Expr& b) const;
  [[nodiscard]] Expr ugt(const Expr& b) const;
  /// Equality of two terms of the same sort (bit-vectors of one width, or Booleans).
  friend Expr operator==(const Expr& a, const Expr& b);
  friend Expr operator!=(const Expr& a, const Expr& b);

  // Boolean connectives. Operands: Booleans.
  friend Expr operator&&(const Expr& a, const Expr& b);
  friend Expr operator||(const Expr& a, const Expr& b);
  friend Expr operator!(const Expr& a);
  [[nodiscard]] Expr implies(const Expr& b) const;

  /// Bits hi..lo (inclusive); Requires: lo <= hi < width(), else invalid.
  [[nodiscard]] Expr extract(unsigned hi, unsigned lo) const;
  /// Zero-extends by `extra_bits` bits (Z3's convention): width() + extra_bits wide.
  [[nodiscard]] Expr zext(unsigned extra_bits) const;
  /// `hi` in the upper bits, `lo` in the lower bits.
  friend Expr concat(const Expr& hi, const Expr& lo);
  /// if c then t else e; t and e of the same sort, c Boolean.
  friend Expr ite(const Expr& c, const Expr& t, const Expr& e);
  /// "for every value of `var` (a constant made by Context::bv_const), body holds".
  friend Expr forall(const Expr& var, const Expr& body);

  // Conveniences: a numeral of the other operand's width (invalid when it does not fit).
  friend Expr operator+(const Expr& a, std::uint64_t b);
  friend Expr operator-(const Expr& a, std::uint64_t b);
  friend Expr operator*(const Expr& a, std::uint64_t b);
  friend Expr operator&(const Expr& a, std::uint64_t b);
  friend Expr operator|(const Expr& a, std::uint64_t b);
  friend Expr operator==(const Expr& a, std::uint64_t b);
  friend Expr operator!=(const Expr& a, std::uint64_t b);
  [[nodiscard]] Expr ule(std::uint64_t b) const;
  [[nodiscard]] Expr ult(std::uint64_t b) const;
  [[nodiscard]] Expr uge(std::uint64_t b) const;
  [[nodiscard]] Expr ugt(std::uint64_t b) const;

  // Signed comparisons are not offered: addresses and sizes are unsigned (use ult/ule/...).
  friend Expr operator<(const Expr&, const Expr&) = delete;
  friend Expr operator<=(const Expr&, const Expr&) = delete;
  friend Expr operator>(const Expr&, const Expr&) = delete;
  friend Expr operator>=(const Expr&, const Expr&) = delete;

 private:
  friend struct ExprAccess;

  Context* ctx_ = nullptr;
  Z3_ast ast_ = nullptr;
  unsigned width_ = 0;   // 0 = Boolean
  bool folded_ = false;  // value_ holds the constant (Booleans: 0 or 1; widths <= 64)
  std::uint64_t value_ = 0;
};

}  // namespace ptv::smt
