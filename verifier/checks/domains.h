// The domains the rule predicates (predicates.h) are instantiated with: spec::ConcreteDomain
// (spec/evaluate.h: everything concrete, the replay of a counterexample) and the two below.
#pragma once

#include <cstdint>

#include "verifier/mapping/address_trie.h"
#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"
#include "verifier/smt/trie_encoding.h"
#include "verifier/spec/evaluate.h"

namespace ptv::check {

using spec::ConcreteDomain;

/// Terms over 64-bit values; the class is either a term (search) or concrete (inference).
struct TermOps {
  smt::Context* ctx;
  using Value = smt::Expr;
  using Bool = smt::Expr;
  Value number(std::uint64_t v) const { return ctx->bv_val(v, 64); }
  Bool truth(bool b) const { return ctx->bool_val(b); }
  Bool ule(const Value& a, const Value& b) const { return a.ule(b); }
  Bool ult(const Value& a, const Value& b) const { return a.ult(b); }
  Value sub(const Value& a, const Value& b) const { return a - b; }
  Value add(const Value& a, const Value& b) const { return a + b; }
  Value udiv(const Value& a, const Value& b) const { return a.udiv(b); }
  Value urem(const Value& a, const Value& b) const { return a.urem(b); }
};

/// Search: a symbolic address, the class as the trie's term.
struct SearchDomain : TermOps {
  using Class = smt::Expr;
  smt::TrieEncoding* enc;
  template <class Pred>
  Bool has(const Class& cls, Pred p) const {
    return enc->class_in(cls, p);
  }
};

/// Parameter inference: a concrete address and class, symbolic region bounds.
struct InferenceDomain : TermOps {
  using Class = AttrClass;
  template <class Pred>
  Bool has(const Class& c, Pred p) const {
    return ctx->bool_val(p(c));
  }
};

}  // namespace ptv::check
