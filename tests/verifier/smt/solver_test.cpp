// Strategy: pin the Solver's result lattice one outcome per test case: Unsat (with the unsat
// core naming tracked assertions), Sat (the only outcome with a model), Unknown for each limit
// (a hard factoring query under a tiny timeout or rlimit), Invalid when an encoding failure
// reaches the solver, RAII scopes, and the SMT-LIB export that z3 re-checks.
#include "verifier/smt/solver.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scratch_dir.h"
#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"

using namespace ptv::smt;

namespace {

// x * y == a 64-bit semiprime with x, y > 1: hard enough that Z3 needs far more than 1 ms.
void add_factoring(Context& ctx, Solver& s) {
  const Expr x = ctx.bv_const("x", 64).zext(64), y = ctx.bv_const("y", 64).zext(64);
  s.add(x * y == ctx.bv_val(0xffff'fffbull * 0xffff'ffefull, 64).zext(64));
  s.add(x.ugt(ctx.bv_val(1, 128)) && y.ugt(ctx.bv_val(1, 128)));
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("smt solver: unsat names the tracked assertions of its core, and has no model") {
  Context ctx;
  Solver s(ctx);  // unsat cores are on by default
  const Expr a = ctx.bv_const("a", 64);
  s.add(a.ugt(10), "constraints[0]");
  s.add(a.ult(5), "constraints[1]");
  s.add(a.ugt(1), "constraints[2]");
  CheckResult r = s.check("contradiction");
  REQUIRE(r.is_unsat());
  CHECK(r.model() == nullptr);
  CHECK(r.kind() == "unsat");
  const auto& core = r.unsat()->core;
  CHECK(std::find(core.begin(), core.end(), "constraints[0]") != core.end());
  CHECK(std::find(core.begin(), core.end(), "constraints[1]") != core.end());
}

TEST_CASE("smt solver: without unsat cores, tracked assertions still constrain and the core is empty") {
  Context ctx;
  SolverOptions no_cores;
  no_cores.unsat_cores = false;
  Solver s(ctx, no_cores);
  const Expr a = ctx.bv_const("a", 64);
  s.add(a.ugt(10), "constraints[0]");
  s.add(a.ult(5), "constraints[1]");
  CheckResult r = s.check("contradiction");
  REQUIRE(r.is_unsat());
  CHECK(r.unsat()->core.empty());
}

TEST_CASE("smt solver: sat hands out a model that evaluates terms to uint64") {
  Context ctx;
  Solver s(ctx);
  const Expr a = ctx.bv_const("a", 64);
  s.add(a.ugt(0xffff'8000'0000'0000) && (a & 0xfff) == 0 && a.ult(0xffff'8000'0000'2000));
  CheckResult r = s.check("page");
  REQUIRE(r.is_sat());
  REQUIRE(r.model() != nullptr);
  CHECK(r.model()->eval(a) == 0xffff'8000'0000'1000);
  CHECK(r.model()->eval(a + 1) == 0xffff'8000'0000'1001);
  CHECK(r.model()->eval_bool(a.ugt(0)) == true);
  CHECK_FALSE(r.model()->eval(a.ugt(0)).has_value());  // a Boolean is not a bit-vector
}

TEST_CASE("smt solver: a reached timeout is Unknown with the timeout named") {
  Context ctx;
  SolverOptions o;
  o.limits.timeout_ms = 50;
  Solver s(ctx, o);
  add_factoring(ctx, s);
  CheckResult r = s.check("factor");
  REQUIRE(r.unknown() != nullptr);
  CHECK(r.model() == nullptr);
  CHECK(r.unknown()->reason == UnknownReason::kTimeout);
  CHECK(r.unknown()->detail.find("50 ms") != std::string::npos);
}

TEST_CASE("smt solver: a reached resource limit is Unknown with the rlimit named") {
  Context ctx;
  Solver s(ctx);
  s.set_limits(QueryLimits{0, 2000, 0});
  add_factoring(ctx, s);
  CheckResult r = s.check("factor");
  REQUIRE(r.unknown() != nullptr);
  CHECK(r.unknown()->reason == UnknownReason::kResourceLimit);
  CHECK(r.unknown()->detail.find("2000") != std::string::npos);
}

TEST_CASE("smt solver: a reached memory limit is Unknown with the limit named, and lifted after the query") {
  Context ctx;
  Solver s(ctx);
  // 1 MiB is far below what bit-blasting the 128-bit product needs.
  s.set_limits(QueryLimits{0, 0, 1});
  add_factoring(ctx, s);
  CheckResult r = s.check("factor");
  REQUIRE(r.unknown() != nullptr);
  CHECK(r.model() == nullptr);
  CHECK(r.unknown()->reason == UnknownReason::kMemoryLimit);
  CHECK(r.unknown()->detail.find("memory limit of 1 MiB") != std::string::npos);
  // The ceiling applies while solving only: new terms and a query without it still work.
  Solver after(ctx);
  const Expr a = ctx.bv_const("after", 64);
  after.add(a.ugt(7));
  CHECK(after.check("after the limit").is_sat());
}

TEST_CASE("smt solver: an invalid assertion makes the query Invalid until its scope is popped") {
  Context ctx;
  Solver s(ctx);
  const Expr a = ctx.bv_const("a", 64);
  s.add(a.ugt(1));
  {
    auto scope = s.push();
    s.add(a.ult(ctx.bv_const("b", 32)), "broken");
    CheckResult r = s.check("broken");
    REQUIRE(r.invalid() != nullptr);
    CHECK(r.invalid()->reason.find("broken") != std::string::npos);
    CHECK(r.invalid()->reason.find("BitVec 32") != std::string::npos);
    CHECK(r.model() == nullptr);
  }
  CHECK(s.check("after pop").is_sat());
}

TEST_CASE("smt solver: push scopes retract their assertions when they end") {
  Context ctx;
  Solver s(ctx);
  const Expr a = ctx.bv_const("a", 64);
  s.add(a.ult(100));
  {
    auto scope = s.push();
    s.add(a.ugt(200));
    CHECK(s.check("inner").is_unsat());
  }
  CHECK(s.check("outer").is_sat());
  CHECK(s.history().size() == 2);
  CHECK(s.history()[0].name == "inner");
  CHECK(s.history()[0].kind == "unsat");
}

TEST_CASE("smt solver: each query is exported as a complete SMT-LIB file z3 re-checks") {
  const ptv::test::ScratchDir dir;
  Context ctx;
  SolverOptions o;
  o.emit_smt2_dir = dir.path();
  Solver s(ctx, o);
  const Expr a = ctx.bv_const("param.a", 64);
  s.add(a.ugt(10), "parameters.a.min");
  CheckResult sat = s.check("P01/sat query");
  CheckResult again = s.check("P01/sat query");
  {
    auto scope = s.push();
    s.add(a.ult(3));
    CHECK(s.check("P02.unsat").is_unsat());
  }
  REQUIRE(sat.smt2_file().has_value());
  CHECK(sat.smt2_file()->filename() == "P01_sat_query.smt2");
  REQUIRE(again.smt2_file().has_value());
  CHECK(again.smt2_file()->filename() == "P01_sat_query-2.smt2");
  const std::string text = read_file(dir / "P02.unsat.smt2");
  CHECK(text.find("(set-logic QF_BV)") != std::string::npos);
  CHECK(text.find("(declare-fun param.a () (_ BitVec 64))") != std::string::npos);
  CHECK(text.find("; parameters.a.min") != std::string::npos);
  CHECK(text.find("(check-sat)") != std::string::npos);
  CHECK(text.find("(set-info :status unsat)") != std::string::npos);
  if (std::system("z3 --version > /dev/null 2>&1") != 0) {
    MESSAGE("z3 binary not found: skipping the re-check of the exported file");
    return;
  }
  const std::string cmd = "z3 " + (dir / "P02.unsat.smt2").string();
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[64] = {};
  const bool got = std::fgets(buf, sizeof buf, p) != nullptr;
  pclose(p);
  REQUIRE(got);
  CHECK(std::string(buf) == "unsat\n");
}
