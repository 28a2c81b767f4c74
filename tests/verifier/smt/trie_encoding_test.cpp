// Strategy: the differential test that keeps one definition of the translation. On every
// committed real slice (kernel and PTI user tables) the class the SMT term gives an address
// must equal the class the concrete trie lookup gives, which the trie tests pin to the mapping
// set, which the real-capture tests pin to the walker and QEMU. Probes: run boundaries and
// random canonical addresses; constant-folded terms for all of them, the Z3 solver for a
// sample (the term with a symbolic address, fixed by an equality).
#include "verifier/smt/trie_encoding.h"

#include <doctest/doctest.h>

#include <random>

#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"

using namespace ptv;

TEST_CASE("trie encoding: the SMT class of an address equals the concrete class, on every real slice") {
  for (const char* name : test::kCaptures) {
    CAPTURE(std::string(name));
    const test::Capture cap = test::open_fixture(name);
    for (PhysAddr root : cap.roots()) {
      const auto space = enumerate_address_space(cap.state, cap.core->reader(), root);
      REQUIRE(space.ok());
      const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", name);
      const auto trie = AddressTrie::build(m);
      REQUIRE(trie.ok());

      std::vector<VirtAddr> probes;
      for (std::size_t i = 0; i < m.runs.size(); i += 37) {
        probes.push_back(m.runs[i].range.first);
        probes.push_back(m.runs[i].range.last);
        if (auto e = m.runs[i].range.end()) probes.push_back(*e);
      }
      std::mt19937_64 rng(11);
      for (int i = 0; i < 500; ++i) probes.push_back(canonicalize(rng(), m.mode));

      smt::Context ctx;
      smt::TrieEncoding enc(ctx, *trie);
      // Constant addresses: the term folds to a numeral without the solver.
      for (VirtAddr va : probes) {
        if (!is_canonical(va, m.mode)) continue;
        const smt::Expr cls = enc.class_of(ctx.bv_val(va.value(), 64));
        REQUIRE(cls.as_u64().has_value());
        CHECK(*cls.as_u64() == trie->lookup(va));
      }
      // A symbolic address fixed by an equality: Z3 evaluates the shared DAG.
      const smt::Expr a = ctx.bv_const("va", 64);
      const smt::Expr cls = enc.class_of(a);
      smt::Solver solver(ctx);
      for (std::size_t i = 0; i < probes.size(); i += probes.size() / 12 + 1) {
        const VirtAddr va = probes[i];
        if (!is_canonical(va, m.mode)) continue;
        auto scope = solver.push();
        solver.add(a == ctx.bv_val(va.value(), 64));
        const auto r = solver.check("trie-probe");
        REQUIRE(r.is_sat());
        CHECK(r.model()->eval(cls) == std::optional<std::uint64_t>(trie->lookup(va)));
      }
      // And the reverse direction: no address outside the classes the trie holds.
      auto scope = solver.push();
      solver.add(enc.canonical(a));
      solver.add(cls.uge(trie->classes().size()));
      CHECK(solver.check("trie-range").is_unsat());
    }
  }
}
