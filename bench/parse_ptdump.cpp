// Benchmark: loading a Linux ptdump of 10k, 100k and 1M lines. The text is synthesised in
// memory in the kernel's own layout (markers, present 4K/2M runs with varied flags, blank
// holes, one "... entries skipped ..." elision) so that no file I/O is timed.
// Usage: parse_ptdump [LINES] [--csv FILE]
// Prints, per size, the best and the median of 5 loads (read_ptdump, then the same through
// auto-detection) as milliseconds and lines per second; the target is well under a second for
// 100k lines.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "verifier/ingest/ptdump.h"
#include "verifier/ingest/text_format.h"

using namespace ptv;
using ptv::bench::Clock;
using ptv::bench::ms_since;

namespace {

/// "%9lu%c " as dump_pagetables.c prints a size: the largest unit that divides it.
std::string size_field(std::uint64_t bytes) {
  static constexpr char kUnits[] = "BKMGTPE";
  unsigned unit = 0;
  while ((bytes & 1023) == 0 && kUnits[unit + 1] != '\0') {
    bytes >>= 10;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9llu%c ", static_cast<unsigned long long>(bytes), kUnits[unit]);
  return buf;
}

void range_line(std::string& out, std::uint64_t start, std::uint64_t end, const char* flags, const char* level) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%016llx-0x%016llx   ", static_cast<unsigned long long>(start),
                static_cast<unsigned long long>(end));
  out += buf;
  out += size_field(end - start);
  out += flags;  // 30 characters
  out += level;
  out += '\n';
}

/// `lines` lines of plausible kernel ptdump, contiguous from 0 to 2^64.
std::string synthesise(std::uint64_t lines) {
  // Flag fields exactly as printk_prot pads them (30 characters).
  static constexpr const char* kFlags[] = {
      "    RW                     NX ", "    ro                     NX ", "    ro                 GLB x  ",
      "    RW PWT PCD             NX ", "USR ro                     x  ", "USR RW                     NX ",
  };
  static constexpr const char* kBlank = "                              ";
  std::string out;
  out.reserve(lines * 90);
  out += "---[ User Space ]---\n";
  range_line(out, 0, 0xffff'8800'0000'0000, kBlank, "pgd");
  out += "---[ Kernel Space ]---\n";
  std::uint64_t at = 0xffff'8800'0000'0000;
  std::uint64_t n = 2;
  for (std::uint64_t i = 0; n + 4 < lines; ++i, ++n) {
    if (i % 5000 == 0) {
      out += "---[ vmalloc() Area ]---\n";
      ++n;
    }
    if (i % 7 == 3) {  // a 2M run, aligned first with a blank hole
      const std::uint64_t aligned = (at + 0x1f'ffff) & ~std::uint64_t{0x1f'ffff};
      if (aligned != at) {
        range_line(out, at, aligned, kBlank, "pte");
        ++n;
        at = aligned;
      }
      range_line(out, at, at + 0x40'0000, "    RW         PSE         NX ", "pmd");
      at += 0x40'0000;
    } else {
      const std::uint64_t len = 0x1000 * (1 + i % 16);
      range_line(out, at, at + len, i % 2 ? kBlank : kFlags[i % 6], "pte");
      at += len;
    }
  }
  out += "... 131058 entries skipped ... \n";
  out += "---[ High Kernel Mapping ]---\n";
  range_line(out, 0xffff'ffff'8000'0000, 0, kBlank, "pmd");
  return out;
}

/// One size: Markdown row and CSV row. False when parsing fails.
bool measure(std::uint64_t lines, ptv::bench::CsvWriter& csv) {
  auto t0 = Clock::now();
  const std::string text = synthesise(lines);
  const double t_synth = ms_since(t0);
  const auto line_count = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  std::vector<double> direct, automatic;
  std::size_t runs = 0;
  for (int round = 0; round < 5; ++round) {
    t0 = Clock::now();
    auto m = read_ptdump(text, "synthetic", {});
    direct.push_back(ms_since(t0));
    if (!m) {
      std::cerr << "parse_ptdump: " << m.error().message << '\n';
      return false;
    }
    runs = m->runs.size();
    t0 = Clock::now();
    auto a = read_text_dump(text, "synthetic", "auto", {});
    automatic.push_back(ms_since(t0));
    if (!a || a->format != "ptdump") {
      std::cerr << "parse_ptdump: auto-detection failed\n";
      return false;
    }
  }
  const double best = *std::min_element(direct.begin(), direct.end());
  const double med = ptv::bench::median(direct);
  const double per_second = static_cast<double>(line_count) / (med / 1000.0);
  std::cout << "| " << line_count << " | " << text.size() / 1024 << " KiB | " << runs << " | "
            << ptv::bench::fixed(best) << " | " << ptv::bench::fixed(med) << " | "
            << ptv::bench::fixed(per_second / 1e6) << " M | " << ptv::bench::fixed(ptv::bench::median(automatic))
            << " | " << ptv::bench::fixed(t_synth) << " |\n";
  csv.row({std::to_string(line_count), std::to_string(text.size()), std::to_string(runs), ptv::bench::fixed(best, 3),
           ptv::bench::fixed(med, 3), ptv::bench::fixed(per_second, 0),
           ptv::bench::fixed(ptv::bench::median(automatic), 3)});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Loading a synthesised Linux ptdump"};
  std::vector<std::uint64_t> sizes{10'000, 100'000, 1'000'000};
  std::string csv_path;
  app.add_option("lines", sizes, "Line counts to measure (default: 10000 100000 1000000)");
  app.add_option("--csv", csv_path, "Write one CSV row per size to this file");
  CLI11_PARSE(app, argc, argv);
  ptv::bench::CsvWriter csv(csv_path,
                            {"lines", "bytes", "runs", "best_ms", "median_ms", "lines_per_s", "auto_median_ms"});
  std::cout
      << "| lines | text | runs | best ms | median ms | lines/s (median) | auto-detect median ms | synthesise ms |\n"
         "|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (std::uint64_t lines : sizes)
    if (!measure(lines, csv)) return 2;
  return 0;
}
