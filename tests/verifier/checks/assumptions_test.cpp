// Strategy: no default may decide a verdict. Each case loads a small dump the way `ptverify
// check` does (load_dump: raw images with the registers given as flags, text dumps with or
// without the CPU facts) and checks it three ways: with the fact unknown the rule that depends on
// it is unknown and the fact is listed as assumed and mattering; stated one way it holds; stated
// the other way it is violated (or stays unknown where the format cannot tell). Every case was a
// confident answer from a default before.
#include <doctest/doctest.h>

#include <string>

#include "models/table_builder.h"
#include "verifier/checks/check.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/raw_ingest_test_util.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

/// A spec whose global rules are relaxed but W^X, with the regions given.
spec::Spec spec_with(const std::string& regions, const std::string& wx = "forbidden") {
  const std::string text =
      R"({"name": "t", "rules": {"paging_mode": 4, "null_guard": 0, "wx": ")" + wx +
      R"(", "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
      "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "forbidden"}, "regions": [)" +
      regions + "]}";
  auto s = spec::parse_spec(text, "t.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(s).value();
}

CheckResult check_file(const std::string& path, const DumpOptions& lo, const spec::Spec& spec) {
  DumpOptions with_marks = lo;
  with_marks.path = path;
  with_marks.mark_table_frames = true;
  const auto loaded = load_dump(with_marks);
  REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? "" : loaded.error().message));
  const std::optional<RawContext> raw = raw_context(*loaded);
  const CheckOutcome o = run_check(loaded->mappings, spec, raw ? &*raw : nullptr, CheckOptions{});
  REQUIRE_MESSAGE(std::holds_alternative<CheckResult>(o), problem(o));
  return std::get<CheckResult>(o);
}

Status status(const CheckResult& r, RuleId id) { return r.rules[static_cast<std::size_t>(id)].status; }

const Fact& fact(const CheckResult& r, FactId id) {
  const Fact* f = find_fact(r.facts, id);
  REQUIRE(f);
  return *f;
}

/// A raw image of hand-built tables, with CR3 = 0x1000 and the control registers given as flags
/// (WP, NXE, SMEP known); MAXPHYADDR and 1 GiB pages are left to each case.
DumpOptions raw_options() {
  DumpOptions lo;
  lo.format = "raw";
  lo.machine.cr3 = 0x1000;
  lo.machine.cr0 = kCr0Pg | kCr0Wp | 1;
  lo.machine.cr4 = kCr4Pae | kCr4Pge | kCr4Smep;
  lo.machine.efer = kEferLme | kEferLma | kEferNxe;
  return lo;
}

}  // namespace

TEST_CASE("assumptions: a leaf whose frame needs MAXPHYADDR 46 is unknown until MAXPHYADDR is stated") {
  // A user page at 0x400000 whose frame has bit 45 set: valid on a CPU with 46 or more physical
  // address bits, a reserved-bit fault on one with 40.
  test::TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  tb.map(root, PagingMode::k4Level, VirtAddr(0x40'0000), PhysAddr((1ull << 45) | 0x5000), Level::kPt,
         bits::kRW | bits::kUS | bits::kXd);
  const rawtest::TempFile image(test::flat_image(tb, 0x8000));
  const spec::Spec spec = spec_with(R"({"name": "page", "kind": "data", "half": "user", "start": "0x400000",
      "size": "4 * KiB", "must": "mapped", "rights": {"allowed": ["user", "writable"], "required": ["user"]}})");
  DumpOptions lo = raw_options();
  const CheckResult unknown = check_file(image.path(), lo, spec);
  CHECK(status(unknown, RuleId::kRequiredMapped) == Status::kUnknown);
  CHECK(status(unknown, RuleId::kReservedBits) == Status::kUnknown);
  CHECK(unknown.verdict() == Status::kUnknown);
  CHECK(fact(unknown, FactId::kMaxPhyAddr).source == FactSource::kAssumed);
  CHECK(fact(unknown, FactId::kMaxPhyAddr).matters);
  lo.machine.maxphyaddr = 40;
  const CheckResult narrow = check_file(image.path(), lo, spec);
  CHECK(status(narrow, RuleId::kReservedBits) == Status::kViolated);
  CHECK(status(narrow, RuleId::kRequiredMapped) == Status::kViolated);
  CHECK(fact(narrow, FactId::kMaxPhyAddr).source == FactSource::kFlag);
  lo.machine.maxphyaddr = 46;
  CHECK(check_file(image.path(), lo, spec).verdict() == Status::kHolds);
}

TEST_CASE("assumptions: a 1 GiB leaf is unknown until the CPU's 1 GiB page support is stated or read") {
  test::TableBuilder tb(0x1000);
  const PhysAddr root = tb.alloc();
  tb.map(root, PagingMode::k4Level, VirtAddr(0x4000'0000), PhysAddr(0x4000'0000), Level::kPdpt,
         bits::kRW | bits::kUS | bits::kXd);
  const rawtest::TempFile image(test::flat_image(tb, 0x4000));
  const spec::Spec spec = spec_with(R"({"name": "gig", "kind": "data", "half": "user", "start": "0x40000000",
      "size": "1 * GiB", "must": "mapped", "rights": {"allowed": ["user", "writable"], "required": ["user"]}})");
  DumpOptions lo = raw_options();
  lo.machine.maxphyaddr = 40;
  const CheckResult unknown = check_file(image.path(), lo, spec);
  CHECK(unknown.verdict() == Status::kUnknown);
  CHECK(fact(unknown, FactId::kPage1G).source == FactSource::kAssumed);
  lo.machine.pdpe1gb = false;
  CHECK(status(check_file(image.path(), lo, spec), RuleId::kReservedBits) == Status::kViolated);
  lo.machine.pdpe1gb = true;
  CHECK(check_file(image.path(), lo, spec).verdict() == Status::kHolds);
  // /proc/cpuinfo's flags tell it, as a fact read from the dump's machine.
  lo.machine.pdpe1gb.reset();
  lo.machine.maxphyaddr.reset();
  const rawtest::TempFile cpuinfo{
      std::string("flags\t\t: fpu pae pdpe1gb lm\naddress sizes\t: 40 bits physical, 48 bits virtual\n")};
  lo.machine.cpuinfo_file = cpuinfo.path();
  const CheckResult read = check_file(image.path(), lo, spec);
  CHECK(read.verdict() == Status::kHolds);
  CHECK(fact(read, FactId::kPage1G).source == FactSource::kDump);
  CHECK(fact(read, FactId::kMaxPhyAddr).value == "40 bits");
}

TEST_CASE("assumptions: a text dump's read-only executable supervisor page is W+X when CR0.WP is 0") {
  // info tlb: a 2 MiB kernel page, read-only (W clear), XD clear. With WP = 1 W^X holds; with
  // WP = 0 the supervisor may write it (SDM 3A §4.6.1) and it may be executable: never holds;
  // without WP stated, unknown, and WP is listed as assumed.
  const rawtest::TempFile tlb{std::string("ffffffff81000000: 0000000001000000 -GPDA----\n")};
  const spec::Spec spec = spec_with(R"({"name": "text", "kind": "code", "half": "kernel", "start": "0xffffffff81000000",
      "size": "2 * MiB", "must": "mapped", "rights": {"allowed": ["writable", "executable", "global"]}})");
  DumpOptions lo;
  lo.format = "qemu-tlb";
  lo.assume_no_reserved = true;
  const CheckResult unknown = check_file(tlb.path(), lo, spec);
  CHECK(status(unknown, RuleId::kWx) == Status::kUnknown);
  CHECK(fact(unknown, FactId::kWp).source == FactSource::kAssumed);
  lo.machine.wp = true;
  CHECK(status(check_file(tlb.path(), lo, spec), RuleId::kWx) == Status::kHolds);
  lo.machine.wp = false;
  CHECK(status(check_file(tlb.path(), lo, spec), RuleId::kWx) != Status::kHolds);
}

TEST_CASE("assumptions: a text dump cannot show reserved bits, so a listed page is not proved mapped") {
  const rawtest::TempFile tlb{std::string("ffffffff81000000: 0000000001000000 XGPDA---W\n")};
  const spec::Spec spec = spec_with(R"({"name": "data", "kind": "data", "half": "kernel", "start": "0xffffffff81000000",
      "size": "2 * MiB", "must": "mapped", "rights": {"allowed": ["writable", "global"]}})");
  DumpOptions lo;
  lo.format = "qemu-tlb";
  lo.machine.wp = true;
  const CheckResult blind = check_file(tlb.path(), lo, spec);
  CHECK(status(blind, RuleId::kRequiredMapped) == Status::kUnknown);
  CHECK(status(blind, RuleId::kReservedBits) == Status::kUnknown);
  CHECK(fact(blind, FactId::kReservedBits).source == FactSource::kBlind);
  lo.assume_no_reserved = true;
  const CheckResult confirmed = check_file(tlb.path(), lo, spec);
  CHECK(status(confirmed, RuleId::kRequiredMapped) == Status::kHolds);
  CHECK(status(confirmed, RuleId::kReservedBits) == Status::kHolds);
  CHECK(fact(confirmed, FactId::kReservedBits).source == FactSource::kFlag);
}

TEST_CASE("assumptions: /proc/PID/maps lists VMAs whose pages may not be populated, confirmed or not") {
  const rawtest::TempFile maps{std::string("00400000-00401000 r-xp 00000000 00:02 5 /bin/busybox\n")};
  const spec::Spec spec = spec_with(R"({"name": "text", "kind": "code", "half": "user", "start": "0x400000",
      "size": "4 * KiB", "must": "mapped", "rights": {"allowed": ["user", "executable"], "required": ["user"]}})");
  DumpOptions lo;
  lo.format = "proc-maps";
  lo.assume_no_reserved = true;
  const CheckResult r = check_file(maps.path(), lo, spec);
  CHECK(status(r, RuleId::kRequiredMapped) == Status::kUnknown);
  CHECK(r.verdict() == Status::kUnknown);
}
