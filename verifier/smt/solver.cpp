// Solver, Model and CheckResult over Z3's C API.
//
// Assertions are kept per scope on this side; each check hands the assertions in force to a
// fresh Z3 solver (non-incremental, see solver.h), so an SMT-LIB export of a query contains
// exactly what was checked, and an invalid assertion poisons only its scope. With unsat cores
// enabled, tracked assertions get a fresh Boolean literal each (Z3_solver_assert_and_track).
#include "verifier/smt/solver.h"

#include <z3.h>

#include <chrono>
#include <map>
#include <utility>

#include "verifier/base/output_file.h"
#include "verifier/smt/context.h"
#include "verifier/smt/expr_access.h"
#include "verifier/smt/smt2_file.h"

namespace ptv::smt {

std::string_view to_string(UnknownReason r) {
  switch (r) {
    case UnknownReason::kTimeout:
      return "timeout";
    case UnknownReason::kResourceLimit:
      return "resource limit";
    case UnknownReason::kMemoryLimit:
      return "memory limit";
    case UnknownReason::kOther:
      return "other";
  }
  return "other";
}

// --- Model -------------------------------------------------------------------------------

Model::Model(Context& ctx, Z3_model m) : ctx_(&ctx), m_(m) {
  if (m_) Z3_model_inc_ref(ctx_->raw(), m_);
}
Model::Model(const Model& other) : ctx_(other.ctx_), m_(other.m_) {
  if (m_) Z3_model_inc_ref(ctx_->raw(), m_);
}
Model::Model(Model&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)), m_(std::exchange(other.m_, nullptr)) {}
Model& Model::operator=(Model other) noexcept {
  std::swap(ctx_, other.ctx_);
  std::swap(m_, other.m_);
  return *this;
}
Model::~Model() {
  if (m_) Z3_model_dec_ref(ctx_->raw(), m_);
}

namespace {

// Evaluates e with model completion; calls `read` on the resulting term while it is held.
template <class Read>
auto eval_term(Context* ctx, Z3_model m, const Expr& e, Read read) -> decltype(read(Z3_ast{})) {
  if (!m || !e.valid() || e.context() != ctx) return std::nullopt;
  Z3_context z = ctx->raw();
  Z3_ast out = nullptr;
  if (!Z3_model_eval(z, m, ExprAccess::ast(e), true, &out) || out == nullptr) return std::nullopt;
  Z3_inc_ref(z, out);
  auto value = read(out);
  Z3_dec_ref(z, out);
  return value;
}

}  // namespace

std::optional<std::uint64_t> Model::eval(const Expr& e) const {
  if (!e.is_bv() || e.width() > 64) return std::nullopt;
  if (auto k = e.as_u64()) return k;
  Z3_context z = ctx_ ? ctx_->raw() : nullptr;
  return eval_term(ctx_, m_, e, [z](Z3_ast out) -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    if (!Z3_is_numeral_ast(z, out) || !Z3_get_numeral_uint64(z, out, &v)) return std::nullopt;
    return v;
  });
}

std::optional<bool> Model::eval_bool(const Expr& e) const {
  if (!e.is_bool()) return std::nullopt;
  if (auto k = e.as_bool()) return k;
  Z3_context z = ctx_ ? ctx_->raw() : nullptr;
  return eval_term(ctx_, m_, e, [z](Z3_ast out) -> std::optional<bool> {
    switch (Z3_get_bool_value(z, out)) {
      case Z3_L_TRUE:
        return true;
      case Z3_L_FALSE:
        return false;
      default:
        return std::nullopt;
    }
  });
}

// --- CheckResult ---------------------------------------------------------------------------

CheckResult::CheckResult(std::string query, Outcome outcome, double seconds,
                         std::optional<std::filesystem::path> smt2_file)
    : query_(std::move(query)), outcome_(std::move(outcome)), seconds_(seconds), smt2_file_(std::move(smt2_file)) {}

std::string_view CheckResult::kind() const {
  static constexpr std::string_view kNames[] = {"unsat", "sat", "unknown", "error", "invalid"};
  return kNames[outcome_.index()];
}

const Model* CheckResult::model() const {
  const Sat* s = std::get_if<Sat>(&outcome_);
  return s ? &s->model : nullptr;
}

// --- Solver --------------------------------------------------------------------------------

struct Solver::Impl {
  struct Frame {
    std::vector<NamedAssertion> assertions;
    std::optional<std::string> invalid;  // why an assertion of this scope is invalid
  };

  Context* ctx = nullptr;
  SolverOptions options;
  std::vector<Frame> frames{1};
  std::map<std::string, unsigned> stems_used;
  std::vector<QueryRecord> history;

  Z3_context z() const { return ctx->raw(); }

  std::optional<std::string> first_invalid() const {
    for (const Frame& f : frames)
      if (f.invalid) return f.invalid;
    return std::nullopt;
  }

  void apply_limits(Z3_solver s) {
    Z3_params p = Z3_mk_params(z());
    Z3_params_inc_ref(z(), p);
    const unsigned timeout = options.limits.timeout_ms == 0 ? 4294967295u : options.limits.timeout_ms;
    Z3_params_set_uint(z(), p, Z3_mk_string_symbol(z(), "timeout"), timeout);
    const std::uint64_t rl = options.limits.rlimit;
    Z3_params_set_uint(z(), p, Z3_mk_string_symbol(z(), "rlimit"),
                       rl > 4294967295u ? 4294967295u : static_cast<unsigned>(rl));
    Z3_solver_set_params(z(), s, p);
    Z3_params_dec_ref(z(), p);
  }

  // Z3 4.8.12 reports both limits as "canceled"; the elapsed time tells them apart.
  CheckResult::Unknown classify_unknown(std::string z3_reason, double seconds) const {
    const QueryLimits& l = options.limits;
    const bool timed_out = l.timeout_ms != 0 && seconds * 1000.0 >= 0.9 * l.timeout_ms;
    const bool said_timeout = z3_reason.find("timeout") != std::string::npos;
    const bool said_resource =
        z3_reason.find("resource") != std::string::npos || z3_reason.find("rlimit") != std::string::npos;
    const bool canceled = z3_reason.find("canceled") != std::string::npos;
    const std::string suffix = " (Z3: " + z3_reason + ")";
    if (z3_reason.find("memory") != std::string::npos || z3_reason.find("memout") != std::string::npos)
      return memory_unknown(suffix);
    if (said_timeout || (canceled && timed_out))
      return {UnknownReason::kTimeout, "timeout of " + std::to_string(l.timeout_ms) + " ms reached" + suffix};
    if (said_resource || (canceled && l.rlimit != 0))
      return {UnknownReason::kResourceLimit,
              "resource limit (rlimit) of " + std::to_string(l.rlimit) + " reached" + suffix};
    if (canceled && l.timeout_ms != 0)
      return {UnknownReason::kTimeout, "timeout of " + std::to_string(l.timeout_ms) + " ms reached" + suffix};
    return {UnknownReason::kOther, "the solver gave up" + suffix};
  }

  CheckResult::Unknown memory_unknown(const std::string& suffix) const {
    const std::uint64_t mb = options.limits.memory_mb;
    return {
        UnknownReason::kMemoryLimit,
        (mb != 0 ? "memory limit of " + std::to_string(mb) + " MiB reached" : std::string("out of memory")) + suffix};
  }

  // Z3's memory limits are process-wide parameters, read when a solver is made: set before
  // Z3_mk_solver and lifted after the check (0 = none).
  static void set_memory_ceiling(std::uint64_t mb) {
    constexpr std::uint64_t kU32Max = 4294967295u;
    const std::uint64_t bytes = mb > (kU32Max >> 20) ? kU32Max : mb << 20;
    Z3_global_param_set("sat.max_memory", std::to_string(mb == 0 || mb > kU32Max ? kU32Max : mb).c_str());
    Z3_global_param_set("memory_high_watermark", std::to_string(bytes).c_str());
  }

  std::optional<std::filesystem::path> emit(std::string_view query, std::string_view status, std::string& error) {
    if (!options.emit_smt2_dir) return std::nullopt;
    std::vector<NamedAssertion> all;
    for (const Frame& f : frames) all.insert(all.end(), f.assertions.begin(), f.assertions.end());
    std::string stem = smt2_file_stem(query);
    const unsigned n = ++stems_used[stem];
    if (n > 1) stem += "-" + std::to_string(n);
    std::filesystem::path path = *options.emit_smt2_dir / (stem + ".smt2");
    const std::string text = render_smt2_benchmark(*ctx, query, all, status);
    if (std::optional<Error> err = write_output_file(path.string(), [&text](std::ostream& os) { os << text; })) {
      error = err->message;
      return std::nullopt;
    }
    return path;
  }

  using Tracks = std::vector<std::pair<Z3_ast, const std::string*>>;  // tracking literal, assertion name

  // Asserts every frame's assertions on `s`; with unsat cores, a named one through a tracking
  // literal (returned, each holding a reference the caller drops).
  Tracks assert_frames(Z3_context c, Z3_solver s) const {
    Tracks tracks;
    for (const Frame& f : frames)
      for (const NamedAssertion& a : f.assertions) {
        if (options.unsat_cores && !a.name.empty()) {
          Z3_ast lit = Z3_mk_fresh_const(c, "ptv.track", Z3_mk_bool_sort(c));
          Z3_inc_ref(c, lit);
          tracks.emplace_back(lit, &a.name);
          Z3_solver_assert_and_track(c, s, ExprAccess::ast(a.term), lit);
        } else {
          Z3_solver_assert(c, s, ExprAccess::ast(a.term));
        }
      }
    return tracks;
  }

  // The names of the tracked assertions in the unsat core of `s`.
  static CheckResult::Unsat unsat_with_core(Z3_context c, Z3_solver s, const Tracks& tracks) {
    CheckResult::Unsat unsat;
    if (tracks.empty()) return unsat;
    Z3_ast_vector core = Z3_solver_get_unsat_core(c, s);
    Z3_ast_vector_inc_ref(c, core);
    for (unsigned i = 0; i < Z3_ast_vector_size(c, core); ++i) {
      Z3_ast lit = Z3_ast_vector_get(c, core, i);
      for (const auto& [t, name] : tracks)
        if (Z3_is_eq_ast(c, t, lit)) unsat.core.push_back(*name);
    }
    Z3_ast_vector_dec_ref(c, core);
    return unsat;
  }

  // Turns Z3's answer (and error state) after a check into an outcome.
  CheckResult::Outcome outcome_of(Z3_context c, Z3_solver s, Z3_lbool answer, const Tracks& tracks, double seconds) {
    if (const Z3_error_code code = Z3_get_error_code(c); code == Z3_MEMOUT_FAIL)
      return memory_unknown(std::string(" (Z3: ") + Z3_get_error_msg(c, code) + ")");
    else if (code != Z3_OK)
      return CheckResult::Error{std::string("Z3: ") + Z3_get_error_msg(c, code)};
    if (answer == Z3_L_TRUE) {
      Z3_model m = Z3_solver_get_model(c, s);
      if (!m || Z3_get_error_code(c) != Z3_OK) return CheckResult::Error{"Z3 returned sat without a model"};
      return CheckResult::Sat{Model(*ctx, m)};
    }
    if (answer == Z3_L_FALSE) return unsat_with_core(c, s, tracks);
    return classify_unknown(Z3_solver_get_reason_unknown(c, s), seconds);
  }

  // Runs one query on a fresh Z3 solver and returns its answer; `seconds` receives its time.
  CheckResult::Outcome run(double& seconds) {
    using Clock = std::chrono::steady_clock;
    Z3_context c = z();
    struct MemoryCeiling {
      std::uint64_t mb;
      explicit MemoryCeiling(std::uint64_t m) : mb(m) {
        if (mb != 0) set_memory_ceiling(mb);
      }
      ~MemoryCeiling() {
        if (mb != 0) set_memory_ceiling(0);
      }
      MemoryCeiling(const MemoryCeiling&) = delete;
      MemoryCeiling& operator=(const MemoryCeiling&) = delete;
    } ceiling(options.limits.memory_mb);
    Z3_solver s = options.logic.empty() ? Z3_mk_solver(c)
                                        : Z3_mk_solver_for_logic(c, Z3_mk_string_symbol(c, options.logic.c_str()));
    if (!s || Z3_get_error_code(c) != Z3_OK) return CheckResult::Error{"Z3 could not create a solver"};
    Z3_solver_inc_ref(c, s);
    apply_limits(s);
    const Tracks tracks = assert_frames(c, s);
    const auto t0 = Clock::now();
    const Z3_lbool answer = Z3_get_error_code(c) == Z3_OK ? Z3_solver_check(c, s) : Z3_L_UNDEF;
    seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    CheckResult::Outcome outcome = outcome_of(c, s, answer, tracks, seconds);
    for (const auto& [t, name] : tracks) Z3_dec_ref(c, t);
    Z3_solver_dec_ref(c, s);
    return outcome;
  }
};

Solver::Solver(Context& ctx, SolverOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->ctx = &ctx;
  impl_->options = std::move(options);
}

Solver::~Solver() = default;

void Solver::add(const Expr& assertion) { add(assertion, {}); }

void Solver::add(const Expr& assertion, std::string_view name) {
  Impl::Frame& frame = impl_->frames.back();
  const std::string label = name.empty() ? std::string("an assertion") : "assertion '" + std::string(name) + "'";
  if (!assertion.valid() || assertion.context() != impl_->ctx || !assertion.is_bool()) {
    if (!frame.invalid) {
      std::string why = !assertion.valid()                  ? "is invalid"
                        : assertion.context() != impl_->ctx ? "belongs to another context"
                                                            : "is not a Boolean";
      if (!assertion.valid())
        if (auto e = impl_->ctx->last_error()) why += " (" + *e + ")";
      frame.invalid = label + " " + why;
    }
    return;
  }
  frame.assertions.push_back(NamedAssertion{std::string(name), assertion});
}

Solver::Scope::Scope(Scope&& other) noexcept : solver_(std::exchange(other.solver_, nullptr)) {}
Solver::Scope::~Scope() {
  if (solver_) solver_->pop();
}

Solver::Scope Solver::push() {
  impl_->frames.emplace_back();
  return Scope(this);
}

void Solver::pop() {
  if (impl_->frames.size() > 1) impl_->frames.pop_back();
}

void Solver::set_limits(const QueryLimits& limits) { impl_->options.limits = limits; }
const QueryLimits& Solver::limits() const { return impl_->options.limits; }
const std::vector<QueryRecord>& Solver::history() const { return impl_->history; }

CheckResult Solver::check(std::string_view query_name) {
  double seconds = 0;
  CheckResult::Outcome outcome = CheckResult::Invalid{""};
  if (auto why = impl_->first_invalid())
    outcome = CheckResult::Invalid{*why};
  else
    outcome = impl_->run(seconds);
  static constexpr std::string_view kStatus[] = {"unsat", "sat", "unknown", "unknown", "unknown"};
  std::string emit_error;
  std::optional<std::filesystem::path> file;
  if (!std::holds_alternative<CheckResult::Invalid>(outcome))
    file = impl_->emit(query_name, kStatus[outcome.index()], emit_error);
  if (!emit_error.empty()) outcome = CheckResult::Error{emit_error};
  CheckResult r(std::string(query_name), std::move(outcome), seconds, std::move(file));
  impl_->history.push_back(QueryRecord{r.query(), std::string(r.kind()), seconds});
  return r;
}

std::optional<Error> make_emit_smt2_dir(const std::filesystem::path& dir) {
  if (auto err = make_output_directory(dir.string())) return Error{"--emit-smt2 " + err->message};
  return std::nullopt;
}

}  // namespace ptv::smt
