// The prove engine: vacuity first, then one solver query per goal, counterexamples minimised,
// tested for uniqueness and replayed on the concrete evaluator before they are reported.
#include "verifier/checks/prove.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>

#include "models/format.h"
#include "verifier/checks/prove_goals.h"
#include "verifier/smt/context.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/symbolic.h"

namespace ptv::check {

using detail::Goal;

const ObligationInfo& info(ObligationId id) { return kObligations[static_cast<std::size_t>(id)]; }

std::size_t ProveReport::count(Status s) const {
  std::size_t n = 0;
  for (const ObligationResult& o : obligations) n += o.status == s ? 1 : 0;
  return n;
}

ExitCode exit_code(const ProveReport& report) {
  if (!report.internal_errors.empty()) return ExitCode::kInternal;
  return exit_code(report.verdict);
}

namespace {

using Clock = std::chrono::steady_clock;

spec::ParameterValues values_from(const smt::Model& m, const spec::SymbolicSpec& sym) {
  spec::ParameterValues v;
  for (const smt::Expr& p : sym.parameters) v.push_back(m.eval(p).value_or(0));
  return v;
}

std::string describe_assumption(const spec::Spec& spec, const std::string& name) {
  for (const spec::Parameter& p : spec.parameters) {
    if (p.path != name) continue;
    std::vector<std::string> parts;
    if (p.min != 0 || p.max != ~std::uint64_t{0}) parts.push_back(hex(p.min) + " <= " + p.name + " <= " + hex(p.max));
    if (p.align > 1) parts.push_back("a multiple of " + hex(p.align));
    if (!p.values.empty()) {
      std::string v = "one of {";
      for (std::size_t i = 0; i < p.values.size(); ++i) v += (i ? ", " : "") + hex(p.values[i]);
      parts.push_back(v + "}");
    }
    std::string d = name + " (";
    for (std::size_t i = 0; i < parts.size(); ++i) d += (i ? ", " : "") + parts[i];
    return d + ")";
  }
  for (const spec::Constraint& c : spec.constraints)
    if (c.expr.path == name) return name + " \"" + c.expr.text + "\"";
  return name;
}

// The empty parameter space as a spec error: a small set of declarations that contradict each
// other, from an unsat core of the plain encoding (whose terms keep the domains explicit),
// shrunk by deletion.
Error empty_parameter_space(const spec::Spec& spec, const std::vector<std::string>& fallback_core) {
  smt::Context ctx;
  spec::SymbolicSpec plain = spec::encode_spec(ctx, spec, /*use_ranges=*/false);
  auto unsat_without = [&](const std::set<std::string>& keep) {
    smt::SolverOptions options;
    options.limits.timeout_ms = 5'000;
    smt::Solver s(ctx, options);
    for (const auto& a : plain.assumptions)
      if (keep.count(a.name)) s.add(a.holds, a.name);
    return s.check("P01.parameters-satisfiable.core");
  };
  std::set<std::string> all;
  for (const auto& a : plain.assumptions) all.insert(a.name);
  smt::CheckResult first = unsat_without(all);
  std::vector<std::string> core =
      first.is_unsat() && !first.unsat()->core.empty() ? first.unsat()->core : fallback_core;
  std::set<std::string> kept(core.begin(), core.end());
  for (const std::string& name : core) {
    if (kept.size() <= 1) break;
    std::set<std::string> trial = kept;
    trial.erase(name);
    if (unsat_without(trial).is_unsat()) kept = std::move(trial);
  }
  std::string msg = spec.file + ": the parameter space is empty: no parameter values satisfy";
  if (kept.empty()) return Error{msg + " the parameter domains and constraints together"};
  msg += kept.size() == 1 ? " this declaration:" : " these declarations together:";
  for (const spec::Parameter& p : spec.parameters)
    if (kept.count(p.path)) msg += "\n  " + describe_assumption(spec, p.path);
  for (const spec::Constraint& c : spec.constraints)
    if (kept.count(c.expr.path)) msg += "\n  " + describe_assumption(spec, c.expr.path);
  return Error{msg};
}

// Goals need no unsat cores, and are pure bit-vector queries: see smt::SolverOptions.
smt::SolverOptions solver_options(const ProveOptions& o) {
  smt::SolverOptions so;
  so.limits = o.limits;
  so.emit_smt2_dir = o.emit_smt2_dir;
  so.unsat_cores = false;
  so.logic = "QF_BV";
  return so;
}

class Engine {
 public:
  Engine(const spec::Spec& spec, const ProveOptions& options)
      : spec_(spec), options_(options), sym_(spec::encode_spec(ctx_, spec)), solver_(ctx_, solver_options(options)) {
    // The parameters each assumption mentions: a domain its own parameter, a constraint those
    // of its expression (assumptions are in spec order: domains, then constraints).
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) assumption_parameters_.push_back({i});
    for (const spec::Constraint& c : spec.constraints)
      assumption_parameters_.push_back(spec::parameters_used(*c.expr.root));
  }

  Expected<ProveReport> run() {
    const auto t0 = Clock::now();
    ProveReport rep;
    rep.spec_file = spec_.file;
    rep.spec_name = spec_.name;
    rep.paging_mode = spec_.rules.paging_mode;
    rep.parameter_count = spec_.parameters.size();
    rep.region_count = spec_.regions.size();
    Expected<ObligationResult> p01 = parameters_satisfiable(rep);
    if (!p01.ok()) return p01.error();
    rep.obligations.push_back(std::move(*p01));
    detail::Goals goals = detail::build_goals(spec_, sym_);
    for (std::size_t o = 1; o < kObligations.size(); ++o) rep.obligations.push_back(obligation(o, goals, rep));
    for (const ObligationResult& o : rep.obligations) rep.verdict = join(rep.verdict, o.status);
    rep.queries = solver_.history().size();
    rep.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return rep;
  }

 private:
  // P01, vacuity: some parameter values satisfy every assumption (its example is kept for the
  // counterexamples). Error: none do, a bad spec.
  Expected<ObligationResult> parameters_satisfiable(ProveReport& rep) {
    ObligationResult p01{info(ObligationId::kParametersSatisfiable), Status::kHolds, "", {}, 0};
    std::vector<std::size_t> all(spec_.parameters.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    std::optional<smt::Solver::Scope> vac_scope = assume(all);
    smt::CheckResult vac = bounded_check("P01.parameters-satisfiable");
    vac_scope.reset();
    p01.seconds = vac.seconds();
    GoalResult vg{"parameter space", vac.query(), Status::kHolds, std::nullopt, "", vac.seconds()};
    if (vac.is_unsat()) return empty_parameter_space(spec_, vac.unsat()->core);
    if (const smt::Model* m = vac.model()) {
      const spec::ParameterValues v = values_from(*m, sym_);
      example_ = v;
      for (std::size_t i = 0; i < v.size(); ++i) rep.example.push_back(NamedValue{spec_.parameters[i].name, v[i]});
      p01.note = v.empty() ? "the spec has no parameters" : "e.g. " + spec::format_parameters(spec_, v);
      if (auto bad = spec::violated_assumptions(spec_, v); !bad.empty())
        rep.internal_errors.push_back("the satisfying parameter values violate " + bad.front() +
                                      " on the concrete evaluator");
    } else {
      vg.status = Status::kUnknown;
      vg.unknown_reason = failure_reason(vac, rep);
    }
    p01.status = vg.status;
    p01.goals.push_back(std::move(vg));
    return p01;
  }

  // Obligation `o` (its index in kObligations): the join of its goals, those proved unbuilt
  // and those left undecided.
  ObligationResult obligation(std::size_t o, const detail::Goals& goals, ProveReport& rep) {
    ObligationResult res{kObligations[o], Status::kNotApplicable, goals.notes[o], {}, 0};
    res.apart = goals.unbuilt[o].apart;
    if (res.apart != 0) res.status = join(res.status, Status::kHolds);
    if (goals.unbuilt[o].dropped != 0) {
      res.undecided = goals.unbuilt[o].dropped;
      res.status = join(res.status, Status::kUnknown);
      res.note = std::to_string(goals.unbuilt[o].dropped) + " goal(s) not decided: the spec needs more than " +
                 std::to_string(detail::kMaxGoals) + " goals in all";
    }
    for (const Goal& g : goals.goals) {
      if (g.obligation != kObligations[o].kind) continue;
      if (const std::optional<std::string> stop = stopped()) {
        ++res.undecided;
        res.status = join(res.status, Status::kUnknown);
        res.note = std::to_string(res.undecided) + " goal(s) not decided: " + *stop;
        continue;
      }
      GoalResult gr = run_goal(g, rep);
      res.seconds += gr.seconds;
      res.status = join(res.status, gr.status);
      res.goals.push_back(std::move(gr));
    }
    return res;
  }

  // Unknown, Error or Invalid, as a reason; Error and Invalid are also internal errors.
  static std::string failure_reason(const smt::CheckResult& c, ProveReport& rep) {
    if (const auto* u = c.unknown()) return u->detail;  // names the limit: "timeout of 10000 ms reached (...)"
    std::string why = c.error() ? "solver error: " + c.error()->reason
                                : "invalid encoding: " + (c.invalid() ? c.invalid()->reason : std::string("?"));
    rep.internal_errors.push_back(c.query() + ": " + why);
    return why;
  }

  // Opens a scope asserting the assumptions that share parameters, transitively, with
  // `parameters` (the goal's cone of influence). The other assumptions mention none of the
  // parameters the goal or these assumptions constrain, and P01 showed all of them
  // satisfiable together, so leaving them out changes no answer; it keeps each query (and
  // each exported .smt2 file) down to what the goal depends on.
  std::optional<smt::Solver::Scope> assume(const std::vector<std::size_t>& parameters) {
    std::set<std::size_t> cone(parameters.begin(), parameters.end());
    // Without P01's example (its query was unknown), the other parameters would have no
    // admissible values to take in a counterexample: keep every assumption.
    if (example_.empty())
      for (std::size_t i = 0; i < spec_.parameters.size(); ++i) cone.insert(i);
    std::vector<bool> taken(sym_.assumptions.size(), false);
    for (bool grew = true; grew;) {
      grew = false;
      for (std::size_t a = 0; a < sym_.assumptions.size(); ++a) {
        if (taken[a]) continue;
        const auto& ps = assumption_parameters_[a];
        if (std::none_of(ps.begin(), ps.end(), [&](std::size_t p) { return cone.count(p) != 0; })) continue;
        taken[a] = true;
        grew = true;
        cone.insert(ps.begin(), ps.end());
      }
    }
    cone_ = cone;
    std::optional<smt::Solver::Scope> scope(solver_.push());
    for (std::size_t a = 0; a < sym_.assumptions.size(); ++a)
      if (taken[a]) solver_.add(sym_.assumptions[a].holds, sym_.assumptions[a].name);
    return scope;
  }

  bool past_deadline() const { return options_.deadline && Clock::now() >= *options_.deadline; }

  // Why no further goal is decided: the run's time limit passed, or Z3 ran out of memory (after
  // which it is asked nothing more).
  std::optional<std::string> stopped() const {
    if (past_deadline()) return time_limit_reason(options_.time_limit_s);
    if (out_of_memory_)
      return "memory limit" + (options_.limits.memory_mb != 0
                                   ? " (--memory-limit " + std::to_string(options_.limits.memory_mb) + " MiB)"
                                   : std::string());
    return std::nullopt;
  }

  // The solver's check, within the per-query limits and what is left of the run's time limit
  // (past it, the query is not run: unknown, "time limit").
  smt::CheckResult bounded_check(const std::string& query) {
    if (options_.deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*options_.deadline - Clock::now()).count();
      smt::QueryLimits limits = options_.limits;
      if (left <= 0)
        limits.timeout_ms = 1;
      else if (limits.timeout_ms == 0 || static_cast<std::uint64_t>(left) < limits.timeout_ms)
        limits.timeout_ms = static_cast<unsigned>(left);
      solver_.set_limits(limits);
    }
    if (out_of_memory_)
      return smt::CheckResult(
          query, smt::CheckResult::Unknown{smt::UnknownReason::kMemoryLimit, "not asked: Z3 ran out of memory earlier"},
          0, std::nullopt);
    smt::CheckResult c = solver_.check(query);
    if (const auto* u = c.unknown(); u && u->reason == smt::UnknownReason::kMemoryLimit) out_of_memory_ = true;
    return c;
  }

  // A model's parameter values; the parameters outside the query's cone keep the P01 example's
  // values, which satisfy their (independent) assumptions.
  spec::ParameterValues values_from_model(const smt::Model& m) const {
    spec::ParameterValues v = example_.empty() ? values_from(m, sym_) : example_;
    for (std::size_t i : cone_) v[i] = m.eval(sym_.parameters[i]).value_or(v[i]);
    return v;
  }

  std::vector<std::size_t> parameters_of(const Goal& g) const {
    std::set<std::size_t> used;
    for (std::size_t r : g.regions) {
      const spec::Region& reg = spec_.regions[r];
      std::vector<const spec::Expression*> fields{&reg.start, &reg.end};
      if (reg.array) {
        fields.insert(fields.end(), {&reg.array->count, &reg.array->size, &reg.array->guard});
        if (reg.array->stride) fields.push_back(&*reg.array->stride);
      }
      for (const spec::Expression* e : fields)
        for (std::size_t p : spec::parameters_used(*e->root)) used.insert(p);
    }
    return {used.begin(), used.end()};
  }

  GoalResult run_goal(const Goal& g, ProveReport& rep) {
    GoalResult r{g.subject, "", Status::kHolds, std::nullopt, "", 0};
    if (auto k = g.violation.as_bool(); k && !*k) return r;  // decided by evaluation: no parameter value breaks it
    const std::vector<std::size_t> used = parameters_of(g);
    std::optional<smt::Solver::Scope> scope = assume(used);
    solver_.add(g.violation, "violation of " + g.query);
    smt::CheckResult c = bounded_check(g.query);
    r.query = g.query;
    r.seconds = c.seconds();
    if (c.is_unsat()) return r;
    const smt::Model* model = c.model();
    if (!model) {
      r.status = Status::kUnknown;
      r.unknown_reason = past_deadline() && c.unknown() ? "not decided: " + time_limit_reason(options_.time_limit_s)
                                                        : failure_reason(c, rep);
      return r;
    }
    spec::ParameterValues values = values_from_model(*model);
    std::optional<bool> unique;
    if (options_.minimize) {
      const auto t = Clock::now();
      unique = minimise(g, used, values);
      r.seconds += std::chrono::duration<double>(Clock::now() - t).count();
    }
    return replay(g, used, values, unique, r, rep);
  }

  // Finds the least value of each involved parameter, in declaration order, that still breaks
  // the goal with the ones before it fixed: first its least admissible value, else a binary
  // search below the value found, to the exact minimum ("some value <= m breaks it" is monotone
  // in m, and each step halves [lo, hi]: at most 64 steps). Then asks whether other values of
  // those parameters break the goal too.
  std::optional<bool> minimise(const Goal& g, const std::vector<std::size_t>& used, spec::ParameterValues& values) {
    std::vector<smt::Solver::Scope> fixed;
    for (std::size_t p : used) {
      minimise_parameter(g, p, values);
      fixed.push_back(solver_.push());
      solver_.add(sym_.parameters[p] == values[p]);
    }
    fixed.clear();
    return unique(g, used, values);
  }

  // The least value of parameter p that still breaks the goal, into `values` (with the other
  // parameters of the model that has it).
  void minimise_parameter(const Goal& g, std::size_t p, spec::ParameterValues& values) {
    const std::string& name = spec_.parameters[p].name;
    const smt::Expr& term = sym_.parameters[p];
    auto try_bound = [&](const smt::Expr& bound, const std::string& query) {
      auto s = solver_.push();
      solver_.add(bound);
      smt::CheckResult c = bounded_check(query);
      if (const smt::Model* m = c.model()) values = values_from_model(*m);
      return c.is_sat();
    };
    const spec::Parameter& param = spec_.parameters[p];
    const std::optional<std::uint64_t> least = param.least();
    if (!param.values.empty()) {
      // A short list: try the smaller allowed values in ascending order.
      std::vector<std::uint64_t> smaller;
      for (std::uint64_t v : param.values)
        if (v < values[p] && param.admits(v)) smaller.push_back(v);
      std::sort(smaller.begin(), smaller.end());
      for (std::size_t k = 0; k < smaller.size(); ++k)
        if (try_bound(term == smaller[k], g.query + ".min." + name + "." + std::to_string(k))) break;
    } else if (least && values[p] != *least && !try_bound(term == *least, g.query + ".min." + name)) {
      std::uint64_t lo = *least + 1, hi = values[p];
      for (int step = 0; lo < hi; ++step) {
        const std::uint64_t mid = lo + (hi - lo) / 2;
        if (try_bound(term.ule(mid), g.query + ".min." + name + "." + std::to_string(step)))
          hi = values[p];
        else
          lo = mid + 1;
      }
    }
  }

  // Whether no other values of the `used` parameters break the goal; empty when the solver
  // cannot tell.
  std::optional<bool> unique(const Goal& g, const std::vector<std::size_t>& used, const spec::ParameterValues& values) {
    if (used.empty()) return true;
    auto s = solver_.push();
    smt::Expr other = ctx_.bool_val(false);
    for (std::size_t p : used) other = other || (sym_.parameters[p] != values[p]);
    solver_.add(other);
    smt::CheckResult c = bounded_check(g.query + ".unique");
    if (c.is_unsat()) return true;
    if (c.is_sat()) return false;
    return std::nullopt;
  }

  GoalResult replay(const Goal& g, const std::vector<std::size_t>& used, const spec::ParameterValues& values,
                    std::optional<bool> unique, GoalResult r, ProveReport& rep) {
    if (auto bad = spec::violated_assumptions(spec_, values); !bad.empty()) {
      rep.internal_errors.push_back(g.query + ": the counterexample's parameter values violate " + bad.front() + " (" +
                                    spec::format_parameters(spec_, values) + ")");
      r.status = Status::kUnknown;
      r.unknown_reason = "counterexample does not replay";
      return r;
    }
    detail::Replay rp{spec_, values, {}};
    for (std::size_t i = 0; i < spec_.regions.size(); ++i) rp.bounds.push_back(spec::concrete_bounds(spec_, values, i));
    std::optional<detail::Finding> f = g.replay(rp);
    if (!f) {
      rep.internal_errors.push_back(g.query +
                                    ": Z3's counterexample does not break the goal on the concrete evaluator (" +
                                    spec::format_parameters(spec_, values) + ")");
      r.status = Status::kUnknown;
      r.unknown_reason = "counterexample does not replay";
      return r;
    }
    Counterexample cx;
    cx.message = std::move(f->message);
    cx.address = f->address;
    for (std::size_t i : g.regions)
      cx.regions.push_back(PlacedRegionWitness{
          spec_.regions[i].name, spec_.regions[i].path,
          rp.bounds[i].ok
              ? std::optional<VirtRange>(VirtRange{VirtAddr(rp.bounds[i].start), VirtAddr(rp.bounds[i].last)})
              : std::nullopt});
    for (std::size_t p : used) cx.parameters.push_back(NamedValue{spec_.parameters[p].name, values[p]});
    cx.unique = unique;
    r.status = Status::kViolated;
    r.counterexample = std::move(cx);
    return r;
  }

  const spec::Spec& spec_;
  const ProveOptions& options_;
  smt::Context ctx_;
  spec::SymbolicSpec sym_;
  smt::Solver solver_;
  std::vector<std::vector<std::size_t>> assumption_parameters_;
  spec::ParameterValues example_;  // P01's satisfying values
  bool out_of_memory_ = false;     // Z3 reached the memory limit: ask it nothing more
  std::set<std::size_t> cone_;     // the parameters of the current goal's query
};

}  // namespace

Expected<ProveReport> prove(const spec::Spec& spec, const ProveOptions& options) { return Engine(spec, options).run(); }

}  // namespace ptv::check
