// Solver: named queries over Exprs, with a tagged result.
//
//   smt::Context ctx;
//   smt::Solver solver(ctx, {.limits = {.timeout_ms = 10'000}});
//   solver.add(x.ule(y), "constraints[0]");       // tracked: can appear in an unsat core
//   {
//     auto scope = solver.push();                  // popped when `scope` ends
//     solver.add(violation);
//     smt::CheckResult r = solver.check("P06.disjoint.heap.stack");
//     if (const smt::Model* m = r.model()) ...     // only a Sat result has a model
//   }
//
// Each check() runs a fresh Z3 solver on the assertions in force (push/pop scopes are kept on
// this side), so that Z3 can pick a non-incremental bit-vector tactic instead of the incremental
// core that push/pop would select (much slower on these queries: docs/performance.md). Which
// solver is built is SolverOptions::logic: "QF_BV" for queries without quantifiers (check's
// search, every prove goal), Z3's default solver otherwise (check's parameter inference, whose
// witness constraints hold quantifiers).
//
// check() never throws and never exits: Z3 errors become Error, an invalid Expr among the
// assertions becomes Invalid, a reached timeout, resource or memory limit becomes Unknown with
// the limit named. With SolverOptions::emit_smt2_dir set, every check writes
// DIR/<query-name>.smt2, a complete SMT-LIB 2 benchmark that `z3 FILE` and
// `cvc5 --lang smt2 FILE` re-check; its logic follows the assertions, not SolverOptions::logic:
// QF_BV, or BV when one holds a quantifier.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "models/expected.h"
#include "verifier/smt/expr.h"

typedef struct _Z3_model* Z3_model;  // NOLINT: the same declaration as <z3_api.h>

namespace ptv::smt {

class Context;

/// Limits for one query; 0 means no limit. Reaching any gives Unknown, never a verdict.
struct QueryLimits {
  unsigned timeout_ms = 0;   ///< wall-clock milliseconds (Z3 solver parameter `timeout`)
  std::uint64_t rlimit = 0;  ///< Z3 resource units, deterministic across machines (`rlimit`)
  /// Ceiling on Z3's memory while the query is solved, in MiB. Z3 counts every allocation it
  /// makes in this process, so terms already built count too. Enforced through Z3's graceful
  /// limits (`sat.max_memory` for the bit-blasting SAT solver, `memory_high_watermark` for the
  /// SMT core, the latter saturating at 4 GiB), set for the check only: reaching one makes
  /// the solver stop with "max. memory exceeded". Not `memory_max_size`: that one throws out
  /// of Z3's allocator and leaves Z3 4.8 crashing on the next query.
  std::uint64_t memory_mb = 0;
};

struct SolverOptions {
  QueryLimits limits;
  /// Where check() writes each query as <query-name>.smt2; must exist (make_emit_smt2_dir).
  /// Empty: no export.
  std::optional<std::filesystem::path> emit_smt2_dir;
  /// Report unsat cores over the tracked assertions. Turn it off where no core is needed:
  /// tracking makes Z3 use its incremental core, far slower than a fresh bit-blasting solver
  /// on spec queries (docs/performance.md). With it off, tracked assertions are asserted plainly.
  bool unsat_cores = true;
  /// The SMT-LIB logic to build Z3's solver for. Empty: Z3's default solver, which probes the
  /// query to pick a tactic. "QF_BV" skips the probes (faster: docs/performance.md) and
  /// requires quantifier-free assertions; models may differ from the default solver's.
  std::string logic;
};

enum class UnknownReason { kTimeout, kResourceLimit, kMemoryLimit, kOther };
/// "timeout", "resource limit", "memory limit", "other"
[[nodiscard]] std::string_view to_string(UnknownReason r);

/// A satisfying assignment. Only a Sat CheckResult hands one out.
class Model {
 public:
  Model(const Model& other);
  Model(Model&& other) noexcept;
  Model& operator=(Model other) noexcept;
  ~Model();

  /// The value of a bit-vector term (width <= 64) in this model (completed: unconstrained
  /// constants read as 0). Empty when e is invalid, Boolean, wider than 64 bits, or from
  /// another context.
  [[nodiscard]] std::optional<std::uint64_t> eval(const Expr& e) const;
  /// The value of a Boolean term; empty under the same conditions.
  [[nodiscard]] std::optional<bool> eval_bool(const Expr& e) const;

 private:
  friend class Solver;
  Model(Context& ctx, Z3_model m);
  Context* ctx_ = nullptr;
  Z3_model m_ = nullptr;
};

/// The answer to one named query: Unsat, Sat (with a model), Unknown (with the reason), Error
/// (the solver failed) or Invalid (an assertion was an invalid Expr; the solver was not run).
class CheckResult {
 public:
  struct Unsat {
    std::vector<std::string> core;  ///< names of tracked assertions in an unsat core (may be empty)
  };
  struct Sat {
    Model model;
  };
  struct Unknown {
    UnknownReason reason = UnknownReason::kOther;
    std::string detail;  ///< e.g. "timeout of 100 ms reached (Z3: canceled)"
  };
  struct Error {
    std::string reason;
  };
  struct Invalid {
    std::string reason;
  };
  using Outcome = std::variant<Unsat, Sat, Unknown, Error, Invalid>;

  CheckResult(std::string query, Outcome outcome, double seconds, std::optional<std::filesystem::path> smt2_file);

  [[nodiscard]] const std::string& query() const { return query_; }
  [[nodiscard]] double seconds() const { return seconds_; }
  [[nodiscard]] const Outcome& outcome() const { return outcome_; }
  /// "unsat", "sat", "unknown", "error" or "invalid".
  [[nodiscard]] std::string_view kind() const;

  [[nodiscard]] bool is_unsat() const { return std::holds_alternative<Unsat>(outcome_); }
  [[nodiscard]] bool is_sat() const { return std::holds_alternative<Sat>(outcome_); }
  [[nodiscard]] const Unsat* unsat() const { return std::get_if<Unsat>(&outcome_); }
  /// The model; nullptr unless the query is Sat.
  [[nodiscard]] const Model* model() const;
  [[nodiscard]] const Unknown* unknown() const { return std::get_if<Unknown>(&outcome_); }
  [[nodiscard]] const Error* error() const { return std::get_if<Error>(&outcome_); }
  [[nodiscard]] const Invalid* invalid() const { return std::get_if<Invalid>(&outcome_); }
  /// The SMT-LIB file written for this query, when exporting.
  [[nodiscard]] const std::optional<std::filesystem::path>& smt2_file() const { return smt2_file_; }

 private:
  std::string query_;
  Outcome outcome_;
  double seconds_ = 0;
  std::optional<std::filesystem::path> smt2_file_;
};

/// One line of the solver's query log.
struct QueryRecord {
  std::string name;
  std::string kind;  ///< CheckResult::kind()
  double seconds = 0;
};

class Solver {
 public:
  /// Requires: ctx outlives the solver.
  explicit Solver(Context& ctx, SolverOptions options = {});
  ~Solver();
  Solver(const Solver&) = delete;
  Solver& operator=(const Solver&) = delete;

  /// Asserts a Boolean term in the current scope. An invalid or non-Boolean term makes every
  /// check() answer Invalid until its scope is popped.
  void add(const Expr& assertion);
  /// Asserts a Boolean term tracked under `name`, which unsat cores report (when enabled).
  void add(const Expr& assertion, std::string_view name);

  /// Pops the scope it opened when destroyed (RAII push/pop).
  class Scope {
   public:
    Scope(Scope&& other) noexcept;
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    Scope& operator=(Scope&&) = delete;
    ~Scope();

   private:
    friend class Solver;
    explicit Scope(Solver* solver) : solver_(solver) {}
    Solver* solver_;
  };
  [[nodiscard]] Scope push();

  /// Limits for the following checks.
  void set_limits(const QueryLimits& limits);
  [[nodiscard]] const QueryLimits& limits() const;

  /// Checks the current assertions; `query_name` names the query in logs and export files.
  CheckResult check(std::string_view query_name);

  /// Every check so far, in order.
  [[nodiscard]] const std::vector<QueryRecord>& history() const;

 private:
  void pop();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The one place the --emit-smt2 directory is made, for check and prove alike: created if
/// missing, kept if it is already a directory. Error: "--emit-smt2 DIR: cannot create the
/// directory: REASON" (the caller adds its subcommand's name if it says one).
[[nodiscard]] std::optional<Error> make_emit_smt2_dir(const std::filesystem::path& dir);

}  // namespace ptv::smt
