// Benchmark: the raw walk against the floor of reading the tables, and peak memory, as the
// number of page tables grows. Each scenario (bench/synthetic_tables.h) is written as a raw
// image and mapped with RawImage::open, the path a real dump takes; then, on the same mapping:
//
//   floor        read every u64 of every table page the walk reaches (through the same
//                TableReader), and nothing else
//   out floor    the read floor, then write the walk's runs (one AddressRun each) into a list
//                reserved to their number: no walk that returns those runs can do less
//   walk         models/ enumerate_address_space: the runs, the reached tables and the leaf
//                stretches
//   walk+set     enumerate_address_space, then verifier/mapping to_mapping_set (what `check`
//                and every other subcommand load)
//   leaf runs    the walk, then for_each_leaf_run over every leaf: what `check`'s physical
//                rules read back on top of the walk
//
// "cold" maps the file afresh for each repetition (the pages are in the page cache; the walk
// pays the minor faults, as one ptverify run does); "warm" reuses one mapping. Times are the
// median of the repetitions. Peak RSS is measured per scenario in a forked child (ru_maxrss
// of wait4), for the floor and for walk+set, against a child that does nothing.
//
// Usage: walk_scaling [--quick] [--csv-dir DIR] [--tmp DIR] [--only SERIES]
// Prints Markdown tables; with --csv-dir writes walk.csv and memory.csv there.
#include <CLI/CLI.hpp>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/synthetic_tables.h"
#include "models/walk.h"
#include "verifier/base/memory_hint.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/mapping/from_walk.h"

using namespace ptv;
using namespace ptv::bench;

namespace {

struct Scenario {
  std::string series;  ///< "tables", "runs", "modes", "direct-map", "adversarial"
  std::function<SyntheticTables()> make;
};

/// What the generator child reports about the image it wrote.
struct ImageInfo {
  std::string name;
  std::uint64_t tables = 0, pages = 0, expected_runs = 0, root = 0;
  bool la57 = false;
};

/// Median milliseconds of each measurement, on a fresh mapping ([0]) and a warm one ([1]).
struct Timing {
  std::uint64_t entries = 0, leaves = 0, runs = 0;
  std::string error;  ///< the walk's error (the run cap), empty when it succeeded
  double floor[2] = {}, out[2] = {}, walk[2] = {}, set[2] = {}, leaf_runs[2] = {};
};

std::uint64_t read_floor(const TableReader& read, const std::vector<ReachedTable>& tables) {
  std::uint64_t sum = 0;
  for (const ReachedTable& t : tables) {
    const std::optional<TableView> v = read(t.pa);
    if (!v) continue;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) sum += (*v)[i];
  }
  return sum;
}

/// The floor of the walk's output: read every table as read_floor does, then write `runs`
/// AddressRun records (only their ranges set) into a list reserved to that count and backed by
/// huge pages, as the walk's is.
std::uint64_t read_write_floor(const TableReader& read, const std::vector<ReachedTable>& tables, std::size_t runs,
                               std::vector<AddressRun>& out) {
  std::uint64_t sum = read_floor(read, tables);
  reserve_huge(out, runs);  // as the walk's own list
  for (std::size_t i = 0; i < runs; ++i) {
    out.emplace_back();
    out.back().range = VirtRange{VirtAddr(i), VirtAddr(i)};
  }
  return sum + out.size();
}

volatile std::uint64_t g_sink;  // keeps the floors' results (and so their reads) alive

std::unique_ptr<RawImage> open_image(const std::string& path) {
  auto img = RawImage::open(path);
  if (!img) throw std::runtime_error(img.error().message);
  return std::move(img).value();
}

PagingState state_of(const ImageInfo& info) {
  return synthetic_state(PhysAddr(info.root), info.la57 ? PagingMode::k5Level : PagingMode::k4Level);
}

/// In the timing child: one walk to learn what is reached, then the repetitions, the four
/// measurements interleaved so that a burst of load from elsewhere hits them alike.
Timing time_scenario(const std::string& path, const ImageInfo& info, int reps) {
  Timing t;
  const PagingState s = state_of(info);
  std::vector<ReachedTable> reached;
  {
    auto img = open_image(path);
    const auto space = enumerate_address_space(s, img->reader(), std::nullopt, hinted_enumerate_limits());
    if (!space) {
      t.error = space.error().message;
    } else {
      t.entries = space->entries_read;
      t.leaves = space->leaf_uses;
      t.runs = space->runs.size();
      reached = space->tables;
    }
  }
  // Each returns its milliseconds. Freeing the results is not timed (a ptverify run keeps them
  // until it exits); with `fresh`, mapping the file is (a ptverify run maps it once).
  // A body returns what it built, to be freed after the clock stops.
  using Body = std::function<std::shared_ptr<const void>(const RawImage&)>;
  const Body bodies[5] = {
      [&](const RawImage& img) {
        g_sink = read_floor(img.reader(), reached);
        return std::shared_ptr<const void>();
      },
      [&](const RawImage& img) {
        auto out = std::make_shared<std::vector<AddressRun>>();
        g_sink = read_write_floor(img.reader(), reached, t.runs, *out);
        return std::shared_ptr<const void>(out);
      },
      [&](const RawImage& img) {
        return std::shared_ptr<const void>(std::make_shared<Expected<AddressSpace>>(
            enumerate_address_space(s, img.reader(), std::nullopt, hinted_enumerate_limits())));
      },
      [&](const RawImage& img) {
        auto space = std::make_shared<Expected<AddressSpace>>(
            enumerate_address_space(s, img.reader(), std::nullopt, hinted_enumerate_limits()));
        auto both = std::make_shared<std::pair<decltype(space), MappingSet>>(space, MappingSet{});
        if (*space) both->second = to_mapping_set(**space, s, "raw", path);
        return std::shared_ptr<const void>(both);
      },
      [&](const RawImage& img) {
        auto space = std::make_shared<Expected<AddressSpace>>(
            enumerate_address_space(s, img.reader(), std::nullopt, hinted_enumerate_limits()));
        std::uint64_t entries = 0;
        if (*space) for_each_leaf_run(**space, s, img.reader(), [&](const LeafRun& r) { entries += r.count; });
        g_sink = entries;
        return std::shared_ptr<const void>(space);
      },
  };
  std::vector<double> samples[2][5];
  const auto warm = open_image(path);
  bodies[0](*warm);  // fault the warm mapping in
  for (int i = 0; i < reps; ++i) {
    for (int b = 0; b < 5; ++b) {
      std::shared_ptr<const void> result;
      Clock::time_point t0 = Clock::now();
      {
        const auto img = open_image(path);
        result = bodies[b](*img);
        samples[0][b].push_back(ms_since(t0));
      }
      result.reset();
      t0 = Clock::now();
      result = bodies[b](*warm);
      samples[1][b].push_back(ms_since(t0));
    }
  }
  for (int w = 0; w < 2; ++w) {
    t.floor[w] = median(samples[w][0]);
    t.out[w] = median(samples[w][1]);
    t.walk[w] = median(samples[w][2]);
    t.set[w] = median(samples[w][3]);
    t.leaf_runs[w] = median(samples[w][4]);
  }
  return t;
}

std::string rate(std::uint64_t entries, double ms) {
  if (ms <= 0) return "-";
  const double per_s = static_cast<double>(entries) / (ms / 1000.0);
  return per_s >= 1e9 ? fixed(per_s / 1e9, 2) + " G" : fixed(per_s / 1e6, 1) + " M";
}

std::string mib(long kib) { return fixed(static_cast<double>(kib) / 1024.0, 1); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The raw walk against the floor of reading the tables, and peak memory"};
  bool quick = false;
  std::string csv_dir, only, tmp = default_tmp_dir();
  app.add_flag("--quick", quick, "Stop the table series at 10k tables");
  app.add_option("--csv-dir", csv_dir, "Write walk.csv and memory.csv here");
  app.add_option("--tmp", tmp, "Directory for the scratch images");
  app.add_option("--only", only, "Run one series: tables, runs, frames, modes, direct-map, adversarial");
  CLI11_PARSE(app, argc, argv);

  std::vector<Scenario> scenarios;
  const auto k4 = PagingMode::k4Level, k5 = PagingMode::k5Level;
  for (std::uint64_t pt : {1'000ull, 3'000ull, 10'000ull, 30'000ull, 100'000ull}) {
    if (quick && pt > 10'000) break;
    scenarios.push_back({"tables", [=] { return leaves_4k(pt * kEntriesPerTable, 1'000, k4); }});
  }
  for (std::uint64_t runs : {1ull, 1'000ull, 10'000ull, 100'000ull, 1'000'000ull})
    scenarios.push_back({"runs", [=] { return leaves_4k(4'000'000, runs, k4); }});
  scenarios.push_back({"frames", [=] { return leaves_4k(4'000'000, 1'000, k4, Frames::kScattered); }});
  scenarios.push_back({"modes", [=] { return leaves_4k(4'000'000, 1'000, k5); }});
  for (PagingMode m : {k4, k5}) {
    scenarios.push_back({"direct-map", [=] { return direct_map(std::uint64_t{1} << 40, Level::kPd, m); }});
    scenarios.push_back({"direct-map", [=] { return direct_map(std::uint64_t{64} << 40, Level::kPdpt, m); }});
  }
  for (PagingMode m : {k4, k5}) {
    scenarios.push_back({"adversarial", [=] { return shared_chain(m, false); }});
    scenarios.push_back({"adversarial", [=] { return self_table(m); }});
  }
  scenarios.push_back({"adversarial", [=] { return shared_chain(k4, true); }});

  const char* ms_cols[] = {"floor", "out", "walk", "set", "leafruns"};
  std::vector<std::string> walk_header{"series", "scenario", "tables", "entries", "leaves", "pages", "runs"};
  for (const char* w : {"cold", "warm"})
    for (const char* c : ms_cols) walk_header.push_back(std::string(c) + "_" + w + "_ms");
  CsvWriter walk_csv(csv_dir.empty() ? "" : csv_dir + "/walk.csv", walk_header);
  CsvWriter mem_csv(csv_dir.empty() ? "" : csv_dir + "/memory.csv",
                    {"series", "scenario", "tables", "entries", "leaves", "pages", "runs", "rss_baseline_kib",
                     "rss_floor_kib", "rss_walk_set_kib"});

  const ChildResult baseline = run_in_child([] { return std::string("ok"); });
  std::cout << "Baseline child (does nothing): " << mib(baseline.max_rss_kib) << " MiB peak RSS.\n\n"
            << "Fresh mapping per repetition (what one ptverify run pays); median ms and entries/s:\n\n"
            << "| scenario | tables | entries read | leaves | runs | read floor | out floor | walk | walk / read | "
               "walk / out | walk+set | walk + leaf runs | peak RSS read floor | peak RSS walk+set |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  std::ostringstream warm_table;
  warm_table
      << "\nWarm mapping (the tables already mapped and cached); median ms:\n\n"
      << "| scenario | read floor | out floor | walk | walk / read | walk / out | walk+set | walk + leaf runs |\n"
         "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Scenario& sc : scenarios) {
    if (!only.empty() && sc.series != only) continue;
    const std::string path = tmp + "/ptv-bench-" + std::to_string(getpid()) + ".img";
    // Generate in a child, so that the parent stays small for the measuring children.
    const ChildResult gen = run_in_child([&] {
      SyntheticTables t = sc.make();
      if (auto w = t.image.write_image(path); !w) throw std::runtime_error(w.error().message);
      std::ostringstream os;
      os << t.name << ' ' << t.image.table_count() << ' ' << t.pages << ' ' << t.expected_runs << ' '
         << t.state.root_table().value() << ' ' << (t.state.cr4_la57 ? 1 : 0);
      return os.str();
    });
    if (!gen.ok) {
      std::cerr << "walk_scaling: generating failed: " << gen.output << '\n';
      return 2;
    }
    ImageInfo info;
    {
      std::istringstream is(gen.output);
      int la57 = 0;
      is >> info.name >> info.tables >> info.pages >> info.expected_runs >> info.root >> la57;
      info.la57 = la57 != 0;
    }
    const int reps = 5;
    const ChildResult timed = run_in_child([&] {
      const Timing t = time_scenario(path, info, reps);
      std::ostringstream os;
      os << t.entries << ' ' << t.leaves << ' ' << t.runs;
      for (int w = 0; w < 2; ++w)
        os << ' ' << t.floor[w] << ' ' << t.out[w] << ' ' << t.walk[w] << ' ' << t.set[w] << ' ' << t.leaf_runs[w];
      os << ' ' << t.error;
      return os.str();
    });
    const ChildResult floor_mem = run_in_child([&] {
      // The floor's own footprint: the image holds only tables, so map and read all of it.
      auto img = open_image(path);
      std::vector<ReachedTable> all;
      for (std::uint64_t pa = kTableBytes; pa < img->file().size(); pa += kTableBytes)
        all.push_back(ReachedTable{PhysAddr(pa), Level::kPt});
      g_sink = read_floor(img->reader(), all);
      return std::string("ok");
    });
    const ChildResult walk_mem = run_in_child([&] {
      const PagingState s = state_of(info);
      auto img = open_image(path);
      const auto space = enumerate_address_space(s, img->reader(), std::nullopt, hinted_enumerate_limits());
      if (!space) return std::string("error");
      const MappingSet m = to_mapping_set(*space, s, "raw", path);
      return std::to_string(m.runs.size());
    });
    std::remove(path.c_str());
    if (!timed.ok) {
      std::cerr << "walk_scaling: " << info.name << ": " << timed.output << '\n';
      return 2;
    }
    Timing t;
    {
      std::istringstream is(timed.output);
      is >> t.entries >> t.leaves >> t.runs;
      for (int w = 0; w < 2; ++w) is >> t.floor[w] >> t.out[w] >> t.walk[w] >> t.set[w] >> t.leaf_runs[w];
      std::getline(is >> std::ws, t.error);
    }
    if (t.error.empty() && t.runs != info.expected_runs)
      std::cerr << "walk_scaling: " << info.name << ": expected " << info.expected_runs << " runs, the walk found "
                << t.runs << '\n';
    const std::string runs = t.error.empty() ? std::to_string(t.runs) : "refused";
    auto ratio = [](double a, double b) { return b > 0 ? fixed(a / b, 1) + "x" : std::string("-"); };
    std::cout << "| " << info.name << " | " << info.tables << " | " << t.entries << " | " << t.leaves << " | " << runs
              << " | " << fixed(t.floor[0]) << " (" << rate(t.entries, t.floor[0]) << "/s) | " << fixed(t.out[0])
              << " | " << fixed(t.walk[0]) << " (" << rate(t.entries, t.walk[0]) << "/s) | "
              << ratio(t.walk[0], t.floor[0]) << " | " << ratio(t.walk[0], t.out[0]) << " | " << fixed(t.set[0])
              << " | " << fixed(t.leaf_runs[0]) << " | " << mib(floor_mem.max_rss_kib) << " MiB | "
              << mib(walk_mem.max_rss_kib) << " MiB |\n";
    if (!t.error.empty()) std::cout << "|   (" << t.error << ") |\n";
    warm_table << "| " << info.name << " | " << fixed(t.floor[1]) << " | " << fixed(t.out[1]) << " | "
               << fixed(t.walk[1]) << " | " << ratio(t.walk[1], t.floor[1]) << " | " << ratio(t.walk[1], t.out[1])
               << " | " << fixed(t.set[1]) << " | " << fixed(t.leaf_runs[1]) << " |\n";
    std::vector<std::string> row{sc.series,
                                 info.name,
                                 std::to_string(info.tables),
                                 std::to_string(t.entries),
                                 std::to_string(t.leaves),
                                 std::to_string(info.pages),
                                 runs};
    for (int w = 0; w < 2; ++w)
      for (double v : {t.floor[w], t.out[w], t.walk[w], t.set[w], t.leaf_runs[w]}) row.push_back(fixed(v, 3));
    walk_csv.row(row);
    mem_csv.row({sc.series, info.name, std::to_string(info.tables), std::to_string(t.entries), std::to_string(t.leaves),
                 std::to_string(info.pages), runs, std::to_string(baseline.max_rss_kib),
                 std::to_string(floor_mem.max_rss_kib), std::to_string(walk_mem.max_rss_kib)});
  }
  std::cout << warm_table.str();
  return 0;
}
