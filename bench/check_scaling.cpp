// Benchmark: how check's formula and solve time grow. Synthetic mapping sets of N runs (each run
// P pages, alternating "rw-" and "r-x" rights, separated by one unmapped page, in the kernel
// half) are turned into the trie, encoded, and asked one query
// ("is any address below the first run executable?", unsat), then the whole `check` runs
// against a spec with global rules. Four series:
//
//   regular    runs grow, 4 pages each, rights alternate (tables repeat: sharing helps)
//   irregular  runs grow, 1..8 pages and random rights (no two tables alike: no sharing)
//   pages      1,000 runs, pages per run grow (4k to 10M pages)
//   raw        real page tables (bench/synthetic_tables.h) walked, turned into a mapping set and
//              checked with the raw context, so the physical rules (aliases, page-table
//              exposure) over every leaf entry are included: runs grow at 4M leaves, then leaves
//              grow at 1,000 runs
//
// Times are the median of 3 repetitions when a row takes under a second, else one run.
// Usage: check_scaling [--quick] [--full] [--csv FILE]
//   --quick  stop each series at 10k runs; --full  add the 1M-run irregular row (about a
//   minute, and the default 10 s per-query timeout makes its verdict unknown).
// Prints Markdown tables; --csv writes one row per measurement.
#include <CLI/CLI.hpp>
#include <map>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/synthetic_tables.h"
#include "verifier/base/memory_hint.h"
#include "verifier/checks/check.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/smt/context.h"
#include "verifier/smt/solver.h"
#include "verifier/smt/trie_encoding.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::bench;

namespace {

/// Runs of `pages_per_run` pages (or, when irregular, 1..2*pages_per_run pages and random
/// rights from a seeded generator, so that no two tables look alike and sharing cannot help).
MappingSet synthetic(std::size_t runs, std::uint64_t pages_per_run, bool irregular = false) {
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

const char* kSpec = R"({"name": "bench", "rules": {"paging_mode": 4, "null_guard": "64 * KiB", "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "forbidden", "supervisor_in_user_half": "forbidden"},
  "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "forbidden"}, "regions": []})";

struct Row {
  std::uint64_t runs = 0, pages = 0;
  std::size_t nodes = 0, segments = 0, ites = 0;
  double trie = 0, encode = 0, solve = 0, check = 0, walk = 0;
  std::string solve_result, verdict;
};

Row measure_once(const MappingSet& m, std::uint64_t pages, const spec::Spec& spec, const check::RawContext* raw) {
  Row row;
  row.runs = m.runs.size();
  row.pages = pages;
  auto t = Clock::now();
  const auto trie = AddressTrie::build(m);
  row.trie = ms_since(t);
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
  row.encode = ms_since(t);
  t = Clock::now();
  smt::Solver s(ctx);
  s.add(enc.canonical(a));
  s.add(wx);
  const auto r = s.check("wx");
  row.solve = ms_since(t);
  std::ostringstream kind;
  kind << r.kind();
  row.solve_result = kind.str();
  t = Clock::now();
  const auto out = check::run_check(m, spec, raw, check::CheckOptions{});
  row.check = ms_since(t);
  const auto* result = std::get_if<check::CheckResult>(&out);
  row.verdict = result ? check::to_string(result->verdict()) : "error";
  row.nodes = trie->node_count();
  row.segments = trie->segment_count();
  row.ites = enc.ite_count();
  return row;
}

/// The median of 3 when one measurement is under a second (field by field), else the one.
Row measure(const MappingSet& m, std::uint64_t pages, const spec::Spec& spec, const check::RawContext* raw = nullptr) {
  Row first = measure_once(m, pages, spec, raw);
  if (first.trie + first.encode + first.solve + first.check >= 1000) return first;
  std::vector<Row> rows{first, measure_once(m, pages, spec, raw), measure_once(m, pages, spec, raw)};
  auto med = [&rows](double Row::*f) {
    std::vector<double> v;
    for (const Row& r : rows) v.push_back(r.*f);
    return median(v);
  };
  first.trie = med(&Row::trie), first.encode = med(&Row::encode), first.solve = med(&Row::solve);
  first.check = med(&Row::check);
  return first;
}

class Printer {
 public:
  explicit Printer(const std::string& csv)
      : csv_(csv, {"series", "runs", "pages", "trie_nodes", "segments", "ite_nodes", "walk_ms", "trie_ms", "encode_ms",
                   "solve_ms", "check_ms", "solve_result", "verdict"}) {}

  void header(const std::string& title, bool with_walk = false) {
    std::cout << '\n'
              << title << "\n\n| runs | pages | trie nodes | segments | ite nodes |"
              << (with_walk ? " walk+set ms |" : "") << " trie ms | encode ms | solve ms | full check ms |\n|"
              << (with_walk ? "---:|" : "") << "---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  }
  void print(const std::string& series, const Row& r, bool with_walk = false) {
    std::cout << "| " << r.runs << " | " << r.pages << " | " << r.nodes << " | " << r.segments << " | " << r.ites
              << " | " << (with_walk ? fixed(r.walk, 1) + " | " : "") << fixed(r.trie) << " | " << fixed(r.encode, 1)
              << " | " << fixed(r.solve, 1) << " (" << r.solve_result << ") | " << fixed(r.check, 1) << " ("
              << r.verdict << ") |\n";
    csv_.row({series, std::to_string(r.runs), std::to_string(r.pages), std::to_string(r.nodes),
              std::to_string(r.segments), std::to_string(r.ites), fixed(r.walk, 3), fixed(r.trie, 3),
              fixed(r.encode, 3), fixed(r.solve, 3), fixed(r.check, 3), r.solve_result, r.verdict});
  }

 private:
  CsvWriter csv_;
};

/// Real tables: generate, write and map as a raw image, walk, build the mapping set, check
/// with the raw context (the `ptverify check` path minus the file format sniffing).
Row measure_raw(std::uint64_t leaves, std::uint64_t runs, const spec::Spec& spec, const std::string& tmp) {
  const std::string path = tmp + "/ptv-check-bench-" + std::to_string(getpid()) + ".img";
  PagingState state;
  {
    SyntheticTables t = leaves_4k(leaves, runs, PagingMode::k4Level);
    if (auto w = t.image.write_image(path); !w) throw std::runtime_error(w.error().message);
    state = t.state;
  }
  auto img = RawImage::open(path);
  if (!img) throw std::runtime_error(img.error().message);
  // The walk and the mapping set, median of 3 after one untimed walk (on this VM the first
  // touch of fresh memory in a process costs several times a later one), keeping the last.
  std::vector<double> walks;
  Expected<AddressSpace> space = Error{"not walked"};
  MappingSet m;
  for (int i = 0; i < 4; ++i) {
    const auto t0 = Clock::now();
    space = enumerate_address_space(state, (*img)->reader(), std::nullopt, hinted_enumerate_limits());
    if (!space) throw std::runtime_error(space.error().message);
    m = to_mapping_set(*space, state, "raw", path);
    if (i > 0) walks.push_back(ms_since(t0));
  }
  const double walk = median(walks);
  const check::RawContext raw{state, (*img)->reader(), std::nullopt, &*space};
  Row r = measure(m, leaves, spec, &raw);
  r.walk = walk;
  std::remove(path.c_str());
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"check: formula size and time as runs and pages grow"};
  bool quick = false, full = false;
  std::string csv, tmp = default_tmp_dir();
  app.add_flag("--quick", quick, "Stop each series at 10k runs");
  app.add_flag("--full", full, "Add the 1M-run irregular row (about a minute)");
  app.add_option("--csv", csv, "Write one CSV row per measurement to this file");
  app.add_option("--tmp", tmp, "Directory for the scratch images");
  CLI11_PARSE(app, argc, argv);
  const auto spec = spec::parse_spec(kSpec, "bench-spec.json");
  if (!spec.ok()) return std::cerr << spec.error().message << '\n', 2;
  Printer p(csv);
  const std::uint64_t max_runs = quick ? 10'000 : 1'000'000;

  p.header("Regular runs (4 pages each, alternating rights):");
  for (std::uint64_t runs : {1'000ull, 10'000ull, 100'000ull, 1'000'000ull})
    if (runs <= max_runs) p.print("regular", measure(synthetic(runs, 4), runs * 4, *spec));

  p.header("Irregular runs (random lengths and rights: no sharing):");
  for (std::uint64_t runs : {1'000ull, 10'000ull, 100'000ull, 1'000'000ull}) {
    if (runs > max_runs || (runs == 1'000'000 && !full)) continue;
    const MappingSet m = synthetic(runs, 4, true);
    std::uint64_t pages = 0;
    for (const Run& r : m.runs) pages += r.range.size_or_zero() / 4096;
    p.print("irregular", measure(m, pages, *spec));
  }

  p.header("Pages grow at a fixed 1,000 runs:");
  for (std::uint64_t per_run : {4ull, 64ull, 1024ull, 10'000ull})
    p.print("pages", measure(synthetic(1000, per_run), 1000 * per_run, *spec));

  p.header("Raw tables, runs grow at 4M leaves (walk, mapping set, check with the physical rules):", true);
  for (std::uint64_t runs : {1'000ull, 10'000ull, 100'000ull, 1'000'000ull})
    if (runs <= max_runs) p.print("raw-runs", measure_raw(4'000'000, runs, *spec, tmp), true);

  p.header("Raw tables, leaves grow at 1,000 runs:", true);
  for (std::uint64_t leaves : {64'000ull, 512'000ull, 4'000'000ull, 16'000'000ull})
    if (!quick || leaves <= 512'000) p.print("raw-pages", measure_raw(leaves, 1'000, *spec, tmp), true);
  return 0;
}
