// Strategy: parameter inference writes a witness "no address of this interval breaks a rule"
// with one bounded quantifier per instance it cannot avoid; for the others breaks_somewhere
// (witness.h) says "some address of the interval breaks it" without a quantifier. That must be
// exactly "exists x in the interval: violates(x)". Both directions are quantifier-free queries:
// (a) no x of the interval breaks the instance while breaks_somewhere is false, and (b) when
// breaks_somewhere is true, the interval's first address inside the region, max(start, lo),
// breaks it. For every bundled spec, every attribute class of a real slice (plus unknown and
// faulting), and intervals from the slice's own class intervals and wide ones, Z3 must find no
// parameter values contradicting (a) or (b).
#include "verifier/checks/witness.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/checks/domains.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/parse.h"
#include "verifier/spec/symbolic.h"

using namespace ptv;
using namespace ptv::check;

TEST_CASE("witness: the quantifier-free form of a witness is the quantified one, on every bundled spec") {
  const test::Capture cap = test::open_fixture("linux-6.1-4level-kaslr");
  const auto space = enumerate_address_space(cap.state, cap.core->reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", cap.dir.string());
  const auto trie = AddressTrie::build(m);
  REQUIRE(trie.ok());
  std::vector<AttrClass> classes = trie->classes();
  AttrClass unknown, fault;
  unknown.kind = AttrClass::Kind::kUnknown;
  fault.kind = AttrClass::Kind::kFault;
  classes.push_back(unknown);
  classes.push_back(fault);
  // Real class intervals (the direct map, vmalloc, the kernel image, the fixmap, user space)
  // and wide ones across several regions.
  std::vector<VirtRange> ranges;
  for (std::uint64_t a : {0x0000'0000'0040'0000ull, 0xffff'8c47'0000'1000ull, 0xffff'd098'0004'0000ull,
                          0xffff'ffff'a000'0000ull, 0xffff'ffff'ff5f'd000ull})
    ranges.push_back(trie->class_range(VirtAddr(a)));
  ranges.push_back(VirtRange{VirtAddr(0), VirtAddr(0xffff)});
  ranges.push_back(VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'ffff'ffff'ffff)});
  ranges.push_back(VirtRange{VirtAddr(0xffff'ffff'8000'0000), VirtAddr(0xffff'ffff'ffff'ffff)});

  std::size_t checked = 0, never = 0;
  for (const char* name : {"linux-x86_64-4level.json", "linux-x86_64-5level.json", "reference-layout.json"}) {
    CAPTURE(name);
    const auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/" + name);
    REQUIRE(spec.ok());
    smt::Context ctx;
    const spec::SymbolicSpec sym = spec::encode_spec(ctx, *spec);
    const std::vector<SymTerms> terms = symbolic_terms(*spec, sym);
    InferenceDomain id{{&ctx}};
    const smt::Expr x = ctx.bv_const("x", 64);
    smt::SolverOptions qf;
    qf.unsat_cores = false;
    qf.logic = "QF_BV";
    // The class enters an instance only as one constant (does the rule reject it?), so per
    // instance and interval Z3 proves the first class the rule rejects; a class it accepts
    // folds the instance to false, and breaks_somewhere with it.
    for (const Instance& inst : instances(*spec)) {
      for (const VirtRange& range : ranges) {
        bool proved = false;
        for (std::size_t ci = 0; ci < classes.size(); ++ci) {
          const std::optional<smt::Expr> e = breaks_somewhere(ctx, *spec, inst, range, classes[ci], terms);
          if (!e) continue;
          CAPTURE(std::string(rule_info(inst.rule).name));
          CAPTURE(spec->regions[inst.region].name);
          CAPTURE(ci);
          CAPTURE(range);
          const smt::Expr v = violates(id, *spec, inst, x, classes[ci], terms, Strength::kMust);
          if (v.as_bool() == false) {  // the class alone rules it out: so must breaks_somewhere
            CHECK(e->as_bool() == false);
            ++never;
            continue;
          }
          if (proved) continue;
          proved = true;
          const smt::Expr lo = ctx.bv_val(range.first.value(), 64), hi = ctx.bv_val(range.last.value(), 64);
          smt::Solver a(ctx, qf);
          a.add(x.uge(lo) && x.ule(hi) && v && !*e);
          const smt::CheckResult ra = a.check("witness-a");
          CHECK_MESSAGE(ra.is_unsat(), ra.kind());
          const smt::Expr& start = terms[inst.region].start;
          const smt::Expr first = ite(start.ugt(lo), start, lo);
          smt::Solver b(ctx, qf);
          b.add(*e && !(first.ule(hi) && violates(id, *spec, inst, first, classes[ci], terms, Strength::kMust)));
          const smt::CheckResult rb = b.check("witness-b");
          CHECK_MESSAGE(rb.is_unsat(), rb.kind());
          ++checked;
        }
      }
    }
  }
  MESSAGE(checked << " instance witnesses proved by Z3, " << never << " ruled out by the class alone");
  CHECK(checked > 100);
}
