// Strategy: a fix is right when applying it makes the violation go away. First the committed
// mutated real slice: check it, round-trip the report through JSON (what `explain` reads), and
// pin the fix to the exact entry and raw values. Then replay fixes: break a real sliced core
// with one entry flip (an overlay, the file is untouched), check it, apply every entry change
// propose_fix() returns, and check again: the violation must be gone (and for a page split, the
// mapping set must be unchanged but for the page size, told by diff_mappings). Last, one
// hand-made violation per rule pins the fix text and values the real runs do not reach, and the
// text writer's shape (walk, deciding entry, colour only when asked).
#include "verifier/report/explain.h"

#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <map>
#include <sstream>

#include "../realdata/capture.h"
#include "../realdata/check_harness.h"
#include "../realdata/overlay.h"
#include "models/entry.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/diff.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/report/check_json.h"
#include "verifier/report/violation_rights.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

using test::Overlay;

spec::Spec load_spec_file(const std::string& path) {
  auto s = spec::load_spec(path);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(s.value());
}

MappingSet mappings(const test::Capture& cap, const TableReader& reader) {
  const auto space = enumerate_address_space(cap.state, reader);
  REQUIRE(space.ok());
  return to_mapping_set(*space, cap.state, "elf-core", cap.dir.string());
}

CheckResult run(const test::Capture& cap, const TableReader& reader, const spec::Spec& spec,
                const std::vector<Parameter>& fixed = {}) {
  return test::check_raw(cap, reader, spec, test::fixed_parameters(fixed));
}

/// What explain sees: the report written as JSON and read back.
CheckResult round_trip(const CheckResult& r) {
  std::ostringstream os;
  write_check_json(r, os);
  auto back = read_check_json(os.str(), "report.json");
  REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message));
  return std::move(back.value());
}

const Violation* find(const CheckResult& r, RuleId rule, VirtAddr va) {
  for (const Violation& v : r.violations)
    if (v.rule == rule && v.range.contains(va)) return &v;
  return nullptr;
}

std::string explain_text(const CheckResult& r, std::size_t i, bool colour = false) {
  std::ostringstream os;
  write_explain_text(r, i, os, colour);
  return os.str();
}

}  // namespace

TEST_CASE("explain: the committed mutated slice's wx violation is fixed by setting XD in its PT entry") {
  const auto dir = std::filesystem::path(PTV_FIXTURES_DIR) / "linux-6.1-4level-kaslr";
  const test::Capture cap = test::open_core(dir, "core.slice.mutated-wx.elf.zst");
  const spec::Spec spec = load_spec_file(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  const CheckResult r = round_trip(run(cap, cap.core->reader(), spec));
  REQUIRE(r.violations.size() == 1);
  const Violation& v = r.violations[0];
  REQUIRE(v.rule == RuleId::kWx);

  const Fix f = propose_fix(v);
  REQUIRE(f.changes.size() == 1);
  const EntryChange& c = f.changes[0];
  CHECK(v.walk[c.level].level == Level::kPt);
  CHECK(v.walk[c.level].entry_address == 0x440'3008);
  CHECK(c.before == 0x0000'0000'0000'1063);
  CHECK(c.after == 0x8000'0000'0000'1063);
  CHECK(c.what == "set XD (bit 63)");
  CHECK(f.summary.find("set XD (bit 63) in the PT entry at 0x0000000004403008") != std::string::npos);

  const std::string text = explain_text(r, 0);
  CHECK(text.find("PT entry at 0x0000000004403008: 0x0000000000001063 -> 0x8000000000001063") != std::string::npos);
  CHECK(text.find("wx: No translation lets one privilege both write and execute") != std::string::npos);
  CHECK(text.find("At 0xffff8c4700001000: writable and executable") != std::string::npos);
  CHECK(text.find("Every address of [0xffff8c4700001000, 0xffff8c4700002000) (4K)") != std::string::npos);
  CHECK(text.find("^ this entry decides it: R/W=1, XD=0") != std::string::npos);
  CHECK(text.find('\033') == std::string::npos);
  CHECK(explain_text(r, 0, true).find("\033[") != std::string::npos);

  // Applying the fix to the tables makes the dump hold against the spec.
  Overlay overlay(cap.core->reader());
  overlay.set(PhysAddr(v.walk[c.level].entry_address), c.after);
  const CheckResult after = run(cap, overlay.reader(), spec, r.parameters);
  CHECK(after.violations.empty());
}

namespace {

const char* const kPti = "linux-6.1-ptdump-4level-pti";
constexpr VirtAddr kUserText(0x40'0000);                   // first page of the user program
constexpr VirtAddr kDirectMapPage(0xffff'9804'4009'b000);  // a writable NX 4 KiB direct-map page
constexpr VirtAddr kDirectMapExec(0xffff'9804'4009'a000);  // the direct map's executable page

/// A real slice broken by one entry, checked, and its violation's fix applied and re-checked.
struct Replay {
  test::Capture cap = test::open_fixture(kPti);
  Overlay overlay{cap.core->reader()};
  spec::Spec spec = load_spec_file(std::string(PTV_FIXTURES_DIR) + "/specs/mutation-pti.json");
  CheckResult before = run(cap, cap.core->reader(), spec);

  WalkResult path(VirtAddr va) const { return walk(cap.state, overlay.reader(), va); }
  CheckResult check() { return round_trip(run(cap, overlay.reader(), spec, before.parameters)); }

  /// Checks the broken tables, expects `rule` at `va`, applies its fix, and checks again.
  void fix_and_recheck(RuleId rule, VirtAddr va) {
    const CheckResult broken = check();
    const Violation* v = find(broken, rule, va);
    REQUIRE_MESSAGE(v, "no " << rule_info(rule).name << " violation at " << va);
    const Fix f = propose_fix(*v);
    INFO(f.summary);
    REQUIRE_FALSE(f.changes.empty());
    for (const EntryChange& c : f.changes) {
      CHECK(c.before == v->walk[c.level].raw);
      overlay.set(PhysAddr(v->walk[c.level].entry_address), c.after);
    }
    CHECK_FALSE(find(check(), rule, va));
  }
};

}  // namespace

TEST_CASE("explain: replayed fixes remove wx, user-kernel-split and region-rights violations") {
  SUBCASE("wx: set XD in the leaf") {
    Replay r;
    const WalkResult w = r.path(kDirectMapPage);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() & ~bits::kXd);
    r.fix_and_recheck(RuleId::kWx, kDirectMapPage);
  }
  SUBCASE("user-kernel-split: clear U/S in the leaf") {
    Replay r;
    const WalkResult w = r.path(kDirectMapPage);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() | bits::kUS);
    r.fix_and_recheck(RuleId::kUserKernelSplit, kDirectMapPage);
  }
  SUBCASE("region-rights: clear R/W on user text") {
    Replay r;
    const VirtAddr va(0x40'2000);
    const WalkResult w = r.path(va);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() | bits::kRW);
    r.fix_and_recheck(RuleId::kRegionRights, va);
  }
}

TEST_CASE("explain: replayed fixes remove supervisor, reserved-bit, alias, exposure and recursive-slot violations") {
  SUBCASE("supervisor-in-user-half: set U/S where the walk clears it") {
    Replay r;
    const WalkResult w = r.path(kUserText);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() & ~bits::kUS);
    r.fix_and_recheck(RuleId::kSupervisorInUserHalf, kUserText);
  }
  SUBCASE("reserved-bits: clear bit 45 above MAXPHYADDR") {
    Replay r;
    REQUIRE(r.cap.state.maxphyaddr == 40);
    const WalkResult w = r.path(kDirectMapPage);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() | (std::uint64_t{1} << 45));
    r.fix_and_recheck(RuleId::kReservedBits, kDirectMapPage);
  }
  SUBCASE("conflicting-aliases: set XD on the executable alias") {
    Replay r;
    const WalkResult x = r.path(kDirectMapExec);
    const WalkResult w = r.path(kDirectMapPage);
    REQUIRE(w.translation);
    r.overlay.set(x.path.back().entry_address,
                  (x.path.back().entry.raw() & ~bits::kAddress) | w.translation->frame.value());
    r.fix_and_recheck(RuleId::kConflictingAliases, kDirectMapExec);
  }
  SUBCASE("page-table-exposure: clear U/S on the direct-map alias of the root table") {
    Replay r;
    const VirtAddr alias(0xffff'9804'4000'0000 + r.cap.root.value());
    const WalkResult w = r.path(alias);
    r.overlay.set(w.path.back().entry_address, w.path.back().entry.raw() | bits::kUS);
    r.fix_and_recheck(RuleId::kPageTableExposure, alias);
  }
  SUBCASE("recursive-slot: clear the top-level entry") {
    Replay r;
    const PhysAddr root = r.cap.root;
    r.overlay.set(PhysAddr(root.value() + 8 * 300), root.value() | bits::kP | bits::kRW | bits::kXd);
    r.fix_and_recheck(RuleId::kRecursiveSlot, VirtAddr(0xffff'9600'0000'0000));
  }
}

TEST_CASE("explain: a replayed page split removes the page-size violation and changes only the page size") {
  Replay r;
  const WalkResult w = r.path(kUserText);
  const WalkStep& pd = w.path[2];
  r.overlay.set(pd.entry_address, 0x0dc0'0000 | bits::kP | bits::kUS | bits::kPsOrPat7);
  const MappingSet large = mappings(r.cap, r.overlay.reader());
  const CheckResult broken = r.check();
  const Violation* v = find(broken, RuleId::kPageSize, kUserText);
  REQUIRE(v);
  const Fix f = propose_fix(*v);
  REQUIRE(f.split);
  CHECK(f.split->child_level == Level::kPt);
  CHECK(f.split->child_stride == 0x1000);
  CHECK(f.split->first_child == (0x0dc0'0000 | bits::kP | bits::kUS));
  CHECK(f.split->table_entry == (bits::kP | bits::kUS));

  const PhysAddr table(0xf'ffff'f000);  // below MAXPHYADDR 40, beyond the guest's memory
  r.overlay.set(PhysAddr(v->walk[f.split->level].entry_address), f.split->table_entry | table.value());
  for (unsigned i = 0; i < kEntriesPerTable; ++i)
    r.overlay.set(PhysAddr(table.value() + 8 * i), f.split->first_child + i * f.split->child_stride);
  CHECK_FALSE(find(r.check(), RuleId::kPageSize, kUserText));

  const auto d = diff_mappings(large, mappings(r.cap, r.overlay.reader()));
  REQUIRE(d.ok());
  REQUIRE(d->differences.size() == 1);
  CHECK(d->differences[0].range == VirtRange::from_size(kUserText, 0x20'0000));
  CHECK(d->differences[0].changes == std::vector<AttributeChange>{{"page size", "2M", "4K"}});
}

namespace {

/// A hand-made violation of `rule` with a walk of the given (level, raw) pairs, the last being
/// the deciding entry. Tables and entry addresses follow the index of va at each level.
Violation made(RuleId rule, std::vector<std::pair<const char*, std::uint64_t>> levels, std::string deciding_bits = "",
               std::string message = "", std::string rights = "mapped -rw- page 4096") {
  Violation v;
  v.rule = rule;
  v.region = "region";
  v.address = VirtAddr(0xffff'8880'0020'1000);
  v.range = VirtRange::from_size(v.address, 0x1000);
  v.rights = rights_from_text(rights);
  v.message = std::move(message);
  std::uint64_t table = 0x10'0000;
  for (const auto& [level, raw] : levels) {
    WalkLevel l{level_from_name(level), table, 1, table + 8, raw, "decoded", false, "", {}};
    v.walk.push_back(l);
    table += 0x1000;
  }
  if (!v.walk.empty()) {
    v.walk.back().deciding = true;
    v.walk.back().deciding_bits = std::move(deciding_bits);
  }
  return v;
}

constexpr std::uint64_t kTable = 0x0000'0000'0020'0067;  // P RW US A, table at 0x200000

}  // namespace

TEST_CASE("explain: each rule's fix changes the entry bits the rule names") {
  struct Row {
    const char* name;
    Violation v;
    std::vector<EntryChange> changes;  // what and before/after; level indexes the walk
  };
  const std::uint64_t leaf = 0x8000'0000'0000'1067;  // P RW US A XD, 4K page at 0x1000
  const std::vector<Row> rows{
      {"user-kernel-split clears U/S",
       made(RuleId::kUserKernelSplit, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}}, "U/S=1"),
       {{3, leaf, leaf & ~bits::kUS, "clear U/S (bit 2)"}}},
      {"supervisor-in-user-half sets U/S at every level lacking it",
       made(RuleId::kSupervisorInUserHalf,
            {{"PML4", kTable}, {"PDPT", kTable & ~bits::kUS}, {"PD", kTable}, {"PT", leaf & ~bits::kUS}}, "U/S=0"),
       {{1, kTable & ~bits::kUS, kTable, "set U/S (bit 2)"}, {3, leaf & ~bits::kUS, leaf, "set U/S (bit 2)"}}},
      {"reserved-bits clears the named bits",
       made(RuleId::kReservedBits, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", 0x000f'0000'0020'00e3}},
            "reserved bits 51:48"),
       {{2, 0x000f'0000'0020'00e3, 0x0000'0000'0020'00e3, "clear reserved bits 51:48"}}},
      {"guard-unmapped clears P",
       made(RuleId::kGuardUnmapped, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}}, "P=1"),
       {{3, leaf, leaf & ~bits::kP, "clear P (bit 0)"}}},
      {"null-guard clears P",
       made(RuleId::kNullGuard, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}}, "P=1"),
       {{3, leaf, leaf & ~bits::kP, "clear P (bit 0)"}}},
      {"outside-regions clears P",
       made(RuleId::kOutsideRegions, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}}, "P=1"),
       {{3, leaf, leaf & ~bits::kP, "clear P (bit 0)"}}},
      {"region-rights removes exactly the extra rights",
       made(RuleId::kRegionRights, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", 0x0000'0000'0000'1167}},
            "P=1", "rights beyond what region text allows (executable, global): mapped urwx G page 4096",
            "mapped urwx G page 4096"),
       {{3, 0x1167, 0x1161, "clear R/W (bit 1), clear U/S (bit 2)"}}},
      {"region-rights clears G and sets XD",
       made(RuleId::kRegionRights, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", 0x0000'0000'0000'1163}},
            "P=1", "rights beyond what region data allows (writable): mapped -rwx G page 4096",
            "mapped -rwx G page 4096"),
       {{3, 0x1163, 0x8000'0000'0000'1063, "set XD (bit 63), clear G (bit 8)"}}},
      {"region-required-rights grants R/W at every level lacking it",
       made(RuleId::kRegionRequiredRights,
            {{"PML4", kTable}, {"PDPT", kTable & ~bits::kRW}, {"PD", kTable}, {"PT", leaf & ~bits::kRW}}, "P=1",
            "lacks rights region data requires (writable): mapped ur-- page 4096", "mapped ur-- page 4096"),
       {{1, kTable & ~bits::kRW, kTable, "set R/W (bit 1)"}, {3, leaf & ~bits::kRW, leaf, "set R/W (bit 1)"}}},
      {"recursive-slot clears the top-level entry",
       made(RuleId::kRecursiveSlot, {{"PML4", 0x8000'0000'0010'0003}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}},
            "P=1"),
       {{0, 0x8000'0000'0010'0003, 0, "clear the entry"}}},
      {"conflicting-aliases sets XD on the executable alias",
       made(RuleId::kConflictingAliases, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", 0x1061}}, "P=1",
            "frame P0x1000 is executable at V0xffff888000201000 and writable at V0xffff888000301000 (leaf entries "
            "P0x103008 and P0x104010)"),
       {{3, 0x1061, 0x8000'0000'0000'1061, "set XD (bit 63)"}}},
      {"page-table-exposure to user space clears U/S",
       made(RuleId::kPageTableExposure, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf}}, "P=1",
            "page-table frames are user-accessible through V0xffff888000201000"),
       {{3, leaf, leaf & ~bits::kUS, "clear U/S (bit 2)"}}},
      {"page-table-exposure by writing clears R/W",
       made(RuleId::kPageTableExposure, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", leaf & ~bits::kUS}},
            "P=1", "page-table frames are writable through V0xffff888000201000, outside every region"),
       {{3, leaf & ~bits::kUS, leaf & ~bits::kUS & ~bits::kRW, "clear R/W (bit 1)"}}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    const Fix f = propose_fix(row.v);
    CHECK(f.changes == row.changes);
    CHECK_FALSE(f.summary.empty());
  }
}

TEST_CASE("explain: fixes without a concrete entry value are told in words") {
  SUBCASE("required-mapped names the non-present entry") {
    const Violation v = made(RuleId::kRequiredMapped, {{"PML4", kTable}, {"PDPT", 0}}, "P=0");
    const Fix f = propose_fix(v);
    CHECK(f.changes.empty());
    CHECK(f.summary.find("non-present PDPT entry at 0x0000000000101008") != std::string::npos);
  }
  SUBCASE("a 4K page where large pages are wanted") {
    const Violation v = made(RuleId::kPageSize, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", 0x1063}});
    const Fix f = propose_fix(v);
    CHECK_FALSE(f.split);
    CHECK(f.summary.find("larger pages") != std::string::npos);
  }
  SUBCASE("a 1G page splits into 2M pages") {
    const Violation v = made(RuleId::kPageSize, {{"PML4", kTable}, {"PDPT", 0x8000'0000'4000'10e3}});
    const Fix f = propose_fix(v);
    REQUIRE(f.split);
    CHECK(f.split->child_level == Level::kPd);
    CHECK(f.split->first_child == 0x8000'0000'4000'10e3);  // PS and PAT (bit 12) stay where they are
    CHECK(f.split->child_stride == 0x20'0000);
    CHECK(f.split->table_entry == 0x8000'0000'0000'0023);
  }
  SUBCASE("recursive slot the spec wants but the tables lack") {
    const Violation v = made(RuleId::kRecursiveSlot, {});
    CHECK(propose_fix(v).summary.find("point back to the root table") != std::string::npos);
  }
  SUBCASE("canonical: the dump itself is wrong") {
    const Violation v = made(RuleId::kCanonical, {});
    CHECK(propose_fix(v).summary.find("non-canonical") != std::string::npos);
  }
  SUBCASE("a text dump's wx violation: XD in words, and where to see the entry") {
    CheckResult r;
    r.dump = "ptdump.txt";
    r.dump_format = "ptdump";
    r.mode = PagingMode::k4Level;
    r.violations.push_back(
        made(RuleId::kWx, {}, "", "writable and executable (mapped -rwx page 4096)", "mapped -rwx page 4096"));
    r.rules.push_back(RuleResult{RuleId::kWx, Status::kViolated, "", 1, 0, {}, {}});
    const Fix f = propose_fix(r.violations[0]);
    CHECK(f.changes.empty());
    CHECK(f.summary.find("set XD (bit 63) in the leaf entry") != std::string::npos);
    const std::string text = explain_text(r, 0);
    CHECK(text.find("rights   mapped -rwx page 4096") != std::string::npos);
    CHECK(text.find("(ptdump) shows no page-table entries") != std::string::npos);
    CHECK(text.find("walk of") == std::string::npos);
  }
}

TEST_CASE("explain: a range wider than the page says each leaf needs the change, and which entry covers it all") {
  Violation v =
      made(RuleId::kGuardUnmapped, {{"PML4", kTable}, {"PDPT", kTable}, {"PD", kTable}, {"PT", 0x1063}}, "P=1");
  v.range = VirtRange::from_size(VirtAddr(0xffff'8880'0020'0000), 0x40'0000);  // 4 MiB: two PD entries
  const Fix f = propose_fix(v);
  REQUIRE(f.changes.size() == 1);
  REQUIRE(f.notes.size() >= 2);
  CHECK(f.notes[0].find("1,024 pages of 4K") != std::string::npos);
  CHECK(f.notes[1].find("clear P (bit 0) in the PD entry at 0x0000000000102008: 0x0000000000200067 -> "
                        "0x0000000000200066") != std::string::npos);
}

TEST_CASE("explain: the deciding entry is check's marking, refined where check only says P=1") {
  const std::uint64_t leaf = 0x8000'0000'0000'1063;
  SUBCASE("wx keeps check's bits") {
    const Fix f = propose_fix(made(RuleId::kWx, {{"PML4", kTable}, {"PT", leaf & ~bits::kXd}}, "R/W=1, XD=0"));
    CHECK(f.deciding == 1);
    CHECK(f.deciding_bits == "R/W=1, XD=0");
  }
  SUBCASE("page-table exposure names the bit the fix clears") {
    const Fix f = propose_fix(made(RuleId::kPageTableExposure, {{"PML4", kTable}, {"PT", leaf}}, "P=1",
                                   "page-table frames are writable through V0xffff888000201000"));
    CHECK(f.deciding == 1);
    CHECK(f.deciding_bits == "R/W=1");
  }
  SUBCASE("a recursive slot is decided by the top-level entry") {
    const Fix f = propose_fix(made(RuleId::kRecursiveSlot, {{"PML4", 0x10'0003}, {"PT", leaf}}, "P=1"));
    CHECK(f.deciding == 0);
  }
  SUBCASE("a guard keeps P=1 on the leaf") {
    const Fix f = propose_fix(made(RuleId::kGuardUnmapped, {{"PML4", kTable}, {"PT", leaf}}, "P=1"));
    CHECK(f.deciding == 1);
    CHECK(f.deciding_bits == "P=1");
  }
  SUBCASE("no walk, no deciding entry") { CHECK_FALSE(propose_fix(made(RuleId::kWx, {})).deciding); }
}

TEST_CASE("explain: a report without violations says its verdict") {
  CheckResult r;
  r.dump = "core.elf";
  for (const RuleInfo& info : kRules) r.rules.push_back(RuleResult{info.id, Status::kHolds, "", 0, 0, {}, {}});
  std::ostringstream os;
  write_explain_nothing(r, os);
  CHECK(os.str().find("ptverify check: HOLDS") == 0);
  CHECK(os.str().find("nothing to explain") != std::string::npos);
}
