// The translation of a mapping set as an SMT term over a symbolic virtual address.
//
// class_of(a) follows the AddressTrie level by level: at a node of level L the 9 index bits
// a[shift(L)+8 : shift(L)] select a segment through an ite chain on its last index; a leaf
// segment yields its attribute-class id, a child segment the child's term. Each node's term is
// built once per address variable and shared wherever the node is (Z3 terms are DAGs), so the
// formula grows with the trie (distinct tables and runs of equal entries), not with the pages.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "verifier/mapping/address_trie.h"
#include "verifier/smt/context.h"
#include "verifier/smt/expr.h"

namespace ptv::smt {

inline constexpr unsigned kClassWidth = 16;

class TrieEncoding {
 public:
  /// Requires: trie and ctx outlive this object.
  TrieEncoding(Context& ctx, const AddressTrie& trie) : ctx_(ctx), trie_(trie) {}

  /// The class id (kClassWidth bits) of the 64-bit address term `va`. Requires: va is
  /// canonical for the trie's mode (assert canonical(va) beside it).
  Expr class_of(const Expr& va);
  /// Canonical for the trie's paging mode.
  Expr canonical(const Expr& va) const;
  /// A Boolean over a class term: true for the class ids where pred(class) holds.
  template <class Pred>
  Expr class_in(const Expr& cls, Pred pred) const {
    Expr out = ctx_.bool_val(false);
    for (std::uint32_t i = 0; i < trie_.classes().size(); ++i)
      if (pred(trie_.classes()[i])) out = out || (cls == ctx_.bv_val(i, kClassWidth));
    return out;
  }

  /// Number of ite nodes emitted so far (formula size, for benchmarks).
  [[nodiscard]] std::size_t ite_count() const { return ite_count_; }

 private:
  Expr node_term(std::uint32_t id, const Expr& va);

  Context& ctx_;
  const AddressTrie& trie_;
  std::unordered_map<std::uint32_t, Expr> memo_;  // for the address term of the current call
  std::size_t ite_count_ = 0;
};

}  // namespace ptv::smt
