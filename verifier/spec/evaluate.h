// One definition of what a spec means, for every value domain.
//
// eval_integer / eval_boolean / region_bounds / parameter_domain are written once, as templates
// over a Domain, and instantiated twice: with ConcreteDomain (uint64_t and bool: a concrete
// layout for given parameter values, and the replay of every counterexample) and with
// SymbolicDomain (Z3 terms: verifier/spec/symbolic.h). So prove, check and the concrete evaluator
// cannot disagree on what a bound or a constraint means.
//
// A Domain provides:
//   types Value, Bool
//   Value number(uint64_t); Value parameter(size_t index); Bool truth(bool)
//   Value add/sub/mul/shl/shr/bit_and/bit_or(const Value&, const Value&)
//   Bool add_wraps/sub_wraps/mul_wraps/shl_wraps(const Value&, const Value&)
//   Bool ult/ule/eq(const Value&, const Value&); Bool all/any(const Bool&, const Bool&), negate(const Bool&)
//   Value select(const Bool&, const Value&, const Value&); Bool power_of_two(const Value&)
//
// Well-definedness: each result carries `ok`, false when any arithmetic on the way would wrap
// (see expression.h) or an alignment is not a power of two. A constraint holds iff it is ok
// and true; a region's bounds are usable iff ok (which also demands a non-empty extent).
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

#include "verifier/spec/spec.h"

namespace ptv::spec {

template <class D, class T>
struct Checked {
  T value;
  typename D::Bool ok;
};
template <class D>
using CheckedValue = Checked<D, typename D::Value>;
template <class D>
using CheckedBool = Checked<D, typename D::Bool>;

/// The value of each node already evaluated, within one evaluation. A definition is one node
/// shared by every expression that names it, so the tree of an expression is a DAG whose
/// expansion can be exponentially larger (d1 = max(d0, d0 + 1), d2 = max(d1, d1 + 1), ...):
/// each node is evaluated once.
template <class D>
using EvalMemo = std::unordered_map<const Node*, CheckedValue<D>>;

template <class D>
CheckedValue<D> eval_integer(D& d, const Node& n, EvalMemo<D>& memo);

/// The value of an integer expression, and whether it is well-defined.
template <class D>
CheckedValue<D> eval_integer(D& d, const Node& n) {
  EvalMemo<D> memo;
  return eval_integer(d, n, memo);
}

template <class D>
CheckedValue<D> eval_integer_node(D& d, const Node& n, EvalMemo<D>& memo) {
  using V = CheckedValue<D>;
  auto arg = [&](std::size_t i) { return eval_integer(d, *n.args[i], memo); };
  auto both = [&](const V& a, const V& b) { return d.all(a.ok, b.ok); };
  switch (n.op) {
    case Op::kNumber:
      return {d.number(n.number), d.truth(true)};
    case Op::kParameter:
      return {d.parameter(n.parameter), d.truth(true)};
    case Op::kAdd: {
      V a = arg(0), b = arg(1);
      return {d.add(a.value, b.value), d.all(both(a, b), d.negate(d.add_wraps(a.value, b.value)))};
    }
    case Op::kSub: {
      V a = arg(0), b = arg(1);
      return {d.sub(a.value, b.value), d.all(both(a, b), d.negate(d.sub_wraps(a.value, b.value)))};
    }
    case Op::kMul: {
      V a = arg(0), b = arg(1);
      return {d.mul(a.value, b.value), d.all(both(a, b), d.negate(d.mul_wraps(a.value, b.value)))};
    }
    case Op::kShl: {
      V a = arg(0), b = arg(1);
      return {d.shl(a.value, b.value), d.all(both(a, b), d.negate(d.shl_wraps(a.value, b.value)))};
    }
    case Op::kShr: {
      V a = arg(0), b = arg(1);
      return {d.shr(a.value, b.value), both(a, b)};
    }
    case Op::kBitAnd: {
      V a = arg(0), b = arg(1);
      return {d.bit_and(a.value, b.value), both(a, b)};
    }
    case Op::kBitOr: {
      V a = arg(0), b = arg(1);
      return {d.bit_or(a.value, b.value), both(a, b)};
    }
    case Op::kMin: {
      V a = arg(0), b = arg(1);
      return {d.select(d.ule(a.value, b.value), a.value, b.value), both(a, b)};
    }
    case Op::kMax: {
      V a = arg(0), b = arg(1);
      return {d.select(d.ule(a.value, b.value), b.value, a.value), both(a, b)};
    }
    case Op::kAlignUp:
    case Op::kAlignDown: {
      // align_down(y, a) = y - (y & (a - 1)); align_up(x, a) = align_down(x + (a - 1), a).
      V x = arg(0), a = arg(1);
      const auto mask = d.sub(a.value, d.number(1));
      typename D::Bool ok = d.all(both(x, a), d.power_of_two(a.value));
      auto y = x.value;
      if (n.op == Op::kAlignUp) {
        ok = d.all(ok, d.negate(d.add_wraps(x.value, mask)));
        y = d.add(x.value, mask);
      }
      return {d.sub(y, d.bit_and(y, mask)), ok};
    }
    default:
      return {d.number(0), d.truth(false)};  // a Boolean node: rejected by the parser's type check
  }
}

template <class D>
CheckedValue<D> eval_integer(D& d, const Node& n, EvalMemo<D>& memo) {
  if (n.args.empty()) return eval_integer_node(d, n, memo);
  if (auto it = memo.find(&n); it != memo.end()) return it->second;
  CheckedValue<D> v = eval_integer_node(d, n, memo);
  memo.emplace(&n, v);
  return v;
}

template <class D>
CheckedBool<D> eval_boolean(D& d, const Node& n, EvalMemo<D>& memo) {
  auto cmp = [&](auto&& f) -> CheckedBool<D> {
    CheckedValue<D> a = eval_integer(d, *n.args[0], memo), b = eval_integer(d, *n.args[1], memo);
    return {f(a.value, b.value), d.all(a.ok, b.ok)};
  };
  switch (n.op) {
    case Op::kEq:
      return cmp([&](const auto& a, const auto& b) { return d.eq(a, b); });
    case Op::kNe:
      return cmp([&](const auto& a, const auto& b) { return d.negate(d.eq(a, b)); });
    case Op::kLt:
      return cmp([&](const auto& a, const auto& b) { return d.ult(a, b); });
    case Op::kLe:
      return cmp([&](const auto& a, const auto& b) { return d.ule(a, b); });
    case Op::kGt:
      return cmp([&](const auto& a, const auto& b) { return d.ult(b, a); });
    case Op::kGe:
      return cmp([&](const auto& a, const auto& b) { return d.ule(b, a); });
    case Op::kAnd:
    case Op::kOr: {
      CheckedBool<D> a = eval_boolean(d, *n.args[0], memo), b = eval_boolean(d, *n.args[1], memo);
      auto v = n.op == Op::kAnd ? d.all(a.value, b.value) : d.any(a.value, b.value);
      return {v, d.all(a.ok, b.ok)};
    }
    case Op::kNot: {
      CheckedBool<D> a = eval_boolean(d, *n.args[0], memo);
      return {d.negate(a.value), a.ok};
    }
    default:
      return {d.truth(false), d.truth(false)};  // an integer node: rejected by the parser
  }
}

/// The value of a Boolean expression, and whether its arithmetic is well-defined.
template <class D>
CheckedBool<D> eval_boolean(D& d, const Node& n) {
  EvalMemo<D> memo;
  return eval_boolean(d, n, memo);
}

/// A constraint holds: its arithmetic is well-defined and it is true.
template <class D>
typename D::Bool holds(D& d, const Node& n) {
  CheckedBool<D> b = eval_boolean(d, n);
  return d.all(b.ok, b.value);
}

/// p lies in its declared domain (range, alignment, allowed values).
template <class D>
typename D::Bool parameter_domain(D& d, const Parameter& p, std::size_t index) {
  const auto v = d.parameter(index);
  auto in = d.truth(true);
  if (p.min != 0) in = d.ule(d.number(p.min), v);
  if (p.max != ~std::uint64_t{0}) in = d.all(in, d.ule(v, d.number(p.max)));
  if (p.align > 1) in = d.all(in, d.eq(d.bit_and(v, d.number(p.align - 1)), d.number(0)));
  if (!p.values.empty()) {
    auto any = d.truth(false);
    for (std::uint64_t x : p.values) any = d.any(any, d.eq(v, d.number(x)));
    in = d.all(in, any);
  }
  return in;
}

/// A region's extent [start, last] and, for arrays, its shape. `ok`: every expression is
/// well-defined, the extent is non-empty and does not pass 2^64 - 1, and an array has at least
/// one element of at least one byte.
template <class D>
struct Bounds {
  typename D::Value start, last;
  typename D::Bool ok;
  // Arrays only (otherwise: count 1, size = extent, guard 0, stride = extent).
  typename D::Value count, size, guard, stride;
};

template <class D>
Bounds<D> region_bounds(D& d, const Region& r) {
  const CheckedValue<D> s = eval_integer(d, *r.start.root);
  if (!r.array) {
    const CheckedValue<D> e = eval_integer(d, *r.end.root);
    typename D::Value last = e.value;
    typename D::Bool ok = d.all(s.ok, e.ok);
    switch (r.end_kind) {
      case EndKind::kEnd:  // [start, end): non-empty iff start < end
        ok = d.all(ok, d.ult(s.value, e.value));
        last = d.sub(e.value, d.number(1));
        break;
      case EndKind::kLast:
        ok = d.all(ok, d.ule(s.value, e.value));
        break;
      case EndKind::kSize: {
        const auto size_minus_one = d.sub(e.value, d.number(1));
        ok = d.all(ok, d.all(d.negate(d.eq(e.value, d.number(0))), d.negate(d.add_wraps(s.value, size_minus_one))));
        last = d.add(s.value, size_minus_one);
        break;
      }
    }
    const auto extent = d.add(d.sub(last, s.value), d.number(1));
    return {s.value, last, ok, d.number(1), extent, d.number(0), extent};
  }
  const ArrayShape& a = *r.array;
  const CheckedValue<D> n = eval_integer(d, *a.count.root);
  const CheckedValue<D> size = eval_integer(d, *a.size.root);
  const CheckedValue<D> guard = eval_integer(d, *a.guard.root);
  typename D::Bool ok = d.all(d.all(s.ok, n.ok), d.all(size.ok, guard.ok));
  ok = d.all(ok, d.all(d.negate(d.eq(n.value, d.number(0))), d.negate(d.eq(size.value, d.number(0)))));
  // One element with its guard: size + guard bytes.
  ok = d.all(ok, d.negate(d.add_wraps(size.value, guard.value)));
  const auto unit = d.add(size.value, guard.value);
  typename D::Value stride = unit;
  if (a.stride) {
    const CheckedValue<D> t = eval_integer(d, *a.stride->root);
    ok = d.all(ok, t.ok);
    stride = t.value;
  }
  // extent = (count - 1) * stride + size + guard; last = start + extent - 1.
  const auto n_minus_one = d.sub(n.value, d.number(1));
  const auto body = d.mul(n_minus_one, stride);
  ok = d.all(ok, d.negate(d.mul_wraps(n_minus_one, stride)));
  ok = d.all(ok, d.negate(d.add_wraps(body, unit)));
  const auto extent = d.add(body, unit);
  ok = d.all(ok, d.negate(d.eq(extent, d.number(0))));
  const auto extent_minus_one = d.sub(extent, d.number(1));
  ok = d.all(ok, d.negate(d.add_wraps(s.value, extent_minus_one)));
  return {s.value, d.add(s.value, extent_minus_one), ok, n.value, size.value, guard.value, stride};
}

/// The concrete domain: 64-bit unsigned values, C++ Booleans. The one concrete domain of the
/// verifier: the spec's expressions here, and the rule predicates of checks/predicates.h (the
/// replay of a counterexample), which also use udiv, urem and has.
struct ConcreteDomain {
  using Value = std::uint64_t;
  using Bool = bool;
  std::span<const std::uint64_t> parameters;

  Value number(std::uint64_t v) const { return v; }
  Value parameter(std::size_t i) const { return parameters[i]; }
  Bool truth(bool b) const { return b; }
  Value add(Value a, Value b) const { return a + b; }
  Value sub(Value a, Value b) const { return a - b; }
  Value mul(Value a, Value b) const { return a * b; }
  Value shl(Value a, Value n) const { return n >= 64 ? 0 : a << n; }
  Value shr(Value a, Value n) const { return n >= 64 ? 0 : a >> n; }
  Value bit_and(Value a, Value b) const { return a & b; }
  Value bit_or(Value a, Value b) const { return a | b; }
  Bool add_wraps(Value a, Value b) const { return a + b < a; }
  Bool sub_wraps(Value a, Value b) const { return a < b; }
  Bool mul_wraps(Value a, Value b) const {
    Value r = 0;
    return __builtin_mul_overflow(a, b, &r);
  }
  Bool shl_wraps(Value a, Value n) const { return shr(shl(a, n), n) != a; }
  Bool ult(Value a, Value b) const { return a < b; }
  Bool ule(Value a, Value b) const { return a <= b; }
  Bool eq(Value a, Value b) const { return a == b; }
  Bool all(Bool a, Bool b) const { return a && b; }
  Bool any(Bool a, Bool b) const { return a || b; }
  Bool negate(Bool a) const { return !a; }
  Value select(Bool c, Value a, Value b) const { return c ? a : b; }
  Bool power_of_two(Value a) const { return a != 0 && (a & (a - 1)) == 0; }
  /// As SMT-LIB's bvudiv and bvurem: x / 0 is all ones, x % 0 is x.
  Value udiv(Value a, Value b) const { return b == 0 ? ~Value{0} : a / b; }
  Value urem(Value a, Value b) const { return b == 0 ? a : a % b; }
  /// Whether a concrete class (checks: an AttrClass) satisfies `p`.
  template <class Class, class Pred>
  Bool has(const Class& c, Pred p) const {
    return p(c);
  }
};

}  // namespace ptv::spec
