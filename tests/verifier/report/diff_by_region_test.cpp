// Strategy: `diff --spec` on a hand-made spec with one region at a parameter base (a "direct
// map"), one at a constant, and one whose placement is randomised within (a vmalloc): the same
// pages at two bases are identical, one right changed is named at its offset, allocations at
// other places in the randomised region are identical as counts and a new rights class there is
// a difference; relative_view clips and moves runs, unknown and fault ranges. The real pairs of
// captures are tests/cli/diff_kernel.sh and the cli/diff_spec_* goldens.
#include <doctest/doctest.h>

#include <sstream>

#include "verifier/mapping/diff.h"
#include "verifier/report/diff_report.h"
#include "verifier/spec/parse.h"

using namespace ptv;

namespace {

constexpr std::uint64_t k4K = 0x1000;

Run run(std::uint64_t first, std::uint64_t size, Tri w, Tri x) {
  Run r;
  r.range = VirtRange::from_size(VirtAddr(first), size);
  r.writable = w;
  r.user = Tri::kNo;
  r.executable = x;
  r.global = Tri::kNo;
  r.page_size = k4K;
  return r;
}

MappingSet set(std::vector<Run> runs, std::string source) {
  MappingSet m;
  m.format = "json";
  m.source = std::move(source);
  m.runs = std::move(runs);
  REQUIRE_FALSE(m.validate().has_value());
  return m;
}

constexpr const char* kSpec = R"({
  "name": "two-regions",
  "rules": {"paging_mode": 4},
  "parameters": {"base": {"min": "0xffff888000000000", "max": "0xffffc00000000000", "align": "1 * GiB"}},
  "regions": [
    {"name": "dmap", "kind": "direct-map", "half": "kernel", "start": "base", "size": "1 * TiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable", "executable"]}},
    {"name": "pool", "kind": "vmalloc", "half": "kernel", "start": "0xffffc90000000000", "size": "1 * TiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable", "executable"]}},
    {"name": "fixed", "kind": "data", "half": "kernel", "start": "0xffffff0000000000", "size": "1 * GiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable"]}}
  ]
})";

struct Fixture {
  spec::Spec spec;
  Fixture() {
    auto s = spec::parse_spec(kSpec, "two-regions.json");
    REQUIRE_MESSAGE(s.ok(), s.error().message);
    spec = std::move(*s);
  }
  spec::Layout layout(std::uint64_t base) const {
    auto l = spec::evaluate_layout(spec, {base});
    REQUIRE_MESSAGE(l.ok(), l.error().message);
    return std::move(*l);
  }
};

const RegionDiff& region(const SpecDiff& d, const std::string& name) {
  for (const RegionDiff& r : d.regions)
    if (r.name == name) return r;
  FAIL("no region " << name);
  return d.regions.front();
}

constexpr std::uint64_t kBaseA = 0xffff888000000000, kBaseB = 0xffff8c4700000000;
constexpr std::uint64_t kPool = 0xffffc90000000000, kFixed = 0xffffff0000000000;

}  // namespace

TEST_CASE("relative_view: runs, unknown and fault ranges clipped to the pieces and moved down by the base") {
  MappingSet m = set({run(0x10000, 0x4000, Tri::kYes, Tri::kNo), run(0x20000, 0x1000, Tri::kNo, Tri::kYes)}, "m");
  m.unknown = {UnknownRange{VirtRange::from_size(VirtAddr(0x30000), 0x2000), "gone", {}}};
  m.faults = {FaultRange{VirtRange::from_size(VirtAddr(0x40000), 0x1000), PhysAddr(0x2040), Level::kPt, 1, 1}};
  const MappingSet v = relative_view(
      m, {VirtRange{VirtAddr(0x12000), VirtAddr(0x20fff)}, VirtRange{VirtAddr(0x31000), VirtAddr(0x4ffff)}}, 0x10000);
  REQUIRE(v.runs.size() == 2);
  CHECK(v.runs[0].range == VirtRange{VirtAddr(0x2000), VirtAddr(0x3fff)});
  CHECK(v.runs[0].writable == Tri::kYes);
  CHECK(v.runs[1].range == VirtRange{VirtAddr(0x10000), VirtAddr(0x10fff)});
  REQUIRE(v.unknown.size() == 1);
  CHECK(v.unknown[0].range == VirtRange{VirtAddr(0x21000), VirtAddr(0x21fff)});
  REQUIRE(v.faults.size() == 1);
  CHECK(v.faults[0].range.first == VirtAddr(0x30000));
  CHECK(v.source == "m");
}

TEST_CASE("diff by region: the same pages at two bases are identical, one change is named at its offset") {
  Fixture f;
  const spec::Layout la = f.layout(kBaseA), lb = f.layout(kBaseB);
  const MappingSet a =
      set({run(kBaseA + k4K, 4 * k4K, Tri::kYes, Tri::kNo), run(kFixed, k4K, Tri::kYes, Tri::kNo)}, "a");
  const MappingSet same =
      set({run(kBaseB + k4K, 4 * k4K, Tri::kYes, Tri::kNo), run(kFixed, k4K, Tri::kYes, Tri::kNo)}, "b");
  auto d = diff_by_region(a, la, same, lb, {});
  REQUIRE(d.ok());
  CHECK(d->exit_code() == ExitCode::kOk);
  CHECK(region(*d, "dmap").a_base == kBaseA);
  CHECK(region(*d, "dmap").b_base == kBaseB);

  const MappingSet changed =
      set({run(kBaseB + k4K, k4K, Tri::kYes, Tri::kNo), run(kBaseB + 2 * k4K, k4K, Tri::kYes, Tri::kYes),
           run(kBaseB + 3 * k4K, 2 * k4K, Tri::kYes, Tri::kNo), run(kFixed, k4K, Tri::kYes, Tri::kNo)},
          "b");
  d = diff_by_region(a, la, changed, lb, {});
  REQUIRE(d.ok());
  CHECK(d->exit_code() == ExitCode::kViolations);
  const RegionDiff& r = region(*d, "dmap");
  REQUIRE(r.diff.differences.size() == 1);
  CHECK(r.diff.differences[0].range.first == VirtAddr(2 * k4K));
  CHECK(r.changed_bytes == k4K);
  CHECK_FALSE(region(*d, "fixed").differs());
  std::ostringstream os;
  write_spec_diff_text(*d, os, false, 0);
  CHECK(os.str().find("changed       dmap+0x2000") != std::string::npos);
  CHECK(os.str().find("executable: no -> yes") != std::string::npos);

  SpecDiffOptions ignore;
  ignore.ignore = {"dmap"};
  d = diff_by_region(a, la, changed, lb, ignore);
  REQUIRE(d.ok());
  CHECK(d->exit_code() == ExitCode::kOk);
  CHECK(d->ignored == std::vector<std::string>{"dmap"});
  ignore.ignore = {"dmpa"};
  CHECK_FALSE(diff_by_region(a, la, changed, lb, ignore).ok());
}

TEST_CASE("diff by region: a randomised region compares counts per rights class, and a new class differs") {
  Fixture f;
  const spec::Layout la = f.layout(kBaseA), lb = f.layout(kBaseB);
  const MappingSet a = set({run(kPool + 0x10000, 2 * k4K, Tri::kYes, Tri::kNo)}, "a");
  const MappingSet moved =
      set({run(kPool + 0x7000'0000, k4K, Tri::kYes, Tri::kNo), run(kPool + 0x9000'0000, 2 * k4K, Tri::kYes, Tri::kNo)},
          "b");
  auto d = diff_by_region(a, la, moved, lb, {});
  REQUIRE(d.ok());
  const RegionDiff& pool = region(*d, "pool");
  CHECK(pool.randomised);
  CHECK(pool.counts_differ());
  CHECK_FALSE(pool.differs());
  CHECK(d->exit_code() == ExitCode::kOk);
  REQUIRE(pool.classes.size() == 1);
  CHECK(pool.classes[0].a_pages == 2);
  CHECK(pool.classes[0].b_pages == 3);

  const MappingSet exec = set({run(kPool + 0x7000'0000, 2 * k4K, Tri::kYes, Tri::kYes)}, "b");
  d = diff_by_region(a, la, exec, lb, {});
  REQUIRE(d.ok());
  CHECK(region(*d, "pool").differs());
  CHECK(d->exit_code() == ExitCode::kViolations);
  std::ostringstream os;
  write_spec_diff_json(*d, os);
  CHECK(os.str().find("\"status\": \"different\"") != std::string::npos);
}
