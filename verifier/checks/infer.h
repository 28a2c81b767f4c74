// Step 2 of run_check (check.h): the parameters the dump does not fix (KASLR bases, sizes),
// inferred by counterexample-guided search. Internal to verifier/checks.
//
// First a guess read from the runs (seed.h): where the dump needs the regions that parameters
// place. Then rounds: a candidate from the spec's constraints, the witnesses so far and, in the
// first rounds, the guess (next_candidate); its layout (evaluate); a search for addresses that
// break some rule under it (probe: the concrete pass of sweep.h, or the solver when the pass
// cannot decide the layout); and witnesses from what it found, until no address breaks any rule
// (the candidate is the answer) or no candidate is left. A guess the constraints or the
// witnesses refuse is dropped. Every answer is the probe's: the guess and the witnesses only
// choose which candidates are tried.
//
// Witnesses start as points: "this address breaks no rule", one per stretch of breaking
// addresses the pass found (several per round), quantifier-free and cheap to ask about. After
// a few rounds, or when the points cannot be satisfied together, each point is widened to its
// interval of constant class: "no address of it breaks a rule" (add_witness), the witness the
// rest of the search and the unsat core are about. Both are necessary conditions of a candidate
// that breaks nothing, so neither excludes an answer.
//
// When the witnesses are not satisfiable together, no admissible parameter values let the dump
// satisfy the spec (the unsat core proves it), and the candidate becomes values that satisfy as
// many witnesses as possible (a maximum found by asking for at least K of them, K falling from
// the last maximum plus one): the violations reported are then those that no choice of
// parameters avoids, plus as few others as the witnesses allow.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "verifier/checks/check_steps.h"
#include "verifier/checks/physical_layout.h"

namespace ptv::check::detail {

/// What parameter inference found.
struct Inferred {
  std::optional<spec::ParameterValues> values;  ///< empty: inference did not finish
  bool partial = false;  ///< a limit or the round cap stopped it: the values are a candidate only
  bool pinned = false;   ///< every parameter had one admissible value: nothing was inferred
  /// Under CheckOptions::explain_parameters, per parameter: its admissible range, when
  /// established (empty for a parameter that was not inferred).
  std::vector<std::optional<AdmissibleRange>> ranges = {};
};

class ParameterInference {
 public:
  /// Requires: `in` outlives the inference.
  explicit ParameterInference(const CheckInputs& in) : in_(in) {}

  /// BadInput: a --param the spec does not have, or no parameter values satisfy the spec's
  /// constraints. Throws LimitReached on the run's limits.
  std::variant<Inferred, BadInput> run();

  /// What the inference adds to the CheckResult, also after run() threw.
  [[nodiscard]] std::size_t queries() const { return queries_; }
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  /// False when no admissible parameter values let the dump satisfy the spec.
  [[nodiscard]] bool admissible() const { return admissible_; }

 private:
  struct State;
  struct Next;
  struct Probe;

  std::variant<Inferred, BadInput> search();
  Next next_candidate(State& st, std::size_t round);
  Next max_satisfying(State& st, std::size_t round, bool entered);
  std::optional<spec::Layout> evaluate(State& st, const spec::ParameterValues& values) const;
  Probe probe(const State& st, const spec::Layout& layout, const std::string& name);
  std::vector<std::optional<AdmissibleRange>> explain(State& st, const spec::ParameterValues& found);
  std::optional<std::uint64_t> admissible_end(State& st, std::size_t i, const spec::ParameterValues& found, bool least);
  void add_witness(State& st, VirtAddr w) const;
  void add_point_witness(State& st, VirtAddr a) const;
  /// The guess from the runs (seed.h), as hints for the first rounds' queries.
  void seed(State& st) const;
  /// Replaces the point witnesses by the intervals of constant class that hold them: those
  /// `chosen` marks (by witness index; beyond its end: every one), the others dropped.
  void widen(State& st, const std::vector<bool>& chosen) const;
  /// Every address of `stretches` breaks some rule under every admissible parameter value
  /// (proved by one query per interval of constant class, at most kMaxUnavoidableIntervals).
  bool unavoidable(State& st, const std::vector<VirtRange>& stretches, std::size_t round);
  /// Which witnesses an unsat core of the current witnesses names (every one when the query
  /// does not answer unsat).
  std::vector<bool> points_in_core(State& st, std::size_t round);
  void add_physical_witness(State& st, const PhysicalBreak& b) const;
  void base(State& st, smt::Solver& p) const;
  void unknown(const smt::CheckResult& r);
  [[nodiscard]] BadInput no_values() const;
  std::string max_satisfy_note(const State& st) const;
  /// A query within the run's limits, counted when it returns.
  smt::CheckResult bounded(smt::Solver& s, const std::string& name) {
    smt::CheckResult r = check_within_limits(s, name, in_.options);
    ++queries_;
    return r;
  }

  const CheckInputs& in_;
  std::size_t queries_ = 0;
  std::vector<std::string> notes_;
  bool admissible_ = true;
  bool partial_ = false;
  /// While explain() runs: the parameter whose range is sought (an unknown answer then leaves
  /// that range out, and the inference's values stand).
  std::optional<std::string> explaining_;
};

}  // namespace ptv::check::detail
