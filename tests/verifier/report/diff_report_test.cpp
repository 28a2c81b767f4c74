// Strategy: the writers of `ptverify diff` over one hand-made diff holding every kind of
// difference (added, removed, changed, cannot compare, a fault): the JSON is parsed back and
// each documented key checked (docs/inspect.md), and the text has one line per difference with
// the summary line first.
#include <doctest/doctest.h>

// g++ 12 reports a false -Warray-bounds inside nlohmann's object map at -O2.
#pragma GCC diagnostic ignored "-Warray-bounds"
#include <nlohmann/json.hpp>
#include <sstream>

#include "verifier/mapping/diff.h"
#include "verifier/report/diff_report.h"

using namespace ptv;

namespace {

Run run(std::uint64_t first, std::uint64_t size, Tri w, Tri x) {
  Run r;
  r.range = VirtRange::from_size(VirtAddr(first), size);
  r.writable = w;
  r.user = Tri::kNo;
  r.executable = x;
  r.global = Tri::kYes;
  r.page_size = 0x1000;
  return r;
}

MappingDiff sample() {
  MappingSet a, b;
  a.format = "elf-core";
  a.source = "before.elf";
  b.format = "ptdump";
  b.source = "after.txt";
  a.runs = {run(0x1000, 0x1000, Tri::kNo, Tri::kNo), run(0x3000, 0x1000, Tri::kYes, Tri::kNo)};
  b.runs = {run(0x1000, 0x1000, Tri::kNo, Tri::kUnknown), run(0x5000, 0x1000, Tri::kYes, Tri::kYes)};
  b.unknown = {UnknownRange{VirtRange::from_size(VirtAddr(0x10'0000), 0x10'0000), "not walked by ptdump", {}}};
  a.faults = {FaultRange{VirtRange::from_size(VirtAddr(0x8000), 0x1000), PhysAddr(0x2040), Level::kPt,
                         0x0008'0000'0000'9063, 0x0008'0000'0000'0000}};
  auto d = diff_mappings(a, b);
  REQUIRE(d.ok());
  return std::move(d.value());
}

}  // namespace

TEST_CASE("diff report: JSON holds every documented key, and parses back") {
  std::ostringstream os;
  write_diff_json(sample(), os);
  const auto j = nlohmann::ordered_json::parse(os.str());  // (std::map-based json trips a false g++ 12 -Warray-bounds)
  CHECK(j["format_version"] == 1);
  CHECK(j["verdict"] == "different");
  CHECK(j["summary"] == "ptverify diff: DIFFERENT - 2 changed, 1 added, 1 removed, 1 cannot compare");
  CHECK(j["a"]["file"] == "before.elf");
  CHECK(j["a"]["format"] == "elf-core");
  CHECK(j["a"]["mode"] == "4-level");
  CHECK(j["b"]["format"] == "ptdump");
  CHECK(j["counts"]["added"] == 1);
  CHECK(j["counts"]["removed"] == 1);
  CHECK(j["counts"]["changed"] == 2);
  CHECK(j["counts"]["cannot_compare"] == 1);
  const auto& d = j["differences"];
  REQUIRE(d.size() == 5);
  // 0x1000: executable no -> unknown
  CHECK(d[0]["kind"] == "changed");
  CHECK(d[0]["start"] == "0x0000000000001000");
  CHECK(d[0]["end"] == "0x0000000000002000");
  CHECK(d[0]["size"] == "4K");
  CHECK(d[0]["a"]["state"] == "mapped");
  CHECK(d[0]["a"]["executable"] == "no");
  CHECK(d[0]["b"]["executable"] == "unknown");
  CHECK(d[0]["a"]["page_size"] == "4K");
  CHECK(d[0]["a"]["global"] == "yes");
  CHECK(d[0]["a"]["pkey"].is_null());
  REQUIRE(d[0]["changes"].size() == 1);
  CHECK(d[0]["changes"][0]["attribute"] == "executable");
  CHECK(d[0]["changes"][0]["a"] == "no");
  CHECK(d[0]["changes"][0]["b"] == "unknown");
  CHECK(d[1]["kind"] == "removed");
  CHECK(d[1]["b"].size() == 1);
  CHECK(d[1]["b"]["state"] == "unmapped");
  CHECK(d[2]["kind"] == "added");
  CHECK(d[3]["kind"] == "changed");
  CHECK(d[3]["a"]["state"] == "faults");
  CHECK(d[3]["a"]["entry"] == "0x0000000000002040");
  CHECK(d[3]["a"]["reserved"] == "0x0008000000000000");
  CHECK(d[3]["a"]["level"] == "PT");
  CHECK(d[4]["kind"] == "cannot-compare");
  CHECK(d[4]["b"]["reason"] == "not walked by ptdump");
}

TEST_CASE("diff report: text puts the summary first and one line per difference") {
  std::ostringstream os;
  write_diff_text(sample(), os);
  const std::string t = os.str();
  CHECK(t.find("ptverify diff: DIFFERENT - 2 changed, 1 added, 1 removed, 1 cannot compare\n") == 0);
  CHECK(t.find("a: before.elf (elf-core, 4-level)\nb: after.txt (ptdump, 4-level)\n") != std::string::npos);
  CHECK(t.find("executable: no -> unknown  (-r-- 4K G -> -r-? 4K G)") != std::string::npos);
  CHECK(t.find("removed         0x0000000000003000-0x0000000000004000") != std::string::npos);
  CHECK(t.find("added           0x0000000000005000-0x0000000000006000         4K  -rwx 4K G") != std::string::npos);
  CHECK(t.find("translation: faults: PT entry at P0x0000000000002040") != std::string::npos);
  CHECK(t.find("cannot-compare  0x0000000000100000-0x0000000000200000         1M  a: not mapped; b: unknown (not "
               "walked by ptdump)") != std::string::npos);
}

TEST_CASE("diff report: identical dumps print the summary and the two files only") {
  MappingSet a;
  a.source = "x";
  a.format = "json";
  const auto d = diff_mappings(a, a);
  REQUIRE(d.ok());
  std::ostringstream os;
  write_diff_text(*d, os);
  CHECK(os.str() ==
        "ptverify diff: IDENTICAL - 0 changed, 0 added, 0 removed, 0 cannot compare\n"
        "a: x (json, 4-level)\nb: x (json, 4-level)\n");
}
