#include "verifier/smt/trie_encoding.h"

namespace ptv::smt {

Expr TrieEncoding::canonical(const Expr& va) const {
  const PagingMode m = trie_.mode();
  return va.ule(lower_half_last(m).value()) || va.uge(upper_half_first(m).value());
}

Expr TrieEncoding::class_of(const Expr& va) {
  memo_.clear();
  return node_term(trie_.root(), va);
}

Expr TrieEncoding::node_term(std::uint32_t id, const Expr& va) {
  if (auto it = memo_.find(id); it != memo_.end()) return it->second;
  const AddressTrie::Node& n = trie_.node(id);
  const unsigned lo = index_shift(n.level);
  const Expr idx = va.extract(lo + kIndexBits - 1, lo);
  // Build the chain from the last segment backwards: ite(idx <= last_0, v_0, ite(...)).
  const auto& segs = n.segments;
  auto value = [&](const AddressTrie::Segment& s) {
    return s.child ? node_term(s.value, va) : ctx_.bv_val(s.value, kClassWidth);
  };
  if (const auto i = idx.as_u64()) {
    // A constant index selects its segment directly: no chain, no unused child terms.
    for (const auto& seg : segs)
      if (*i <= seg.last) return value(seg);
  }
  Expr out = value(segs.back());
  for (std::size_t k = segs.size() - 1; k-- > 0;) {
    out = ite(idx.ule(segs[k].last), value(segs[k]), out);
    ++ite_count_;
  }
  memo_.emplace(id, out);
  return out;
}

}  // namespace ptv::smt
