// Symbolic evaluation of a spec: parameters become 64-bit SMT constants, region bounds and
// constraints become terms (the evaluate.h templates on SymbolicDomain).
//
// SymbolicDomain keeps, beside each term, the range of values it can take when every
// parameter lies in its declared domain, and for parameters with a short list of allowed
// values, the value of the term for each of them. It uses both to keep queries small and
// linear: a wrap that the ranges exclude is `false` outright, a comparison the ranges decide is
// a constant, and a product with a listed-value parameter splits into one product by a
// constant per value (a 64x64-bit multiplier is what makes bit-vector queries slow).
// Those simplifications are sound only together with the domain assumptions, which every
// query built from an encoded spec must assert (SymbolicSpec::assumptions does).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"
#include "verifier/spec/evaluate.h"
#include "verifier/spec/spec.h"

namespace ptv::spec {

__extension__ typedef __int128 Int128;  // exact sums of 64-bit products (GCC and Clang)

/// A value as an exact integer sum: sum of coefficient * parameter, plus a constant.
struct LinearForm {
  std::vector<std::pair<std::size_t, Int128>> terms;  ///< (parameter index, coefficient), sorted, no zeros
  Int128 constant = 0;
};

/// A 64-bit term with what is known about it under the parameter domains.
struct SymbolicValue {
  smt::Expr term;
  std::uint64_t lo = 0;                  ///< lo <= value
  std::uint64_t hi = ~std::uint64_t{0};  ///< value <= hi
  /// When the value is a function of one parameter with listed values: that parameter and, for
  /// each of its values, the value of this term.
  std::optional<std::size_t> case_parameter;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cases;
  /// When the term is a linear combination of parameters computed without wrapping around:
  /// its exact value. Comparisons of two such values are decided from the range of their
  /// difference (e.g. start < start + size, for size >= 1), without the solver.
  std::optional<LinearForm> linear;
  /// How many low bits are known to be zero (the value is a multiple of 2^zeros); 0..64.
  unsigned zeros = 0;
};

class SymbolicDomain {
 public:
  using Value = SymbolicValue;
  using Bool = smt::Expr;

  /// Declares one 64-bit constant `param.<name>` per parameter. With use_ranges false, no
  /// range or case reasoning happens (for encoding the domain assumptions themselves).
  SymbolicDomain(smt::Context& ctx, const Spec& spec, bool use_ranges = true);

  [[nodiscard]] smt::Context& context() const { return *ctx_; }
  [[nodiscard]] const std::vector<smt::Expr>& parameter_terms() const { return terms_; }

  Value number(std::uint64_t v) const;
  Value parameter(std::size_t i) const;
  Bool truth(bool b) const;
  Value add(const Value& a, const Value& b) const;
  Value sub(const Value& a, const Value& b) const;
  Value mul(const Value& a, const Value& b) const;
  Value shl(const Value& a, const Value& n) const;
  Value shr(const Value& a, const Value& n) const;
  Value bit_and(const Value& a, const Value& b) const;
  Value bit_or(const Value& a, const Value& b) const;
  Bool add_wraps(const Value& a, const Value& b) const;
  Bool sub_wraps(const Value& a, const Value& b) const;
  Bool mul_wraps(const Value& a, const Value& b) const;
  Bool shl_wraps(const Value& a, const Value& n) const;
  Bool ult(const Value& a, const Value& b) const;
  Bool ule(const Value& a, const Value& b) const;
  Bool eq(const Value& a, const Value& b) const;
  Bool all(const Bool& a, const Bool& b) const { return a && b; }
  Bool any(const Bool& a, const Bool& b) const { return a || b; }
  Bool negate(const Bool& a) const { return !a; }
  Value select(const Bool& c, const Value& a, const Value& b) const;
  Bool power_of_two(const Value& a) const;

 private:
  // Applies f pointwise when both values are known per case of the same parameter (or one is
  // a constant); empty otherwise.
  template <class F>
  std::optional<Value> pointwise(const Value& a, const Value& b, smt::Expr term, F f) const;
  // For a nonlinear op with one operand known per case: ite over the cases, each branch
  // applying `with_constant(other, k)`; empty when neither operand has cases.
  template <class F>
  std::optional<smt::Expr> split(const Value& a, const Value& b, F with_constant) const;
  // A Boolean decided per case when pointwise() applies; empty otherwise.
  template <class F>
  std::optional<smt::Expr> decide_per_case(const Value& a, const Value& b, F f) const;
  smt::Expr case_condition(std::size_t parameter, std::uint64_t value) const;
  // The range of b - a when both are linear: [min, max]; empty otherwise.
  std::optional<std::pair<Int128, Int128>> difference_range(const Value& a, const Value& b) const;

  smt::Context* ctx_;
  const Spec* spec_;
  bool use_ranges_;
  std::vector<smt::Expr> terms_;
  std::vector<std::uint64_t> lo_, hi_;  // each parameter's range under its domain
  std::vector<unsigned> zeros_;         // each parameter's known low zero bits (its alignment)
  // v with `zeros` known low zero bits, or more when its linear form tells.
  Value aligned(Value v, unsigned zeros) const;
};

/// A spec as SMT terms.
struct SymbolicSpec {
  SymbolicDomain domain;  ///< the domain the terms were built in; build obligations with it
  /// A named assumption: the parameter domains ("parameters.<name>") and constraints
  /// ("constraints[i]"), each to be asserted (tracked under its name) in every query.
  struct Assumption {
    std::string name;
    smt::Expr holds;
  };
  std::vector<smt::Expr> parameters;  ///< one 64-bit constant per parameter, named param.<name>
  std::vector<Assumption> assumptions;
  std::vector<Bounds<SymbolicDomain>> regions;  ///< same order as Spec::regions
};

/// Encodes `spec` in `ctx`. Requires: spec and ctx outlive the result.
/// With use_ranges false, every term is the plain encoding (no range or case reasoning): larger
/// queries, but unsat cores that name the parameter domains a constraint conflicts with.
[[nodiscard]] SymbolicSpec encode_spec(smt::Context& ctx, const Spec& spec, bool use_ranges = true);

/// The SMT constant name of a parameter ("param.<name>").
[[nodiscard]] std::string parameter_symbol(const Parameter& p);

}  // namespace ptv::spec
