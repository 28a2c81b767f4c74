// Expr operations: sort checks, constant folding, then the Z3 C API.
//
// Every operation first checks its operands (valid, same context, expected sorts and widths);
// a failed check records the reason in the Context and yields an invalid Expr. When every
// operand is a folded constant (widths <= 64), the result is computed here and made a numeral,
// so constant formulas never reach Z3's rewriter or solver.
#include "verifier/smt/expr.h"

#include <z3.h>

#include <string>
#include <utility>

#include "verifier/smt/context.h"
#include "verifier/smt/expr_access.h"

namespace ptv::smt {

Expr ExprAccess::wrap(Context& ctx, Z3_ast ast, unsigned width, std::optional<std::uint64_t> folded) {
  Z3_context z = ctx.raw();
  const Z3_error_code code = z == nullptr ? Z3_INTERNAL_FATAL : Z3_get_error_code(z);
  if (ast == nullptr || code != Z3_OK) {
    ctx.record_error(code != Z3_OK && z != nullptr ? std::string("Z3: ") + Z3_get_error_msg(z, code)
                                                   : std::string("Z3 returned no term"));
    return {};
  }
  Expr e;
  e.ctx_ = &ctx;
  e.ast_ = ast;
  Z3_inc_ref(z, ast);
  e.width_ = width;
  e.folded_ = folded.has_value();
  e.value_ = folded.value_or(0);
  return e;
}

Expr::Expr(const Expr& other)
    : ctx_(other.ctx_), ast_(other.ast_), width_(other.width_), folded_(other.folded_), value_(other.value_) {
  if (ast_) Z3_inc_ref(ctx_->raw(), ast_);
}

Expr::Expr(Expr&& other) noexcept
    : ctx_(std::exchange(other.ctx_, nullptr)),
      ast_(std::exchange(other.ast_, nullptr)),
      width_(std::exchange(other.width_, 0)),
      folded_(std::exchange(other.folded_, false)),
      value_(std::exchange(other.value_, 0)) {}

Expr& Expr::operator=(const Expr& other) {
  if (this != &other) {
    Expr copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Expr& Expr::operator=(Expr&& other) noexcept {
  if (this != &other) {
    if (ast_) Z3_dec_ref(ctx_->raw(), ast_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    ast_ = std::exchange(other.ast_, nullptr);
    width_ = std::exchange(other.width_, 0);
    folded_ = std::exchange(other.folded_, false);
    value_ = std::exchange(other.value_, 0);
  }
  return *this;
}

Expr::~Expr() {
  if (ast_) Z3_dec_ref(ctx_->raw(), ast_);
}

std::optional<std::uint64_t> Expr::as_u64() const {
  if (is_bv() && folded_) return value_;
  return std::nullopt;
}

std::optional<bool> Expr::as_bool() const {
  if (is_bool() && folded_) return value_ != 0;
  return std::nullopt;
}

std::string Expr::to_smt2() const {
  if (!valid()) return "<invalid>";
  return Z3_ast_to_string(ctx_->raw(), ast_);
}

namespace {

using A = ExprAccess;
using MkBinary = Z3_ast (*)(Z3_context, Z3_ast, Z3_ast);

constexpr std::uint64_t mask(unsigned width) {
  return width >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
}

bool is_const(const Expr& e) { return A::folded(e); }
std::uint64_t val(const Expr& e) { return A::value(e); }

std::string sort_name(const Expr& e) { return e.is_bool() ? "Bool" : "(_ BitVec " + std::to_string(e.width()) + ")"; }

// The context two operands share, or nullptr (and an error recorded) when they cannot combine.
Context* shared_context(const Expr& a, const Expr& b, const char* op) {
  // An invalid operand already recorded why it is invalid; keep that root cause.
  if (!a.valid() || !b.valid()) return nullptr;
  if (a.context() != b.context()) {
    a.context()->record_error(std::string(op) + ": operands belong to different contexts");
    return nullptr;
  }
  return a.context();
}

Context* bv_operands(const Expr& a, const Expr& b, const char* op) {
  Context* c = shared_context(a, b, op);
  if (!c) return nullptr;
  if (!a.is_bv() || !b.is_bv() || a.width() != b.width()) {
    c->record_error(std::string(op) + ": sort mismatch, " + sort_name(a) + " vs " + sort_name(b));
    return nullptr;
  }
  return c;
}

Context* bool_operands(const Expr& a, const Expr& b, const char* op) {
  Context* c = shared_context(a, b, op);
  if (!c) return nullptr;
  if (!a.is_bool() || !b.is_bool()) {
    c->record_error(std::string(op) + ": expects Booleans, got " + sort_name(a) + " and " + sort_name(b));
    return nullptr;
  }
  return c;
}

Expr numeral_like(const Expr& a, std::uint64_t v) {
  if (!a.is_bv()) {
    if (a.context()) a.context()->record_error("numeral operand needs a bit-vector partner, got " + sort_name(a));
    return {};
  }
  return a.context()->bv_val(v, a.width());
}

template <class Fold>
Expr bv_binary(const Expr& a, const Expr& b, const char* op, MkBinary mk, Fold fold) {
  Context* c = bv_operands(a, b, op);
  if (!c) return {};
  const unsigned w = a.width();
  if (w <= 64 && is_const(a) && is_const(b)) return c->bv_val(fold(val(a), val(b), w) & mask(w), w);
  return A::wrap(*c, mk(c->raw(), A::ast(a), A::ast(b)), w, std::nullopt);
}

template <class Fold>
Expr bv_compare(const Expr& a, const Expr& b, const char* op, MkBinary mk, Fold fold) {
  Context* c = bv_operands(a, b, op);
  if (!c) return {};
  if (a.width() <= 64 && is_const(a) && is_const(b)) return c->bool_val(fold(val(a), val(b)));
  return A::wrap(*c, mk(c->raw(), A::ast(a), A::ast(b)), 0, std::nullopt);
}

bool same_term(const Expr& a, const Expr& b) { return Z3_is_eq_ast(a.context()->raw(), A::ast(a), A::ast(b)); }

}  // namespace

Expr operator+(const Expr& a, const Expr& b) {
  if (a.is_bv() && is_const(b) && val(b) == 0 && b.width() == a.width()) return a;
  if (b.is_bv() && is_const(a) && val(a) == 0 && a.width() == b.width()) return b;
  return bv_binary(a, b, "bvadd", Z3_mk_bvadd, [](std::uint64_t x, std::uint64_t y, unsigned) { return x + y; });
}

Expr operator-(const Expr& a, const Expr& b) {
  if (a.is_bv() && is_const(b) && val(b) == 0 && b.width() == a.width()) return a;
  return bv_binary(a, b, "bvsub", Z3_mk_bvsub, [](std::uint64_t x, std::uint64_t y, unsigned) { return x - y; });
}

Expr operator*(const Expr& a, const Expr& b) {
  if (a.is_bv() && is_const(b) && val(b) == 1 && b.width() == a.width()) return a;
  if (b.is_bv() && is_const(a) && val(a) == 1 && a.width() == b.width()) return b;
  return bv_binary(a, b, "bvmul", Z3_mk_bvmul, [](std::uint64_t x, std::uint64_t y, unsigned) { return x * y; });
}

Expr operator&(const Expr& a, const Expr& b) {
  if (a.is_bv() && is_const(b) && b.width() == a.width() && a.width() <= 64) {
    if (val(b) == mask(a.width())) return a;
    if (val(b) == 0) return b;
  }
  return bv_binary(a, b, "bvand", Z3_mk_bvand, [](std::uint64_t x, std::uint64_t y, unsigned) { return x & y; });
}

Expr operator|(const Expr& a, const Expr& b) {
  if (a.is_bv() && is_const(b) && val(b) == 0 && b.width() == a.width()) return a;
  if (b.is_bv() && is_const(a) && val(a) == 0 && a.width() == b.width()) return b;
  return bv_binary(a, b, "bvor", Z3_mk_bvor, [](std::uint64_t x, std::uint64_t y, unsigned) { return x | y; });
}

Expr operator^(const Expr& a, const Expr& b) {
  return bv_binary(a, b, "bvxor", Z3_mk_bvxor, [](std::uint64_t x, std::uint64_t y, unsigned) { return x ^ y; });
}

Expr operator~(const Expr& a) {
  if (!a.is_bv()) {
    if (a.context()) a.context()->record_error("bvnot: expects a bit-vector, got " + sort_name(a));
    return {};
  }
  Context* c = a.context();
  if (a.width() <= 64 && is_const(a)) return c->bv_val(~val(a) & mask(a.width()), a.width());
  return A::wrap(*c, Z3_mk_bvnot(c->raw(), A::ast(a)), a.width(), std::nullopt);
}

Expr Expr::shl(const Expr& amount) const {
  return bv_binary(*this, amount, "bvshl", Z3_mk_bvshl,
                   [](std::uint64_t x, std::uint64_t n, unsigned w) { return n >= w ? 0 : x << n; });
}

Expr Expr::udiv(const Expr& divisor) const {
  return bv_binary(*this, divisor, "bvudiv", Z3_mk_bvudiv, [](std::uint64_t x, std::uint64_t y, unsigned w) {
    const std::uint64_t ones = w >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1;
    return y == 0 ? ones : x / y;
  });
}

Expr Expr::urem(const Expr& divisor) const {
  return bv_binary(*this, divisor, "bvurem", Z3_mk_bvurem,
                   [](std::uint64_t x, std::uint64_t y, unsigned) { return y == 0 ? x : x % y; });
}

Expr Expr::lshr(const Expr& amount) const {
  return bv_binary(*this, amount, "bvlshr", Z3_mk_bvlshr,
                   [](std::uint64_t x, std::uint64_t n, unsigned w) { return n >= w ? 0 : x >> n; });
}

Expr Expr::ule(const Expr& b) const {
  return bv_compare(*this, b, "bvule", Z3_mk_bvule, [](std::uint64_t x, std::uint64_t y) { return x <= y; });
}
Expr Expr::ult(const Expr& b) const {
  return bv_compare(*this, b, "bvult", Z3_mk_bvult, [](std::uint64_t x, std::uint64_t y) { return x < y; });
}
Expr Expr::uge(const Expr& b) const {
  return bv_compare(*this, b, "bvuge", Z3_mk_bvuge, [](std::uint64_t x, std::uint64_t y) { return x >= y; });
}
Expr Expr::ugt(const Expr& b) const {
  return bv_compare(*this, b, "bvugt", Z3_mk_bvugt, [](std::uint64_t x, std::uint64_t y) { return x > y; });
}

Expr operator==(const Expr& a, const Expr& b) {
  Context* c = shared_context(a, b, "=");
  if (!c) return {};
  if (a.width() != b.width()) {
    c->record_error("=: sort mismatch, " + sort_name(a) + " vs " + sort_name(b));
    return {};
  }
  if ((a.is_bool() || a.width() <= 64) && is_const(a) && is_const(b)) return c->bool_val(val(a) == val(b));
  if (same_term(a, b)) return c->bool_val(true);
  return A::wrap(*c, Z3_mk_eq(c->raw(), A::ast(a), A::ast(b)), 0, std::nullopt);
}

Expr operator!=(const Expr& a, const Expr& b) { return !(a == b); }

Expr operator&&(const Expr& a, const Expr& b) {
  Context* c = bool_operands(a, b, "and");
  if (!c) return {};
  if (is_const(a)) return val(a) ? b : a;
  if (is_const(b)) return val(b) ? a : b;
  Z3_ast args[2] = {A::ast(a), A::ast(b)};
  return A::wrap(*c, Z3_mk_and(c->raw(), 2, args), 0, std::nullopt);
}

Expr operator||(const Expr& a, const Expr& b) {
  Context* c = bool_operands(a, b, "or");
  if (!c) return {};
  if (is_const(a)) return val(a) ? a : b;
  if (is_const(b)) return val(b) ? b : a;
  Z3_ast args[2] = {A::ast(a), A::ast(b)};
  return A::wrap(*c, Z3_mk_or(c->raw(), 2, args), 0, std::nullopt);
}

Expr operator!(const Expr& a) {
  if (!a.is_bool()) {
    if (a.context()) a.context()->record_error("not: expects a Boolean, got " + sort_name(a));
    return {};
  }
  Context* c = a.context();
  if (is_const(a)) return c->bool_val(val(a) == 0);
  return A::wrap(*c, Z3_mk_not(c->raw(), A::ast(a)), 0, std::nullopt);
}

Expr Expr::implies(const Expr& b) const { return !*this || b; }

Expr Expr::extract(unsigned hi, unsigned lo) const {
  if (!is_bv() || lo > hi || hi >= width_) {
    if (ctx_)
      ctx_->record_error("extract(" + std::to_string(hi) + ", " + std::to_string(lo) + ") of " + sort_name(*this));
    return {};
  }
  const unsigned w = hi - lo + 1;
  if (width_ <= 64 && folded_) return ctx_->bv_val((value_ >> lo) & mask(w), w);
  return A::wrap(*ctx_, Z3_mk_extract(ctx_->raw(), hi, lo, ast_), w, std::nullopt);
}

Expr Expr::zext(unsigned extra_bits) const {
  if (!is_bv()) {
    if (ctx_) ctx_->record_error("zext of " + sort_name(*this));
    return {};
  }
  if (extra_bits == 0) return *this;
  const unsigned w = width_ + extra_bits;
  if (w <= 64 && folded_) return ctx_->bv_val(value_, w);
  return A::wrap(*ctx_, Z3_mk_zero_ext(ctx_->raw(), extra_bits, ast_), w, std::nullopt);
}

Expr concat(const Expr& hi, const Expr& lo) {
  Context* c = shared_context(hi, lo, "concat");
  if (!c) return {};
  if (!hi.is_bv() || !lo.is_bv()) {
    c->record_error("concat: expects bit-vectors, got " + sort_name(hi) + " and " + sort_name(lo));
    return {};
  }
  const unsigned w = hi.width() + lo.width();
  if (w <= 64 && is_const(hi) && is_const(lo)) return c->bv_val((val(hi) << lo.width()) | val(lo), w);
  return A::wrap(*c, Z3_mk_concat(c->raw(), A::ast(hi), A::ast(lo)), w, std::nullopt);
}

Expr forall(const Expr& var, const Expr& body) {
  if (!var.valid() || !body.is_bool() || var.context() != body.context()) {
    if (body.context()) body.context()->record_error("forall: needs a constant and a Boolean body of one context");
    return {};
  }
  Context* c = body.context();
  if (is_const(body)) return body;
  Z3_app bound = Z3_to_app(c->raw(), A::ast(var));
  return A::wrap(*c, Z3_mk_forall_const(c->raw(), 0, 1, &bound, 0, nullptr, A::ast(body)), 0, std::nullopt);
}

Expr ite(const Expr& cond, const Expr& t, const Expr& e) {
  Context* c = shared_context(t, e, "ite");
  if (!c) return {};
  if (!cond.is_bool() || cond.context() != c) {
    c->record_error("ite: the condition must be a Boolean of the same context, got " + sort_name(cond));
    return {};
  }
  if (t.width() != e.width()) {
    c->record_error("ite: branch sorts differ, " + sort_name(t) + " vs " + sort_name(e));
    return {};
  }
  if (is_const(cond)) return val(cond) ? t : e;
  if (same_term(t, e)) return t;
  return A::wrap(*c, Z3_mk_ite(c->raw(), A::ast(cond), A::ast(t), A::ast(e)), t.width(), std::nullopt);
}

Expr operator+(const Expr& a, std::uint64_t b) { return a + numeral_like(a, b); }
Expr operator-(const Expr& a, std::uint64_t b) { return a - numeral_like(a, b); }
Expr operator*(const Expr& a, std::uint64_t b) { return a * numeral_like(a, b); }
Expr operator&(const Expr& a, std::uint64_t b) { return a & numeral_like(a, b); }
Expr operator|(const Expr& a, std::uint64_t b) { return a | numeral_like(a, b); }
Expr operator==(const Expr& a, std::uint64_t b) { return a == numeral_like(a, b); }
Expr operator!=(const Expr& a, std::uint64_t b) { return a != numeral_like(a, b); }
Expr Expr::ule(std::uint64_t b) const { return ule(numeral_like(*this, b)); }
Expr Expr::ult(std::uint64_t b) const { return ult(numeral_like(*this, b)); }
Expr Expr::uge(std::uint64_t b) const { return uge(numeral_like(*this, b)); }
Expr Expr::ugt(std::uint64_t b) const { return ugt(numeral_like(*this, b)); }

}  // namespace ptv::smt
