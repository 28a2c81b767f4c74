#include "verifier/checks/witness.h"

#include <cstdint>
#include <optional>

#include "verifier/checks/domains.h"

namespace ptv::check {

std::vector<SymTerms> symbolic_terms(const spec::Spec& spec, const spec::SymbolicSpec& sym) {
  std::vector<SymTerms> out;
  for (std::size_t i = 0; i < sym.regions.size(); ++i) {
    const auto& b = sym.regions[i];
    out.push_back({b.ok, b.start.term, b.last.term, b.count.term, b.size.term, b.stride.term, b.guard.term,
                   spec.regions[i].is_array()});
  }
  return out;
}

bool breaks_in_one_extent(const spec::Spec& spec, const Instance& inst) {
  switch (inst.rule) {
    case RuleId::kRegionRights:
    case RuleId::kRegionRequiredRights:
    case RuleId::kRequiredMapped:
    case RuleId::kPageSize:
    case RuleId::kGuardUnmapped:
      break;
    default:
      return false;
  }
  if (spec.regions[inst.region].is_array() || has_exceptions(spec, inst.rule)) return false;
  for (std::size_t c = 0; c < spec.regions.size(); ++c)
    if (c != inst.region && spec.is_ancestor_or_self(inst.region, c)) return false;
  return true;
}

// "No address of `range`, whose class is `wc`, breaks any instance" over the symbolic layout:
// a witness of parameter inference. The quantifier distributes over the instances. An instance
// that breaks only inside one plain region's extent (breaks_in_one_extent) breaks somewhere in
// the range exactly when the rule rejects the class and the extent meets the range: a
// quantifier-free conjunct of four comparisons. The other instances keep a bounded quantifier
// over one address. Exact either way, and fewer quantified instances make the inference
// queries cheaper. (Testing those instances at their change points instead, the region ends
// clamped into the range, is exact too but measured slower: Z3 bit-blasts every comparison.)
std::optional<smt::Expr> breaks_somewhere(smt::Context& ctx, const spec::Spec& spec, const Instance& inst,
                                          const VirtRange& range, const AttrClass& wc,
                                          const std::vector<SymTerms>& terms) {
  if (!breaks_in_one_extent(spec, inst)) return std::nullopt;
  InferenceDomain id{{&ctx}};
  const smt::Expr lo = ctx.bv_val(range.first.value(), 64), hi = ctx.bv_val(range.last.value(), 64);
  // The class part alone: the same instance with its region stretched over every address.
  std::vector<SymTerms> cover = terms;
  cover[inst.region].ok = ctx.bool_val(true);
  cover[inst.region].start = ctx.bv_val(0, 64);
  cover[inst.region].last = ctx.bv_val(~std::uint64_t{0}, 64);
  const std::optional<bool> rejects = violates(id, spec, inst, lo, wc, cover, Strength::kMust).as_bool();
  if (!rejects) return std::nullopt;
  if (!*rejects) return ctx.bool_val(false);
  const SymTerms& r = terms[inst.region];
  return r.ok && r.start.ule(hi) && lo.ule(r.last) && r.start.ule(r.last);
}

smt::Expr witness_constraint(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts,
                             const VirtRange& range, const AttrClass& wc, const std::vector<SymTerms>& terms,
                             const std::string& var) {
  InferenceDomain id{{&ctx}};
  const smt::Expr x = ctx.bv_const(var, 64);
  const smt::Expr lo = ctx.bv_val(range.first.value(), 64), hi = ctx.bv_val(range.last.value(), 64);
  smt::Expr out = ctx.bool_val(true);
  smt::Expr residual = ctx.bool_val(false);
  for (const Instance& inst : insts) {
    const smt::Expr v = violates(id, spec, inst, x, wc, terms, Strength::kMust);
    if (v.as_bool() == false) continue;
    if (const std::optional<smt::Expr> e = breaks_somewhere(ctx, spec, inst, range, wc, terms)) {
      out = out && !*e;
      continue;
    }
    residual = residual || v;
  }
  if (residual.as_bool() != false) out = out && forall(x, (x.uge(lo) && x.ule(hi)).implies(!residual));
  return out;
}

smt::Expr breaks_none(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts, const smt::Expr& a,
                      const AttrClass& wc, const std::vector<SymTerms>& terms) {
  InferenceDomain id{{&ctx}};
  smt::Expr out = ctx.bool_val(true);
  for (const Instance& inst : insts) {
    const smt::Expr v = violates(id, spec, inst, a, wc, terms, Strength::kMust);
    if (v.as_bool() == false) continue;
    out = out && !v;
  }
  return out;
}

smt::Expr point_constraint(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts, VirtAddr a,
                           const AttrClass& wc, const std::vector<SymTerms>& terms) {
  return breaks_none(ctx, spec, insts, ctx.bv_val(a.value(), 64), wc, terms);
}

}  // namespace ptv::check
