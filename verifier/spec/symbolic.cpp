// SymbolicDomain: SMT terms with value ranges and per-case values, see symbolic.h.
#include "verifier/spec/symbolic.h"

#include <algorithm>

namespace ptv::spec {

namespace {

constexpr std::uint64_t kMax = ~std::uint64_t{0};
constexpr std::size_t kMaxCases = 16;

bool add_overflows(std::uint64_t a, std::uint64_t b) { return a + b < a; }
bool mul_overflows(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r);
}
std::uint64_t fill_below_top_bit(std::uint64_t x) {
  for (unsigned s = 1; s < 64; s <<= 1) x |= x >> s;
  return x;
}
bool is_const(const SymbolicValue& v) { return v.lo == v.hi; }

unsigned ctz64(std::uint64_t v) { return v == 0 ? 64 : static_cast<unsigned>(__builtin_ctzll(v)); }
unsigned ctz128(Int128 v) {
  if (v == 0) return 64;
  unsigned n = 0;
  while ((v & 1) == 0 && n < 64) {
    v >>= 1;
    ++n;
  }
  return n;
}

// Linear forms stay small so that their bounds cannot overflow 128 bits.
constexpr Int128 kMaxCoefficient = Int128{1} << 40;
constexpr Int128 kMaxConstant = Int128{1} << 80;

std::optional<LinearForm> bounded(LinearForm f) {
  if (f.constant > kMaxConstant || f.constant < -kMaxConstant || f.terms.size() > 16) return std::nullopt;
  for (const auto& [p, c] : f.terms)
    if (c > kMaxCoefficient || c < -kMaxCoefficient) return std::nullopt;
  return f;
}

// a + sign * b
std::optional<LinearForm> combine(const std::optional<LinearForm>& a, const std::optional<LinearForm>& b, int sign) {
  if (!a || !b) return std::nullopt;
  LinearForm out;
  out.constant = a->constant + sign * b->constant;
  std::size_t i = 0, j = 0;
  while (i < a->terms.size() || j < b->terms.size()) {
    if (j == b->terms.size() || (i < a->terms.size() && a->terms[i].first < b->terms[j].first)) {
      out.terms.push_back(a->terms[i++]);
    } else if (i == a->terms.size() || b->terms[j].first < a->terms[i].first) {
      out.terms.emplace_back(b->terms[j].first, sign * b->terms[j].second);
      ++j;
    } else {
      const Int128 c = a->terms[i].second + sign * b->terms[j].second;
      if (c != 0) out.terms.emplace_back(a->terms[i].first, c);
      ++i;
      ++j;
    }
  }
  return bounded(std::move(out));
}

std::optional<LinearForm> scale(const std::optional<LinearForm>& a, std::uint64_t k) {
  if (!a || k > (std::uint64_t{1} << 40)) return std::nullopt;
  LinearForm out;
  out.constant = a->constant * static_cast<Int128>(k);
  if (k != 0)
    for (const auto& [p, c] : a->terms) out.terms.emplace_back(p, c * static_cast<Int128>(k));
  return bounded(std::move(out));
}

}  // namespace

SymbolicDomain::SymbolicDomain(smt::Context& ctx, const Spec& spec, bool use_ranges)
    : ctx_(&ctx), spec_(&spec), use_ranges_(use_ranges) {
  for (const Parameter& p : spec.parameters) {
    terms_.push_back(ctx.bv_const(parameter_symbol(p), 64));
    zeros_.push_back(0);
    SymbolicValue v = parameter(terms_.size() - 1);
    lo_.push_back(v.lo);
    hi_.push_back(v.hi);
    if (use_ranges_) {
      unsigned z = p.values.empty() ? ctz64(p.align) : 64;
      for (std::uint64_t x : p.values)
        if (p.admits(x)) z = std::min(z, ctz64(x));
      zeros_.back() = z;
    }
  }
}

SymbolicValue SymbolicDomain::aligned(Value v, unsigned zeros) const {
  if (!use_ranges_) return v;
  v.zeros = std::min(64u, std::max(v.zeros, zeros));
  if (v.linear) {
    unsigned z = ctz128(v.linear->constant);
    for (const auto& [p, c] : v.linear->terms) z = std::min(z, zeros_[p] + ctz128(c));
    v.zeros = std::min(64u, std::max(v.zeros, z));
  }
  return v;
}

std::optional<std::pair<Int128, Int128>> SymbolicDomain::difference_range(const Value& a, const Value& b) const {
  if (!use_ranges_) return std::nullopt;
  const std::optional<LinearForm> d = combine(b.linear, a.linear, -1);
  if (!d) return std::nullopt;
  Int128 mn = d->constant, mx = d->constant;
  for (const auto& [p, c] : d->terms) {
    const Int128 lo = static_cast<Int128>(lo_[p]) * c, hi = static_cast<Int128>(hi_[p]) * c;
    mn += c > 0 ? lo : hi;
    mx += c > 0 ? hi : lo;
  }
  return std::make_pair(mn, mx);
}

smt::Expr SymbolicDomain::case_condition(std::size_t parameter, std::uint64_t value) const {
  return terms_[parameter] == value;
}

SymbolicValue SymbolicDomain::number(std::uint64_t v) const {
  return {ctx_->bv_val(v, 64), v, v, std::nullopt, {}, LinearForm{{}, static_cast<Int128>(v)}, ctz64(v)};
}

SymbolicValue SymbolicDomain::parameter(std::size_t i) const {
  SymbolicValue v{terms_[i], 0, kMax, std::nullopt, {}, LinearForm{{{i, 1}}, 0}};
  if (!use_ranges_) return v;
  const Parameter& p = spec_->parameters[i];
  v.lo = p.least().value_or(0);
  if (!p.values.empty()) {
    v.hi = 0;
    for (std::uint64_t x : p.values)
      if (p.admits(x)) v.hi = std::max(v.hi, x);
    if (p.values.size() <= kMaxCases) {
      v.case_parameter = i;
      for (std::uint64_t x : p.values)
        if (p.admits(x)) v.cases.emplace_back(x, x);
    }
  } else {
    v.hi = std::max(v.lo, p.max & ~(p.align - 1));
  }
  if (i < zeros_.size()) v.zeros = zeros_[i];
  return v;
}

smt::Expr SymbolicDomain::truth(bool b) const { return ctx_->bool_val(b); }

namespace {
SymbolicValue with(SymbolicValue v, std::optional<LinearForm> lin) {
  v.linear = std::move(lin);
  return v;
}
}  // namespace

template <class F>
std::optional<SymbolicValue> SymbolicDomain::pointwise(const Value& a, const Value& b, smt::Expr term, F f) const {
  if (!use_ranges_) return std::nullopt;
  std::optional<std::size_t> p;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  if (a.case_parameter && b.case_parameter == a.case_parameter) {
    p = a.case_parameter;
    for (std::size_t i = 0; i < a.cases.size(); ++i)
      out.emplace_back(a.cases[i].first, f(a.cases[i].second, b.cases[i].second));
  } else if (a.case_parameter && is_const(b)) {
    p = a.case_parameter;
    for (const auto& [v, x] : a.cases) out.emplace_back(v, f(x, b.lo));
  } else if (b.case_parameter && is_const(a)) {
    p = b.case_parameter;
    for (const auto& [v, y] : b.cases) out.emplace_back(v, f(a.lo, y));
  } else {
    return std::nullopt;
  }
  SymbolicValue r{std::move(term), kMax, 0, p, std::move(out), std::nullopt};
  for (const auto& [v, x] : r.cases) {
    r.lo = std::min(r.lo, x);
    r.hi = std::max(r.hi, x);
  }
  return r;
}

template <class F>
std::optional<smt::Expr> SymbolicDomain::split(const Value& a, const Value& b, F with_constant) const {
  if (!use_ranges_) return std::nullopt;
  // The operand known per case, and the other one (kept symbolic).
  const Value* known = nullptr;
  const Value* other = nullptr;
  bool known_is_left = false;
  if (b.case_parameter && !is_const(a)) {
    known = &b;
    other = &a;
  } else if (a.case_parameter && !is_const(b)) {
    known = &a;
    other = &b;
    known_is_left = true;
  }
  if (!known || known->cases.empty()) return std::nullopt;
  smt::Expr out = with_constant(*other, known->cases.back().second, known_is_left);
  for (std::size_t i = known->cases.size() - 1; i-- > 0;)
    out = ite(case_condition(*known->case_parameter, known->cases[i].first),
              with_constant(*other, known->cases[i].second, known_is_left), out);
  return out;
}

namespace {

// A Boolean known per case: a constant when every case agrees, else the disjunction of the
// conditions of the cases where it holds.
template <class Cond>
smt::Expr from_cases(smt::Context& ctx, const std::vector<std::pair<std::uint64_t, bool>>& cases, Cond cond) {
  const bool all = std::all_of(cases.begin(), cases.end(), [](const auto& c) { return c.second; });
  const bool none = std::none_of(cases.begin(), cases.end(), [](const auto& c) { return c.second; });
  if (all || none) return ctx.bool_val(all);
  smt::Expr out = ctx.bool_val(false);
  for (const auto& [v, b] : cases)
    if (b) out = out || cond(v);
  return out;
}

}  // namespace

template <class F>
std::optional<smt::Expr> SymbolicDomain::decide_per_case(const Value& a, const Value& b, F f) const {
  auto pw = pointwise(a, b, ctx_->bv_val(0, 64),
                      [&f](std::uint64_t x, std::uint64_t y) -> std::uint64_t { return f(x, y) ? 1 : 0; });
  if (!pw) return std::nullopt;
  std::vector<std::pair<std::uint64_t, bool>> bs;
  for (const auto& [v, r] : pw->cases) bs.emplace_back(v, r != 0);
  const std::size_t param = *pw->case_parameter;
  return from_cases(*ctx_, bs, [&](std::uint64_t v) { return case_condition(param, v); });
}

SymbolicValue SymbolicDomain::add(const Value& a, const Value& b) const {
  smt::Expr t = a.term + b.term;
  const bool exact = use_ranges_ && !add_overflows(a.hi, b.hi);
  const std::optional<LinearForm> lin = exact ? combine(a.linear, b.linear, 1) : std::nullopt;
  if (auto pw = pointwise(a, b, t, [](std::uint64_t x, std::uint64_t y) { return x + y; }))
    return aligned(with(*pw, lin), std::min(a.zeros, b.zeros));
  if (exact) return aligned({t, a.lo + b.lo, a.hi + b.hi, std::nullopt, {}, lin}, std::min(a.zeros, b.zeros));
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt}, std::min(a.zeros, b.zeros));
}

SymbolicValue SymbolicDomain::sub(const Value& a, const Value& b) const {
  smt::Expr t = a.term - b.term;
  const bool exact = use_ranges_ && a.lo >= b.hi;
  const std::optional<LinearForm> lin = exact ? combine(a.linear, b.linear, -1) : std::nullopt;
  if (auto pw = pointwise(a, b, t, [](std::uint64_t x, std::uint64_t y) { return x - y; }))
    return aligned(with(*pw, lin), std::min(a.zeros, b.zeros));
  if (exact) return aligned({t, a.lo - b.hi, a.hi - b.lo, std::nullopt, {}, lin}, std::min(a.zeros, b.zeros));
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt}, std::min(a.zeros, b.zeros));
}

SymbolicValue SymbolicDomain::mul(const Value& a, const Value& b) const {
  smt::Expr t = split(a, b, [](const Value& o, std::uint64_t k, bool) { return o.term * k; }).value_or(a.term * b.term);
  const bool exact = use_ranges_ && !mul_overflows(a.hi, b.hi);
  std::optional<LinearForm> lin;
  if (exact && is_const(b))
    lin = scale(a.linear, b.lo);
  else if (exact && is_const(a))
    lin = scale(b.linear, a.lo);
  if (auto pw = pointwise(a, b, t, [](std::uint64_t x, std::uint64_t y) { return x * y; }))
    return aligned(with(*pw, lin), a.zeros + b.zeros);
  if (exact) return aligned({t, a.lo * b.lo, a.hi * b.hi, std::nullopt, {}, lin}, a.zeros + b.zeros);
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt}, a.zeros + b.zeros);
}

SymbolicValue SymbolicDomain::shl(const Value& a, const Value& n) const {
  smt::Expr t = split(a, n, [](const Value& o, std::uint64_t k, bool known_is_left) {
                  smt::Context& c = *o.term.context();
                  return known_is_left ? c.bv_val(k, 64).shl(o.term) : o.term.shl(c.bv_val(k, 64));
                }).value_or(a.term.shl(n.term));
  const bool exact = use_ranges_ && is_const(n) && n.lo < 64 && (a.hi >> (63 - n.lo) >> 1) == 0;
  const std::optional<LinearForm> lin = exact && n.lo <= 40 ? scale(a.linear, std::uint64_t{1} << n.lo) : std::nullopt;
  if (auto pw = pointwise(a, n, t, [](std::uint64_t x, std::uint64_t k) { return k >= 64 ? 0 : x << k; }))
    return aligned(with(*pw, lin), is_const(n) && n.lo < 64 ? a.zeros + static_cast<unsigned>(n.lo) : 0u);
  if (exact)
    return aligned({t, a.lo << n.lo, a.hi << n.lo, std::nullopt, {}, lin},
                   is_const(n) && n.lo < 64 ? a.zeros + static_cast<unsigned>(n.lo) : 0u);
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt},
                 is_const(n) && n.lo < 64 ? a.zeros + static_cast<unsigned>(n.lo) : 0u);
}

SymbolicValue SymbolicDomain::shr(const Value& a, const Value& n) const {
  smt::Expr t = a.term.lshr(n.term);
  auto shift = [](std::uint64_t x, std::uint64_t k) { return k >= 64 ? 0 : x >> k; };
  if (auto pw = pointwise(a, n, t, shift)) return *pw;
  if (use_ranges_) return {t, shift(a.lo, n.hi), shift(a.hi, n.lo), std::nullopt, {}, std::nullopt};
  return {t, 0, kMax, std::nullopt, {}, std::nullopt};
}

SymbolicValue SymbolicDomain::bit_and(const Value& a, const Value& b) const {
  // A constant mask within the other operand's known-zero low bits selects nothing.
  auto within_zeros = [](const Value& mask, const Value& v) {
    return is_const(mask) && (v.zeros >= 64 || (mask.lo >> v.zeros) == 0);
  };
  if (use_ranges_ && (within_zeros(b, a) || within_zeros(a, b))) return number(0);
  smt::Expr t = a.term & b.term;
  if (auto pw = pointwise(a, b, t, [](std::uint64_t x, std::uint64_t y) { return x & y; })) return *pw;
  if (use_ranges_)
    return aligned({t, 0, std::min(a.hi, b.hi), std::nullopt, {}, std::nullopt}, std::max(a.zeros, b.zeros));
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt}, std::max(a.zeros, b.zeros));
}

SymbolicValue SymbolicDomain::bit_or(const Value& a, const Value& b) const {
  smt::Expr t = a.term | b.term;
  if (auto pw = pointwise(a, b, t, [](std::uint64_t x, std::uint64_t y) { return x | y; })) return *pw;
  if (use_ranges_)
    return aligned({t, std::max(a.lo, b.lo), fill_below_top_bit(a.hi | b.hi), std::nullopt, {}, std::nullopt},
                   std::min(a.zeros, b.zeros));
  return aligned({t, 0, kMax, std::nullopt, {}, std::nullopt}, std::min(a.zeros, b.zeros));
}

smt::Expr SymbolicDomain::add_wraps(const Value& a, const Value& b) const {
  if (use_ranges_) {
    if (!add_overflows(a.hi, b.hi)) return truth(false);
    if (add_overflows(a.lo, b.lo)) return truth(true);
    if (auto c = decide_per_case(a, b, [&](std::uint64_t x, std::uint64_t y) { return (x + y < x); })) return *c;
  }
  return (a.term + b.term).ult(a.term);
}

smt::Expr SymbolicDomain::sub_wraps(const Value& a, const Value& b) const { return ult(a, b); }

smt::Expr SymbolicDomain::mul_wraps(const Value& a, const Value& b) const {
  if (use_ranges_) {
    if (!mul_overflows(a.hi, b.hi)) return truth(false);
    if (mul_overflows(a.lo, b.lo)) return truth(true);
    if (auto c = decide_per_case(a, b, [&](std::uint64_t x, std::uint64_t y) { return mul_overflows(x, y); }))
      return *c;
    auto by_constant = [](const Value& o, std::uint64_t k, bool) {
      return k == 0 ? o.term.context()->bool_val(false) : o.term.ugt(kMax / k);
    };
    if (auto s = split(a, b, by_constant)) return *s;
  }
  if (is_const(a)) return a.lo == 0 ? truth(false) : b.term.ugt(kMax / a.lo);
  if (is_const(b)) return b.lo == 0 ? truth(false) : a.term.ugt(kMax / b.lo);
  const smt::Expr wide = a.term.zext(64) * b.term.zext(64);
  return wide.extract(127, 64) != ctx_->bv_val(0, 64);
}

smt::Expr SymbolicDomain::shl_wraps(const Value& a, const Value& n) const {
  auto loses_bits = [](std::uint64_t x, std::uint64_t k) { return k >= 64 ? x != 0 : ((x << k) >> k) != x; };
  if (use_ranges_) {
    if (a.hi == 0) return truth(false);
    if (is_const(n) && (n.lo >= 64 || !loses_bits(a.hi, n.lo))) return truth(n.lo >= 64 && a.lo != 0);
    if (auto c = decide_per_case(a, n, [&](std::uint64_t x, std::uint64_t y) { return loses_bits(x, y); })) return *c;
  }
  return a.term.shl(n.term).lshr(n.term) != a.term;
}

smt::Expr SymbolicDomain::ult(const Value& a, const Value& b) const {
  if (use_ranges_) {
    if (a.hi < b.lo) return truth(true);
    if (a.lo >= b.hi) return truth(false);
    if (auto d = difference_range(a, b)) {
      if (d->first > 0) return truth(true);
      if (d->second <= 0) return truth(false);
    }
    if (auto c = decide_per_case(a, b, [&](std::uint64_t x, std::uint64_t y) { return (x < y); })) return *c;
  }
  return a.term.ult(b.term);
}

smt::Expr SymbolicDomain::ule(const Value& a, const Value& b) const {
  if (use_ranges_) {
    if (a.hi <= b.lo) return truth(true);
    if (a.lo > b.hi) return truth(false);
    if (auto d = difference_range(a, b)) {
      if (d->first >= 0) return truth(true);
      if (d->second < 0) return truth(false);
    }
    if (auto c = decide_per_case(a, b, [&](std::uint64_t x, std::uint64_t y) { return (x <= y); })) return *c;
  }
  return a.term.ule(b.term);
}

smt::Expr SymbolicDomain::eq(const Value& a, const Value& b) const {
  if (use_ranges_) {
    if (a.hi < b.lo || b.hi < a.lo) return truth(false);
    if (auto d = difference_range(a, b)) {
      if (d->first > 0 || d->second < 0) return truth(false);
      if (d->first == 0 && d->second == 0) return truth(true);
    }
    if (auto c = decide_per_case(a, b, [&](std::uint64_t x, std::uint64_t y) { return (x == y); })) return *c;
  }
  return a.term == b.term;
}

SymbolicValue SymbolicDomain::select(const Bool& c, const Value& a, const Value& b) const {
  if (auto k = c.as_bool()) return *k ? a : b;
  return aligned(
      {ite(c, a.term, b.term), std::min(a.lo, b.lo), std::max(a.hi, b.hi), std::nullopt, {}, std::nullopt, 0},
      std::min(a.zeros, b.zeros));
}

smt::Expr SymbolicDomain::power_of_two(const Value& a) const {
  auto pow2 = [](std::uint64_t x) { return x != 0 && (x & (x - 1)) == 0; };
  if (use_ranges_) {
    if (is_const(a)) return truth(pow2(a.lo));
    const Value zero = number(0);
    if (auto c = decide_per_case(a, zero, [&](std::uint64_t x, std::uint64_t y) {
          (void)y;
          return pow2(x);
        }))
      return *c;
  }
  return a.term != 0 && (a.term & (a.term - 1)) == 0;
}

std::string parameter_symbol(const Parameter& p) { return "param." + p.name; }

SymbolicSpec encode_spec(smt::Context& ctx, const Spec& spec, bool use_ranges) {
  SymbolicSpec out{SymbolicDomain(ctx, spec, use_ranges), {}, {}, {}};
  // The domains themselves are encoded without range reasoning: ranges assume them.
  SymbolicDomain plain(ctx, spec, false);
  out.parameters = out.domain.parameter_terms();
  for (std::size_t i = 0; i < spec.parameters.size(); ++i)
    out.assumptions.push_back({spec.parameters[i].path, parameter_domain(plain, spec.parameters[i], i)});
  for (const Constraint& c : spec.constraints)
    out.assumptions.push_back({c.expr.path, holds(out.domain, *c.expr.root)});
  for (const Region& r : spec.regions) out.regions.push_back(region_bounds(out.domain, r));
  return out;
}

}  // namespace ptv::spec
