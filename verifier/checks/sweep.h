// The address rules decided without a solver, under concrete parameter values: one pass over the
// trie's class intervals, each cut wherever a region term of the layout can change its value.
// The cuts are of two kinds. Fixed cuts: every region's first address and the address after
// its last, where an array's element index reaches its count, the null guard's end, the
// canonical halves. Periodic cuts, inside an array's extent: each element's start, the end of
// its pages and the end of its guard, found by arithmetic on the address (never listed, so an
// array of a million elements costs no more than one of four). Between two cuts the class is
// one, and every comparison the rule predicates (predicates.h) make between the address and a
// region term has one value, so the predicate evaluated at the piece's first address, with
// spec::ConcreteDomain, is its value at every address of the piece: the pass is exact for
// every canonical address.
//
// A piece's value depends only on its fixed zone, its class and, for each array whose extent
// holds it, whether it lies in an element's pages, its guard or the gap after it: that triple
// is the memo's key. Inside one fixed zone where one array repeats, a piece's value repeats
// with the array's stride: when none of the element's parts breaks a rule, the whole zone is
// skipped at once.
//
// It answers, at the cost of a listing, the questions the solver would otherwise be asked first:
// "which instances does some address break?" (the search: an instance no address breaks holds
// without a query) and "where do addresses break some rule?" (parameter inference's probe: the
// stretches it turns into witnesses, and its guess from the runs, seed.h). The
// solver stays the path that lists counterexamples, and the one for layouts whose arrays
// overlap over too many elements to visit one by one (`decides()` false). The differential
// tests hold the two to the same answers. Internal to verifier/checks.
#pragma once

#include <cstdint>
#include <functional>
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
  /// The same over region terms given directly (a region with `ok` false is left out).
  Sweep(const CheckInputs& in, std::vector<ConcreteTerms> terms);

  /// False when arrays overlap over more elements than the pass visits one by one
  /// (kMaxOverlapPeriods), or the layout has more arrays than the memo's key holds: ask the
  /// solver instead.
  [[nodiscard]] bool decides() const { return decides_; }

  /// The first address, in address order, at which some instance of `insts` breaks with
  /// strength `s`, outside the ranges in `skip`. Empty: no address does. Requires: decides().
  [[nodiscard]] std::optional<VirtAddr> first_break(const std::vector<Instance>& insts, Strength s,
                                                    const std::vector<VirtRange>& skip = {});

  /// Up to `most` stretches of consecutive addresses at which some instance breaks, in address
  /// order, each from its first address outside `skip` (a stretch may hold skipped addresses
  /// after that). Empty: no address outside `skip` breaks. Requires: decides().
  [[nodiscard]] std::vector<VirtRange> break_stretches(const std::vector<Instance>& insts, Strength s,
                                                       const std::vector<VirtRange>& skip, std::size_t most);

  /// For each instance of `insts`: whether some canonical address breaks it with strength `s`.
  /// One pass for them all. Requires: decides().
  [[nodiscard]] std::vector<bool> breaking_instances(const std::vector<Instance>& insts, Strength s);

  static constexpr std::size_t kMaxOverlapPeriods = std::size_t{1} << 16;
  static constexpr std::size_t kMaxArrays = 32;

 private:
  /// An array's repeating parts, for the periodic cuts inside its extent.
  struct Periodic {
    std::uint64_t start, last, stride, size, guard;
    /// 0: an element's pages, 1: its guard, 2: the gap up to the next element.
    [[nodiscard]] unsigned part(std::uint64_t a) const;
    /// The first address after `a` at which part() changes, or empty when none does up to
    /// `last`. Requires: start <= a <= last.
    [[nodiscard]] std::optional<std::uint64_t> next_cut(std::uint64_t a) const;
    /// The first address >= a, and <= `until`, in part `p`; empty when there is none.
    [[nodiscard]] std::optional<std::uint64_t> next_in_part(std::uint64_t a, std::uint64_t until, unsigned p) const;
  };
  struct Key {
    std::uint64_t zone_and_class;
    std::uint64_t parts;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<std::uint64_t>()(k.zone_and_class * 0x9e3779b97f4a7c15ULL ^ k.parts);
    }
  };
  /// A breaking piece [first, last] found in address order; false stops the pass.
  using Visit = std::function<bool(std::uint64_t first, std::uint64_t last)>;

  void visit(const std::vector<Instance>& insts, Strength s, const std::vector<VirtRange>& skip, const Visit& f);
  /// Whether the addresses of fixed zone `zone` with class `cls` and array parts `parts`
  /// (2 bits per array: its part, or 3 outside its extent) break some instance (memoised);
  /// `at` is one of them.
  bool breaks(std::size_t zone, std::uint32_t cls, std::uint64_t parts, std::uint64_t at,
              const std::vector<Instance>& insts, Strength s);
  [[nodiscard]] std::uint64_t parts_at(std::uint64_t a) const;

  const CheckInputs& in_;
  std::vector<ConcreteTerms> terms_;
  std::vector<std::uint64_t> cuts_;  ///< sorted: where a fixed zone begins
  std::vector<Periodic> arrays_;
  bool decides_ = true;
  std::unordered_map<Key, bool, KeyHash> memo_;
  /// breaking_instances: each key is evaluated for every instance, and the answers gathered.
  std::vector<bool>* tally_ = nullptr;
};

}  // namespace ptv::check::detail
