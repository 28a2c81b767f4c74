// The concrete pass over the intervals (verifier/checks/sweep.h) against the solver, instance by
// instance, on seeded random machines and specs (the oracle's generator): for every (rule,
// region) instance and both strengths, "some address breaks it" must be the solver's answer
// to the same question over the trie's term, and the address the pass gives must break it when
// replayed on the mapping set.
#include "verifier/checks/sweep.h"

#include <doctest/doctest.h>

#include <cstdlib>

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

TEST_CASE("sweep: the pass over the intervals answers each instance as the solver does, on random cases") {
  const char* env = std::getenv("PTV_DIFF_CASES");
  const std::uint64_t cases = env && *env ? std::strtoull(env, nullptr, 0) : 40;
  std::size_t holding = 0, breaking = 0;
  for (std::uint64_t seed = 1; seed <= cases; ++seed) {
    CAPTURE(seed);
    const oracle::RandomCase rc = oracle::random_case(seed);
    const auto spec = spec::parse_spec(rc.spec_json, "random.json");
    REQUIRE(spec.ok());
    const PagingState state = oracle::paging_state(rc.machine);
    const TableReader reader = oracle::table_reader(rc.machine);
    const auto space = enumerate_address_space(state, reader);
    REQUIRE(space.ok());
    const MappingSet ms = to_mapping_set(*space, state, "elf-core", "random");
    const auto trie = AddressTrie::build(ms);
    REQUIRE(trie.ok());
    spec::ParameterValues values;
    for (const spec::Parameter& p : spec->parameters) values.push_back(p.values.empty() ? p.min : p.values.front());
    const auto layout = spec::evaluate_layout(*spec, values);
    if (!layout.ok()) continue;
    const RawContext raw{state, reader, std::nullopt, &*space};
    const CheckOptions opts;
    const CheckInputs in{ms, *spec, &raw, opts, *trie};
    Sweep sweep(in, *layout);
    if (!sweep.decides()) continue;
    smt::Context ctx;
    smt::TrieEncoding enc(ctx, *trie);
    const smt::Expr a = ctx.bv_const("va", 64);
    const smt::Expr cls = enc.class_of(a);
    SearchDomain d{{&ctx}, &enc};
    const auto cterms = concrete_terms(*spec, *layout);
    const auto terms = numeral_terms(ctx, cterms);
    ConcreteDomain cd;
    for (const Instance& inst : decidable_instances(*spec, &raw))
      for (Strength s : {Strength::kMust, Strength::kMay}) {
        CAPTURE(instance_name(*spec, inst));
        CAPTURE(s == Strength::kMust);
        smt::Solver solver(ctx, solver_options(opts, Query::kSearch));
        solver.add(enc.canonical(a));
        solver.add(violates(d, *spec, inst, a, cls, terms, s));
        const smt::CheckResult r = solver.check("sweep-test");
        REQUIRE((r.is_sat() || r.is_unsat()));
        const std::optional<VirtAddr> found = sweep.first_break({inst}, s);
        CHECK(found.has_value() == r.is_sat());
        if (found) {
          ++breaking;
          CHECK(violates(cd, *spec, inst, found->value(), class_at(ms, *found), cterms, s));
        } else {
          ++holding;
        }
      }
  }
  MESSAGE(breaking << " instances broken, " << holding << " holding, the pass and the solver agreeing");
  CHECK(holding > 0);
  CHECK(breaking > 0);
}
