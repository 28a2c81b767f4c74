// Strategy: the bundled specs (specs/*.json) are proved end to end, as `ptverify prove` runs
// them. The Linux specs must prove every obligation. The reference layout must be refuted by
// exactly the refutations docs/spec-language.md documents, with the counterexamples shown there.
// Then every query prove sends for the bundled specs is exported as SMT-LIB and re-checked by
// the z3 and cvc5 binaries, which must agree with each other and with the answer recorded in the
// file (skipped, visibly, when a binary is absent).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scratch_dir.h"
#include "verifier/checks/prove.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::check;

namespace {

std::filesystem::path specs_dir() {
  return std::filesystem::path(PTV_FIXTURES_DIR).parent_path().parent_path() / "specs";
}

ProveReport prove_file(const std::string& name, const ProveOptions& o = {}) {
  Expected<spec::Spec> s = spec::load_spec(specs_dir() / name);
  if (!s) FAIL(s.error().message);
  Expected<ProveReport> r = prove(*s, o);
  if (!r) FAIL(r.error().message);
  REQUIRE(r->internal_errors.empty());
  return std::move(r).value();
}

std::set<std::pair<std::string, std::string>> refutations(const ProveReport& r) {
  std::set<std::pair<std::string, std::string>> out;
  for (const ObligationResult& o : r.obligations)
    for (const GoalResult& g : o.goals)
      if (g.status == Status::kViolated) out.emplace(std::string(o.info.id), g.subject);
  return out;
}

const GoalResult& goal(const ProveReport& r, ObligationId id, const std::string& subject) {
  for (const GoalResult& g : r.obligations[static_cast<std::size_t>(id)].goals)
    if (g.subject == subject) return g;
  FAIL("no goal " << subject);
  throw 0;
}

// The first line a solver prints for FILE, or "" when it cannot run.
std::string solve(const std::string& command, const std::filesystem::path& file) {
  const std::string cmd = "timeout 300 " + command + " '" + file.string() + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[256] = {};
  std::string line = std::fgets(buf, sizeof buf, p) ? buf : "";
  pclose(p);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string recorded_status(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("(set-info :status ", 0) == 0) return line.substr(18, line.size() - 19);
  return "";
}

bool have(const char* binary) {
  return std::system((std::string("command -v ") + binary + " > /dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("prove bundled: linux-x86_64-4level.json proves every obligation") {
  const ProveReport r = prove_file("linux-x86_64-4level.json");
  CHECK(r.verdict == Status::kHolds);
  CHECK(exit_code(r) == ExitCode::kOk);
  for (const ObligationResult& o : r.obligations) {
    CAPTURE(o.info.name);
    CHECK((o.status == Status::kHolds ||
           (o.info.kind == ObligationId::kRecursiveSlot && o.status == Status::kNotApplicable)));
  }
}

TEST_CASE("prove bundled: linux-x86_64-5level.json proves every obligation") {
  const ProveReport r = prove_file("linux-x86_64-5level.json");
  CHECK(r.verdict == Status::kHolds);
  CHECK(r.paging_mode == PagingMode::k5Level);
  for (const ObligationResult& o : r.obligations) {
    CAPTURE(o.info.name);
    CHECK((o.status == Status::kHolds ||
           (o.info.kind == ObligationId::kRecursiveSlot && o.status == Status::kNotApplicable)));
  }
}

TEST_CASE("prove bundled: examples/hobby-os.json proves every obligation") {
  const ProveReport r = prove_file("examples/hobby-os.json");
  CHECK(r.verdict == Status::kHolds);
  for (const ObligationResult& o : r.obligations) {
    INFO(o.info.id);
    CHECK((o.status == Status::kHolds || o.status == Status::kNotApplicable));
  }
}

TEST_CASE("prove bundled: reference-layout.json is refuted exactly as documented") {
  const ProveReport r = prove_file("reference-layout.json");
  CHECK(r.verdict == Status::kViolated);
  CHECK(exit_code(r) == ExitCode::kViolations);
  const std::set<std::pair<std::string, std::string>> expected = {
      {"P03", "kernel-code-as-drawn"},
      {"P04", "kernel-code-as-drawn"},
      {"P06", "kernel-code / kernel-heap"},
      {"P06", "kernel-code / kernel-stacks"},
      {"P09", "recursive-mapping: one PML4 slot"},
      {"P09", "recursive-mapping: slot shared with kernel-code-as-drawn"},
      {"P09", "recursive-mapping: slot shared with kernel-code"},
      {"P09", "recursive-mapping: slot shared with kernel-heap"},
      {"P09", "recursive-mapping: slot shared with higher-half-top"},
      {"P09", "recursive-mapping: slot shared with kernel-stacks"},
  };
  CHECK(refutations(r) == expected);
  for (const ObligationResult& o : r.obligations) CHECK(o.status != Status::kUnknown);

  // The counterexamples docs/spec-language.md quotes.
  CHECK(goal(r, ObligationId::kCanonical, "kernel-code-as-drawn").counterexample->address ==
        VirtAddr(0x0000'8000'0000'0000));
  CHECK(goal(r, ObligationId::kInHalf, "kernel-code-as-drawn").counterexample->address ==
        VirtAddr(0x0000'8000'0000'0000));
  const Counterexample& heap = *goal(r, ObligationId::kDisjoint, "kernel-code / kernel-heap").counterexample;
  CHECK(heap.address == VirtAddr(0xffff'ffff'8000'0000));
  CHECK(heap.parameters ==
        std::vector<NamedValue>{{"kernel_code_size", 0x1000}, {"kernel_stack_size", 0x4000}, {"kernel_stacks", 1}});
  const Counterexample& stacks = *goal(r, ObligationId::kDisjoint, "kernel-code / kernel-stacks").counterexample;
  // Minimised in declaration order: the smallest kernel that reaches the stacks when the most
  // stacks (16384 of 32 KiB, each with its guard page) are allocated.
  CHECK(stacks.address == VirtAddr(0xffff'ffff'9c00'0000));
  CHECK(stacks.parameters == std::vector<NamedValue>{{"kernel_code_size", 0x1c00'1000},
                                                     {"kernel_stack_size", 0x8000},
                                                     {"kernel_stacks", 0x4000}});
  const Counterexample& slot =
      *goal(r, ObligationId::kRecursiveSlot, "recursive-mapping: one PML4 slot").counterexample;
  CHECK(slot.address == VirtAddr(0xffff'ffff'c000'0000));
  CHECK(slot.unique == true);
  // What the sketch gets right stays proved: the guards, alignment, array guards and rights.
  CHECK(r.obligations[static_cast<std::size_t>(ObligationId::kAligned)].status == Status::kHolds);
  CHECK(r.obligations[static_cast<std::size_t>(ObligationId::kArrayGuards)].status == Status::kHolds);
  CHECK(r.obligations[static_cast<std::size_t>(ObligationId::kRightsVsRules)].status == Status::kHolds);
  // Disjoint by the ranges of their bounds alone: proved without a goal of its own.
  CHECK(refutations(r).count({"P06", "user-stacks / user-kernel-guard"}) == 0);
  CHECK(r.obligations[static_cast<std::size_t>(ObligationId::kDisjoint)].apart > 0);
}

TEST_CASE("prove bundled: docs/spec-language.md lists every obligation of the registry") {
  std::ifstream in(specs_dir().parent_path() / "docs" / "spec-language.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  for (const ObligationInfo& o : kObligations) {
    CAPTURE(o.name);
    CHECK(ss.str().find("| " + std::string(o.id) + " | " + std::string(o.name) + " |") != std::string::npos);
  }
}

TEST_CASE("prove bundled: z3 and cvc5 agree on every exported query of the bundled specs") {
  const bool z3 = have("z3"), cvc5 = have("cvc5");
  if (!z3 || !cvc5) {
    MESSAGE("skipped: " << (z3 ? "" : "z3 ") << (cvc5 ? "" : "cvc5 ") << "not found on PATH");
    return;
  }
  const test::ScratchDir dir;
  std::size_t files = 0;
  for (const char* name : {"linux-x86_64-4level.json", "linux-x86_64-5level.json", "reference-layout.json"}) {
    const auto sub = dir / name;
    std::filesystem::create_directories(sub);
    ProveOptions o;
    o.emit_smt2_dir = sub;
    const ProveReport r = prove_file(name, o);
    CHECK(r.queries > 0);
    for (const auto& entry : std::filesystem::directory_iterator(sub)) {
      ++files;
      const std::string recorded = recorded_status(entry.path());
      const std::string by_z3 = solve("z3", entry.path());
      const std::string by_cvc5 = solve("cvc5 --lang smt2", entry.path());
      CAPTURE(entry.path().string());
      CHECK((recorded == "sat" || recorded == "unsat"));
      CHECK(by_z3 == recorded);
      CHECK(by_cvc5 == recorded);
    }
  }
  MESSAGE(files << " exported queries re-checked by z3 and cvc5");
  CHECK(files > 0);
}
