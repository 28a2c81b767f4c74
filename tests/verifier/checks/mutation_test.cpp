// Strategy: fault injection on a real sliced core. Check the unmodified tables against a spec,
// then flip one real entry (through an overlay over the core: the file is untouched) and check
// again. The violations that are new must include exactly the expected rule over exactly the
// expected address range, with the walk pointing at the mutated entry, and must all lie where
// the mutation can reach. Every rule has a mutation here (canonical, which raw walks cannot
// break, is pinned on a hand-made mapping set at the end).
#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <map>

#include "../realdata/capture.h"
#include "../realdata/check_harness.h"
#include "../realdata/overlay.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

const char* const kCapture = "linux-6.1-ptdump-4level-pti";

using test::Overlay;

spec::Spec load(const char* name) {
  auto s = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/specs/" + name);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(s.value());
}

CheckResult run(const test::Capture& cap, const TableReader& reader, const spec::Spec& spec,
                const std::map<std::string, std::uint64_t>& fixed = {}) {
  return test::check_raw(cap, reader, spec, fixed);
}

struct Fixture {
  test::Capture cap = test::open_fixture(kCapture);
  Overlay overlay{cap.core->reader()};
  spec::Spec spec = load("mutation-pti.json");
  CheckResult before = run(cap, cap.core->reader(), spec);

  /// The leaf entry translating va, and the path to it.
  WalkResult path(VirtAddr va) const { return walk(cap.state, overlay.reader(), va); }

  /// New violations of the mutated tables, with the parameters inferred from the original
  /// (a mutation could otherwise be explained away by moving a KASLR base: check's semantics is
  /// "for some admissible parameter values").
  std::vector<Violation> fresh(const spec::Spec& s, const CheckResult& base) {
    const CheckResult after = run(cap, overlay.reader(), s, test::fixed_parameters(base.parameters));
    std::vector<Violation> out;
    for (const Violation& v : after.violations) {
      bool seen = false;
      for (const Violation& b : base.violations)
        if (b.rule == v.rule && b.range == v.range) seen = true;
      if (!seen) out.push_back(v);
    }
    return out;
  }
  std::vector<Violation> fresh() { return fresh(spec, before); }
};

const Violation* find(const std::vector<Violation>& vs, RuleId rule) {
  for (const Violation& v : vs)
    if (v.rule == rule) return &v;
  return nullptr;
}

void expect(const std::vector<Violation>& vs, RuleId rule, VirtRange range, std::optional<PhysAddr> deciding_entry) {
  const Violation* v = find(vs, rule);
  REQUIRE_MESSAGE(v, "no new " << rule_info(rule).name << " violation among " << vs.size());
  CHECK(v->range == range);
  CHECK(v->range.contains(v->address));
  if (deciding_entry) {
    bool found = false;
    for (const WalkLevel& l : v->walk)
      if (l.deciding) {
        CHECK(l.entry_address == deciding_entry->value());
        found = true;
      }
    CHECK(found);
  }
}

constexpr VirtAddr kUserText(0x40'0000);                   // first page of the user program
constexpr VirtAddr kDirectMapPage(0xffff'9804'4009'b000);  // a writable NX 4 KiB direct-map page

}  // namespace

TEST_CASE("mutation: the unmodified capture infers the KASLR direct-map base and breaks only the spec's known rule") {
  Fixture f;
  REQUIRE(f.before.parameters.size() == 1);
  CHECK(f.before.parameters[0].value == 0xffff'9804'4000'0000);
  // The kernel image maps its own page tables writably, outside every direct-map placement the
  // spec admits: no parameter value avoids it, and inference says so while keeping the base
  // that breaks nothing else.
  CHECK_FALSE(f.before.parameters_admissible);
  for (const Violation& v : f.before.violations) CHECK(v.rule == RuleId::kPageTableExposure);  // kernel-image tables
  CHECK(f.before.complete);
}

TEST_CASE("mutation: clearing XD on a writable page breaks wx exactly there") {
  Fixture f;
  const WalkResult w = f.path(kDirectMapPage);
  REQUIRE(w.translation);
  REQUIRE(w.translation->attributes.writable);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, w.path.back().entry.raw() & ~bits::kXd);
  const auto vs = f.fresh();
  expect(vs, RuleId::kWx, VirtRange::from_size(kDirectMapPage, 0x1000), leaf);
  for (const Violation& v : vs) CHECK(v.range.contains(kDirectMapPage));
}

TEST_CASE("mutation: the user bit on a kernel leaf breaks the user-kernel split exactly there") {
  Fixture f;
  const WalkResult w = f.path(kDirectMapPage);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, w.path.back().entry.raw() | bits::kUS);
  const auto vs = f.fresh();
  expect(vs, RuleId::kUserKernelSplit, VirtRange::from_size(kDirectMapPage, 0x1000), leaf);
  expect(vs, RuleId::kRegionRights, VirtRange::from_size(kDirectMapPage, 0x1000), leaf);
}

TEST_CASE("mutation: mapping page zero breaks the null guard and the low guard region") {
  Fixture f;
  // Point PD[0] at the page table that maps the program at 0x400000 (PD[2]).
  const WalkResult w = f.path(kUserText);
  const WalkStep& pd = w.path[2];
  REQUIRE(pd.level == Level::kPd);
  const PhysAddr pd0(pd.table.value());
  f.overlay.set(pd0, pd.entry.raw());
  const auto vs = f.fresh();
  expect(vs, RuleId::kNullGuard, VirtRange{VirtAddr(0), VirtAddr(0xffff)}, std::nullopt);
  expect(vs, RuleId::kGuardUnmapped, VirtRange{VirtAddr(0x1'0000), VirtAddr(0x1'ffff)}, std::nullopt);
  for (const Violation& v : vs) CHECK(v.range.last < VirtAddr(0x20'0000));
}

TEST_CASE("mutation: a reserved bit above MAXPHYADDR makes the walk fault, reported at that page") {
  Fixture f;
  REQUIRE(f.cap.state.maxphyaddr == 40);
  const WalkResult w = f.path(kDirectMapPage);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, w.path.back().entry.raw() | (std::uint64_t{1} << 45));
  const auto vs = f.fresh();
  expect(vs, RuleId::kReservedBits, VirtRange::from_size(kDirectMapPage, 0x1000), leaf);
}

TEST_CASE("mutation: clearing U/S on user text breaks the split, the required rights and nothing else") {
  Fixture f;
  const WalkResult w = f.path(kUserText);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, w.path.back().entry.raw() & ~bits::kUS);
  const auto vs = f.fresh();
  expect(vs, RuleId::kSupervisorInUserHalf, VirtRange::from_size(kUserText, 0x1000), leaf);
  expect(vs, RuleId::kRegionRequiredRights, VirtRange::from_size(kUserText, 0x1000), std::nullopt);
}

TEST_CASE("mutation: making user text writable breaks the region's allowed rights") {
  Fixture f;
  const VirtAddr va(0x40'2000);
  const WalkResult w = f.path(va);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, w.path.back().entry.raw() | bits::kRW);
  const auto vs = f.fresh();
  expect(vs, RuleId::kRegionRights, VirtRange::from_size(va, 0x1000), std::nullopt);
}

TEST_CASE("mutation: unmapping a page of a must-be-mapped region breaks required-mapped") {
  Fixture f;
  const VirtAddr va(0x40'1000);
  const WalkResult w = f.path(va);
  const PhysAddr leaf = w.path.back().entry_address;
  f.overlay.set(leaf, 0);
  const auto vs = f.fresh();
  expect(vs, RuleId::kRequiredMapped, VirtRange::from_size(va, 0x1000), std::nullopt);
}

TEST_CASE("mutation: a 2 MiB page where only 4 KiB pages are allowed breaks page-size") {
  Fixture f;
  const WalkResult w = f.path(kUserText);
  const WalkStep& pd = w.path[2];
  f.overlay.set(pd.entry_address, 0x0dc0'0000 | bits::kP | bits::kUS | bits::kPsOrPat7);
  const auto vs = f.fresh();
  expect(vs, RuleId::kPageSize, VirtRange{VirtAddr(0x40'0000), VirtAddr(0x41'ffff)}, std::nullopt);
}

TEST_CASE("mutation: a top-level entry pointing at the root is a recursive slot the spec forbids") {
  Fixture f;
  const PhysAddr root = f.cap.root;
  f.overlay.set(PhysAddr(root.value() + 8 * 300), root.value() | bits::kP | bits::kRW | bits::kXd);
  const auto vs = f.fresh();
  const VirtRange slot{VirtAddr(0xffff'9600'0000'0000), VirtAddr(0xffff'967f'ffff'ffff)};
  expect(vs, RuleId::kRecursiveSlot, slot, std::nullopt);
  for (const Violation& v : vs) CHECK(slot.contains(v.range));
}

TEST_CASE("mutation: an executable alias of a writable frame breaks conflicting-aliases") {
  Fixture f;
  // The direct map's one executable 4 KiB page (ro x), redirected to a writable page's frame.
  const VirtAddr exec(0xffff'9804'4009'a000);
  const WalkResult x = f.path(exec);
  REQUIRE(x.translation);
  REQUIRE(x.translation->attributes.executable);
  const WalkResult w = f.path(kDirectMapPage);
  const PhysAddr leaf = x.path.back().entry_address;
  f.overlay.set(leaf, (x.path.back().entry.raw() & ~bits::kAddress) | w.translation->frame.value());
  const auto vs = f.fresh();
  expect(vs, RuleId::kConflictingAliases, VirtRange::from_size(exec, 0x1000), leaf);
  CHECK(find(vs, RuleId::kConflictingAliases)->phys == w.translation->frame.value());
}

TEST_CASE("mutation: a user-accessible mapping of a page-table frame breaks page-table-exposure") {
  Fixture f;
  // The direct-map page that holds the root table itself.
  const PhysAddr root = f.cap.root;
  const VirtAddr alias(0xffff'9804'4000'0000 + root.value());
  const WalkResult w = f.path(alias);
  REQUIRE(w.translation);
  REQUIRE(w.translation->frame == root);
  f.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() | bits::kUS);
  const auto vs = f.fresh();
  expect(vs, RuleId::kPageTableExposure, VirtRange::from_size(alias, 0x1000), std::nullopt);
  CHECK(find(vs, RuleId::kPageTableExposure)->message.find("user-accessible") != std::string::npos);
}

TEST_CASE("mutation: a mapping outside every region breaks outside-regions") {
  Fixture f;
  const spec::Spec outside = load("outside-pti.json");
  const CheckResult base = run(f.cap, f.cap.core->reader(), outside);
  CHECK(base.violations.empty());
  // PML4[256] (0xffff8000'00000000, below the spec's kernel region) shares PML4[304]'s PDPT.
  const PhysAddr root = f.cap.root;
  f.overlay.set(PhysAddr(root.value() + 8 * 256), f.overlay.get(PhysAddr(root.value() + 8 * 304)));
  const auto vs = f.fresh(outside, base);
  REQUIRE_FALSE(vs.empty());
  CHECK(find(vs, RuleId::kOutsideRegions));
  // The slot's new mappings also map page-table frames writably outside a direct-map region.
  for (const Violation& v : vs) {
    CHECK((v.rule == RuleId::kOutsideRegions || v.rule == RuleId::kPageTableExposure));
    CHECK(VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'807f'ffff'ffff)}.contains(v.range));
  }
}

TEST_CASE("canonical: a text dump claiming a non-canonical translation is a violation") {
  MappingSet m;
  m.mode = PagingMode::k4Level;
  m.format = "json";
  m.source = "hand-made";
  Run r;
  r.range = VirtRange{VirtAddr(0x0000'8000'0000'0000), VirtAddr(0x0000'8000'0000'0fff)};
  r.writable = r.user = r.executable = r.global = Tri::kNo;
  r.page_size = 4096;
  r.provenance.line = 7;
  m.runs.push_back(r);
  const spec::Spec s = load("outside-pti.json");
  const CheckOutcome o = run_check(m, s, nullptr, CheckOptions{});
  REQUIRE(std::holds_alternative<CheckResult>(o));
  const Violation* v = find(std::get<CheckResult>(o).violations, RuleId::kCanonical);
  REQUIRE(v);
  CHECK(v->range == r.range);
  CHECK(v->message.find("line 7") != std::string::npos);
  CHECK(std::get<CheckResult>(o).rules[static_cast<std::size_t>(RuleId::kConflictingAliases)].status ==
        Status::kNotApplicable);
}

// A kernel booted without PTI (the default on most machines): the Linux spec holds because the
// alias and W^X rules are decided per privilege, and the faults that those rules exist for are
// still caught on the same real tables.
TEST_CASE("mutation: on a kernel without PTI the per-privilege rules still catch user W+X and user-writable aliases") {
  const test::Capture cap = test::open_fixture("linux-6.1-4level-nokaslr-nopti");
  const auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE(spec.ok());
  const CheckResult base = run(cap, cap.core->reader(), *spec);
  REQUIRE(base.verdict() == Status::kHolds);
  const auto fixed = test::fixed_parameters(base.parameters);
  // busybox's text, user-executable, and its frame's direct-map address (nokaslr: page_offset_base
  // is 0xffff888000000000), writable by the supervisor only.
  const VirtAddr text(0x40'1000);
  const WalkResult t = walk(cap.state, cap.core->reader(), text, cap.root);
  REQUIRE(t.translation);
  REQUIRE(t.translation->attributes.user);
  REQUIRE(t.translation->attributes.executable);
  REQUIRE_FALSE(t.translation->attributes.supervisor_executable);  // CR4.SMEP
  const VirtAddr alias(0xffff'8880'0000'0000 + t.translation->frame.value());
  const WalkResult a = walk(cap.state, cap.core->reader(), alias, cap.root);
  REQUIRE(a.translation);
  REQUIRE(a.translation->frame == t.translation->frame);
  REQUIRE(a.translation->attributes.writable);
  REQUIRE_FALSE(a.translation->attributes.user);
  auto fresh = [&](const Overlay& o) {
    std::vector<Violation> out;
    for (const Violation& v : test::check_raw(cap, o.reader(), *spec, fixed).violations) out.push_back(v);
    return out;
  };
  {
    // The alias made user-accessible (U/S at every level of its walk): user mode may now write
    // what it runs.
    Overlay o(cap.core->reader());
    for (const WalkStep& st : a.path) o.set(st.entry_address, st.entry.raw() | bits::kUS);
    const auto vs = fresh(o);
    const Violation* v = find(vs, RuleId::kConflictingAliases);
    REQUIRE(v);
    CHECK(v->range == VirtRange::from_size(text, 0x1000));
    CHECK(v->message.find("user-executable at V0x0000000000401000 and user-writable at") != std::string::npos);
    CHECK(find(vs, RuleId::kUserKernelSplit));
  }
  {
    // The text page itself made writable: user W+X.
    Overlay o(cap.core->reader());
    const PhysAddr leaf = t.path.back().entry_address;
    o.set(leaf, t.path.back().entry.raw() | bits::kRW);
    const auto vs = fresh(o);
    const Violation* v = find(vs, RuleId::kWx);
    REQUIRE(v);
    CHECK(v->range.contains(text));
  }
}

TEST_CASE("mutation: moving a direct-map page to another frame breaks the bundled spec's physical-layout there") {
  Fixture f;
  auto bundled = spec::load_spec(std::filesystem::path(PTV_FIXTURES_DIR).parent_path().parent_path() / "specs" /
                                 "linux-x86_64-4level.json");
  REQUIRE_MESSAGE(bundled.ok(), (bundled.ok() ? "" : bundled.error().message));
  const CheckResult base = run(f.cap, f.cap.core->reader(), *bundled);
  REQUIRE(base.rules[static_cast<std::size_t>(RuleId::kPhysicalLayout)].status == Status::kHolds);
  const WalkResult w = f.path(kDirectMapPage);
  REQUIRE(w.translation);
  const PhysAddr leaf = w.path.back().entry_address;
  // The next frame: the page now aliases its neighbour instead of its own frame.
  f.overlay.set(leaf, (w.path.back().entry.raw() & ~bits::kAddress) | (w.translation->frame.value() + 0x1000));
  const auto vs = f.fresh(*bundled, base);
  expect(vs, RuleId::kPhysicalLayout, VirtRange::from_size(kDirectMapPage, 0x1000), leaf);
  CHECK(find(vs, RuleId::kPhysicalLayout)->region == "direct-map");
  CHECK(find(vs, RuleId::kPhysicalLayout)->phys == w.translation->frame.value() + 0x1000);
}
