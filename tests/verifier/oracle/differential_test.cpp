// Strategy: the real checker (check::run_check over the raw walk, as `ptverify check` runs it on
// a core) against the independent oracle (rule_oracle.h, itself pinned by rule_oracle_test.cpp
// on hand-built cases), on seeded random (machine, concrete spec) pairs from random_machine.h.
// Per rule, the status and the violating set must agree: the union of the check's violation
// ranges against the oracle's "must" set (for conflicting-aliases, physical frames: each
// violation's phys and the size of its range). Every disagreement is printed with its seed, the
// machine, the spec and both answers, and the distinct kinds are summed up at the end with the
// smallest seed of each. PTV_DIFF_CASES (default 60: the checker spends about 0.6 s a case, in
// Z3) and PTV_DIFF_SEED (default 1, the first case's seed; case i uses seed + i) choose the
// cases: PTV_DIFF_CASES=1 PTV_DIFF_SEED=S replays S. PTV_DIFF_VERBOSE=1 prints every case and
// its timings before and after the check runs (to find a slow or hanging one).
//
// The checker predates the contract of docs/spec-language.md §5.3-§5.4 (array gaps, one report
// per guard, the vsyscall page, page-table frames by the innermost region, W^X and aliases per
// privilege), so this test fails until it follows it: each disagreement is a finding to triage.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "models/walk.h"
#include "random_machine.h"
#include "rule_oracle.h"
#include "verifier/checks/check.h"
#include "verifier/mapping/from_walk.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using oracle::IntervalSet;

namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

PagingState state_of(const oracle::Machine& m) {
  PagingState s;
  s.cr3 = m.root;
  s.cr4_la57 = m.levels == 5;
  s.cr0_wp = m.cpu.cr0_wp;
  s.cr4_smep = m.cpu.cr4_smep;
  s.cr4_smap = m.cpu.cr4_smap;
  s.cr4_pge = m.cpu.cr4_pge;
  s.cr4_pke = m.cpu.cr4_pke;
  s.cr4_pks = m.cpu.cr4_pks;
  s.efer_nxe = m.cpu.efer_nxe;
  s.maxphyaddr = m.cpu.maxphyaddr;
  s.page_1gb = m.cpu.page_1gb;
  return s;
}

/// The one value each parameter of a concrete spec allows.
spec::ParameterValues single_values(const spec::Spec& s) {
  spec::ParameterValues v;
  for (const spec::Parameter& p : s.parameters) v.push_back(p.values.empty() ? p.min : p.values.front());
  return v;
}

struct CheckAnswer {
  std::string status;
  IntervalSet set;
  std::vector<std::string> messages;  ///< the first few violations' messages
};

/// run_check's answer per rule name, or an error text.
std::variant<std::map<std::string, CheckAnswer>, std::string> run_real_check(const oracle::Machine& m, const spec::Spec& s) {
  const PagingState state = state_of(m);
  const TableReader reader = [&m](PhysAddr pa) -> std::optional<TableView> {
    const auto it = m.memory.find(pa.value());
    if (it == m.memory.end()) return std::nullopt;
    return TableView(reinterpret_cast<const unsigned char*>(it->second.data()));
  };
  const auto space = enumerate_address_space(state, reader);
  if (!space.ok()) return "walk failed: " + space.error().message;
  const MappingSet ms = to_mapping_set(*space, state, "elf-core", "random");
  const check::RawContext raw{state, reader, std::nullopt, &*space};
  check::CheckOptions opts;
  opts.max_violations = 100'000;
  const spec::ParameterValues values = single_values(s);
  for (std::size_t i = 0; i < s.parameters.size(); ++i) opts.fixed_parameters[s.parameters[i].name] = values[i];
  const check::CheckOutcome o = check::run_check(ms, s, &raw, opts);
  if (o.internal_error) return "internal error: " + *o.internal_error;
  if (o.bad_input) return "bad input: " + *o.bad_input;
  if (std::getenv("PTV_DIFF_VERBOSE"))
    MESSAGE("check: " << o.result->queries << " queries, " << o.result->violations.size() << " violations");
  std::map<std::string, CheckAnswer> out;
  for (std::string_view name : oracle::kRuleNames) {
    const auto id = check::rule_from_name(name);
    if (!id) return "the check has no rule named " + std::string(name);
    std::vector<oracle::Interval> set;
    std::vector<std::string> messages;
    for (const check::Violation& v : o.result->violations) {
      if (v.rule != *id) continue;
      if (messages.size() < 3) messages.push_back(v.message);
      if (*id == check::RuleId::kConflictingAliases) {
        const std::uint64_t phys = v.phys.value_or(0);
        set.push_back({phys, phys + (v.range.size_or_zero() - 1)});
      } else {
        set.push_back({v.range.first.value(), v.range.last.value()});
      }
    }
    const check::RuleResult& rr = o.result->rules[static_cast<std::size_t>(*id)];
    if (rr.status == check::Status::kUnknown) messages.push_back(rr.detail);
    out[std::string(name)] = {check::to_string(rr.status), oracle::normalize(set), std::move(messages)};
  }
  return out;
}

std::string shorten(const IntervalSet& s) {
  if (s.size() <= 8) return oracle::to_string(s);
  const IntervalSet head(s.begin(), s.begin() + 8);
  return oracle::to_string(head) + " ... (" + std::to_string(s.size()) + " intervals)";
}

/// What the oracle's walk finds at the first address of each interval (virtual sets only).
std::string explain(const oracle::WalkOut& w, const IntervalSet& s) {
  std::ostringstream os;
  os << std::hex;
  for (std::size_t k = 0; k < s.size() && k < 3; ++k) {
    const std::uint64_t a = s[k].first;
    os << "\n        at 0x" << a << ": ";
    const auto it = std::find_if(w.pieces.begin(), w.pieces.end(), [a](const oracle::Piece& p) { return p.first <= a && a <= p.last; });
    if (it == w.pieces.end()) {
      os << "not mapped";
      continue;
    }
    switch (it->kind) {
      case oracle::Piece::Kind::kFault: os << "reserved bit in an entry above [0x" << it->first << ", 0x" << it->last << "]"; break;
      case oracle::Piece::Kind::kUnknown: os << "below an unreadable level-" << it->level << " table"; break;
      case oracle::Piece::Kind::kMapped:
        os << "leaf 0x" << it->raw << " at 0x" << it->entry_pa << " (level " << it->level << ") maps [0x" << it->first
           << ", 0x" << it->last << "] to 0x" << it->frame << "; RW=" << it->acc.rw << " US=" << it->acc.us
           << " XD=" << it->acc.xd << " over every level";
        break;
    }
  }
  return os.str();
}

struct Kind {
  std::size_t count = 0;
  std::uint64_t smallest_seed = 0;
  std::size_t smallest_size = ~std::size_t{0};
};

}  // namespace

TEST_CASE("oracle differential: run_check agrees with the rule oracle on random tables and specs") {
  const std::uint64_t cases = env_or("PTV_DIFF_CASES", 60);
  const std::uint64_t first_seed = env_or("PTV_DIFF_SEED", 1);
  std::map<std::string, Kind> kinds;
  std::size_t disagreeing_cases = 0;
  for (std::uint64_t c = 0; c < cases; ++c) {
    const std::uint64_t seed = first_seed + c;
    const oracle::RandomCase rc = oracle::random_case(seed);
    const auto parsed = spec::parse_spec(rc.spec_json, "random-" + std::to_string(seed) + ".json");
    REQUIRE_MESSAGE(parsed.ok(), "seed " << seed << ": the generator made an invalid spec: "
                                         << (parsed.ok() ? "" : parsed.error().message) << "\n" << rc.spec_json);
    const auto layout = spec::evaluate_layout(*parsed, single_values(*parsed));
    REQUIRE_MESSAGE(layout.ok(), "seed " << seed << ": " << (layout.ok() ? "" : layout.error().message));
    const bool verbose = std::getenv("PTV_DIFF_VERBOSE") != nullptr;
    if (verbose) MESSAGE("seed " << seed << ":\nmachine: " << oracle::describe(rc.machine) << "spec: " << rc.spec_json);
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const oracle::OracleResult want = oracle::evaluate(rc.machine, *layout);
    const oracle::WalkOut walk = oracle::walk_machine(rc.machine);
    const auto t1 = Clock::now();
    const auto got = run_real_check(rc.machine, *parsed);
    const auto t2 = Clock::now();
    if (verbose)
      MESSAGE("seed " << seed << ": oracle " << std::chrono::duration<double>(t1 - t0).count() << " s, check "
                      << std::chrono::duration<double>(t2 - t1).count() << " s");
    const std::size_t size = oracle::present_entries(rc.machine) + parsed->regions.size();

    std::ostringstream diff;
    std::vector<std::string> case_kinds;
    if (const auto* err = std::get_if<std::string>(&got)) {
      diff << "  the check did not answer: " << *err << "\n";
      case_kinds.push_back("check: " + err->substr(0, err->find(':')));
    } else {
      const auto& answers = std::get<std::map<std::string, CheckAnswer>>(got);
      for (const oracle::RuleAnswer& a : want.rules) {
        const CheckAnswer& ch = answers.at(std::string(a.rule));
        const bool status_differs = ch.status != oracle::to_string(a.status);
        const IntervalSet missing = oracle::subtract(a.must, ch.set), extra = oracle::subtract(ch.set, a.must);
        if (!status_differs && missing.empty() && extra.empty()) continue;
        std::string kind = std::string(a.rule) + ":";
        if (status_differs) kind += std::string(" status oracle=") + oracle::to_string(a.status) + " check=" + ch.status;
        if (!missing.empty()) kind += " check-misses-addresses";
        if (!extra.empty()) kind += " check-reports-extra-addresses";
        case_kinds.push_back(kind);
        diff << "  " << a.rule << ": oracle " << oracle::to_string(a.status) << " must " << shorten(a.must) << " may "
             << shorten(a.may) << "\n    check " << ch.status << " " << shorten(ch.set) << "\n";
        for (const std::string& msg : ch.messages) diff << "    check says: " << msg << "\n";
        const bool virtual_set = a.rule != "conflicting-aliases";
        if (!missing.empty())
          diff << "    only the oracle: " << shorten(missing) << (virtual_set ? explain(walk, missing) : "") << "\n";
        if (!extra.empty())
          diff << "    only the check:  " << shorten(extra) << (virtual_set ? explain(walk, extra) : "") << "\n";
      }
    }
    if (case_kinds.empty()) continue;
    ++disagreeing_cases;
    for (const std::string& k : case_kinds) {
      Kind& kd = kinds[k];
      ++kd.count;
      if (size < kd.smallest_size) {
        kd.smallest_size = size;
        kd.smallest_seed = seed;
      }
    }
    MESSAGE("seed " << seed << " (PTV_DIFF_CASES=1 PTV_DIFF_SEED=" << seed << "): the check and the oracle disagree\n"
                    << diff.str() << "machine: " << oracle::describe(rc.machine) << "spec: " << rc.spec_json);
  }
  std::ostringstream summary;
  summary << disagreeing_cases << " of " << cases << " cases disagree (seeds " << first_seed << ".."
          << first_seed + cases - 1 << "); kinds (count, smallest seed):\n";
  for (const auto& [k, kd] : kinds) summary << "  " << k << "  x" << kd.count << ", seed " << kd.smallest_seed << "\n";
  MESSAGE(summary.str());
  CHECK_MESSAGE(disagreeing_cases == 0, summary.str());
}
