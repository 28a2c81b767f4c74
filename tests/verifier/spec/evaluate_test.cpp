// Strategy: the concrete and the symbolic evaluator are one template (evaluate.h) on two
// domains; this pins them together on a spec that exercises every operator, wrap-around case,
// helper and region shape. For many parameter assignments (the domain's corners plus a fixed
// pseudo-random sample), Z3 evaluates each region's symbolic bounds with the parameters fixed,
// and the result must equal the concrete bounds, including whether they are well-defined.
// The symbolic domain's range, case and alignment reasoning is thereby checked against plain
// 64-bit arithmetic. Then the concrete layout API (innermost region, array parts) is pinned.
#include <doctest/doctest.h>

#include <random>

#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/parse.h"
#include "verifier/spec/symbolic.h"

using namespace ptv;
using namespace ptv::spec;

namespace {

const char* kSpec = R"JSON({
  "name": "every-operator",
  "rules": {"paging_mode": 4},
  "parameters": {
    "a": {"min": 0, "max": "0xffffffffffffffff"},
    "b": {"min": 1, "max": 64},
    "s": {"values": ["16 * KiB", "32 * KiB", "0x5000"]},
    "k": {"min": "0xffffffff80000000", "max": "0xfffffffffff00000", "align": "1 * MiB"}
  },
  "definitions": {"top": "0xffffffffffffffff"},
  "regions": [
    {"name": "sum", "kind": "other", "half": "kernel", "start": "k", "size": "a + b", "must": "unmapped"},
    {"name": "diff", "kind": "other", "half": "kernel", "start": "k - a", "end": "k", "must": "unmapped"},
    {"name": "prod", "kind": "other", "half": "kernel", "start": "k", "size": "s * b * 0x10000", "must": "unmapped"},
    {"name": "shift", "kind": "other", "half": "kernel", "start": "k", "size": "b << a", "must": "unmapped"},
    {"name": "mask", "kind": "other", "half": "kernel", "start": "(k | 0x123) & 0xffffffffffff0fff", "last": "top >> (b & 7)", "must": "unmapped"},
    {"name": "align", "kind": "other", "half": "kernel", "start": "align_down(k + a, s)", "end": "align_up(k + a, b)", "must": "unmapped"},
    {"name": "minmax", "kind": "other", "half": "kernel", "start": "min(k, a)", "last": "max(k, a * s)", "must": "unmapped"}
  ],
  "arrays": [
    {"name": "arr", "kind": "stack", "half": "kernel", "start": "k", "count": "b", "size": "s", "guard": "a & 0x3000", "must": "unmapped"},
    {"name": "strided", "kind": "stack", "half": "kernel", "start": "k", "count": "a", "size": "s", "guard": "4 * KiB", "stride": "b * 0x1000", "must": "unmapped"}
  ]
})JSON";

smt::SolverOptions no_cores() {
  smt::SolverOptions o;
  o.unsat_cores = false;
  return o;
}

std::vector<ParameterValues> samples() {
  std::vector<ParameterValues> out;
  const std::uint64_t as[] = {
      0, 1, 0xfff, 0x1000, 0x3000, 63, 64, 0x7fff'ffff, 0xffff'ffff'ffff'ffff, 0x8000'0000'0000'0000};
  const std::uint64_t bs[] = {1, 2, 7, 63, 64};
  const std::uint64_t ss[] = {0x4000, 0x8000, 0x5000};
  const std::uint64_t ks[] = {0xffff'ffff'8000'0000, 0xffff'ffff'fff0'0000, 0xffff'ffff'c010'0000};
  for (auto a : as)
    for (auto b : bs) out.push_back({a, b, ss[(a + b) % 3], ks[(a ^ b) % 3]});
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 60; ++i) {
    const std::uint64_t a = (i % 2) ? rng() : rng() >> (rng() % 64);
    out.push_back({a, 1 + rng() % 64, ss[rng() % 3], 0xffff'ffff'8000'0000 + ((rng() % 0x7ff) << 20)});
  }
  return out;
}

}  // namespace

TEST_CASE("spec evaluate: symbolic bounds equal concrete bounds for every sampled assignment") {
  Expected<Spec> spec = parse_spec(kSpec, "every-operator.json");
  REQUIRE(spec.ok());
  smt::Context ctx;
  SymbolicSpec sym = encode_spec(ctx, *spec);
  for (const ParameterValues& values : samples()) {
    CAPTURE(format_parameters(*spec, values));
    REQUIRE(violated_assumptions(*spec, values).empty());
    smt::Solver s(ctx, no_cores());
    for (std::size_t i = 0; i < values.size(); ++i) s.add(sym.parameters[i] == values[i]);
    for (const auto& a : sym.assumptions) s.add(a.holds, a.name);
    smt::CheckResult r = s.check("fixed");
    REQUIRE(r.model() != nullptr);
    const smt::Model& m = *r.model();
    for (std::size_t i = 0; i < spec->regions.size(); ++i) {
      CAPTURE(spec->regions[i].name);
      const Bounds<ConcreteDomain> c = concrete_bounds(*spec, values, i);
      const Bounds<SymbolicDomain>& y = sym.regions[i];
      REQUIRE(m.eval_bool(y.ok).has_value());
      CHECK(*m.eval_bool(y.ok) == c.ok);
      if (!c.ok) continue;
      CHECK(m.eval(y.start.term) == c.start);
      CHECK(m.eval(y.last.term) == c.last);
      CHECK(m.eval(y.count.term) == c.count);
      CHECK(m.eval(y.stride.term) == c.stride);
    }
  }
}

TEST_CASE("spec evaluate: the plain encoding agrees with the range-reasoning one") {
  Expected<Spec> spec = parse_spec(kSpec, "every-operator.json");
  REQUIRE(spec.ok());
  smt::Context ctx;
  SymbolicSpec fast = encode_spec(ctx, *spec, true);
  SymbolicSpec plain = encode_spec(ctx, *spec, false);
  // No assignment of the domain tells the two apart, for any region's well-definedness or bounds.
  for (std::size_t i = 0; i < spec->regions.size(); ++i) {
    CAPTURE(spec->regions[i].name);
    smt::Solver s(ctx, no_cores());
    for (const auto& a : plain.assumptions) s.add(a.holds, a.name);
    const auto& f = fast.regions[i];
    const auto& p = plain.regions[i];
    s.add(f.ok != p.ok || (p.ok && (f.start.term != p.start.term || f.last.term != p.last.term)));
    CHECK(s.check("fast-vs-plain." + spec->regions[i].name).is_unsat());
  }
}

TEST_CASE("spec evaluate: constraints are false where their arithmetic wraps") {
  Expected<Spec> spec = parse_spec(R"JSON({"name": "c", "rules": {"paging_mode": 4},
    "parameters": {"x": {}}, "constraints": ["x + 1 > x", "!(x - 1 > x)"], "regions": []})JSON",
                                   "c.json");
  REQUIRE(spec.ok());
  CHECK(violated_assumptions(*spec, {5}).empty());
  // x + 1 wraps at the top: the first constraint does not hold (it is not "true by wrapping").
  CHECK(violated_assumptions(*spec, {~std::uint64_t{0}}) == std::vector<std::string>{"constraints[0]"});
  // x - 1 wraps at 0: the negation does not make it hold either.
  CHECK(violated_assumptions(*spec, {0}) == std::vector<std::string>{"constraints[1]"});
}

TEST_CASE("spec evaluate: a layout places regions and finds the innermost one") {
  Expected<Spec> spec = parse_spec(R"JSON({"name": "l", "rules": {"paging_mode": 4},
    "parameters": {"n": {"min": 1, "max": 8}},
    "regions": [
      {"name": "outer", "kind": "vmalloc", "half": "kernel", "start": "0xffffc90000000000", "size": "1 * GiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}}
    ],
    "arrays": [
      {"name": "stacks", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": "n", "size": "16 * KiB",
       "guard": "4 * KiB", "stride": "32 * KiB", "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "nested_in": "outer"}
    ]})JSON",
                                   "l.json");
  REQUIRE(spec.ok());
  Expected<Layout> layout = evaluate_layout(*spec, {2});
  REQUIRE(layout.ok());
  const PlacedRegion& st = layout->regions[1];
  CHECK(st.range.first == VirtAddr(0xffff'c900'0000'0000));
  CHECK(st.range.last == VirtAddr(0xffff'c900'0000'cfff));  // element 1 + its guard: 32 KiB + 20 KiB
  CHECK(layout->innermost(VirtAddr(0xffff'c900'0000'0000)) == 1u);
  CHECK(layout->innermost(VirtAddr(0xffff'c900'0001'0000)) == 0u);  // past the array
  CHECK(st.part_at(VirtAddr(0xffff'c900'0000'3fff)) == std::pair{PlacedRegion::Part::kElement, std::uint64_t{0}});
  CHECK(st.part_at(VirtAddr(0xffff'c900'0000'4000)) == std::pair{PlacedRegion::Part::kGuard, std::uint64_t{0}});
  CHECK(st.part_at(VirtAddr(0xffff'c900'0000'5000)) == std::pair{PlacedRegion::Part::kGap, std::uint64_t{0}});
  CHECK(st.part_at(VirtAddr(0xffff'c900'0000'8000)) == std::pair{PlacedRegion::Part::kElement, std::uint64_t{1}});
  CHECK_FALSE(layout->innermost(VirtAddr(0x1000)).has_value());
  Expected<Layout> bad = evaluate_layout(*spec, {9});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "l.json: parameters.n does not hold for n=0x9");
}
