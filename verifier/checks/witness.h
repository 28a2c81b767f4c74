// Parameter inference's witnesses: an interval of addresses of one attribute class that broke
// a rule under some candidate becomes a constraint on the parameters, "no address of it breaks
// any rule" (verifier/checks/infer.cpp, ParameterInference::add_witness).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/address.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/rules.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"
#include "verifier/spec/spec.h"
#include "verifier/spec/symbolic.h"

namespace ptv::check {

using SymTerms = RegionTerms<smt::Expr, smt::Expr>;

/// The regions of a symbolic spec as the rule predicates take them.
std::vector<SymTerms> symbolic_terms(const spec::Spec& spec, const spec::SymbolicSpec& sym);

/// The instance breaks only where one plain region (not an array) with no region nested inside
/// it governs: in its extent, for a class the rule rejects.
bool breaks_in_one_extent(const spec::Spec& spec, const Instance& inst);

/// For an instance that breaks_in_one_extent: "some address of `range`, of class `wc`, breaks
/// `inst`", without a quantifier: the rule rejects the class and the region's extent meets the
/// range. Empty for other instances.
std::optional<smt::Expr> breaks_somewhere(smt::Context& ctx, const spec::Spec& spec, const Instance& inst,
                                          const VirtRange& range, const AttrClass& wc,
                                          const std::vector<SymTerms>& terms);

/// "No address of `range`, whose class is `wc`, breaks any of `insts`" over the symbolic
/// layout `terms`, with `var` naming the bound address. Equivalent to
/// forall x in range: not violates(inst, x) for every inst: the quantifier distributes over
/// the instances, and breaks_somewhere replaces it where it can (tests/verifier/checks/
/// witness_test.cpp proves each replacement with Z3 on the bundled specs).
smt::Expr witness_constraint(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts,
                             const VirtRange& range, const AttrClass& wc, const std::vector<SymTerms>& terms,
                             const std::string& var);

/// "The address `a` (a term: a numeral, or a free constant), whose class is `wc`, breaks none of
/// `insts`" over the symbolic layout `terms`; quantifier-free.
smt::Expr breaks_none(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts, const smt::Expr& a,
                      const AttrClass& wc, const std::vector<SymTerms>& terms);

/// "Address `a`, whose class is `wc`, breaks none of `insts`" over the symbolic layout `terms`:
/// quantifier-free, and implied by witness_constraint over any range that holds `a` (a weaker
/// witness, cheaper to ask about).
smt::Expr point_constraint(smt::Context& ctx, const spec::Spec& spec, const std::vector<Instance>& insts, VirtAddr a,
                           const AttrClass& wc, const std::vector<SymTerms>& terms);

}  // namespace ptv::check
