// Internal to verifier/checks/prove*.cpp: the goals of each obligation.
//
// A goal's violation is written once, as a generic predicate over an evaluation domain, and
// instantiated twice: on SymbolicDomain it is the query sent to Z3, on ConcreteDomain it replays
// a counterexample. The describe step then tells the concrete violation in
// addresses and region names.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/address.h"
#include "verifier/checks/prove.h"
#include "verifier/smt/expr.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/symbolic.h"

namespace ptv::check::detail {

/// What a replayed violation looks like.
struct Finding {
  std::optional<VirtAddr> address;
  std::string message;
};

/// The concrete side of a goal: parameter values and every region's bounds under them.
struct Replay {
  const spec::Spec& spec;
  const spec::ParameterValues& values;
  std::vector<spec::Bounds<spec::ConcreteDomain>> bounds;
};

struct Goal {
  ObligationId obligation;
  std::string subject;               ///< region names, e.g. "kernel-heap / kernel-code"
  std::string query;                 ///< the query name, e.g. "P06.disjoint.kernel-heap.kernel-code"
  std::vector<std::size_t> regions;  ///< the regions involved, in the order the message names them
  smt::Expr violation;               ///< some parameter values break the goal
  /// Empty when the values do not break the goal concretely (a replay failure).
  std::function<std::optional<Finding>(const Replay&)> replay;
};

/// Goals of one obligation that were not built.
struct Unbuilt {
  /// Proved without a goal of their own: region pairs the bounds' ranges keep apart, and past
  /// kMaxGoals, goals whose violation evaluates to false.
  std::size_t apart = 0;
  std::size_t dropped = 0;  ///< past kMaxGoals, the others: not decided
};

/// The most goals one run builds. Each holds a formula and a replay, so a spec whose pairs of
/// regions that may overlap run into the millions would exhaust memory before the first query;
/// past this, the obligation is unknown.
inline constexpr std::size_t kMaxGoals = 100'000;

/// Every goal of every obligation but P01, in registry order, and per obligation (indexed by
/// ObligationId) why it has no goals when it has none, and the goals decided or dropped unbuilt.
struct Goals {
  std::vector<Goal> goals;
  std::vector<std::string> notes;
  std::vector<Unbuilt> unbuilt;
};
Goals build_goals(const spec::Spec& spec, spec::SymbolicSpec& symbolic);

}  // namespace ptv::check::detail
