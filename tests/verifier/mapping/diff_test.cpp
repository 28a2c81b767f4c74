// Strategy: first hand-made mapping sets, one difference kind per case, with the expected
// differences as tables of rows and an invariant checker run on every result (sorted, disjoint,
// and no two neighbours that should have been merged). Boundaries that fall inside runs are
// intersected, unknown ranges are never compared as unmapped, and the sweep reaches the top of
// the address space. Then scale: 65,536 runs per side, answered without a per-page loop. Last,
// the real committed slice against its mutated copy: exactly one 4 KiB page became executable.
#include "verifier/mapping/diff.h"

#include <doctest/doctest.h>

#include <sstream>

#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/report/diff_report.h"

using namespace ptv;

namespace {

constexpr std::uint64_t k4K = 0x1000, k2M = 0x20'0000;

Run run(std::uint64_t first, std::uint64_t size, Tri w, Tri x, std::uint64_t page = k4K) {
  Run r;
  r.range = VirtRange::from_size(VirtAddr(first), size);
  r.writable = w;
  r.user = Tri::kNo;
  r.executable = x;
  r.global = Tri::kNo;
  r.page_size = page;
  return r;
}

MappingSet set(std::vector<Run> runs, std::string source = "a") {
  MappingSet m;
  m.format = "json";
  m.source = std::move(source);
  m.runs = std::move(runs);
  REQUIRE_FALSE(m.validate().has_value());
  return m;
}

constexpr Tri Y = Tri::kYes, N = Tri::kNo, U = Tri::kUnknown;

/// The invariant of a diff: sorted, disjoint, and adjacent differences not mergeable.
void check_consistency(const MappingDiff& d) {
  for (std::size_t i = 1; i < d.differences.size(); ++i) {
    const Difference& p = d.differences[i - 1];
    const Difference& q = d.differences[i];
    REQUIRE(p.range.last < q.range.first);
    const bool adjacent = p.range.last.value() + 1 == q.range.first.value();
    CHECK_FALSE((adjacent && p.kind == q.kind && p.a.same(q.a) && p.b.same(q.b)));
  }
}

struct Row {
  DiffKind kind;
  std::uint64_t first, last;  // inclusive
  std::vector<AttributeChange> changes;
};

MappingDiff diff_ok(const MappingSet& a, const MappingSet& b) {
  auto d = diff_mappings(a, b);
  REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message));
  check_consistency(*d);
  return std::move(d.value());
}

void expect_rows(const MappingDiff& d, const std::vector<Row>& rows) {
  REQUIRE(d.differences.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(i);
    CHECK(d.differences[i].kind == rows[i].kind);
    CHECK(d.differences[i].range == VirtRange{VirtAddr(rows[i].first), VirtAddr(rows[i].last)});
    CHECK(d.differences[i].changes == rows[i].changes);
  }
}

}  // namespace

TEST_CASE("diff: identical sets have no difference and exit 0") {
  const MappingSet a = set({run(0x1000, k4K, Y, N), run(0x20'0000, k2M, N, Y, k2M)});
  const MappingDiff d = diff_ok(a, a);
  CHECK(d.differences.empty());
  CHECK(d.exit_code() == ExitCode::kOk);
  CHECK(d.summary_line() == "ptverify diff: IDENTICAL - 0 changed, 0 added, 0 removed, 0 cannot compare");
}

TEST_CASE("diff: ranges mapped on one side only are added or removed, and exit 1") {
  const MappingSet a = set({run(0x1000, k4K, Y, N), run(0x3000, k4K, N, N)});
  const MappingSet b = set({run(0x3000, k4K, N, N), run(0x5000, 2 * k4K, Y, N)});
  const MappingDiff d = diff_ok(a, b);
  expect_rows(d, {{DiffKind::kRemoved, 0x1000, 0x1fff, {}}, {DiffKind::kAdded, 0x5000, 0x6fff, {}}});
  CHECK(d.differences[0].a.state == DiffSide::State::kMapped);
  CHECK(d.differences[0].b.state == DiffSide::State::kUnmapped);
  CHECK(d.exit_code() == ExitCode::kViolations);
}

TEST_CASE("diff: boundaries inside runs are intersected and each piece says which rights changed") {
  // a: one 2M page, writable. b: the same range as 4K pages, the first one read-only.
  const MappingSet a = set({run(0x20'0000, k2M, Y, N, k2M)});
  const MappingSet b = set({run(0x20'0000, k4K, N, N), run(0x20'1000, k2M - k4K, Y, N)});
  expect_rows(diff_ok(a, b),
              {{DiffKind::kChanged, 0x20'0000, 0x20'0fff, {{"writable", "yes", "no"}, {"page size", "2M", "4K"}}},
               {DiffKind::kChanged, 0x20'1000, 0x3f'ffff, {{"page size", "2M", "4K"}}}});
}

TEST_CASE("diff: adjacent equal changes are coalesced, even across runs that differ only in frames") {
  Run b1 = run(0x1000, k4K, Y, Y), b2 = run(0x2000, k4K, Y, Y);
  b1.phys = PhysAddr(0x9000);
  b2.phys = PhysAddr(0x5000);
  const MappingSet a = set({run(0x1000, 2 * k4K, Y, N)});
  const MappingSet b = set({b1, b2});
  expect_rows(diff_ok(a, b), {{DiffKind::kChanged, 0x1000, 0x2fff, {{"executable", "no", "yes"}}}});
}

TEST_CASE("diff: a right known on one side and unknown on the other is a change") {
  const MappingSet a = set({run(0x1000, k4K, U, N)});
  const MappingSet b = set({run(0x1000, k4K, Y, N)});
  expect_rows(diff_ok(a, b), {{DiffKind::kChanged, 0x1000, 0x1fff, {{"writable", "unknown", "yes"}}}});
}

TEST_CASE("diff: unknown ranges cannot be compared, never count as unmapped, and alone give exit 3") {
  MappingSet a = set({});
  a.unknown.push_back(UnknownRange{VirtRange::from_size(VirtAddr(0x10'0000), k2M), "elided", {}});
  SUBCASE("unknown in a, unmapped in b") {
    const MappingDiff d = diff_ok(a, set({}));
    expect_rows(d, {{DiffKind::kCannotCompare, 0x10'0000, 0x2f'ffff, {}}});
    CHECK(d.differences[0].a.unknown->reason == "elided");
    CHECK(d.exit_code() == ExitCode::kUnknown);
  }
  SUBCASE("unknown on both sides is still not equal") {
    const MappingDiff d = diff_ok(a, a);
    expect_rows(d, {{DiffKind::kCannotCompare, 0x10'0000, 0x2f'ffff, {}}});
    CHECK(d.exit_code() == ExitCode::kUnknown);
  }
  SUBCASE("a run in b across the unknown range's edge: split at the edge, and a real difference wins") {
    const MappingDiff d = diff_ok(a, set({run(0x2f'f000, 2 * k4K, Y, N)}));
    expect_rows(d, {{DiffKind::kCannotCompare, 0x10'0000, 0x2f'efff, {}},
                    {DiffKind::kCannotCompare, 0x2f'f000, 0x2f'ffff, {}},
                    {DiffKind::kAdded, 0x30'0000, 0x30'0fff, {}}});
    CHECK(d.exit_code() == ExitCode::kViolations);
  }
}

TEST_CASE("diff: a faulting range against an unmapped one is a change of translation") {
  MappingSet a = set({});
  a.faults.push_back(FaultRange{VirtRange::from_size(VirtAddr(0x1000), k4K), PhysAddr(0x5008), Level::kPt,
                                0x000f'0000'0000'1063, 0x000f'0000'0000'0000});
  const MappingDiff d = diff_ok(a, set({}));
  REQUIRE(d.differences.size() == 1);
  CHECK(d.differences[0].kind == DiffKind::kChanged);
  REQUIRE(d.differences[0].changes.size() == 1);
  CHECK(d.differences[0].changes[0].attribute == "translation");
  CHECK(d.differences[0].changes[0].b == "not mapped");
  const MappingDiff added = diff_ok(a, set({run(0x1000, k4K, N, N)}));
  expect_rows(added, {{DiffKind::kAdded, 0x1000, 0x1fff, {}}});
}

TEST_CASE("diff: the sweep reaches the last page of the address space") {
  const std::uint64_t top = 0xffff'ffff'ffff'f000;
  const MappingSet a = set({run(top, k4K, N, N)});
  const MappingSet b = set({run(top, k4K, Y, N)});
  const MappingDiff d = diff_ok(a, b);
  expect_rows(d, {{DiffKind::kChanged, top, 0xffff'ffff'ffff'ffff, {{"writable", "no", "yes"}}}});
  std::ostringstream os;
  write_diff_json(d, os);
  CHECK(os.str().find("\"end\": \"0x10000000000000000\"") != std::string::npos);
}

TEST_CASE("diff: dumps of different paging modes are an error naming both") {
  MappingSet b = set({}, "b.elf");
  b.mode = PagingMode::k5Level;
  const auto d = diff_mappings(set({}, "a.elf"), b);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("a.elf is a 4-level dump and b.elf a 5-level one") != std::string::npos);
}

TEST_CASE("diff: 65536 runs per side are compared in one sweep") {
  // Every other 4K page mapped; b makes the odd-numbered ones executable. Gaps keep every
  // difference separate: 32768 changes, none merged.
  std::vector<Run> ra, rb;
  for (std::uint64_t i = 0; i < 65'536; ++i) {
    ra.push_back(run(0x1'0000'0000 + 2 * k4K * i, k4K, Y, N));
    rb.push_back(run(0x1'0000'0000 + 2 * k4K * i, k4K, Y, (i % 2) ? Y : N));
  }
  const MappingDiff d = diff_ok(set(std::move(ra)), set(std::move(rb)));
  CHECK(d.count(DiffKind::kChanged) == 32'768);
  CHECK(d.differences.size() == 32'768);
}

TEST_CASE("diff: the committed slice and its mutated copy differ in one page that became executable") {
  const auto dir = std::filesystem::path(PTV_FIXTURES_DIR) / "linux-6.1-4level-kaslr";
  auto load = [&](const char* name) {
    const test::Capture cap = test::open_core(dir, name);
    const auto space = enumerate_address_space(cap.state, cap.core->reader());
    REQUIRE(space.ok());
    return to_mapping_set(*space, cap.state, "elf-core", name);
  };
  const MappingDiff d = diff_ok(load("core.slice.elf.zst"), load("core.slice.mutated-wx.elf.zst"));
  expect_rows(d, {{DiffKind::kChanged, 0xffff'8c47'0000'1000, 0xffff'8c47'0000'1fff, {{"executable", "no", "yes"}}}});
  CHECK(d.exit_code() == ExitCode::kViolations);
  std::ostringstream os;
  write_diff_text(d, os);
  CHECK(os.str().find("changed         0xffff8c4700001000-0xffff8c4700002000         4K  executable: no -> yes") !=
        std::string::npos);
}
