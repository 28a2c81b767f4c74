// Strategy: the guarantees that make a verdict trustworthy, each pinned by forcing the failure it
// guards against. (1) A counterexample that does not replay on the walker is an internal error,
// never a reported violation or a pass: tamper with a mapping set so that it disagrees with its
// own tables. (2) Every query check asks can be exported as SMT-LIB 2 and re-checked by the z3
// binary with the same answer. (3) A resource limit is unknown, never holds.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../../models/table_builder.h"
#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

const char* kWxSpec = R"({"name": "wx", "rules": {"paging_mode": 4, "null_guard": 0, "wx": "forbidden",
  "user_kernel_split": {"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"},
  "outside_regions": "allowed", "recursive_slot": "any", "conflicting_aliases": "allowed"}, "regions": []})";

struct Tables {
  test::TableBuilder tb;
  PhysAddr root = tb.alloc();
  PagingState state;
  Tables() {
    state.cr3 = root.value();
    tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'8880'0000'0000), PhysAddr(0x90'0000), Level::kPt,
           bits::kRW | bits::kXd);
    tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'8880'0000'1000), PhysAddr(0x90'1000), Level::kPt, 0);
  }
};

std::string run_cmd(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[256];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

/// True, after a visible SKIPPED message, when the z3 binary is not installed.
bool z3_binary_missing() {
  if (std::system("z3 --version > /dev/null 2>&1") == 0) return false;
  MESSAGE("SKIPPED: the z3 binary is not installed (apt-get install z3)");
  return true;
}

/// run_check with every query exported as SMT-LIB 2 into `dir`, emptied first.
CheckOutcome run_check_exporting(const MappingSet& m, const spec::Spec& spec, const RawContext& raw,
                                 const std::filesystem::path& dir) {
  std::filesystem::remove_all(dir);
  CheckOptions o;
  o.emit_smt2_dir = dir;
  o.sweep = false;  // as `check --emit-smt2`: every question goes to the solver, and is exported
  return run_check(m, spec, &raw, o);
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

TEST_CASE("soundness: a counterexample that does not replay on the walker is an internal error") {
  Tables t;
  const auto space = enumerate_address_space(t.state, t.tb.reader());
  REQUIRE(space.ok());
  MappingSet m = to_mapping_set(*space, t.state, "elf-core", "hand-built");
  const auto spec = spec::parse_spec(kWxSpec, "wx.json");
  REQUIRE(spec.ok());
  const RawContext raw{t.state, t.tb.reader(), std::nullopt, &*space};
  // Honest set: W^X holds.
  CheckOutcome ok = run_check(m, *spec, &raw, CheckOptions{});
  REQUIRE(std::holds_alternative<CheckResult>(ok));
  CHECK(std::get<CheckResult>(ok).verdict() == Status::kHolds);
  // Tampered set: claims the writable page is also executable, which the tables deny.
  REQUIRE(m.runs.front().writable == Tri::kYes);
  m.runs.front().executable = Tri::kYes;
  m.runs.front().supervisor_executable = Tri::kYes;
  const CheckOutcome bad = run_check(m, *spec, &raw, CheckOptions{});
  REQUIRE(std::holds_alternative<InternalError>(bad));
  CHECK_FALSE(std::holds_alternative<CheckResult>(bad));
  CHECK(std::get<InternalError>(bad).message.find("0xffff888000000000") != std::string::npos);
}

TEST_CASE("soundness: a resource limit makes the rules unknown, never holds") {
  Tables t;
  const auto space = enumerate_address_space(t.state, t.tb.reader());
  const MappingSet m = to_mapping_set(*space, t.state, "elf-core", "hand-built");
  // A null guard needs a real query (mapped classes exist); W^X alone would fold to false here
  // and be proved without the solver, limit or not.
  std::string text = kWxSpec;
  text.replace(text.find("\"null_guard\": 0"), 15, "\"null_guard\": 4096");
  const auto spec = spec::parse_spec(text, "guard.json");
  REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? "" : spec.error().message));
  const RawContext raw{t.state, t.tb.reader(), std::nullopt, &*space};
  CheckOptions o;
  o.rlimit = 1;
  o.sweep = false;  // the concrete pass would decide it without asking the solver anything
  const CheckOutcome r = run_check(m, *spec, &raw, o);
  REQUIRE(std::holds_alternative<CheckResult>(r));
  CHECK(std::get<CheckResult>(r).verdict() == Status::kUnknown);
  CHECK(std::get<CheckResult>(r).exit_code() == ExitCode::kUnknown);
}

TEST_CASE("soundness: every exported check query is re-checked by the z3 binary with the same answer") {
  if (z3_binary_missing()) return;
  Tables t;
  // Make the second page writable and executable: the wx query is then sat.
  const WalkResult w = walk(t.state, t.tb.reader(), VirtAddr(0xffff'8880'0000'1000));
  t.tb.set(w.path.back().table, w.path.back().index, w.path.back().entry.raw() | bits::kRW);
  const auto space = enumerate_address_space(t.state, t.tb.reader());
  const MappingSet m = to_mapping_set(*space, t.state, "elf-core", "hand-built");
  const auto spec = spec::parse_spec(kWxSpec, "wx.json");
  const RawContext raw{t.state, t.tb.reader(), std::nullopt, &*space};
  const auto dir = std::filesystem::temp_directory_path() / ("ptv-smt2-" + std::to_string(::getpid()));
  const CheckOutcome r = run_check_exporting(m, *spec, raw, dir);
  REQUIRE(std::holds_alternative<CheckResult>(r));
  REQUIRE(std::get<CheckResult>(r).violations.size() == 1);
  std::size_t files = 0, sat = 0, unsat = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    ++files;
    const std::string answer = run_cmd("z3 " + f.path().string() + " 2>&1");
    if (answer.rfind("sat", 0) == 0) ++sat;
    if (answer.rfind("unsat", 0) == 0) ++unsat;
  }
  CHECK(files >= 2);
  CHECK(sat + unsat == files);
  // The wx search found one violation (sat), then proved there is no other (unsat).
  CHECK(sat >= 1);
  CHECK(unsat >= 1);
  std::filesystem::remove_all(dir);
}

// Parameter inference asserts quantified witness constraints: their export must declare the
// quantified logic (BV), declare the constants used only inside a quantifier, and get the same
// answer from the z3 binary as from the library.
TEST_CASE("soundness: the exported parameter-inference queries of a real slice are re-checked by the z3 binary") {
  if (z3_binary_missing()) return;
  const test::Capture cap = test::open_fixture("linux-6.1-ptdump-4level-pti");
  const auto spec = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE(spec.ok());
  const auto space = enumerate_address_space(cap.state, cap.core->reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", cap.dir.string());
  const RawContext raw{cap.state, cap.core->reader(), std::nullopt, &*space};
  const auto dir = std::filesystem::temp_directory_path() / ("ptv-smt2-infer-" + std::to_string(::getpid()));
  const CheckOutcome r = run_check_exporting(m, *spec, raw, dir);
  REQUIRE(std::holds_alternative<CheckResult>(r));
  CHECK(std::get<CheckResult>(r).verdict() == Status::kHolds);
  std::size_t inference = 0, quantified = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    const std::string text = read_text(f.path());
    const bool has_forall = text.find("(forall") != std::string::npos;
    CAPTURE(f.path().filename().string());
    CHECK(text.find(has_forall ? "(set-logic BV)" : "(set-logic QF_BV)") != std::string::npos);
    if (f.path().filename().string().rfind("infer-parameters-", 0) == 0) ++inference;
    if (has_forall) ++quantified;
    const auto at = text.find(" answered: ");
    REQUIRE(at != std::string::npos);
    const std::string recorded = text.substr(at + 11, text.find('\n', at) - (at + 11));
    const std::string answer = run_cmd("z3 " + f.path().string() + " 2>&1");
    CHECK(answer == recorded + "\n");
  }
  CHECK(inference >= 2);
  CHECK(quantified >= 1);  // round 0 has no witness yet; later rounds do
  std::filesystem::remove_all(dir);
}
