#include "verifier/checks/check_steps.h"

#include <sstream>

namespace ptv::check::detail {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

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

/// Search queries are quantifier-free bit-vector formulas over one address: they go to Z3's
/// QF_BV solver, which skips the default solver's probing for a tactic (docs/performance.md).
/// Inference queries hold quantified witness constraints and tracked assertions, so they keep
/// the default solver.
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

std::vector<Instance> decidable_instances(const spec::Spec& spec, const RawContext* raw) {
  std::vector<Instance> out;
  for (const Instance& i : instances(spec))
    if (raw || !rule_info(i.rule).raw_only) out.push_back(i);
  return out;
}

smt::CheckResult check_within_limits(smt::Solver& s, const std::string& name, const CheckOptions& o) {
  const auto time_limit = [&] { return LimitReached{time_limit_reason(o.time_limit_s)}; };
  if (o.deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*o.deadline - Clock::now()).count();
    if (left <= 0) throw time_limit();
    smt::QueryLimits limits = s.limits();
    if (limits.timeout_ms == 0 || static_cast<std::uint64_t>(left) < limits.timeout_ms)
      limits.timeout_ms = static_cast<unsigned>(left);
    s.set_limits(limits);
  }
  smt::CheckResult r = s.check(name);
  if (o.timings) o.timings->add("  query " + query_family(name), r.seconds());
  if (!r.is_sat() && !r.is_unsat() && o.deadline && Clock::now() >= *o.deadline) throw time_limit();
  if (const auto* u = r.unknown(); u && u->reason == smt::UnknownReason::kMemoryLimit)
    throw LimitReached{"memory limit (" +
                       (o.memory_limit_mb != 0 ? "--memory-limit " + std::to_string(o.memory_limit_mb) + " MiB"
                                               : std::string("the machine's memory")) +
                       ")"};
  return r;
}

RuleResult& rule_result(CheckResult& out, RuleId id) { return out.rules[static_cast<std::size_t>(id)]; }

void mark_unknown(RuleResult& rr, const std::string& why) {
  if (rr.status != Status::kViolated) rr.status = Status::kUnknown;
  if (rr.detail.empty())
    rr.detail = why;
  else if (rr.detail.size() < 400)
    rr.detail += "; " + why;
}

}  // namespace ptv::check::detail
