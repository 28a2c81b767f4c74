#include "verifier/checks/sweep.h"

#include <algorithm>

namespace ptv::check::detail {

namespace {

/// Every point at which a comparison between an address and one of the region's terms can
/// change its value (predicates.h: in_extent, in_cover, in_element). False when an array has
/// more cut points than `budget` allows.
bool add_cuts(const ConcreteTerms& t, std::vector<std::uint64_t>& cuts, std::size_t budget) {
  if (!t.ok) return true;
  cuts.push_back(t.start);
  if (t.last != ~std::uint64_t{0}) cuts.push_back(t.last + 1);
  if (!t.is_array || t.stride == 0) return true;
  // Elements repeat every stride from start until the extent ends; the element count ends
  // in_element at start + count * stride (which may lie inside the extent).
  const std::uint64_t span = t.last - t.start;
  const std::uint64_t periods = span / t.stride + 1;
  if (periods > budget / 4 + 1 || cuts.size() + 4 * periods > budget) return false;
  for (std::uint64_t k = 0; k < periods; ++k) {
    const std::uint64_t e = t.start + k * t.stride;
    cuts.push_back(e);
    cuts.push_back(e + t.size);
    cuts.push_back(e + t.size + t.guard);
  }
  if (t.count <= periods) cuts.push_back(t.start + t.count * t.stride);
  return true;
}

}  // namespace

Sweep::Sweep(const CheckInputs& in, const spec::Layout& layout) : in_(in), terms_(concrete_terms(in.spec, layout)) {
  const spec::Rules& rules = in.spec.rules;
  cuts_.push_back(0);
  if (rules.null_guard != 0) cuts_.push_back(rules.null_guard);
  cuts_.push_back(upper_half_first(rules.paging_mode).value());
  cuts_.push_back(lower_half_last(rules.paging_mode).value() + 1);
  for (const ConcreteTerms& t : terms_)
    if (!add_cuts(t, cuts_, kMaxCuts)) {
      decides_ = false;
      return;
    }
  std::sort(cuts_.begin(), cuts_.end());
  cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
}

bool Sweep::breaks(std::size_t zone, std::uint32_t cls, VirtAddr at, const std::vector<Instance>& insts, Strength s) {
  const std::uint64_t key = (static_cast<std::uint64_t>(zone) << 32) | cls;
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  ConcreteDomain d;
  const AttrClass& c = in_.trie.classes()[cls];
  bool out = false;
  for (const Instance& inst : insts)
    if (violates(d, in_.spec, inst, at.value(), c, terms_, s)) {
      out = true;
      break;
    }
  memo_.emplace(key, out);
  return out;
}

std::optional<VirtAddr> Sweep::first_break(const std::vector<Instance>& insts, Strength s,
                                           const std::vector<VirtRange>& skip) {
  memo_.clear();
  // The first address of [first, last] no range of `skip` holds, if any.
  const auto unskipped = [&](std::uint64_t first, std::uint64_t last) -> std::optional<std::uint64_t> {
    for (bool moved = true; moved;) {
      moved = false;
      for (const VirtRange& r : skip)
        if (r.first.value() <= first && first <= r.last.value()) {
          if (r.last.value() >= last) return std::nullopt;
          first = r.last.value() + 1;
          moved = true;
        }
    }
    return first;
  };
  for (const AddressTrie::ClassInterval& iv : in_.trie.intervals()) {
    const std::uint64_t last = iv.range.last.value();
    std::uint64_t first = iv.range.first.value();
    auto cut = std::upper_bound(cuts_.begin(), cuts_.end(), first);
    for (;;) {
      const std::size_t zone = static_cast<std::size_t>(cut - cuts_.begin()) - 1;
      const std::uint64_t end = cut == cuts_.end() || *cut - 1 >= last ? last : *cut - 1;
      if (breaks(zone, iv.cls, VirtAddr(first), insts, s))
        if (std::optional<std::uint64_t> a = unskipped(first, end)) return VirtAddr(*a);
      if (end == last) break;
      first = end + 1;
      ++cut;
    }
  }
  return std::nullopt;
}

}  // namespace ptv::check::detail
