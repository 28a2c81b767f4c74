// The address rules decided without a solver, under concrete parameter values: one pass over the
// trie's class intervals, each cut wherever a region term of the layout can change its value
// (every region's first address and the address after its last; for arrays, every element's
// start, the end of its pages, of its guard, and the end of the last element; the null guard's
// end; the canonical halves). Inside a cut interval the class is one, and every comparison the
// rule predicates (predicates.h) make between the address and a region term has one value, so
// the predicate evaluated at the interval's first address, with spec::ConcreteDomain, is its
// value at every address of the interval: the pass is exact for every canonical address.
//
// It answers the question the solver's "does any address break any rule?" queries ask (the
// probe of parameter inference, and the search's first query), at the cost of a listing. The
// solver stays the path that lists counterexamples, and the one for layouts whose arrays have
// too many elements to cut at (`decides()` false). The differential tests hold the two to the
// same answers. Internal to verifier/checks.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "verifier/checks/check_steps.h"
#include "verifier/checks/domains.h"

namespace ptv::check::detail {

class Sweep {
 public:
  /// Requires: `in` outlives the sweep.
  Sweep(const CheckInputs& in, const spec::Layout& layout);

  /// False when the layout's arrays would cut the address space at more points than the pass
  /// is allowed to keep (kMaxCuts): ask the solver instead.
  [[nodiscard]] bool decides() const { return decides_; }

  /// The first address, in address order, at which some instance of `insts` breaks with
  /// strength `s`, outside the ranges in `skip`. Empty: no address does. Requires: decides().
  [[nodiscard]] std::optional<VirtAddr> first_break(const std::vector<Instance>& insts, Strength s,
                                                    const std::vector<VirtRange>& skip = {});

  static constexpr std::size_t kMaxCuts = std::size_t{1} << 16;

 private:
  /// Whether an address of zone `zone` with class `cls` breaks some instance (memoised).
  bool breaks(std::size_t zone, std::uint32_t cls, VirtAddr at, const std::vector<Instance>& insts, Strength s);

  const CheckInputs& in_;
  std::vector<ConcreteTerms> terms_;
  std::vector<std::uint64_t> cuts_;  ///< sorted: where a zone of constant region terms begins
  bool decides_ = true;
  std::unordered_map<std::uint64_t, bool> memo_;
};

}  // namespace ptv::check::detail
