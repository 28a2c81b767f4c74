// The concrete pass over the intervals (verifier/checks/sweep.h) against the solver, instance by
// instance, on seeded random machines and specs (the oracle's generator): for every (rule,
// region) instance and both strengths, "some address breaks it" must be the solver's answer
// to the same question over the trie's term, and the address the pass gives must break it when
// replayed on the mapping set. The same against arrays of a million elements (the pass steps over
// their periods), and the stretches it lists for parameter inference against the rule
// predicates replayed at their ends.
#include "verifier/checks/sweep.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "models/format.h"
#include "models/walk.h"
#include "verifier/checks/check_steps.h"
#include "verifier/checks/domains.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/oracle/agreement.h"
#include "verifier/oracle/random_machine.h"
#include "verifier/smt/trie_encoding.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;
using namespace ptv::check::detail;

namespace {

/// One random case's machine, read as `check` reads a raw dump.
struct Case {
  explicit Case(std::uint64_t seed)
      : rc(oracle::random_case(seed)),
        state(oracle::paging_state(rc.machine)),
        reader(oracle::table_reader(rc.machine)),
        space(enumerate_address_space(state, reader)) {
    REQUIRE(space.ok());
    ms = to_mapping_set(*space, state, "elf-core", "random");
    auto t = AddressTrie::build(ms);
    REQUIRE(t.ok());
    trie.emplace(std::move(*t));
  }
  oracle::RandomCase rc;
  PagingState state;
  TableReader reader;
  Expected<AddressSpace> space;
  MappingSet ms;
  std::optional<AddressTrie> trie;
};

struct Tally {
  std::size_t holding = 0, breaking = 0;
};

/// Every instance, both strengths: the pass's first break against the solver's answer, and the
/// address replayed.
void compare_with_solver(const Case& c, const spec::Spec& spec, const spec::Layout& layout, Tally& tally) {
  const RawContext raw{c.state, c.reader, std::nullopt, &*c.space};
  const CheckOptions opts;
  const CheckInputs in{c.ms, spec, &raw, opts, *c.trie};
  Sweep sweep(in, layout);
  if (!sweep.decides()) return;
  smt::Context ctx;
  smt::TrieEncoding enc(ctx, *c.trie);
  const smt::Expr a = ctx.bv_const("va", 64);
  const smt::Expr cls = enc.class_of(a);
  SearchDomain d{{&ctx}, &enc};
  const auto cterms = concrete_terms(spec, layout);
  const auto terms = numeral_terms(ctx, cterms);
  ConcreteDomain cd;
  for (const Instance& inst : decidable_instances(spec, &raw))
    for (Strength s : {Strength::kMust, Strength::kMay}) {
      CAPTURE(instance_name(spec, inst));
      CAPTURE(s == Strength::kMust);
      smt::Solver solver(ctx, solver_options(opts, Query::kSearch));
      solver.add(enc.canonical(a));
      solver.add(violates(d, spec, inst, a, cls, terms, s));
      const smt::CheckResult r = solver.check("sweep-test");
      REQUIRE((r.is_sat() || r.is_unsat()));
      const std::optional<VirtAddr> found = sweep.first_break({inst}, s);
      CHECK(found.has_value() == r.is_sat());
      if (found) {
        ++tally.breaking;
        CHECK(violates(cd, spec, inst, found->value(), class_at(c.ms, *found), cterms, s));
      } else {
        ++tally.holding;
      }
    }
}

/// The random spec's layout with every parameter at its least value (`greatest`: its greatest).
Expected<spec::Layout> layout_at(const spec::Spec& spec, bool greatest) {
  spec::ParameterValues values;
  for (const spec::Parameter& p : spec.parameters)
    values.push_back(p.values.empty() ? (greatest ? p.max : p.min) : (greatest ? p.values.back() : p.values.front()));
  return spec::evaluate_layout(spec, values);
}

std::uint64_t cases_to_run() {
  const char* env = std::getenv("PTV_DIFF_CASES");
  return env && *env ? std::strtoull(env, nullptr, 0) : 40;
}

}  // namespace

TEST_CASE("sweep: the pass over the intervals answers each instance as the solver does, on random cases") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= cases_to_run(); ++seed) {
    CAPTURE(seed);
    const Case c(seed);
    const auto spec = spec::parse_spec(c.rc.spec_json, "random.json");
    REQUIRE(spec.ok());
    const auto layout = layout_at(*spec, false);
    if (!layout.ok()) continue;
    compare_with_solver(c, *spec, *layout, tally);
  }
  MESSAGE(tally.breaking << " instances broken, " << tally.holding << " holding, the pass and the solver agreeing");
  CHECK(tally.holding > 0);
  CHECK(tally.breaking > 0);
}

// An array of 2^20 stacks (16 KiB, a 4 KiB guard, every 32 KiB) over a mapped run of each
// random machine, inside a region that allows everything: the pass steps over the periods in
// which nothing changes instead of visiting a million elements, and must still find each
// mapped guard page and each element page the array's rights refuse.
TEST_CASE("sweep: arrays of a million elements are decided as the solver decides them") {
  Tally tally;
  std::size_t decided = 0;
  for (std::uint64_t seed = 1; seed <= cases_to_run() / 2; ++seed) {
    CAPTURE(seed);
    const Case c(seed);
    if (c.ms.runs.empty()) continue;
    const Run& run = c.ms.runs[c.ms.runs.size() / 2];
    const std::uint64_t stride = 0x8000, count = std::uint64_t{1} << 20;
    const bool upper = (run.range.first.value() >> 63) != 0;
    const std::uint64_t half_first = upper ? upper_half_first(c.ms.mode).value() : 0x10000;
    const std::uint64_t half_last = upper ? ~std::uint64_t{0} : lower_half_last(c.ms.mode).value();
    // The run in the array's middle when the half has room for it, else at an end.
    std::uint64_t start = run.range.first.value() - run.range.first.value() % stride;
    start = start - half_first > (count / 2) * stride ? start - (count / 2) * stride : half_first;
    if (half_last - start < count * stride) start = half_last - count * stride + 1 - 0x1000;
    start -= start % stride;
    const std::uint64_t last = start + count * stride - 1;
    std::ostringstream json;
    json
        << R"({"name": "big-array", "rules": {"paging_mode": )" << (c.ms.mode == PagingMode::k5Level ? 5 : 4)
        << R"(, "null_guard": 0, "outside_regions": "allowed"}, "regions": [{"name": "room", "kind": "other", "half": ")"
        << (upper ? "kernel" : "user") << R"(", "start": ")" << hex(start) << R"(", "last": ")" << hex(last)
        << R"(", "must": "may-be-mapped", "rights": {"allowed": ["user", "writable", "executable", "global"]}}],)"
        << R"( "arrays": [{"name": "stacks", "kind": "stack", "half": ")" << (upper ? "kernel" : "user")
        << R"(", "start": ")" << hex(start) << R"(", "count": )" << count
        << R"(, "size": "16 * KiB", "guard": "4 * KiB", "stride": "32 * KiB", "must": "may-be-mapped",)"
        << R"( "rights": {"allowed": ["writable", "global"]}, "nested_in": "room"}]})";
    CAPTURE(json.str());
    const auto spec = spec::parse_spec(json.str(), "big-array.json");
    REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
    const auto layout = spec::evaluate_layout(*spec, {});
    REQUIRE(layout.ok());
    const std::size_t before = tally.breaking + tally.holding;
    compare_with_solver(c, *spec, *layout, tally);
    if (tally.breaking + tally.holding > before) ++decided;
  }
  MESSAGE(decided << " machines, " << tally.breaking << " instances broken, " << tally.holding << " holding");
  CHECK(decided > 0);
  CHECK(tally.breaking > 0);
}

// The stretches parameter inference turns into witnesses: in address order, disjoint, the first
// starting at the first break; each one's first and last addresses break some rule, and the
// address before each (outside the stretch before it) breaks none.
TEST_CASE("sweep: the stretches of breaking addresses begin and end where the rules say") {
  std::size_t stretches = 0;
  for (std::uint64_t seed = 1; seed <= cases_to_run(); ++seed) {
    CAPTURE(seed);
    const Case c(seed);
    const auto spec = spec::parse_spec(c.rc.spec_json, "random.json");
    REQUIRE(spec.ok());
    const auto layout = layout_at(*spec, true);
    if (!layout.ok()) continue;
    const RawContext raw{c.state, c.reader, std::nullopt, &*c.space};
    const CheckOptions opts;
    const CheckInputs in{c.ms, *spec, &raw, opts, *c.trie};
    Sweep sweep(in, *layout);
    if (!sweep.decides()) continue;
    const std::vector<Instance> insts = decidable_instances(*spec, &raw);
    const auto cterms = concrete_terms(*spec, *layout);
    ConcreteDomain cd;
    const auto breaks = [&](VirtAddr a) {
      return std::any_of(insts.begin(), insts.end(), [&](const Instance& inst) {
        return violates(cd, *spec, inst, a.value(), class_at(c.ms, a), cterms, Strength::kMust);
      });
    };
    const std::vector<VirtRange> got = sweep.break_stretches(insts, Strength::kMust, {}, 1000);
    const std::optional<VirtAddr> first = sweep.first_break(insts, Strength::kMust);
    REQUIRE(got.empty() == !first.has_value());
    if (got.empty()) continue;
    CHECK(got.front().first == *first);
    for (std::size_t k = 0; k < got.size(); ++k) {
      const VirtRange& r = got[k];
      CAPTURE(r.first.value());
      CAPTURE(r.last.value());
      CHECK(r.first <= r.last);
      if (k > 0) CHECK(got[k - 1].last.value() + 1 < r.first.value());
      CHECK(breaks(r.first));
      CHECK(breaks(r.last));
      const std::uint64_t before = r.first.value() - 1;
      if (r.first.value() != 0 && r.first != upper_half_first(c.ms.mode) &&
          (k == 0 || before > got[k - 1].last.value()))
        CHECK_FALSE(breaks(VirtAddr(before)));
      ++stretches;
    }
  }
  MESSAGE(stretches << " stretches checked");
  CHECK(stretches > 0);
}
