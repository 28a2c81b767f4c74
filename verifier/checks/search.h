// Step 3 of run_check (check.h): with the parameters fixed, each (rule, region) instance asks
// "does some address break it?". A model is replayed on the concrete mapping set, widened to
// the maximal range breaking the instance the same way, excluded, and asked again until unsat
// (the list is complete) or the cap is hit. Internal to verifier/checks.
#pragma once

#include <memory>
#include <vector>

#include "verifier/checks/check_steps.h"
#include "verifier/checks/domains.h"
#include "verifier/smt/trie_encoding.h"

namespace ptv::check::detail {

class AddressSearch {
 public:
  /// Requires: `in` and `layout` outlive the search.
  AddressSearch(const CheckInputs& in, const spec::Layout& layout);

  /// Searches every decidable instance, adding violations, rule statuses, queries and whether
  /// the list is complete to `out`. Throws LimitReached (run limits) and Inconsistency or
  /// ReplayMismatch (a counterexample that does not replay).
  void run(CheckResult& out);

  /// Whether the search of every instance of the rule finished (proved, or stopped by the cap or
  /// by the solver); the others were cut short by the time limit.
  [[nodiscard]] bool searched(RuleId id) const { return pending_[static_cast<std::size_t>(id)] == 0; }

 private:
  /// A model of "the instance breaks at some address", replayed.
  struct Finding {
    VirtAddr address;
    AttrClass cls;    ///< the mapping set's class there
    VirtRange range;  ///< the maximal range breaking the instance the same way
    bool definite;    ///< the dump shows the violation (kMust), not only cannot rule it out
  };

  /// One query for every instance at once: true when no address breaks any (the common case).
  bool none_breaks(CheckResult& out, const std::vector<Instance>& insts);
  /// Lists the violations of one instance. Returns false when its list is not complete.
  bool search_instance(CheckResult& out, const Instance& inst);
  std::unique_ptr<smt::Solver> instance_solver(const Instance& inst, const smt::Expr& may_break, Strength strength,
                                               const std::vector<VirtRange>& excluded);
  /// Replays the solver's address on the mapping set. Throws Inconsistency when it does not.
  Finding replay(const Instance& inst, VirtAddr w, const std::string& name) const;
  /// Lists a definite finding (while the list has room), or marks the rule unknown where the dump
  /// cannot tell. Returns false when the list is full: the instance's search stops there.
  bool record(CheckResult& out, RuleResult& rr, const Instance& inst, const Finding& f);
  Violation make_violation(const Instance& inst, const Finding& f) const;
  smt::CheckResult bounded(smt::Solver& s, const std::string& name) const {
    return check_within_limits(s, name, in_.options);
  }

  const CheckInputs& in_;
  const spec::Layout& layout_;
  std::vector<ConcreteTerms> cterms_;
  smt::Context ctx_;
  smt::TrieEncoding enc_;
  smt::Expr a_;    ///< the symbolic address
  smt::Expr cls_;  ///< its class, as the trie's term
  SearchDomain d_;
  std::vector<SymTerms> terms_;
  ConcreteDomain cd_;
  /// Per rule: its instances whose search has not finished.
  std::vector<std::size_t> pending_ = std::vector<std::size_t>(kRules.size(), 0);
};

}  // namespace ptv::check::detail
