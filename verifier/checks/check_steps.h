// What the steps of run_check (check.cpp: parameter inference in infer.cpp, the address search
// in search.cpp) share: the run's inputs, the solver options of each kind of query, the run's
// limits, and the rule statuses they update. Internal to verifier/checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "verifier/checks/check.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/witness.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/concrete.h"

namespace ptv::check::detail {

using Clock = std::chrono::steady_clock;
using ConcreteTerms = RegionTerms<std::uint64_t, bool>;

/// Seconds since t.
[[nodiscard]] double since(Clock::time_point t);

/// The inputs of one check run. Requires: all of them outlive it.
struct CheckInputs {
  const MappingSet& mappings;
  const spec::Spec& spec;
  const RawContext* raw;  ///< null for text dumps
  const CheckOptions& options;
  const AddressTrie& trie;
};

/// The placed regions as the rule predicates take them, concrete or as numerals.
[[nodiscard]] std::vector<ConcreteTerms> concrete_terms(const spec::Spec& spec, const spec::Layout& layout);
[[nodiscard]] std::vector<SymTerms> numeral_terms(smt::Context& ctx, const std::vector<ConcreteTerms>& c);

enum class Query { kInference, kSearch };
[[nodiscard]] smt::SolverOptions solver_options(const CheckOptions& o, Query q);

/// Why a query was neither sat nor unsat, naming the option whose limit it reached.
[[nodiscard]] std::string unknown_detail(const smt::CheckResult& r, const CheckOptions& o);

/// "wx" or "region-rights.kernel-text": an instance as queries and messages name it.
[[nodiscard]] std::string instance_name(const spec::Spec& spec, const Instance& inst);

/// The instances the address search decides: all, less those of rules that need raw memory
/// when there is none (check_physical marks them not applicable).
[[nodiscard]] std::vector<Instance> decidable_instances(const spec::Spec& spec, const RawContext* raw);

/// The verifier contradicts itself (the trie and the mapping set, or a counterexample and its
/// replay, disagree): the run ends as an InternalError.
struct Inconsistency : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The whole run reached its --time-limit, or its memory limit in the solver: what is decided
/// so far stands, the rest is unknown. After Z3 ran out of memory no further query is asked.
struct LimitReached {
  std::string what;  ///< "time limit (--time-limit 300 s)"
};

/// Checks `s` within both the per-query timeout and what is left of the run's time limit.
/// Throws LimitReached when no time is left, or when the query stopped on the run's limits.
[[nodiscard]] smt::CheckResult check_within_limits(smt::Solver& s, const std::string& name, const CheckOptions& o);

/// The result of `id` in `out.rules` (one per rule, in kRules order).
[[nodiscard]] RuleResult& rule_result(CheckResult& out, RuleId id);
/// Makes a rule unknown (a violated one stays violated) and adds why to its detail.
void mark_unknown(RuleResult& rr, const std::string& why);

}  // namespace ptv::check::detail
