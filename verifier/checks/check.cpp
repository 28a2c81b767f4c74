#include "verifier/checks/check.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "verifier/checks/baseline.h"
#include "verifier/checks/domains.h"
#include "verifier/checks/physical.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/replay.h"
#include "verifier/checks/witness.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/table_frames.h"
#include "verifier/base/output_file.h"
#include "models/format.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/symbolic.h"

namespace ptv::check {

std::vector<std::size_t> vsyscall_candidates(const spec::Spec& spec) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < spec.regions.size(); ++i)
    if (spec.regions[i].kind == spec::RegionKind::kVsyscall && spec.regions[i].allowed.has(spec::Rights::kUser))
      out.push_back(i);
  return out;
}

std::optional<RawContext> raw_context(const LoadedDump& d) {
  if (!d.raw || !d.space) return std::nullopt;
  const Machine& m = d.raw->machine;
  return RawContext{m.state, d.raw->memory->reader(), m.root, d.space.get(), d.assumptions_matter};
}

std::vector<Instance> instances(const spec::Spec& spec) {
  std::vector<Instance> out;
  for (const RuleInfo& r : kRules) {
    switch (r.id) {
      case RuleId::kRegionRights:
      case RuleId::kRegionRequiredRights:
      case RuleId::kRequiredMapped:
      case RuleId::kGuardUnmapped:
      case RuleId::kPageSize:
        for (std::size_t i = 0; i < spec.regions.size(); ++i) out.push_back({r.id, i});
        break;
      default:
        out.push_back({r.id, Instance::kNoRegion});
    }
  }
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;
using ConcreteTerms = RegionTerms<std::uint64_t, bool>;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

/// "300", "0.5": a time limit as the user would write it.
std::string seconds_text(double s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

std::vector<ConcreteTerms> concrete_terms(const spec::Spec& spec, const spec::Layout& layout) {
  std::vector<ConcreteTerms> out;
  for (const spec::PlacedRegion& p : layout.regions)
    out.push_back({true, p.range.first.value(), p.range.last.value(), p.count, p.size, p.stride, p.guard,
                   spec.regions[p.index].is_array()});
  return out;
}

std::vector<SymTerms> numeral_terms(smt::Context& ctx, const std::vector<ConcreteTerms>& c) {
  std::vector<SymTerms> out;
  for (const ConcreteTerms& t : c)
    out.push_back({ctx.bool_val(t.ok), ctx.bv_val(t.start, 64), ctx.bv_val(t.last, 64), ctx.bv_val(t.count, 64),
                   ctx.bv_val(t.size, 64), ctx.bv_val(t.stride, 64), ctx.bv_val(t.guard, 64), t.is_array});
  return out;
}

enum class Query { kInference, kSearch };

/// Search queries are quantifier-free bit-vector formulas over one address: Z3's QF_BV solver
/// answers them in ~0.3 ms where its default solver spends ~5.5 ms probing which tactic to
/// build (Z3 4.8.12, measured on a trivial query). Inference queries hold quantified witness
/// constraints and tracked assertions, so they keep the default solver.
smt::SolverOptions solver_options(const CheckOptions& o, Query q) {
  smt::SolverOptions so;
  if (q == Query::kSearch) {
    so.logic = "QF_BV";
    so.unsat_cores = false;
  }
  so.limits.timeout_ms = o.timeout_ms;
  so.limits.rlimit = o.rlimit;
  so.limits.memory_mb = o.memory_limit_mb;
  so.emit_smt2_dir = o.emit_smt2_dir;
  return so;
}

std::string unknown_detail(const smt::CheckResult& r, const CheckOptions& o) {
  if (const auto* u = r.unknown()) {
    std::ostringstream os;
    os << "solver gave up (" << smt::to_string(u->reason);
    if (u->reason == smt::UnknownReason::kTimeout) os << ", --timeout " << o.timeout_ms << " ms";
    if (u->reason == smt::UnknownReason::kMemoryLimit) os << ", --memory-limit " << o.memory_limit_mb << " MiB";
    os << "): " << u->detail;
    return os.str();
  }
  if (const auto* e = r.error()) return "solver error: " + e->reason;
  if (const auto* i = r.invalid()) return "invalid query: " + i->reason;
  return "unexpected solver result";
}

std::string instance_name(const spec::Spec& spec, const Instance& inst) {
  std::string n(rule_info(inst.rule).name);
  if (inst.region != Instance::kNoRegion) n += "." + spec.regions[inst.region].name;
  return n;
}

/// The first address, at or after which the instance's region terms can change value.
std::vector<std::uint64_t> boundaries(const spec::Spec& spec, const Instance& inst, const std::vector<ConcreteTerms>& terms,
                                      std::uint64_t a) {
  std::vector<std::uint64_t> b;
  auto region = [&](std::size_t i) {
    const ConcreteTerms& t = terms[i];
    b.push_back(t.start);
    if (t.last != ~std::uint64_t{0}) b.push_back(t.last + 1);
    if (t.is_array && t.stride != 0 && a >= t.start && a <= t.last) {
      const std::uint64_t k = (a - t.start) / t.stride;
      const std::uint64_t e = t.start + k * t.stride;
      b.push_back(e);
      b.push_back(e + t.size);
      b.push_back(e + t.size + t.guard);
      b.push_back(e + t.stride);
    }
  };
  switch (inst.rule) {
    case RuleId::kNullGuard: b.push_back(spec.rules.null_guard); break;
    case RuleId::kUserKernelSplit:
      for (std::size_t v : vsyscall_candidates(spec))
        for (std::size_t c = 0; c < terms.size(); ++c)
          if (spec.is_ancestor_or_self(v, c)) region(c);
      break;
    case RuleId::kPageTableExposure:
      for (std::size_t i = 0; i < spec.regions.size(); ++i)
        if (spec.regions[i].maps_page_tables)
          for (std::size_t c = 0; c < terms.size(); ++c)
            if (spec.is_ancestor_or_self(i, c)) region(c);
      break;
    case RuleId::kOutsideRegions:
      for (std::size_t i = 0; i < terms.size(); ++i) region(i);
      break;
    default:
      if (inst.region != Instance::kNoRegion)
        for (std::size_t c = 0; c < terms.size(); ++c)
          if (spec.is_ancestor_or_self(inst.region, c)) region(c);
  }
  return b;
}

/// What of a class decides a rule the same way: everything, but whether the frame holds a page
/// table matters only to page-table-exposure.
AttrClass rule_view(RuleId rule, AttrClass c) {
  if (rule != RuleId::kPageTableExposure) c.page_table_frame = Tri::kNo;
  return c;
}

VirtRange maximal_range(const AddressTrie& trie, const spec::Spec& spec, const Instance& inst,
                        const std::vector<ConcreteTerms>& terms, VirtAddr a) {
  const AttrClass here = rule_view(inst.rule, trie.classes()[trie.lookup(a)]);
  VirtRange r = trie.class_range(a, [&](const AttrClass& c) { return rule_view(inst.rule, c) == here; });
  for (std::uint64_t x : boundaries(spec, inst, terms, a.value())) {
    if (x <= a.value() && x > r.first.value()) r.first = VirtAddr(x);
    if (x > a.value() && x - 1 < r.last.value()) r.last = VirtAddr(x - 1);
  }
  return r;
}

struct InternalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The whole run reached its --time-limit, or its memory limit in the solver: what is decided
/// so far stands, the rest is unknown. After Z3 ran out of memory no further query is asked.
struct LimitReached {
  std::string what;  ///< "time limit (--time-limit 300 s)"
};

/// Checks `s` within both the per-query timeout and what is left of the run's time limit.
/// Throws LimitReached when no time is left, or when the query stopped on the run's limits.
smt::CheckResult check_within_limits(smt::Solver& s, const std::string& name, const CheckOptions& o) {
  const auto time_limit = [&] { return LimitReached{"time limit (--time-limit " + seconds_text(o.time_limit_s) + " s)"}; };
  if (o.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*o.deadline - Clock::now()).count();
    if (left <= 0) throw time_limit();
    smt::QueryLimits limits = s.limits();
    if (limits.timeout_ms == 0 || static_cast<std::uint64_t>(left) < limits.timeout_ms)
      limits.timeout_ms = static_cast<unsigned>(left);
    s.set_limits(limits);
  }
  smt::CheckResult r = s.check(name);
  if (!r.is_sat() && !r.is_unsat() && o.deadline && Clock::now() >= *o.deadline) throw time_limit();
  if (const auto* u = r.unknown(); u && u->reason == smt::UnknownReason::kMemoryLimit)
    throw LimitReached{"memory limit (" + (o.memory_limit_mb != 0 ? "--memory-limit " + std::to_string(o.memory_limit_mb) + " MiB"
                                                                   : std::string("the machine's memory")) + ")"};
  return r;
}

class Checker {
 public:
  Checker(const MappingSet& m, const spec::Spec& s, const RawContext* raw, const CheckOptions& o, const AddressTrie& t)
      : m_(m), spec_(s), raw_(raw), opts_(o), trie_(t) {}

  /// Parameter inference (see check.h). Returns the values to check with.
  ///
  /// Each witness (an interval of constant class that broke a rule under some candidate) becomes
  /// a constraint "no address of it breaks a rule". While they are satisfiable together, any
  /// model is the next candidate. When they are not, no admissible parameter values let the dump
  /// satisfy the spec (the unsat core proves it), and the candidate becomes values that satisfy
  /// as many witnesses as possible (a maximum found by asking for at least K of them, K falling
  /// from the last maximum plus one): the violations reported are then those that no choice of
  /// parameters avoids, plus as few others as the witnesses allow.
  std::optional<spec::ParameterValues> infer(CheckResult& out, std::string& bad_input) {
    if (spec_.parameters.empty()) return spec::ParameterValues{};
    for (const auto& [name, value] : opts_.fixed_parameters) {
      if (!spec_.find_parameter(name)) {
        bad_input = spec_.file + ": --param " + name + ": the spec has no such parameter";
        return std::nullopt;
      }
    }
    // Every parameter pinned (by --param, or a domain of one value): nothing to infer.
    {
      spec::ParameterValues pinned;
      for (const spec::Parameter& p : spec_.parameters) {
        if (auto it = opts_.fixed_parameters.find(p.name); it != opts_.fixed_parameters.end()) {
          pinned.push_back(it->second);
          continue;
        }
        const std::optional<std::uint64_t> least = p.least();
        const bool single = least && (p.values.empty() ? *least + p.align > p.max || *least + p.align < *least
                                                       : std::count_if(p.values.begin(), p.values.end(),
                                                                       [&](std::uint64_t v) { return p.admits(v); }) == 1);
        if (!single) break;
        pinned.push_back(*least);
      }
      if (pinned.size() == spec_.parameters.size()) {
        if (spec::evaluate_layout(spec_, pinned).ok()) {
          pinned_ = true;
          return pinned;
        }
        bad_input = spec_.file + ": no parameter values satisfy the spec's constraints" +
                    (opts_.fixed_parameters.empty() ? std::string() : " together with --param");
        return std::nullopt;
      }
    }
    smt::Context pctx;
    const spec::SymbolicSpec sym = spec::encode_spec(pctx, spec_);
    const std::vector<SymTerms> sym_terms = symbolic_terms(spec_, sym);
    const std::vector<Instance> insts = decidable_instances();
    struct Witness {
      VirtRange range;
      smt::Expr constraint;
      smt::Expr kept;  ///< Boolean: the candidate satisfies this witness (max-satisfy mode)
      bool violated = false;  ///< by the current candidate: its interval is an accepted violation
    };
    std::vector<Witness> witnesses;
    std::vector<smt::Expr> excluded;  // candidates whose layout is ill-defined
    std::optional<spec::ParameterValues> candidate;
    bool max_mode = false;  // the witnesses are not satisfiable together
    std::size_t best = 0;   // max-satisfy mode: witnesses the last candidate satisfies
    std::size_t max_rounds = 0;  // rounds in max-satisfy mode
    constexpr std::size_t kMaxSatisfyRounds = 16;

    auto base = [&](smt::Solver& p) {
      for (const auto& as : sym.assumptions) p.add(as.holds, as.name);
      for (const auto& [name, value] : opts_.fixed_parameters)
        p.add(sym.parameters[*spec_.find_parameter(name)] == pctx.bv_val(value, 64), "param." + name);
      // Only parameter values that place every region are candidates.
      for (std::size_t i = 0; i < sym_terms.size(); ++i) p.add(sym_terms[i].ok, "placed." + spec_.regions[i].name);
      for (const smt::Expr& e : excluded) p.add(e);
    };
    auto unknown = [&](const smt::CheckResult& r) {
      out.notes.push_back("parameter inference: " + unknown_detail(r, opts_));
      inference_unknown_ = true;
    };

    for (std::size_t round = 0; round < opts_.max_inference_rounds; ++round) {
      if (opts_.progress)
        opts_.progress("check: inferring " + std::to_string(spec_.parameters.size()) + " parameters, round " +
                       std::to_string(round + 1));
      std::optional<smt::CheckResult> found;
      bool entered = false;
      if (!max_mode) {
        smt::Solver p(pctx, solver_options(opts_, Query::kInference));
        base(p);
        for (std::size_t k = 0; k < witnesses.size(); ++k) p.add(witnesses[k].constraint, "witness." + std::to_string(k));
        smt::CheckResult r = bounded(p, "infer-parameters-" + std::to_string(round));
        ++out.queries;
        if (r.is_unsat()) {
          bool witness_in_core = false;
          for (const std::string& name : r.unsat()->core) witness_in_core = witness_in_core || name.rfind("witness.", 0) == 0;
          if (!witness_in_core) {
            if (!candidate) {
              bad_input = spec_.file + ": no parameter values satisfy the spec's constraints" +
                          (opts_.fixed_parameters.empty() ? std::string() : " together with --param");
              return std::nullopt;
            }
            break;
          }
          max_mode = entered = true;
          best = witnesses.size() - 1;  // all of them are unsat together
          out.parameters_admissible = false;
        } else if (!r.is_sat()) {
          unknown(r);
          return candidate;
        } else {
          found = std::move(r);
        }
      }
      if (max_mode) {
        // At least K witnesses satisfied, K from best + 1 down: the maximum rarely moves by more
        // than one per round.
        smt::Expr count = pctx.bv_val(0, 32);
        for (const Witness& w : witnesses) count = count + ite(w.kept, pctx.bv_val(1, 32), pctx.bv_val(0, 32));
        const std::size_t from = entered ? best : std::min(best + 1, witnesses.size());
        for (std::size_t k = from;; --k) {
          smt::Solver p(pctx, solver_options(opts_, Query::kInference));
          base(p);
          for (const Witness& w : witnesses) p.add(w.kept.implies(w.constraint));
          p.add(count.uge(pctx.bv_val(k, 32)));
          smt::CheckResult r = bounded(p, "infer-parameters-" + std::to_string(round) + "-at-least-" + std::to_string(k));
          ++out.queries;
          if (r.is_sat()) {
            best = k;
            found = std::move(r);
            break;
          }
          if (!r.is_unsat()) {
            unknown(r);
            return candidate;
          }
          if (k == 0) break;  // unreachable: the assumptions alone are satisfiable
        }
        if (!found) break;
      }
      const smt::Model& model = *found->model();
      spec::ParameterValues values;
      for (const smt::Expr& t : sym.parameters) values.push_back(model.eval(t).value_or(0));
      for (Witness& w : witnesses) w.violated = max_mode && !model.eval_bool(w.kept).value_or(false);
      const auto layout = spec::evaluate_layout(spec_, values);
      if (!layout.ok()) {
        smt::Expr same = pctx.bool_val(true);
        for (std::size_t i = 0; i < values.size(); ++i) same = same && (sym.parameters[i] == pctx.bv_val(values[i], 64));
        excluded.push_back(!same);
        continue;
      }
      candidate = values;
      // Does some address (outside the witnesses this candidate violates) break some rule?
      smt::Context ctx;
      smt::TrieEncoding enc(ctx, trie_);
      const smt::Expr a = ctx.bv_const("va", 64);
      const smt::Expr cls = enc.class_of(a);
      SearchDomain d{{&ctx}, &enc};
      const auto terms = numeral_terms(ctx, concrete_terms(spec_, *layout));
      smt::Expr any = ctx.bool_val(false);
      for (const Instance& inst : insts) any = any || violates(d, spec_, inst, a, cls, terms, Strength::kMust);
      smt::Solver s(ctx, solver_options(opts_, Query::kSearch));
      s.add(enc.canonical(a));
      s.add(any);
      for (const Witness& w : witnesses)
        if (w.violated) s.add(!(a.uge(w.range.first.value()) && a.ule(w.range.last.value())));
      const smt::CheckResult v = bounded(s, "infer-search-" + std::to_string(round));
      ++out.queries;
      if (v.is_unsat()) {
        if (max_mode) {
          std::size_t violated = 0;
          for (const Witness& w : witnesses) violated += w.violated ? 1 : 0;
          out.notes.push_back("no admissible parameter values let this dump satisfy the spec (an unsat core over " +
                              std::to_string(witnesses.size()) + " violating interval(s) proves it); the values shown "
                              "satisfy all but " + std::to_string(violated) + " of them, the most any values do");
        }
        return values;
      }
      if (!v.is_sat()) {
        unknown(v);
        return values;
      }
      // No admissible values satisfy the spec (proved on entering max-satisfy mode), so the
      // verdict is settled; what more rounds buy is only a smaller list of violations, and each
      // costs a query over every witness so far. A bounded number of them, then these values.
      if (max_mode && ++max_rounds > kMaxSatisfyRounds) {
        std::size_t violated = 0;
        for (const Witness& w : witnesses) violated += w.violated ? 1 : 0;
        out.notes.push_back("no admissible parameter values let this dump satisfy the spec (an unsat core over " +
                            std::to_string(witnesses.size()) + " violating interval(s) proves it); the values shown "
                            "satisfy all but " + std::to_string(violated) + " of them, the most any values do, and "
                            "the search for better values stopped after " + std::to_string(kMaxSatisfyRounds) +
                            " rounds: other values may avoid some of the violations listed");
        return values;
      }
      // The witness generalises to its whole interval of constant class: no parameter value may
      // make any address of it break a rule (a bounded quantifier over one address variable).
      const VirtAddr w(v.model()->eval(a).value_or(0));
      const AttrClass wc = class_at(m_, w);
      const VirtRange same = trie_.class_range(w);
      const std::string name = "witness" + std::to_string(witnesses.size());
      witnesses.push_back({same, witness_constraint(pctx, spec_, insts, same, wc, sym_terms, name),
                           pctx.bool_const("keep." + name), false});
    }
    out.notes.push_back("parameter inference stopped after " + std::to_string(opts_.max_inference_rounds) +
                        " rounds; the last candidate is used");
    inference_unknown_ = true;
    return candidate;
  }

  void search(CheckResult& out, const spec::Layout& layout) {
    const std::vector<ConcreteTerms> cterms = concrete_terms(spec_, layout);
    smt::Context ctx;
    smt::TrieEncoding enc(ctx, trie_);
    const smt::Expr a = ctx.bv_const("va", 64);
    const smt::Expr cls = enc.class_of(a);
    out.formula_nodes = enc.ite_count();
    SearchDomain d{{&ctx}, &enc};
    const auto terms = numeral_terms(ctx, cterms);
    ConcreteDomain cd;
    bool complete = true;
    const std::vector<Instance> insts = decidable_instances();
    for (const Instance& inst : insts) ++searched_[static_cast<std::size_t>(inst.rule)];

    // One query first: no address breaks any instance. On a dump that holds (the common case
    // in CI) this is the whole search; otherwise each instance is searched on its own below.
    {
      smt::Expr any = ctx.bool_val(false);
      for (const Instance& inst : insts) any = any || violates(d, spec_, inst, a, cls, terms, Strength::kMay);
      if (opts_.progress) opts_.progress("check: every rule at once");
      smt::Solver s(ctx, solver_options(opts_, Query::kSearch));
      s.add(enc.canonical(a));
      s.add(any);
      const smt::CheckResult r = bounded(s, "all-rules");
      ++out.queries;
      if (r.is_unsat()) {
        out.complete = true;
        std::fill(searched_.begin(), searched_.end(), 0);
        return;
      }
    }

    for (const Instance& inst : insts) {
      RuleResult& rr = rule(out, inst.rule);
      const auto t0 = Clock::now();
      if (opts_.progress) opts_.progress("check: " + instance_name(spec_, inst) + ", " + std::to_string(out.violations.size()) + " violations so far");
      const smt::Expr pred = violates(d, spec_, inst, a, cls, terms, Strength::kMay);
      if (pred.as_bool() == std::optional<bool>(false)) {  // no address can break it
        --searched_[static_cast<std::size_t>(inst.rule)];
        continue;
      }
      // The search asks for addresses that may break the instance until the first one the dump
      // cannot settle; that makes the instance unknown once, and from then on only definite
      // violations are asked for. The number of queries is then bounded by the violations
      // listed, not by how many pieces of unknown the dump has.
      std::vector<VirtRange> excluded;
      auto make_solver = [&](Strength strength) {
        auto solver = std::make_unique<smt::Solver>(ctx, solver_options(opts_, Query::kSearch));
        solver->add(enc.canonical(a));
        solver->add(strength == Strength::kMay ? pred : violates(d, spec_, inst, a, cls, terms, Strength::kMust));
        for (const VirtRange& x : excluded) solver->add(!(a.uge(x.first.value()) && a.ule(x.last.value())));
        return solver;
      };
      std::unique_ptr<smt::Solver> s = make_solver(Strength::kMay);
      bool only_definite = false;
      const std::string name = instance_name(spec_, inst);
      for (std::size_t round = 0;; ++round) {
        const smt::CheckResult r = bounded(*s, name + "-" + std::to_string(round));
        ++out.queries;
        if (r.is_unsat()) break;
        if (!r.is_sat()) {
          mark_unknown(rr, unknown_detail(r, opts_) + " while searching " + name);
          complete = false;
          break;
        }
        const VirtAddr w(r.model()->eval(a).value_or(0));
        const AttrClass set_class = class_at(m_, w);
        const AttrClass trie_class = trie_.classes()[trie_.lookup(w)];
        if (!(set_class == trie_class))
          throw InternalError("the trie gives " + hex16(w.value()) + " the class '" + to_string(trie_class) +
                              "' but the mapping set says '" + to_string(set_class) + "'");
        if (!violates(cd, spec_, inst, w.value(), set_class, cterms, Strength::kMay))
          throw InternalError("the solver's counterexample " + hex16(w.value()) + " for " + name +
                              " does not replay on the mapping set (class '" + to_string(set_class) + "')");
        const VirtRange range = maximal_range(trie_, spec_, inst, cterms, w);
        const bool definite = violates(cd, spec_, inst, w.value(), set_class, cterms, Strength::kMust);
        // With the list full, the rule is still told apart (violated, or unknown where the dump
        // cannot tell) from the first model beyond the cap, and its search stops: a capped
        // search is never a proof.
        const bool full = out.violations.size() >= opts_.max_violations;
        if (definite) {
          if (!full) out.violations.push_back(make_violation(inst, w, range, set_class));
          rr.status = Status::kViolated;
          ++rr.violations;
        } else {
          std::ostringstream os;
          os << "cannot tell at " << hex16(range.first.value()) << '-' << hex_end(range) << " ("
             << to_string(set_class) << ")";
          mark_unknown(rr, os.str());
        }
        if (full) {
          complete = false;
          if (rr.status == Status::kViolated)
            rr.detail = "the violation list is full (--max-violations " + std::to_string(opts_.max_violations) +
                        "): at least " + std::to_string(rr.violations) + " violation(s), not all listed";
          break;
        }
        excluded.push_back(range);
        if (!definite && !only_definite) {
          only_definite = true;
          s = make_solver(Strength::kMust);
        } else {
          s->add(!(a.uge(range.first.value()) && a.ule(range.last.value())));
        }
      }
      rr.seconds += since(t0);
      --searched_[static_cast<std::size_t>(inst.rule)];
    }
    out.complete = complete;
  }

  bool inference_unknown() const { return inference_unknown_; }
  /// Whether the search of every instance of the rule finished (proved, or stopped by the cap or
  /// by the solver); the others were cut short by the time limit.
  bool searched(RuleId id) const { return searched_[static_cast<std::size_t>(id)] == 0; }
  /// The parameters had one admissible value each: inference did not run.
  bool pinned() const { return pinned_; }

  /// The instances the address search decides: all, less those of rules that need raw memory
  /// when there is none (check_physical marks them not applicable).
  std::vector<Instance> decidable_instances() const {
    std::vector<Instance> out;
    for (const Instance& i : instances(spec_))
      if (raw_ || !rule_info(i.rule).raw_only) out.push_back(i);
    return out;
  }

  static RuleResult& rule(CheckResult& out, RuleId id) { return out.rules[static_cast<std::size_t>(id)]; }
  static void mark_unknown(RuleResult& rr, const std::string& why) {
    if (rr.status != Status::kViolated) rr.status = Status::kUnknown;
    if (rr.detail.empty()) rr.detail = why;
    else if (rr.detail.size() < 400) rr.detail += "; " + why;
  }

 private:
  Violation make_violation(const Instance& inst, VirtAddr w, const VirtRange& range, const AttrClass& c) {
    Violation v;
    v.rule = inst.rule;
    if (inst.region != Instance::kNoRegion) v.region = spec_.regions[inst.region].name;
    v.address = w;
    v.range = range;
    v.rights = to_string(c);
    v.message = describe_violation(spec_, inst, c);
    if (raw_) v.walk = replay_walk(*raw_, m_, inst.rule, w);  // throws InternalError-like on mismatch
    return v;
  }

  const MappingSet& m_;
  const spec::Spec& spec_;
  const RawContext* raw_;
  const CheckOptions& opts_;
  const AddressTrie& trie_;
  bool inference_unknown_ = false;
  bool pinned_ = false;
  /// Per rule: its instances whose search has not finished.
  std::vector<std::size_t> searched_ = std::vector<std::size_t>(kRules.size(), 0);

  smt::CheckResult bounded(smt::Solver& s, const std::string& name) const { return check_within_limits(s, name, opts_); }
};

}  // namespace

CheckOutcome run_check(const MappingSet& given, const spec::Spec& spec, const RawContext* raw, const CheckOptions& opts) {
  const auto t0 = Clock::now();
  CheckOutcome outcome;
  // page-table-exposure reads which pages map a table frame: a raw walk's set not yet marked
  // (load_dump marks it when asked) is marked here, on a copy.
  std::optional<MappingSet> marked;
  if (raw && raw->space && std::any_of(given.runs.begin(), given.runs.end(), [](const Run& r) {
        return r.page_table_frame == Tri::kUnknown;
      })) {
    marked = given;
    mark_table_frames(*marked, *raw->space, raw->state, raw->reader, raw->root.value_or(raw->state.root_table()));
  }
  const MappingSet& m = marked ? *marked : given;
  if (spec.rules.paging_mode != m.mode) {
    outcome.bad_input = spec.file + " is a spec for " + std::string(to_string(spec.rules.paging_mode)) + " paging, but " +
                        m.source + " is a " + std::string(to_string(m.mode)) + " dump";
    return outcome;
  }
  const auto trie = AddressTrie::build(m);
  if (!trie.ok()) {
    outcome.bad_input = trie.error().message;
    return outcome;
  }
  if (opts.emit_smt2_dir) {
    if (auto err = smt::make_emit_smt2_dir(*opts.emit_smt2_dir)) {
      outcome.bad_input = err->message;
      return outcome;
    }
  }
  CheckResult out;
  out.dump = m.source;
  out.dump_format = m.format_shown();
  out.spec = spec.file;
  out.mode = std::string(to_string(m.mode));
  for (const RuleInfo& r : kRules) out.rules.push_back(RuleResult{r.id, Status::kHolds, {}, 0, 0, {}});
  for (const std::string& n : m.notes) out.notes.push_back(n);
  out.facts = m.facts;
  for (RuleResult& r : out.rules)
    for (FactId id : rule_facts(r.rule))
      if (find_fact(m.facts, id)) r.uses.push_back(id);

  try {
    Checker checker(m, spec, raw, opts, *trie);
    std::string bad;
    // Where a run limit stopped the run: nothing decided, or the address search partly.
    enum class Stopped { kNo, kInference, kSearch } stopped = Stopped::kNo;
    std::string limit;
    std::optional<spec::ParameterValues> values;
    try {
      values = checker.infer(out, bad);
    } catch (const LimitReached& e) {
      stopped = Stopped::kInference;
      limit = e.what;
    }
    if (!bad.empty()) {
      outcome.bad_input = bad;
      return outcome;
    }
    if (stopped == Stopped::kNo && !values) {
      for (RuleResult& r : out.rules) Checker::mark_unknown(r, "parameter inference did not finish");
    } else if (stopped == Stopped::kNo) {
      for (std::size_t i = 0; i < values->size(); ++i) out.parameters.push_back({spec.parameters[i].name, (*values)[i]});
      const auto layout = spec::evaluate_layout(spec, *values);
      if (!layout.ok()) {
        outcome.internal_error = "parameter values chosen by the solver do not place every region: " + layout.error().message;
        return outcome;
      }
      try {
        checker.search(out, *layout);
      } catch (const LimitReached& e) {
        stopped = Stopped::kSearch;
        limit = e.what;
      }
      // Pinned parameters were not searched: they are admissible when the rules that depend on
      // the layout hold under them.
      if (checker.pinned())
        for (const Violation& v : out.violations)
          if (v.rule != RuleId::kCanonical && v.rule != RuleId::kRecursiveSlot && v.rule != RuleId::kConflictingAliases)
            out.parameters_admissible = false;
      // The physical rules are decided by one pass over the leaf entries, bounded by the dump's
      // size; past the time limit they are left undecided like the rest.
      if (stopped == Stopped::kNo || !raw) check_physical(out, m, spec, *layout, raw, opts.max_violations);
      if (checker.inference_unknown())
        for (RuleResult& r : out.rules)
          if (r.status == Status::kHolds) Checker::mark_unknown(r, "holds for the candidate parameters only");
    }
    if (stopped != Stopped::kNo) {
      out.complete = false;
      out.limit_reached = limit;
      const std::string why = "not decided: " + limit;
      out.notes.push_back("the run reached its " + limit + " " +
                          (stopped == Stopped::kInference ? "while inferring the parameters" : "while searching") +
                          ": the rules not decided by then are unknown");
      for (RuleResult& r : out.rules) {
        const bool physical = r.rule == RuleId::kCanonical || r.rule == RuleId::kRecursiveSlot ||
                              r.rule == RuleId::kConflictingAliases;
        const bool decided = stopped == Stopped::kSearch && checker.searched(r.rule) && (!physical || !raw);
        if (decided || r.status == Status::kNotApplicable) continue;
        if (r.status == Status::kViolated)
          r.detail += (r.detail.empty() ? "" : "; ") + std::string("search stopped by the " + limit + ": at least ") +
                      std::to_string(r.violations) + " violation(s)";
        else
          Checker::mark_unknown(r, why);
      }
    }
  } catch (const InternalError& e) {
    outcome.internal_error = e.what();
    return outcome;
  } catch (const ReplayMismatch& e) {
    outcome.internal_error = e.what();
    return outcome;
  }
  std::sort(out.violations.begin(), out.violations.end(),
            [](const Violation& a, const Violation& b) { return a.range.first < b.range.first; });
  for (Violation& v : out.violations) v.fingerprint = make_fingerprint(v);
  // Facts whose other values the mapping set does not carry as unknowns: the paging mode the
  // walk needed one of. A rule that would hold on it is unknown unless the user states it.
  for (const Fact& f : m.facts) {
    if (f.source != FactSource::kAssumed || !f.matters || f.id != FactId::kPagingMode) continue;
    for (RuleResult& r : out.rules)
      if (r.status == Status::kHolds && std::find(r.uses.begin(), r.uses.end(), f.id) != r.uses.end())
        Checker::mark_unknown(r, "holds only if " + std::string(fact_name(f.id)) + " is " + f.value + " (assumed: " +
                                     f.origin + ")");
  }
  for (RuleResult& r : out.rules)
    if (r.status == Status::kHolds && r.detail.empty()) r.detail = "proved for every address";
  out.seconds = since(t0);
  outcome.result = std::move(out);
  return outcome;
}

}  // namespace ptv::check
