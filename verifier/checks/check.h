// `ptverify check`: hold a mapping set against a layout spec, for every virtual address at once.
//
// How it decides (docs/check.md, "How check decides"):
//  1. The mapping set becomes an AddressTrie; its SMT term gives the attribute class of a
//     symbolic 64-bit canonical address (smt/trie_encoding.h).
//  2. Parameters the dump does not fix (KASLR bases, sizes) are inferred by counterexample-
//     guided search: a candidate from the spec's constraints, a search for an address that breaks
//     some rule under it, and that address's concrete class added as a constraint on the
//     parameters; until no address breaks any rule (the candidate is reported) or no candidate
//     is left (no admissible parameter values exist: reported, with the last candidate's
//     violations shown).
//  3. With the parameters fixed, each (rule, region) instance asks "does some address break it?"
//     A model is replayed on the concrete mapping set (and, for raw dumps, on the walker: any
//     disagreement is an internal error), widened to the maximal range breaking the instance the
//     same way, excluded, and asked again until unsat (the list is complete) or the cap is hit.
//  4. Rules about frames and tables (aliases, page-table exposure, recursive slots, reserved
//     bits) are decided exactly over the distinct leaf entries of a raw walk.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "models/walk.h"
#include "verifier/base/timings.h"
#include "verifier/checks/result.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/spec/spec.h"

namespace ptv::check {

/// Raw memory behind a mapping set: what the replay walks and the physical rules read.
struct RawContext {
  PagingState state;
  TableReader reader;
  std::optional<PhysAddr> root;
  const AddressSpace* space = nullptr;
  /// Some processor fact the dump does not give changes its translations (load_dump walked
  /// both values): the rules decided over this walk alone are then undecided.
  bool assumptions_matter = false;
};

/// The raw context of a loaded raw dump; empty for text dumps. Requires: `d` outlives it.
std::optional<RawContext> raw_context(const LoadedDump& d);

struct CheckOptions {
  unsigned timeout_ms = 10'000;       ///< per solver query; reaching it makes the rule unknown
  std::uint64_t rlimit = 0;           ///< per query, deterministic; 0 = none
  std::uint64_t memory_limit_mb = 0;  ///< Z3's heap while solving (smt::QueryLimits); 0 = none
  std::size_t max_violations = 100;   ///< listed violations, all rules together
  std::size_t max_inference_rounds = 200;
  std::map<std::string, std::uint64_t> fixed_parameters;  ///< --param NAME=VALUE, and values read from the kernel
  /// The fixed parameters read from the kernel rather than given: name -> where the value
  /// comes from ("_text in kallsyms (k.txt)"); reported as such.
  std::map<std::string, std::string> parameter_origins;
  /// --explain-params: the least and greatest admissible value of each inferred parameter
  /// (Parameter::admissible), at the cost of more queries.
  bool explain_parameters = false;
  std::optional<std::filesystem::path> emit_smt2_dir;
  /// The whole run's end (--time-limit): no query runs past it; the rules not decided by then
  /// are unknown ("not decided: time limit"). Empty: no limit.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  double time_limit_s = 300;  ///< --time-limit in seconds: the limit behind `deadline` (0: none)
  /// Called with a short description of the current step (for a progress line); may be empty.
  std::function<void(const std::string&)> progress;
  /// Answer "does some address break a rule?" with the concrete pass over the intervals where it
  /// can (checks/sweep.h); false: every such question goes to the solver (--solver-only, and
  /// --emit-smt2, whose point is the queries).
  bool sweep = true;
  /// --timings: where the run's time goes (phases and solver queries); null: not measured.
  Timings* timings = nullptr;
};

/// Exit 2: the spec and the dump do not fit together (or an option names what neither has).
struct BadInput {
  std::string message;
};
/// Exit 4: the verifier contradicts itself, e.g. a counterexample did not replay.
struct InternalError {
  std::string message;
};
using CheckOutcome = std::variant<CheckResult, BadInput, InternalError>;

/// The message of a BadInput or an InternalError outcome; empty for a CheckResult.
[[nodiscard]] std::string problem(const CheckOutcome& o);

CheckOutcome run_check(const MappingSet& mappings, const spec::Spec& spec, const RawContext* raw,
                       const CheckOptions& options);

}  // namespace ptv::check
