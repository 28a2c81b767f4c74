// Benchmark: how check's formula and solve time grow. Synthetic mapping sets of N runs (each run
// P pages, alternating "rw-" and "r-x" rights, separated by one unmapped page, in the kernel
// half) are turned into the trie, encoded, and asked one query
// ("is any address below the first run executable?", unsat), then the whole `check` runs
// against a spec with global rules.
// Usage: check_scaling [--quick]. Prints a Markdown table.
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>

#include "verifier/checks/check.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"
#include "verifier/smt/trie_encoding.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using Clock = std::chrono::steady_clock;

static double ms(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

/// Runs of `pages_per_run` pages (or, when irregular, 1..2*pages_per_run pages and random
/// rights from a seeded generator, so that no two tables look alike and sharing cannot help).
static MappingSet synthetic(std::size_t runs, std::uint64_t pages_per_run, bool irregular = false) {
  std::uint64_t seed = 0x9e3779b97f4a7c15ull;
  auto next = [&seed] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  MappingSet m;
  m.mode = PagingMode::k4Level;
  m.format = "synthetic";
  m.source = "synthetic";
  std::uint64_t va = 0xffff'8880'0000'0000;
  for (std::size_t i = 0; i < runs; ++i) {
    Run r;
    const std::uint64_t pages = irregular ? 1 + next() % (2 * pages_per_run) : pages_per_run;
    r.range = VirtRange::from_size(VirtAddr(va), pages * 4096);
    const bool code = irregular ? (next() & 1) : (i % 2);
    r.writable = tri(!code);
    r.executable = tri(code);
    r.user = Tri::kNo;
    r.global = Tri::kYes;
    r.page_size = 4096;
    m.runs.push_back(r);
    va += (pages + 1) * 4096;
  }
  return m;
}

static const char* kSpec = R"({"name": "bench", "rules": {"paging_mode": 4, "null_guard": "64 * KiB", "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "forbidden"},
  "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "forbidden"}, "regions": []})";

static void row(std::size_t runs, std::uint64_t pages, const spec::Spec& spec, bool irregular = false) {
  const MappingSet m = synthetic(runs, pages, irregular);
  auto t = Clock::now();
  const auto trie = AddressTrie::build(m);
  const double t_trie = ms(t);
  t = Clock::now();
  smt::Context ctx;
  smt::TrieEncoding enc(ctx, *trie);
  const smt::Expr a = ctx.bv_const("va", 64);
  const smt::Expr cls = enc.class_of(a);
  // A query the encoding cannot fold away: "is any address below the first run executable?"
  // (unsat; Z3 must reason through the ite structure).
  const smt::Expr wx = a.ult(m.runs.front().range.first.value()) && a.uge(upper_half_first(m.mode).value()) &&
                       enc.class_in(cls, [](const AttrClass& c) {
                         return c.kind == AttrClass::Kind::kMapped && c.executable == Tri::kYes;
                       });
  const double t_enc = ms(t);
  t = Clock::now();
  smt::Solver s(ctx);
  s.add(enc.canonical(a));
  s.add(wx);
  const auto r = s.check("wx");
  const double t_solve = ms(t);
  t = Clock::now();
  const auto out = check::run_check(m, spec, nullptr, check::CheckOptions{});
  const double t_check = ms(t);
  std::cout << "| " << runs << " | " << runs * pages << " | " << trie->node_count() << " | " << trie->segment_count()
            << " | " << enc.ite_count() << " | " << t_trie << " | " << t_enc << " | " << t_solve << " (" << r.kind()
            << ") | " << t_check << " (" << (out.result ? check::to_string(out.result->verdict()) : "error") << ") |\n";
}

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const auto spec = spec::parse_spec(kSpec, "bench-spec.json");
  if (!spec.ok()) return std::cerr << spec.error().message << '\n', 2;
  std::cout << "| runs | pages | trie nodes | segments | ite nodes | trie ms | encode ms | solve ms | full check ms |\n"
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t runs : {1'000ul, 10'000ul, 100'000ul, 1'000'000ul}) {
    if (quick && runs > 10'000) break;
    row(runs, 4, *spec);
  }
  std::cout << "\nIrregular runs (random lengths and rights: no sharing):\n\n"
               "| runs | pages (mean) | trie nodes | segments | ite nodes | trie ms | encode ms | solve ms | full check ms |\n"
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::size_t runs : {1'000ul, 10'000ul, 100'000ul, 1'000'000ul}) {
    if (quick && runs > 10'000) break;
    row(runs, 4, *spec, true);
  }
  std::cout << "\nPages grow at a fixed 1,000 runs:\n\n"
               "| runs | pages | trie nodes | segments | ite nodes | trie ms | encode ms | solve ms | full check ms |\n"
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::uint64_t pages : {4ull, 64ull, 1024ull, 10'000ull}) row(1000, pages, *spec);
  return 0;
}
