// Benchmark: formula size and solve time of one rule query ("does any address have P, W and no
// XD") over the trie encoding of a dump's mapping set. Usage: trie_query CORE [--user-pgd]
// where CORE is an ELF core carrying its registers (a ptverify slice). Prints one line per
// phase with wall-clock milliseconds; the walk (with the mapping set) is the median of 11.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>

#include "bench/bench_util.h"
#include "models/walk.h"
#include "verifier/base/compressed.h"
#include "verifier/base/memory_hint.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"
#include "verifier/smt/trie_encoding.h"

using namespace ptv;
using bench::Clock;

static double ms(Clock::time_point a) { return std::chrono::duration<double, std::milli>(Clock::now() - a).count(); }

int main(int argc, char** argv) {
  CLI::App app{"Walk, trie and one W^X query over a core that carries its registers"};
  std::string core_path;
  bool user_pgd = false;
  app.add_option("core", core_path, "ELF core with registers (a ptverify slice)")->required();
  app.add_flag("--user-pgd", user_pgd, "Walk the PTI user copy of the top-level table");
  CLI11_PARSE(app, argc, argv);
  auto t0 = Clock::now();
  DumpOptions opts;
  opts.path = core_path;
  if (user_pgd) opts.machine.pti = PtiCopy::kUser;
  auto dump = open_raw_dump(opts);
  if (!dump.ok()) return std::cerr << dump.error().message << '\n', 2;
  const PagingState s = dump->machine.state;
  const std::optional<PhysAddr> root = dump->machine.root;
  const PhysMemory& core = *dump->memory;
  std::cout << "open: " << ms(t0) << " ms\n";
  Expected<AddressSpace> space = Error{"not walked"};
  MappingSet m;
  std::vector<double> walks;
  for (int i = 0; i < 11; ++i) {
    t0 = Clock::now();
    space = enumerate_address_space(s, core.reader(), root, hinted_enumerate_limits());
    if (!space.ok()) return std::cerr << space.error().message << '\n', 2;
    m = to_mapping_set(*space, s, "elf-core", core_path);
    walks.push_back(ms(t0));
  }
  std::cout << "walk + mapping set: " << bench::median(walks) << " ms (median of 11; first " << walks.front()
            << " ms), " << m.runs.size() << " runs, " << space->tables.size() << " tables, " << space->leaf_uses
            << " leaf uses\n";
  t0 = Clock::now();
  const auto trie = AddressTrie::build(m);
  std::cout << "trie: " << ms(t0) << " ms, " << trie->node_count() << " nodes, " << trie->segment_count()
            << " segments, " << trie->classes().size() << " classes\n";
  t0 = Clock::now();
  smt::Context ctx;
  smt::TrieEncoding enc(ctx, *trie);
  const smt::Expr a = ctx.bv_const("va", 64);
  const smt::Expr cls = enc.class_of(a);
  const smt::Expr wx = enc.class_in(cls, [](const AttrClass& c) {
    return c.kind == AttrClass::Kind::kMapped && c.writable == Tri::kYes && c.executable == Tri::kYes;
  });
  std::cout << "encode: " << ms(t0) << " ms, " << enc.ite_count() << " ite nodes\n";
  t0 = Clock::now();
  smt::Solver solver(ctx);
  solver.add(enc.canonical(a));
  solver.add(wx);
  const auto r = solver.check("wx");
  std::cout << "solve W+X: " << ms(t0) << " ms, " << r.kind() << '\n';
  return 0;
}
