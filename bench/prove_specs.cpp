// Benchmark: `prove` on each bundled spec (target: under a second each). Usage:
//   prove_specs [--csv FILE] [SPEC...]    (default: specs/*.json from the current directory, or the
//                             repository's specs/ when run from a build directory)
// Prints, per spec, the best and the median of 5 runs: wall time, solver queries, the solver
// time of the best run, and the verdict. Exits 1 when a spec takes a second or more.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "verifier/checks/prove.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using ptv::bench::Clock;

namespace {

std::vector<std::filesystem::path> default_specs() {
  for (const char* dir : {"specs", "../specs", "../../specs"}) {
    if (!std::filesystem::is_directory(dir)) continue;
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".json") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    if (!out.empty()) return out;
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"prove on each bundled spec"};
  std::string csv_path;
  std::vector<std::filesystem::path> specs;
  app.add_option("specs", specs, "Spec files (default: the repository's specs/*.json)");
  app.add_option("--csv", csv_path, "Write one CSV row per spec to this file");
  CLI11_PARSE(app, argc, argv);
  if (specs.empty()) specs = default_specs();
  if (specs.empty()) {
    std::fprintf(stderr,
                 "prove_specs: no specs found; pass spec files, or run from the repository or a build directory\n");
    return 2;
  }
  bool slow = false;
  bench::CsvWriter csv(csv_path, {"spec", "best_ms", "median_ms", "queries", "solver_ms", "verdict"});
  std::printf("%-40s %10s %10s %8s %10s  %s\n", "spec", "best ms", "median ms", "queries", "solver ms", "verdict");
  for (const auto& path : specs) {
    Expected<spec::Spec> s = spec::load_spec(path);
    if (!s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 2;
    }
    double best = 1e9, solver = 0;
    std::size_t queries = 0;
    std::string verdict;
    std::vector<double> times;
    for (int run = 0; run < 5; ++run) {
      const auto t0 = Clock::now();
      Expected<check::ProveReport> r = check::prove(*s);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (!r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 2;
      }
      times.push_back(ms);
      if (ms < best) {
        best = ms;
        queries = r->queries;
        solver = 0;
        for (const auto& o : r->obligations) solver += o.seconds * 1000.0;
        verdict = std::string(check::prove_word(r->verdict));
      }
    }
    slow = slow || best >= 1000.0;
    const double med = bench::median(times);
    std::printf("%-40s %10.1f %10.1f %8zu %10.1f  %s\n", path.filename().string().c_str(), best, med, queries, solver,
                verdict.c_str());
    csv.row({path.filename().string(), bench::fixed(best, 1), bench::fixed(med, 1), std::to_string(queries),
             bench::fixed(solver, 1), verdict});
  }
  return slow ? 1 : 0;
}
