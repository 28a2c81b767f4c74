#include "verifier/checks/search.h"

#include <algorithm>
#include <sstream>

#include "models/format.h"
#include "verifier/checks/replay.h"
#include "verifier/checks/sweep.h"

namespace ptv::check::detail {

namespace {

/// The first address, at or after which the instance's region terms can change value.
std::vector<std::uint64_t> boundaries(const spec::Spec& spec, const Instance& inst,
                                      const std::vector<ConcreteTerms>& terms, std::uint64_t a) {
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
    case RuleId::kNullGuard:
      b.push_back(spec.rules.null_guard);
      break;
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
  // Where an exception to the rule begins or ends (§6.1), the verdict can change too.
  for (const spec::RuleException& e : spec.exceptions)
    if (e.rule == static_cast<std::size_t>(inst.rule)) region(e.region);
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

}  // namespace

AddressSearch::AddressSearch(const CheckInputs& in, const spec::Layout& layout)
    : in_(in),
      layout_(layout),
      cterms_(concrete_terms(in.spec, layout)),
      enc_(ctx_, in.trie),
      a_(ctx_.bv_const("va", 64)),
      cls_(enc_.class_of(a_)),
      d_{{&ctx_}, &enc_},
      terms_(numeral_terms(ctx_, cterms_)) {}

void AddressSearch::run(CheckResult& out) {
  out.formula_nodes = enc_.ite_count();
  const std::vector<Instance> insts = decidable_instances(in_.spec, in_.raw);
  for (const Instance& inst : insts) ++pending_[static_cast<std::size_t>(inst.rule)];
  // Which instances some address may break: one pass over the intervals answers it for each
  // exactly when the layout allows (sweep.h); otherwise one query for them all.
  std::vector<bool> may_break(insts.size(), true);
  if (Sweep sweep(in_, layout_); in_.options.sweep && sweep.decides()) {
    if (in_.options.progress) in_.options.progress("check: every rule at once");
    may_break = sweep.breaking_instances(insts, Strength::kMay);
  } else if (none_breaks(out, insts)) {
    std::fill(may_break.begin(), may_break.end(), false);
  }
  // On a dump that holds (the common case in CI) no instance is left: that is the whole search.
  // The others are searched, and their counterexamples listed, one by one.
  bool complete = true;
  for (std::size_t i = 0; i < insts.size(); ++i) {
    if (may_break[i])
      complete = search_instance(out, insts[i]) && complete;
    else
      --pending_[static_cast<std::size_t>(insts[i].rule)];
  }
  out.complete = complete;
}

bool AddressSearch::none_breaks(CheckResult& out, const std::vector<Instance>& insts) {
  if (in_.options.progress) in_.options.progress("check: every rule at once");
  smt::Expr any = ctx_.bool_val(false);
  for (const Instance& inst : insts) any = any || violates(d_, in_.spec, inst, a_, cls_, terms_, Strength::kMay);
  smt::Solver s(ctx_, solver_options(in_.options, Query::kSearch));
  s.add(enc_.canonical(a_));
  s.add(any);
  const smt::CheckResult r = bounded(s, "all-rules");
  ++out.queries;
  return r.is_unsat();
}

std::unique_ptr<smt::Solver> AddressSearch::instance_solver(const Instance& inst, const smt::Expr& may_break,
                                                            Strength strength, const std::vector<VirtRange>& excluded) {
  auto solver = std::make_unique<smt::Solver>(ctx_, solver_options(in_.options, Query::kSearch));
  solver->add(enc_.canonical(a_));
  solver->add(strength == Strength::kMay ? may_break : violates(d_, in_.spec, inst, a_, cls_, terms_, Strength::kMust));
  for (const VirtRange& x : excluded) solver->add(!(a_.uge(x.first.value()) && a_.ule(x.last.value())));
  return solver;
}

bool AddressSearch::search_instance(CheckResult& out, const Instance& inst) {
  RuleResult& rr = rule_result(out, inst.rule);
  const auto t0 = Clock::now();
  const std::string name = instance_name(in_.spec, inst);
  if (in_.options.progress)
    in_.options.progress("check: " + name + ", " + decimal(out.violations.size()) + " violations so far");
  const smt::Expr pred = violates(d_, in_.spec, inst, a_, cls_, terms_, Strength::kMay);
  if (pred.as_bool() == std::optional<bool>(false)) {  // no address can break it
    --pending_[static_cast<std::size_t>(inst.rule)];
    return true;
  }
  // The search asks for addresses that may break the instance until the first one the dump
  // cannot settle; that makes the instance unknown once, and from then on only definite
  // violations are asked for. The number of queries is then bounded by the violations
  // listed, not by how many pieces of unknown the dump has.
  std::vector<VirtRange> excluded;
  std::unique_ptr<smt::Solver> s = instance_solver(inst, pred, Strength::kMay, excluded);
  bool only_definite = false;
  bool complete = true;
  for (std::size_t round = 0;; ++round) {
    const smt::CheckResult r = bounded(*s, name + "-" + std::to_string(round));
    ++out.queries;
    if (r.is_unsat()) break;
    if (!r.is_sat()) {
      mark_unknown(rr, unknown_detail(r, in_.options) + " while searching " + name);
      complete = false;
      break;
    }
    const Finding f = replay(inst, VirtAddr(r.model()->eval(a_).value_or(0)), name);
    if (!record(out, rr, inst, f)) {
      complete = false;
      break;
    }
    excluded.push_back(f.range);
    if (!f.definite && !only_definite) {
      only_definite = true;
      s = instance_solver(inst, pred, Strength::kMust, excluded);
    } else {
      s->add(!(a_.uge(f.range.first.value()) && a_.ule(f.range.last.value())));
    }
  }
  rr.seconds += since(t0);
  --pending_[static_cast<std::size_t>(inst.rule)];
  return complete;
}

AddressSearch::Finding AddressSearch::replay(const Instance& inst, VirtAddr w, const std::string& name) const {
  const AttrClass set_class = class_at(in_.mappings, w);
  const AttrClass trie_class = in_.trie.classes()[in_.trie.lookup(w)];
  if (!(set_class == trie_class))
    throw Inconsistency("the trie gives " + hex16(w.value()) + " the class '" + to_string(trie_class) +
                        "' but the mapping set says '" + to_string(set_class) + "'");
  if (!violates(cd_, in_.spec, inst, w.value(), set_class, cterms_, Strength::kMay))
    throw Inconsistency("the solver's counterexample " + hex16(w.value()) + " for " + name +
                        " does not replay on the mapping set (class '" + to_string(set_class) + "')");
  return {w, set_class, maximal_range(in_.trie, in_.spec, inst, cterms_, w),
          violates(cd_, in_.spec, inst, w.value(), set_class, cterms_, Strength::kMust)};
}

bool AddressSearch::record(CheckResult& out, RuleResult& rr, const Instance& inst, const Finding& f) {
  // With the list full, the rule is still told apart (violated, or unknown where the dump
  // cannot tell) from the first model beyond the cap, and its search stops: a capped
  // search is never a proof.
  const bool full = out.violations.size() >= in_.options.max_violations;
  if (f.definite) {
    if (!full) out.violations.push_back(make_violation(inst, f));
    rr.status = Status::kViolated;
    ++rr.violations;
  } else {
    std::ostringstream os;
    os << "cannot tell at " << hex16(f.range.first.value()) << '-' << hex_end(f.range) << " (" << to_string(f.cls)
       << ")";
    mark_unknown(rr, os.str());
  }
  if (!full) return true;
  if (rr.status == Status::kViolated)
    rr.detail = "the violation list is full (--max-violations " + std::to_string(in_.options.max_violations) +
                "): at least " + decimal(rr.violations) + " violation(s), not all listed";
  return false;
}

Violation AddressSearch::make_violation(const Instance& inst, const Finding& f) const {
  Violation v;
  v.rule = inst.rule;
  if (inst.region != Instance::kNoRegion) v.region = in_.spec.regions[inst.region].name;
  v.address = f.address;
  v.range = f.range;
  v.rights.seen = f.cls;
  v.message = describe_violation(in_.spec, inst, f.cls);
  if (in_.raw) v.walk = replay_walk(*in_.raw, in_.mappings, inst.rule, f.address);  // throws ReplayMismatch
  return v;
}

}  // namespace ptv::check::detail
