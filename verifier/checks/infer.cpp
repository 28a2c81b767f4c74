#include "verifier/checks/infer.h"

#include <algorithm>

#include "verifier/checks/domains.h"
#include "verifier/checks/seed.h"
#include "verifier/checks/sweep.h"
#include "verifier/smt/trie_encoding.h"
#include "verifier/spec/symbolic.h"

namespace ptv::check::detail {

namespace {

constexpr std::size_t kMaxSatisfyRounds = 4;
/// Stretches of breaking addresses counted to rank candidates (more count as this many).
constexpr std::size_t kRankStretches = 64;
/// Point witnesses: the stretches of breaking addresses one probe turns into witnesses, and the
/// rounds before the search widens them to intervals.
constexpr std::size_t kStretchesPerRound = 8;
constexpr std::size_t kMaxPointRounds = 8;
/// Intervals of constant class asked about before a candidate's breaks are taken for avoidable.
constexpr std::size_t kMaxUnavoidableIntervals = 16;
/// Rounds that ask for the guess from the runs.
constexpr std::size_t kHintRounds = 2;

/// The values when every parameter is pinned (by --param, or a domain of one value); empty
/// when some parameter has more than one admissible value.
std::optional<spec::ParameterValues> pinned_values(const spec::Spec& spec, const CheckOptions& o) {
  spec::ParameterValues pinned;
  for (const spec::Parameter& p : spec.parameters) {
    if (auto it = o.fixed_parameters.find(p.name); it != o.fixed_parameters.end()) {
      pinned.push_back(it->second);
      continue;
    }
    const std::optional<std::uint64_t> least = p.least();
    const bool single = least && (p.values.empty() ? *least + p.align > p.max || *least + p.align < *least
                                                   : std::count_if(p.values.begin(), p.values.end(),
                                                                   [&](std::uint64_t v) { return p.admits(v); }) == 1);
    if (!single) return std::nullopt;
    pinned.push_back(*least);
  }
  return pinned;
}

}  // namespace

/// The counterexample-guided search's state across rounds.
struct ParameterInference::State {
  struct Witness {
    enum class Kind { kInterval, kPoint, kPhysical } kind;
    VirtRange range;
    smt::Expr constraint;
    smt::Expr kept;         ///< Boolean: the candidate satisfies this witness (max-satisfy mode)
    bool violated = false;  ///< by the current candidate: its interval is an accepted violation
  };

  explicit State(const CheckInputs& in)
      : sym(spec::encode_spec(pctx, in.spec)),
        sym_terms(symbolic_terms(in.spec, sym)),
        insts(decidable_instances(in.spec, in.raw)) {}

  smt::Context pctx;
  const spec::SymbolicSpec sym;
  const std::vector<SymTerms> sym_terms;
  const std::vector<Instance> insts;
  std::vector<Witness> witnesses;
  std::vector<smt::Expr> excluded;  ///< candidates whose layout is ill-defined
  std::vector<smt::Expr> hints;     ///< the first rounds: the guess from the runs (seed.h)
  std::optional<spec::ParameterValues> candidate;
  bool points = true;  ///< new address witnesses are points, not intervals
  std::size_t point_rounds = 0;
  bool max_mode = false;       ///< the witnesses are not satisfiable together
  std::size_t best = 0;        ///< max-satisfy mode: witnesses the last candidate satisfies
  std::size_t max_rounds = 0;  ///< rounds in max-satisfy mode

  [[nodiscard]] std::size_t violated() const {
    return static_cast<std::size_t>(
        std::count_if(witnesses.begin(), witnesses.end(), [](const Witness& w) { return w.violated; }));
  }
};

/// The next candidate, or why there is none.
struct ParameterInference::Next {
  enum class Kind {
    kFound,      ///< `values`
    kExhausted,  ///< no candidate beyond those tried
    kUnknown,    ///< the solver gave up (noted)
    kNoValues,   ///< no parameter values satisfy the spec's constraints at all
  } kind;
  spec::ParameterValues values;
  std::optional<smt::CheckResult> model;  ///< max_satisfying: the query that found them
};

/// Whether some address breaks some rule under a candidate.
struct ParameterInference::Probe {
  enum class Kind { kNone, kUnknown, kFound, kPhysical } kind;
  VirtAddr address;                       ///< kFound: one such address
  std::vector<VirtRange> stretches = {};  ///< kFound by the sweep: where addresses break
  bool every_stretch = false;             ///< `stretches` holds them all
  std::size_t count = 0;                  ///< by the sweep: stretches outside the skipped ranges, up to kRankStretches
  std::optional<PhysicalBreak> physical = std::nullopt;  ///< kPhysical: pages off a region's physical layout
};

BadInput ParameterInference::no_values() const {
  return BadInput{in_.spec.file + ": no parameter values satisfy the spec's constraints" +
                  (in_.options.fixed_parameters.empty() ? std::string() : " together with --param")};
}

void ParameterInference::unknown(const smt::CheckResult& r) {
  if (explaining_) {
    notes_.push_back("--explain-params: " + *explaining_ + ": " + unknown_detail(r, in_.options));
    return;
  }
  notes_.push_back("parameter inference: " + unknown_detail(r, in_.options));
  partial_ = true;
}

std::variant<Inferred, BadInput> ParameterInference::run() {
  const spec::Spec& spec = in_.spec;
  if (spec.parameters.empty()) return Inferred{spec::ParameterValues{}};
  for (const auto& [name, value] : in_.options.fixed_parameters)
    if (!spec.find_parameter(name))
      return BadInput{spec.file + ": --param " + name + ": the spec has no such parameter"};
  if (std::optional<spec::ParameterValues> pinned = pinned_values(spec, in_.options)) {
    if (!spec::evaluate_layout(spec, *pinned).ok()) return no_values();
    return Inferred{std::move(*pinned), false, true};
  }
  return search();
}

std::variant<Inferred, BadInput> ParameterInference::search() {
  State st(in_);
  std::optional<std::pair<spec::ParameterValues, std::size_t>> best;  ///< values, stretches breaking
  if (in_.options.sweep) seed(st);
  for (std::size_t round = 0; round < in_.options.max_inference_rounds; ++round) {
    if (in_.options.progress)
      in_.options.progress("check: inferring " + std::to_string(in_.spec.parameters.size()) + " parameters, round " +
                           std::to_string(round + 1));
    Next next = next_candidate(st, round);
    if (next.kind == Next::Kind::kNoValues) return no_values();
    if (next.kind == Next::Kind::kUnknown) return Inferred{st.candidate, partial_};
    if (next.kind == Next::Kind::kExhausted) break;
    const std::optional<spec::Layout> layout = evaluate(st, next.values);
    if (!layout) continue;
    st.candidate = next.values;
    const Probe p = probe(st, *layout, "infer-search-" + std::to_string(round));
    if (p.kind == Probe::Kind::kNone) {
      if (st.max_mode) notes_.push_back(max_satisfy_note(st));
      Inferred found{next.values, partial_};
      if (in_.options.explain_parameters && !st.max_mode) found.ranges = explain(st, next.values);
      return found;
    }
    if (p.kind == Probe::Kind::kUnknown) return Inferred{std::move(next.values), partial_};
    // Breaks that no values avoid: the candidate is as good as any (often the guess from the
    // runs, on a dump with a fault).
    if (p.kind == Probe::Kind::kFound && p.every_stretch && unavoidable(st, p.stretches, round) &&
        !find_physical_break(in_, *layout, p.stretches)) {
      admissible_ = false;
      notes_.push_back("no admissible parameter values let this dump satisfy the spec: every address of " +
                       std::to_string(p.stretches.size()) +
                       " stretch(es) breaks a rule whatever the values (each proved by the solver); the values "
                       "shown break no other address");
      return Inferred{std::move(next.values), partial_};
    }
    // No admissible values satisfy the spec (proved on entering max-satisfy mode), so the
    // verdict is settled; what more rounds buy is only a smaller list of violations, and each
    // costs a query over every witness so far. A bounded number of them, then these values.
    // The candidates tried are ranked by the stretches of addresses that break under them
    // (the pass's count, every address, up to kRankStretches): the one the search ends with
    // when it stops is the best of them.
    if (p.kind == Probe::Kind::kFound) {
      std::size_t count = p.count;
      if (st.max_mode)
        if (Sweep sweep(in_, *layout); sweep.decides())
          count = sweep.break_stretches(st.insts, Strength::kMust, {}, kRankStretches).size();
      if (count != 0 && (!best || count < best->second)) best.emplace(next.values, count);
    }
    if (st.max_mode && ++st.max_rounds > kMaxSatisfyRounds) {
      notes_.push_back("no admissible parameter values let this dump satisfy the spec (an unsat core over " +
                       std::to_string(st.witnesses.size()) +
                       " violating interval(s) proves it); the search for the values that avoid the most violations "
                       "stopped after " +
                       std::to_string(kMaxSatisfyRounds) +
                       " rounds, and the values shown are those of the candidates tried under which the fewest "
                       "stretches of addresses break a rule: other values may avoid some of the violations listed");
      return Inferred{best ? best->first : std::move(next.values), partial_};
    }
    if (p.kind == Probe::Kind::kPhysical) {
      add_physical_witness(st, *p.physical);
    } else if (st.points) {
      if (p.stretches.empty()) add_point_witness(st, p.address);
      for (const VirtRange& r : p.stretches) add_point_witness(st, r.first);
      if (++st.point_rounds >= kMaxPointRounds) widen(st, {});
    } else {
      add_witness(st, p.address);
    }
  }
  notes_.push_back("parameter inference stopped after " + std::to_string(in_.options.max_inference_rounds) +
                   " rounds; the last candidate is used");
  partial_ = true;
  return Inferred{st.candidate, partial_};
}

std::string ParameterInference::max_satisfy_note(const State& st) const {
  return "no admissible parameter values let this dump satisfy the spec (an unsat core over " +
         std::to_string(st.witnesses.size()) + " violating interval(s) proves it); the values shown satisfy all but " +
         std::to_string(st.violated()) + " of them, the most any values do";
}

void ParameterInference::base(State& st, smt::Solver& p) const {
  for (const auto& as : st.sym.assumptions) p.add(as.holds, as.name);
  for (const auto& [name, value] : in_.options.fixed_parameters)
    p.add(st.sym.parameters[*in_.spec.find_parameter(name)] == st.pctx.bv_val(value, 64), "param." + name);
  // Only parameter values that place every region are candidates.
  for (std::size_t i = 0; i < st.sym_terms.size(); ++i) p.add(st.sym_terms[i].ok, "placed." + in_.spec.regions[i].name);
  for (const smt::Expr& e : st.excluded) p.add(e);
}

ParameterInference::Next ParameterInference::next_candidate(State& st, std::size_t round) {
  const Timings::Scope phase(in_.options.timings, "  candidate parameters");
  std::optional<smt::CheckResult> found;
  bool entered = false;
  if (!st.max_mode) {
    smt::SolverOptions so = solver_options(in_.options, Query::kInference);
    if (st.points) {
      // No core needed (an unsat answer widens the points and asks again with cores), and,
      // until a physical witness brings a quantifier, a fresh bit-blasting solver: far faster.
      if (std::all_of(st.witnesses.begin(), st.witnesses.end(),
                      [](const State::Witness& w) { return w.kind == State::Witness::Kind::kPoint; }))
        so.logic = "QF_BV";
      so.unsat_cores = false;
    }
    smt::Solver p(st.pctx, so);
    base(st, p);
    for (std::size_t k = 0; k < st.witnesses.size(); ++k)
      p.add(st.witnesses[k].constraint, "witness." + std::to_string(k));
    if (round >= kHintRounds) st.hints.clear();
    for (const smt::Expr& h : st.hints) p.add(h);
    smt::CheckResult r = bounded(p, "infer-parameters-" + std::to_string(round));
    if (r.is_unsat() && !st.hints.empty()) {
      // The guess does not fit the constraints or the witnesses: ask without it.
      st.hints.clear();
      return next_candidate(st, round);
    }
    if (r.is_unsat() && st.points) {
      // The points are weaker than their intervals: unsat over them is unsat over the
      // intervals. Only the points of an unsat core are widened (the others would only make
      // the search for the values that satisfy the most slower; a candidate that breaks at one
      // of them finds it again).
      widen(st, points_in_core(st, round));
      return next_candidate(st, round);
    }
    if (r.is_unsat()) {
      const std::vector<std::string>& core = r.unsat()->core;
      if (std::none_of(core.begin(), core.end(), [](const std::string& n) { return n.rfind("witness.", 0) == 0; }))
        return {st.candidate ? Next::Kind::kExhausted : Next::Kind::kNoValues, {}, {}};
      st.max_mode = entered = true;
      st.best = st.witnesses.size() - 1;  // all of them are unsat together
      admissible_ = false;
    } else if (!r.is_sat()) {
      unknown(r);
      return {Next::Kind::kUnknown, {}, {}};
    } else {
      found = std::move(r);
    }
  }
  if (st.max_mode) {
    Next most = max_satisfying(st, round, entered);
    if (most.kind != Next::Kind::kFound) return most;
    found = std::move(most.model);
  }
  const smt::Model& model = *found->model();
  spec::ParameterValues values;
  for (const smt::Expr& t : st.sym.parameters) values.push_back(model.eval(t).value_or(0));
  for (State::Witness& w : st.witnesses) w.violated = st.max_mode && !model.eval_bool(w.kept).value_or(false);
  return {Next::Kind::kFound, std::move(values), {}};
}

ParameterInference::Next ParameterInference::max_satisfying(State& st, std::size_t round, bool entered) {
  // At least K witnesses satisfied, K from best + 1 down: the maximum rarely moves by more
  // than one per round.
  smt::Expr count = st.pctx.bv_val(0, 32);
  for (const State::Witness& w : st.witnesses)
    count = count + ite(w.kept, st.pctx.bv_val(1, 32), st.pctx.bv_val(0, 32));
  const std::size_t from = entered ? st.best : std::min(st.best + 1, st.witnesses.size());
  for (std::size_t k = from;; --k) {
    smt::Solver p(st.pctx, solver_options(in_.options, Query::kInference));
    base(st, p);
    for (const State::Witness& w : st.witnesses) p.add(w.kept.implies(w.constraint));
    p.add(count.uge(st.pctx.bv_val(k, 32)));
    smt::CheckResult r = bounded(p, "infer-parameters-" + std::to_string(round) + "-at-least-" + std::to_string(k));
    if (r.is_sat()) {
      st.best = k;
      return {Next::Kind::kFound, {}, std::move(r)};
    }
    if (!r.is_unsat()) {
      unknown(r);
      return {Next::Kind::kUnknown, {}, {}};
    }
    if (k == 0) break;  // unreachable: the assumptions alone are satisfiable
  }
  return {Next::Kind::kExhausted, {}, {}};
}

std::optional<spec::Layout> ParameterInference::evaluate(State& st, const spec::ParameterValues& values) const {
  auto layout = spec::evaluate_layout(in_.spec, values);
  if (layout.ok()) return std::move(*layout);
  smt::Expr same = st.pctx.bool_val(true);
  for (std::size_t i = 0; i < values.size(); ++i)
    same = same && (st.sym.parameters[i] == st.pctx.bv_val(values[i], 64));
  st.excluded.push_back(!same);
  return std::nullopt;
}

ParameterInference::Probe ParameterInference::probe(const State& st, const spec::Layout& layout,
                                                    const std::string& name) {
  const Timings::Scope phase(in_.options.timings, "  probe a candidate");
  // Does some address (outside the witnesses this candidate violates) break some rule?
  std::vector<VirtRange> skip;
  for (const State::Witness& w : st.witnesses)
    if (w.violated) skip.push_back(w.range);
  if (Sweep sweep(in_, layout); in_.options.sweep && sweep.decides()) {
    std::vector<VirtRange> stretches = sweep.break_stretches(st.insts, Strength::kMust, skip, kRankStretches);
    if (!stretches.empty()) {
      const std::size_t count = stretches.size();
      if (count > kStretchesPerRound) stretches.resize(kStretchesPerRound);
      const VirtAddr first = stretches.front().first;
      return {Probe::Kind::kFound, first, std::move(stretches), count <= kStretchesPerRound, count};
    }
    if (std::optional<PhysicalBreak> b = find_physical_break(in_, layout, skip))
      return {Probe::Kind::kPhysical, VirtAddr(0), {}, false, 0, std::move(b)};
    return {Probe::Kind::kNone, VirtAddr(0)};
  }
  smt::Context ctx;
  smt::TrieEncoding enc(ctx, in_.trie);
  const smt::Expr a = ctx.bv_const("va", 64);
  const smt::Expr cls = enc.class_of(a);
  SearchDomain d{{&ctx}, &enc};
  const auto terms = numeral_terms(ctx, concrete_terms(in_.spec, layout));
  smt::Expr any = ctx.bool_val(false);
  for (const Instance& inst : st.insts) any = any || violates(d, in_.spec, inst, a, cls, terms, Strength::kMust);
  smt::Solver s(ctx, solver_options(in_.options, Query::kSearch));
  s.add(enc.canonical(a));
  s.add(any);
  for (const VirtRange& r : skip) s.add(!(a.uge(r.first.value()) && a.ule(r.last.value())));
  const smt::CheckResult v = bounded(s, name);
  if (v.is_unsat()) {
    // No address breaks an address rule: the frames of the regions with a physical layout.
    if (std::optional<PhysicalBreak> b = find_physical_break(in_, layout, skip))
      return {Probe::Kind::kPhysical, VirtAddr(0), {}, false, 0, std::move(b)};
    return {Probe::Kind::kNone, VirtAddr(0)};
  }
  if (!v.is_sat()) {
    unknown(v);
    return {Probe::Kind::kUnknown, VirtAddr(0)};
  }
  return {Probe::Kind::kFound, VirtAddr(v.model()->eval(a).value_or(0))};
}

std::vector<std::optional<AdmissibleRange>> ParameterInference::explain(State& st, const spec::ParameterValues& found) {
  const spec::Spec& spec = in_.spec;
  std::vector<std::optional<AdmissibleRange>> ranges(spec.parameters.size());
  try {
    for (std::size_t i = 0; i < spec.parameters.size(); ++i) {
      const spec::Parameter& p = spec.parameters[i];
      if (in_.options.fixed_parameters.contains(p.name)) continue;
      if (in_.options.progress) in_.options.progress("check: the admissible values of " + p.name);
      explaining_ = p.name;
      const std::optional<std::uint64_t> least = admissible_end(st, i, found, true);
      if (!least) continue;
      const std::optional<std::uint64_t> greatest = admissible_end(st, i, found, false);
      if (!greatest) continue;
      std::uint64_t count = 0;
      if (p.values.empty())
        count = (*greatest - *least) / p.align + 1;
      else
        count = static_cast<std::uint64_t>(std::count_if(p.values.begin(), p.values.end(), [&](std::uint64_t v) {
          return v >= *least && v <= *greatest && p.admits(v);
        }));
      ranges[i] = AdmissibleRange{*least, *greatest, count};
    }
  } catch (const LimitReached& e) {
    // The ranges are an addition to the verdict, not part of it: a limit reached here leaves
    // the remaining ones out, and the check goes on (and meets the same limit if it is the
    // run's).
    notes_.push_back("--explain-params: stopped on the run's limits (" + e.what +
                     "); the ranges not shown were not established");
  }
  explaining_.reset();
  return ranges;
}

std::optional<std::uint64_t> ParameterInference::admissible_end(State& st, std::size_t i,
                                                                const spec::ParameterValues& found, bool least) {
  // Counterexample-guided, like the search: the extreme value of parameter i allowed by the
  // constraints and the witnesses so far (a binary search over the solver's answers, on the
  // domain's grid of multiples of `align`), then a probe of its layout; an address that breaks
  // a rule becomes one more witness, until the extreme candidate breaks none. The witnesses only
  // narrow the candidates, and `found` is admissible, so the extreme candidates move
  // monotonically towards it and the last is the true extreme.
  const spec::Parameter& param = in_.spec.parameters[i];
  const smt::Expr& x = st.sym.parameters[i];
  const std::uint64_t align = param.align;
  const std::string what = "admissible-" + std::string(least ? "least-" : "greatest-") + param.name;
  // In grid units (value / align): no admissible value lies beyond `far`, on the side away from
  // `found` (proved by the domain at first, then by the queries).
  std::uint64_t far = least ? param.min / align + (param.min % align != 0) : param.max / align;
  for (std::size_t round = 0; round < in_.options.max_inference_rounds; ++round) {
    std::uint64_t near = found[i] / align;  // satisfies the constraints and the witnesses
    spec::ParameterValues candidate = found;
    smt::Solver s(st.pctx, solver_options(in_.options, Query::kInference));
    base(st, s);
    for (const State::Witness& w : st.witnesses) s.add(w.constraint);
    // The far end first (often the answer: a domain bound), then steps away from `near` that
    // double until one is refused (most ranges are narrow), then halving.
    std::size_t step = 0;
    bool galloping = true;
    std::uint64_t stride = 1;
    while (near != far) {
      const std::uint64_t gap = least ? near - far : far - near;
      std::uint64_t mid = 0;
      if (step == 0 || !galloping || stride >= gap)
        mid = step == 0 ? far : least ? far + gap / 2 : far - gap / 2;
      else
        mid = least ? near - stride : near + stride;
      if (step > 0 && galloping) stride *= 2;
      const smt::Solver::Scope scope = s.push();
      s.add(least ? x.uge(st.pctx.bv_val(far * align, 64)) && x.ule(st.pctx.bv_val(mid * align, 64))
                  : x.ule(st.pctx.bv_val(far * align + (align - 1), 64)) && x.uge(st.pctx.bv_val(mid * align, 64)));
      smt::CheckResult r = bounded(s, what + "-" + std::to_string(round) + "-" + std::to_string(step++));
      if (r.is_sat()) {
        const smt::Model& model = *r.model();
        for (std::size_t j = 0; j < candidate.size(); ++j) candidate[j] = model.eval(st.sym.parameters[j]).value_or(0);
        near = candidate[i] / align;
      } else if (r.is_unsat()) {
        far = least ? mid + 1 : mid - 1;
        if (step > 1) galloping = false;
      } else {
        unknown(r);
        return std::nullopt;
      }
    }
    const std::optional<spec::Layout> layout = evaluate(st, candidate);
    if (!layout) continue;
    const Probe p = probe(st, *layout, what + "-search-" + std::to_string(round));
    if (p.kind == Probe::Kind::kNone) return candidate[i];
    if (p.kind == Probe::Kind::kUnknown) return std::nullopt;  // noted by probe
    if (p.kind == Probe::Kind::kPhysical)
      add_physical_witness(st, *p.physical);
    else
      add_witness(st, p.address);
  }
  notes_.push_back("--explain-params: " + param.name + ": no answer within " +
                   std::to_string(in_.options.max_inference_rounds) + " rounds");
  return std::nullopt;
}

void ParameterInference::add_witness(State& st, VirtAddr w) const {
  // The witness generalises to its whole interval of constant class: no parameter value may
  // make any address of it break a rule (a bounded quantifier over one address variable).
  const AttrClass wc = class_at(in_.mappings, w);
  const VirtRange same = in_.trie.class_range(w);
  const std::string name = "witness" + std::to_string(st.witnesses.size());
  st.witnesses.push_back({State::Witness::Kind::kInterval, same,
                          witness_constraint(st.pctx, in_.spec, st.insts, same, wc, st.sym_terms, name),
                          st.pctx.bool_const("keep." + name), false});
}

void ParameterInference::seed(State& st) const {
  const Timings::Scope phase(in_.options.timings, "  guess from the runs");
  const Seed guess = seed_parameters(in_, st.insts);
  for (std::size_t i = 0; i < guess.values.size(); ++i)
    if (guess.values[i]) st.hints.push_back(st.sym.parameters[i] == st.pctx.bv_val(*guess.values[i], 64));
  for (const auto& [region, offset] : guess.offsets) {
    const auto off = spec::eval_integer(st.sym.domain, *in_.spec.regions[region].physical_offset->root);
    st.hints.push_back(off.ok && off.value.term == st.pctx.bv_val(offset, 64));
  }
}

void ParameterInference::add_point_witness(State& st, VirtAddr a) const {
  const std::string name = "witness" + std::to_string(st.witnesses.size());
  st.witnesses.push_back({State::Witness::Kind::kPoint, VirtRange{a, a},
                          point_constraint(st.pctx, in_.spec, st.insts, a, class_at(in_.mappings, a), st.sym_terms),
                          st.pctx.bool_const("keep." + name), false});
}

bool ParameterInference::unavoidable(State& st, const std::vector<VirtRange>& stretches, std::size_t round) {
  const Timings::Scope phase(in_.options.timings, "  breaks no values avoid");
  std::size_t asked = 0;
  for (const VirtRange& stretch : stretches)
    for (std::uint64_t a = stretch.first.value();;) {
      // One interval of constant class at a time: "some admissible values leave some address
      // of it breaking no rule" is quantifier-free, the address free.
      const std::uint64_t last = std::min(in_.trie.class_range(VirtAddr(a)).last.value(), stretch.last.value());
      if (++asked > kMaxUnavoidableIntervals) return false;
      const AttrClass wc = class_at(in_.mappings, VirtAddr(a));
      smt::SolverOptions so = solver_options(in_.options, Query::kInference);
      so.logic = "QF_BV";
      so.unsat_cores = false;
      smt::Solver p(st.pctx, so);
      base(st, p);
      const smt::Expr x = st.pctx.bv_const("unavoidable" + std::to_string(asked), 64);
      p.add(x.uge(st.pctx.bv_val(a, 64)) && x.ule(st.pctx.bv_val(last, 64)));
      p.add(breaks_none(st.pctx, in_.spec, st.insts, x, wc, st.sym_terms));
      const smt::CheckResult r = bounded(p, "infer-unavoidable-" + std::to_string(round) + "-" + std::to_string(asked));
      if (!r.is_unsat()) return false;
      if (last == stretch.last.value()) break;
      a = last + 1;
    }
  return true;
}

std::vector<bool> ParameterInference::points_in_core(State& st, std::size_t round) {
  smt::Solver p(st.pctx, solver_options(in_.options, Query::kInference));
  base(st, p);
  for (std::size_t k = 0; k < st.witnesses.size(); ++k)
    p.add(st.witnesses[k].constraint, "witness." + std::to_string(k));
  const smt::CheckResult r = bounded(p, "infer-parameters-" + std::to_string(round) + "-core");
  if (!r.is_unsat()) return std::vector<bool>(st.witnesses.size(), true);  // widen them all
  std::vector<bool> in(st.witnesses.size(), false);
  for (const std::string& name : r.unsat()->core)
    if (name.rfind("witness.", 0) == 0) in[std::stoul(name.substr(8))] = true;
  return in;
}

void ParameterInference::widen(State& st, const std::vector<bool>& chosen) const {
  // Each chosen point becomes the interval of constant class that holds it (once per interval);
  // the other points are dropped.
  std::vector<VirtAddr> points;
  std::vector<State::Witness> kept;
  for (std::size_t k = 0; k < st.witnesses.size(); ++k) {
    State::Witness& w = st.witnesses[k];
    if (w.kind != State::Witness::Kind::kPoint)
      kept.push_back(std::move(w));
    else if (k >= chosen.size() || chosen[k])
      points.push_back(w.range.first);
  }
  st.witnesses = std::move(kept);
  st.points = false;
  for (const VirtAddr a : points)
    if (std::none_of(st.witnesses.begin(), st.witnesses.end(), [&](const State::Witness& w) {
          return w.kind == State::Witness::Kind::kInterval && w.range.contains(a);
        }))
      add_witness(st, a);
}

void ParameterInference::add_physical_witness(State& st, const PhysicalBreak& b) const {
  // The stretch's pages translate to VA - delta whatever the parameters: wherever the region
  // governs them, its offset must be delta.
  const std::string name = "witness" + std::to_string(st.witnesses.size());
  st.witnesses.push_back({State::Witness::Kind::kPhysical, b.stretch.range,
                          physical_witness(st.pctx, in_.spec, st.sym.domain, st.sym_terms, b, name),
                          st.pctx.bool_const("keep." + name), false});
}

}  // namespace ptv::check::detail
