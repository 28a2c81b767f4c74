// Strategy: the frame rules (conflicting-aliases, page-table-exposure) read the walk's leaf
// runs (models/walk.h for_each_leaf_run, itself pinned by tests/models/leaf_runs_test.cpp).
// Here hand-built tables go through run_check as `ptverify check` runs it, and each case pins
// the exact violation: which addresses, which frame, which entries, and what is not one.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "models/table_builder.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/report/explain.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using check::RuleId;
using check::Status;
using test::TableBuilder;

namespace {

const char* const kSpec = R"({"name": "frames", "rules": {"paging_mode": 4, "null_guard": 0, "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
  "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "forbidden"}, "regions": []})";

check::CheckResult check_tables(const TableBuilder& tb, PhysAddr root, const char* spec_text = kSpec) {
  const PagingState s = test::state_for_root(root, PagingMode::k4Level);
  const TableReader reader = tb.reader();
  const auto space = enumerate_address_space(s, reader);
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, s, "elf-core", "tables");
  const auto spec = spec::parse_spec(spec_text, "frames.json");
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  const check::RawContext raw{s, reader, std::nullopt, &*space};
  const check::CheckOutcome o = check::run_check(m, *spec, &raw, check::CheckOptions{});
  REQUIRE_MESSAGE(!std::holds_alternative<check::InternalError>(o), check::problem(o));
  REQUIRE(std::holds_alternative<check::CheckResult>(o));
  return std::get<check::CheckResult>(o);
}

std::vector<check::Violation> of_rule(const check::CheckResult& r, RuleId id) {
  std::vector<check::Violation> out;
  for (const check::Violation& v : r.violations)
    if (v.rule == id) out.push_back(v);
  return out;
}

Status status(const check::CheckResult& r, RuleId id) { return r.rules[static_cast<std::size_t>(id)].status; }

constexpr std::uint64_t kText = 0xffff'ffff'8100'0000;    // executable, read-only
constexpr std::uint64_t kDirect = 0xffff'8880'0000'0000;  // writable, NX
constexpr std::uint64_t kFrames = 0x40'0000;

/// Maps pages [first, last) of 4 KiB at va + 4 KiB * i to frame + 4 KiB * i.
void map_pages(TableBuilder& tb, PhysAddr root, std::uint64_t va, std::uint64_t frame, unsigned first, unsigned last,
               std::uint64_t leaf_bits) {
  for (unsigned i = first; i < last; ++i)
    tb.map(root, PagingMode::k4Level, VirtAddr(va + 0x1000ull * i), PhysAddr(frame + 0x1000ull * i), Level::kPt,
           leaf_bits);
}

}  // namespace

TEST_CASE("conflicting-aliases: the part of an executable run whose frames a writable run maps, one violation") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  // Text: 8 pages over frames kFrames..+8; the direct map writes 4 of them (pages 2..5).
  map_pages(tb, root, kText, kFrames, 0, 8, bits::kG);
  map_pages(tb, root, kDirect, kFrames, 2, 6, bits::kRW | bits::kXd);
  const check::CheckResult r = check_tables(tb, root);
  CHECK(status(r, RuleId::kWx) == Status::kHolds);
  const auto vs = of_rule(r, RuleId::kConflictingAliases);
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].address == VirtAddr(kText + 0x2000));
  CHECK(vs[0].range == VirtRange{VirtAddr(kText + 0x2000), VirtAddr(kText + 0x5fff)});
  CHECK(vs[0].phys == kFrames + 0x2000);
  CHECK(vs[0].message.find("writable at V0xffff888000002000") != std::string::npos);
  CHECK(vs[0].message.find("so are the next 3 4 KiB frames") != std::string::npos);
  REQUIRE_FALSE(vs[0].walk.empty());
}

TEST_CASE("conflicting-aliases: one page table reached writable by one path and executable by another") {
  // The same leaf entries under two rights contexts are two translations of one frame: one
  // writes it, the other runs it. Neither translation is W+X on its own, so only this rule sees it.
  TableBuilder tb;
  const PhysAddr root = tb.alloc(), pdpt = tb.alloc(), pd = tb.alloc(), pt = tb.alloc();
  tb.set(root, 511, pdpt.value() | bits::kP | bits::kRW);
  tb.set(pdpt, 0, pd.value() | bits::kP | bits::kRW | bits::kXd);  // writable, never executable
  tb.set(pdpt, 1, pd.value() | bits::kP);                          // read-only, executable
  tb.set(pd, 0, pt.value() | bits::kP | bits::kRW);
  for (unsigned i = 0; i < 4; ++i) tb.set(pt, i, (kFrames + 0x1000ull * i) | bits::kP | bits::kRW);
  const check::CheckResult r = check_tables(tb, root);
  CHECK(status(r, RuleId::kWx) == Status::kHolds);
  const auto vs = of_rule(r, RuleId::kConflictingAliases);
  REQUIRE(vs.size() == 1);
  const std::uint64_t exec_va = 0xffff'ff80'4000'0000;  // PML4 511, PDPT 1
  CHECK(vs[0].range == VirtRange::from_size(VirtAddr(exec_va), 4 * 0x1000));
  CHECK(vs[0].message.find("writable at V0xffffff8000000000") != std::string::npos);
}

TEST_CASE("conflicting-aliases: a writable and executable leaf alone is the wx rule's, not an alias") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  map_pages(tb, root, kText, kFrames, 0, 3, bits::kRW);
  const check::CheckResult r = check_tables(tb, root);
  CHECK(status(r, RuleId::kWx) == Status::kViolated);
  CHECK(status(r, RuleId::kConflictingAliases) == Status::kHolds);
}

TEST_CASE("conflicting-aliases: 2 MiB text over frames a 4 KiB writable page shares") {
  TableBuilder tb;
  const PhysAddr root = tb.alloc();
  tb.map(root, PagingMode::k4Level, VirtAddr(kText), PhysAddr(0x20'0000), Level::kPd, bits::kG);
  tb.map(root, PagingMode::k4Level, VirtAddr(kDirect + 0x1000), PhysAddr(0x2f'f000), Level::kPt, bits::kRW | bits::kXd);
  const check::CheckResult r = check_tables(tb, root);
  const auto vs = of_rule(r, RuleId::kConflictingAliases);
  REQUIRE(vs.size() == 1);
  // The aliased frame, and the address of the 2 MiB page that executes it: not the page's start.
  CHECK(vs[0].range == VirtRange::from_size(VirtAddr(kText + 0xf'f000), 0x1000));
  CHECK(vs[0].address == VirtAddr(kText + 0xf'f000));
  CHECK(vs[0].phys == 0x2f'f000);
  CHECK(vs[0].message.find("frame P0x00000000002ff000 is executable at V0xffffffff810ff000") != std::string::npos);
}

TEST_CASE("page-table-exposure: a writable run over frames holding a page table names the one entry that maps it") {
  TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  // 16 writable pages over frames 0..0xf000, where the tables live; only the frames that hold
  // tables are exposure, through the entries that map them.
  map_pages(tb, root, 0x10'0000, 0, 0, 16, bits::kRW | bits::kXd);
  const check::CheckResult r = check_tables(tb, root);
  const auto vs = of_rule(r, RuleId::kPageTableExposure);
  REQUIRE_FALSE(vs.empty());
  // The tables are frames 1..4 (root, PDPT, PD, PT): pages 1..4 of the run, one widened violation.
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].range == VirtRange{VirtAddr(0x10'1000), VirtAddr(0x10'4fff)});
}

TEST_CASE("page-table-exposure: parameter inference places the direct map where the table mappings are allowed") {
  // The direct map's base may be 0xffff888000000000 or 0xffff890000000000; the tables are mapped
  // writable only at the second. Inference must see the rule and choose it: the dump then
  // satisfies the spec, for some admissible value of the base.
  TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  map_pages(tb, root, 0xffff'8900'0000'0000, 0, 0, 16, bits::kRW | bits::kXd);
  const char* const spec = R"({"name": "frames", "rules": {"paging_mode": 4, "null_guard": 0, "wx": "forbidden",
    "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
    "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "forbidden"},
    "parameters": {"base": {"values": ["0xffff888000000000", "0xffff890000000000"]}},
    "regions": [{"name": "direct-map", "kind": "direct-map", "half": "kernel", "start": "base", "size": "1 * GiB",
                 "must": "may-be-mapped", "rights": {"allowed": ["writable"]}}]})";
  const check::CheckResult r = check_tables(tb, root, spec);
  CHECK(status(r, RuleId::kPageTableExposure) == Status::kHolds);
  CHECK(r.verdict() == Status::kHolds);
  CHECK(r.parameters_admissible);
  REQUIRE(r.parameters.size() == 1);
  CHECK(r.parameters[0].value == 0xffff'8900'0000'0000);
}

TEST_CASE("wx: with CR0.WP = 0 a read-only executable supervisor page is W+X, told and fixed as such") {
  // [SDM 3A §4.6.1] Supervisor writes ignore R/W when CR0.WP = 0. The walk names what decides it
  // (R/W=0, but WP), and the fix sets XD; clearing R/W, already clear, would change nothing.
  TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  map_pages(tb, root, kText, kFrames, 0, 1, bits::kG);
  PagingState s = test::state_for_root(root, PagingMode::k4Level);
  s.cr0_wp = false;
  const TableReader reader = tb.reader();
  const auto space = enumerate_address_space(s, reader);
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, s, "elf-core", "tables");
  const auto spec = spec::parse_spec(kSpec, "frames.json");
  REQUIRE(spec.ok());
  const check::RawContext raw{s, reader, std::nullopt, &*space};
  const check::CheckOutcome o = check::run_check(m, *spec, &raw, check::CheckOptions{});
  REQUIRE(std::holds_alternative<check::CheckResult>(o));
  const auto vs = of_rule(std::get<check::CheckResult>(o), RuleId::kWx);
  REQUIRE(vs.size() == 1);
  REQUIRE_FALSE(vs[0].walk.empty());
  CHECK(vs[0].walk.back().deciding_bits == "R/W=0 but CR0.WP=0, XD=0");
  const Fix fix = propose_fix(vs[0]);
  REQUIRE(fix.changes.size() == 1);
  CHECK(fix.changes[0].what == "set XD (bit 63)");
  bool wp_note = false;
  for (const std::string& n : fix.notes) {
    CHECK(n.find("clear R/W") == std::string::npos);
    wp_note = wp_note || n.find("set CR0.WP") != std::string::npos;
  }
  CHECK(wp_note);
}
