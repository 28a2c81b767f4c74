// Strategy: pin the typed wrapper's contract one rule per test case, lowest layer first. Each
// operation is checked twice: on numerals (constant folding, computed in C++) and on symbolic
// constants (solved by Z3), and the two must agree; sort errors must yield invalid Exprs that
// propagate instead of crashing. Unsigned comparison is checked on values where a signed
// comparison would answer the opposite.
#include "verifier/smt/expr.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"

using namespace ptv::smt;

namespace {

// The value Z3 gives `e` when every constant in `bindings` is fixed.
std::uint64_t solve_value(Context& ctx, const Expr& e, const std::vector<std::pair<Expr, std::uint64_t>>& bindings) {
  Solver s(ctx);
  for (const auto& [c, v] : bindings) s.add(c == v);
  const Expr out = ctx.bv_const("out", e.width());
  s.add(out == e);
  CheckResult r = s.check("value");
  REQUIRE(r.model() != nullptr);
  return *r.model()->eval(out);
}

bool solve_bool(Context& ctx, const Expr& e, const std::vector<std::pair<Expr, std::uint64_t>>& bindings) {
  Solver s(ctx);
  for (const auto& [c, v] : bindings) s.add(c == v);
  s.add(e);
  return s.check("holds").is_sat();
}

}  // namespace

TEST_CASE("smt expr: a default Expr is invalid and has no value") {
  Expr e;
  CHECK_FALSE(e.valid());
  CHECK_FALSE(e.as_u64().has_value());
  CHECK_FALSE(e.as_bool().has_value());
  CHECK(e.to_smt2() == "<invalid>");
}

TEST_CASE("smt expr: numerals fold through arithmetic, modulo the width") {
  Context ctx;
  const Expr a = ctx.bv_val(0xffff'ffff'ffff'fff0, 64);
  const Expr b = ctx.bv_val(0x20, 64);
  CHECK((a + b).as_u64() == 0x10);
  CHECK((b - a).as_u64() == 0x30);
  CHECK((b * b).as_u64() == 0x400);
  CHECK((a & b).as_u64() == 0x20);
  CHECK((a | ctx.bv_val(1, 64)).as_u64() == 0xffff'ffff'ffff'fff1);
  CHECK((a ^ a).as_u64() == 0);
  CHECK((~b).as_u64() == 0xffff'ffff'ffff'ffdf);
  CHECK(b.shl(ctx.bv_val(4, 64)).as_u64() == 0x200);
  CHECK(b.shl(ctx.bv_val(64, 64)).as_u64() == 0);
  CHECK(a.lshr(ctx.bv_val(60, 64)).as_u64() == 0xf);
  const Expr n8 = ctx.bv_val(0xf0, 8);
  CHECK((n8 + ctx.bv_val(0x20, 8)).as_u64() == 0x10);
  CHECK(n8.extract(7, 4).as_u64() == 0xf);
  CHECK(n8.zext(8).width() == 16);
  CHECK(concat(n8, ctx.bv_val(0xab, 8)).as_u64() == 0xf0ab);
}

TEST_CASE("smt expr: folded and solved results agree for every operation") {
  Context ctx;
  const Expr x = ctx.bv_const("x", 64);
  const Expr y = ctx.bv_const("y", 64);
  const std::uint64_t vx = 0x8000'0000'0000'0001, vy = 0x7fff'ffff'ffff'ffff;
  const Expr kx = ctx.bv_val(vx, 64), ky = ctx.bv_val(vy, 64);
  const std::vector<std::pair<Expr, std::uint64_t>> b = {{x, vx}, {y, vy}};
  CHECK(solve_value(ctx, x + y, b) == *(kx + ky).as_u64());
  CHECK(solve_value(ctx, x - y, b) == *(kx - ky).as_u64());
  CHECK(solve_value(ctx, x * y, b) == *(kx * ky).as_u64());
  CHECK(solve_value(ctx, x & y, b) == *(kx & ky).as_u64());
  CHECK(solve_value(ctx, x | y, b) == *(kx | ky).as_u64());
  CHECK(solve_value(ctx, x ^ y, b) == *(kx ^ ky).as_u64());
  CHECK(solve_value(ctx, ~x, b) == *(~kx).as_u64());
  CHECK(solve_bool(ctx, x.ugt(y), b) == *kx.ugt(ky).as_bool());
  CHECK(solve_bool(ctx, x.ult(y), b) == *kx.ult(ky).as_bool());
}

TEST_CASE("smt expr: comparisons are unsigned, so the upper half is above the lower half") {
  Context ctx;
  const Expr kernel = ctx.bv_val(0xffff'8000'0000'0000, 64);
  const Expr user = ctx.bv_val(0x0000'7fff'ffff'f000, 64);
  CHECK(kernel.ugt(user).as_bool() == true);
  CHECK(user.ult(kernel).as_bool() == true);
  CHECK(kernel.ule(user).as_bool() == false);
  CHECK(user.uge(kernel).as_bool() == false);
  // The same on symbolic terms, where Z3 decides: a signed bvslt would call kernel < user.
  const Expr va = ctx.bv_const("va", 64);
  CHECK(solve_bool(ctx, va.ugt(user), {{va, 0xffff'8000'0000'0000}}));
  CHECK_FALSE(solve_bool(ctx, va.ult(user), {{va, 0xffff'8000'0000'0000}}));
}

TEST_CASE("smt expr: width mismatches make an invalid Expr and record why") {
  Context ctx;
  const Expr a = ctx.bv_const("a", 64);
  const Expr b = ctx.bv_const("b", 48);
  const Expr sum = a + b;
  CHECK_FALSE(sum.valid());
  REQUIRE(ctx.last_error().has_value());
  CHECK(ctx.last_error()->find("(_ BitVec 64) vs (_ BitVec 48)") != std::string::npos);
  CHECK_FALSE(a.ule(b).valid());
  CHECK_FALSE((a == b).valid());
  CHECK_FALSE(ite(a == a, a, b).valid());
  CHECK_FALSE((a.ule(a) && a).valid());  // Boolean connective on a bit-vector
  CHECK_FALSE(a.extract(64, 0).valid());
  CHECK_FALSE(ctx.bv_val(256, 8).valid());
  CHECK_FALSE(ctx.bv_const("a", 32).valid());      // redeclared with another width
  CHECK_FALSE(ctx.bv_const("9lives", 8).valid());  // not an SMT-LIB simple symbol
}

TEST_CASE("smt expr: invalidity propagates through every later operation") {
  Context ctx;
  const Expr a = ctx.bv_const("a", 64);
  const Expr bad = a + ctx.bv_const("narrow", 8);
  REQUIRE_FALSE(bad.valid());
  CHECK_FALSE((bad + a).valid());
  CHECK_FALSE(bad.ult(a).valid());
  CHECK_FALSE((!(bad == a)).valid());
  CHECK_FALSE(ite(a.ult(a), bad, a).valid());
  CHECK_FALSE(bad.extract(3, 0).valid());
  CHECK_FALSE(bad.zext(64).valid());
}

TEST_CASE("smt expr: Boolean connectives simplify around constants") {
  Context ctx;
  const Expr p = ctx.bool_const("p");
  const Expr t = ctx.bool_val(true), f = ctx.bool_val(false);
  CHECK((f && p).as_bool() == false);
  CHECK((t || p).as_bool() == true);
  CHECK((t && p).to_smt2() == "p");
  CHECK((f || p).to_smt2() == "p");
  CHECK((!t).as_bool() == false);
  CHECK(f.implies(p).as_bool() == true);
  const Expr x = ctx.bv_const("x", 64);
  CHECK(ite(t, x, x + 1).to_smt2() == "x");
  CHECK(ite(p, x, x).to_smt2() == "x");
  CHECK((x == x).as_bool() == true);
  CHECK((x + 0).to_smt2() == "x");
  CHECK((x & 0).as_u64() == 0);
}

TEST_CASE("smt expr: terms print as SMT-LIB 2") {
  Context ctx;
  const Expr x = ctx.bv_const("x", 64);
  CHECK(x.extract(63, 47).to_smt2() == "((_ extract 63 47) x)");
  CHECK(x.ule(0xffff'8000'0000'0000).to_smt2() == "(bvule x #xffff800000000000)");
}
