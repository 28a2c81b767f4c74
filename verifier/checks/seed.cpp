#include "verifier/checks/seed.h"

#include <algorithm>
#include <limits>

#include "verifier/checks/sweep.h"
#include "verifier/spec/evaluate.h"

namespace ptv::check::detail {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
/// Stretches of demand read: enough for every region of a layout, bounded for a dump whose
/// every page breaks.
constexpr std::size_t kMaxDemand = std::size_t{1} << 20;

bool depends(const spec::NodePtr& n, const std::vector<bool>& known) {
  if (!n) return false;
  if (n->op == spec::Op::kParameter) return !known[n->parameter];
  return std::any_of(n->args.begin(), n->args.end(), [&](const spec::NodePtr& a) { return depends(a, known); });
}

/// The region's bounds depend on a parameter not known yet.
bool unplaced(const spec::Region& r, const std::vector<bool>& known) {
  if (depends(r.start.root, known)) return true;
  if (!r.is_array()) return depends(r.end.root, known);
  const spec::ArrayShape& a = *r.array;
  return depends(a.count.root, known) || depends(a.size.root, known) || depends(a.guard.root, known) ||
         (a.stride && depends(a.stride->root, known));
}

/// The parameter an expression is, when it is one bare parameter not known yet and free to
/// take any multiple of its alignment in its range.
std::optional<std::size_t> free_parameter(const spec::Spec& spec, const spec::Expression& e,
                                          const std::vector<bool>& known) {
  if (!e.root || e.root->op != spec::Op::kParameter || known[e.root->parameter]) return std::nullopt;
  if (!spec.parameters[e.root->parameter].values.empty()) return std::nullopt;
  return e.root->parameter;
}

std::uint64_t align_down(std::uint64_t v, std::uint64_t align) { return v - v % align; }

/// The least multiple of `align` that is >= v, if it does not wrap.
std::optional<std::uint64_t> align_up(std::uint64_t v, std::uint64_t align) {
  const std::uint64_t r = v % align;
  if (r == 0) return v;
  if (v > kMax - (align - r)) return std::nullopt;
  return v + (align - r);
}

class Seeder {
 public:
  Seeder(const CheckInputs& in, const std::vector<Instance>& insts) : in_(in), spec_(in.spec), insts_(insts) {
    const std::size_t n = spec_.parameters.size();
    out_.values.resize(n);
    values_.resize(n);
    known_.resize(n, false);
    for (std::size_t i = 0; i < n; ++i) {
      const spec::Parameter& p = spec_.parameters[i];
      if (auto it = in.options.fixed_parameters.find(p.name); it != in.options.fixed_parameters.end()) {
        values_[i] = it->second;
        known_[i] = true;
      } else {
        values_[i] = p.least().value_or(p.min);
      }
    }
  }

  Seed run() {
    if (!read_demand()) return std::move(out_);
    for (std::size_t i = 0; i < spec_.regions.size(); ++i) {
      const spec::Region& r = spec_.regions[i];
      if (!unplaced(r, known_)) {
        // Placed already (its bounds fixed, by the spec or the kernel's symbols): only its
        // physical offset may be left to guess.
        if (r.physical == spec::PhysicalKind::kLinear && depends(r.physical_offset->root, known_)) {
          spec::ConcreteDomain d{values_};
          const spec::Bounds<spec::ConcreteDomain> b = spec::region_bounds(d, r);
          if (b.ok) observe_offset(i, b.start, b.last);
        }
        continue;
      }
      if (!place_start(r)) continue;
      if (unplaced(r, known_)) continue;
      spec::ConcreteDomain d{values_};
      const spec::Bounds<spec::ConcreteDomain> b = spec::region_bounds(d, r);
      if (!b.ok) continue;
      claimed_.push_back({VirtAddr(b.start), VirtAddr(b.last)});
      if (r.physical == spec::PhysicalKind::kLinear) observe_offset(i, b.start, b.last);
    }
    return std::move(out_);
  }

 private:
  void set(std::size_t p, std::uint64_t v) {
    values_[p] = v;
    known_[p] = true;
    out_.values[p] = v;
  }

  /// The demand: what breaks with every region placed by a parameter left out.
  bool read_demand() {
    spec::ConcreteDomain d{values_};
    std::vector<ConcreteTerms> terms;
    for (const spec::Region& r : spec_.regions) {
      const spec::Bounds<spec::ConcreteDomain> b = spec::region_bounds(d, r);
      terms.push_back(
          {b.ok && !unplaced(r, known_), b.start, b.last, b.count, b.size, b.stride, b.guard, r.is_array()});
    }
    Sweep sweep(in_, std::move(terms));
    if (!sweep.decides()) return false;
    demand_ = sweep.break_stretches(insts_, Strength::kMust, {}, kMaxDemand);
    return true;
  }

  /// The first demand address in [lo, hi] no region has claimed: its stretch and address.
  std::optional<std::pair<std::size_t, std::uint64_t>> first_demand(std::uint64_t lo, std::uint64_t hi) const {
    // Each turn either answers or moves `a` past a claimed range: at most one turn per claim.
    for (std::uint64_t a = lo;;) {
      const auto it =
          std::partition_point(demand_.begin(), demand_.end(), [&](const VirtRange& s) { return s.last.value() < a; });
      if (it == demand_.end()) return std::nullopt;
      a = std::max(a, it->first.value());
      bool moved = false;
      for (const VirtRange& c : claimed_)
        if (c.contains(VirtAddr(a))) {
          if (c.last.value() == kMax) return std::nullopt;
          a = c.last.value() + 1;
          moved = true;
        }
      if (a > hi) return std::nullopt;
      if (!moved) return std::make_pair(static_cast<std::size_t>(it - demand_.begin()), a);
    }
  }

  /// The last demand address from stretch k on (a region from `first` covers it) up to `hi`, across every gap shorter
  /// than `unit` or than the stretch covered so far (a kernel image's freed init pages leave
  /// holes of megabytes; the next region's demand lies terabytes away).
  std::uint64_t demand_end(std::size_t k, std::uint64_t first, std::uint64_t unit, std::uint64_t hi) const {
    std::uint64_t last = std::min(demand_[k].last.value(), hi);
    for (std::size_t j = k + 1; j < demand_.size() && demand_[j].first.value() <= hi; ++j) {
      const std::uint64_t gap = demand_[j].first.value() - last - 1;
      if (gap >= unit && gap >= last - first + 1) break;
      last = std::min(demand_[j].last.value(), hi);
    }
    return last;
  }

  /// Guesses the region's start (and its size or count) from the demand, or places an array
  /// that no demand needs. False when it guessed nothing.
  bool place_start(const spec::Region& r) {
    const std::optional<std::size_t> p = free_parameter(spec_, r.start, known_);
    if (!p && depends(r.start.root, known_)) return false;
    // The start lies in [lo, hi], the region ends by `top` (its parent's end).
    std::uint64_t lo = p ? spec_.parameters[*p].min : 0, hi = p ? spec_.parameters[*p].max : kMax, top = kMax;
    const bool parent_placed = !r.parent || !unplaced(spec_.regions[*r.parent], known_);
    if (r.parent && parent_placed) {
      spec::ConcreteDomain d{values_};
      const spec::Bounds<spec::ConcreteDomain> pb = spec::region_bounds(d, spec_.regions[*r.parent]);
      if (pb.ok) lo = std::max(lo, pb.start), hi = std::min(hi, pb.last), top = pb.last;
    }
    std::uint64_t start = 0;
    if (!p) {
      // A start already known (--param, or the kernel's symbols): only its size is guessed.
      spec::ConcreteDomain d{values_};
      const auto known = spec::eval_integer(d, *r.start.root);
      if (!known.ok) return false;
      start = lo = known.value;
    }
    if (lo > hi) return false;
    const auto found = first_demand(lo, hi);
    if (!found) return p && r.is_array() && parent_placed && place_unneeded_array(r, *p, lo, hi);
    if (p) {
      const spec::Parameter& param = spec_.parameters[*p];
      start = align_down(found->second, param.align);
      if (start < param.min) {
        const std::optional<std::uint64_t> least = param.least();
        if (!least) return false;
        start = *least;
      }
      set(*p, start);
    }
    if (!r.is_array()) {
      if (r.end_kind != spec::EndKind::kSize) return true;
      const std::optional<std::size_t> q = free_parameter(spec_, r.end, known_);
      if (!q) return true;
      const spec::Parameter& size = spec_.parameters[*q];
      const std::uint64_t reach = size.max - 1 > kMax - start ? kMax : start + (size.max - 1);
      const std::uint64_t last = demand_end(found->first, start, size.align, std::min(top, reach));
      if (last < start) return true;
      std::optional<std::uint64_t> v = last - start == kMax ? std::nullopt : align_up(last - start + 1, size.align);
      if (v && *v < size.min) v = size.least();
      if (v && *v <= size.max) set(*q, *v);
      return true;
    }
    const std::optional<std::size_t> c = free_parameter(spec_, r.array->count, known_);
    if (!c) return true;
    spec::ConcreteDomain d{values_};
    const std::uint64_t stride = spec::region_bounds(d, r).stride;
    if (stride == 0) return true;
    const std::uint64_t last = demand_end(found->first, start, stride, top);
    const spec::Parameter& count = spec_.parameters[*c];
    std::uint64_t v = last < start ? 1 : (last - start) / stride + 1;
    if (const std::optional<std::uint64_t> least = count.least(); least && v < *least) v = *least;
    if (const std::optional<std::uint64_t> up = align_up(v, count.align)) v = *up;
    if (v <= count.max) set(*c, v);
    return true;
  }

  /// An array no demand needs, whose parent (if any) is placed: its least count, in the first
  /// unmapped stretch of [lo, hi] that holds it whole.
  bool place_unneeded_array(const spec::Region& r, std::size_t p, std::uint64_t lo, std::uint64_t hi) {
    if (const std::optional<std::size_t> c = free_parameter(spec_, r.array->count, known_)) {
      const std::optional<std::uint64_t> least = spec_.parameters[*c].least();
      if (!least) return false;
      set(*c, *least);
    }
    const spec::Parameter& param = spec_.parameters[p];
    spec::ConcreteDomain d{values_};
    const spec::Bounds<spec::ConcreteDomain> b = spec::region_bounds(d, r);
    if (!b.ok) return false;
    const std::uint64_t extent_minus_one = b.last - b.start;
    for (const AddressTrie::ClassInterval& iv : in_.trie.intervals()) {
      if (iv.range.last.value() < lo) continue;
      if (iv.range.first.value() > hi) break;
      if (in_.trie.classes()[iv.cls].kind != AttrClass::Kind::kUnmapped) continue;
      const std::optional<std::uint64_t> s = align_up(std::max(iv.range.first.value(), lo), param.align);
      if (!s || *s > kMax - extent_minus_one) continue;
      const std::uint64_t end = *s + extent_minus_one;
      if (end > iv.range.last.value() || end > hi || *s > param.max) continue;
      set(p, *s);
      return true;
    }
    return false;
  }

  /// VA - PA of the first mapped page in [first, last].
  void observe_offset(std::size_t region, std::uint64_t first, std::uint64_t last) {
    const std::vector<Run>& runs = in_.mappings.runs;
    auto it = std::lower_bound(runs.begin(), runs.end(), first,
                               [](const Run& run, std::uint64_t a) { return run.range.last.value() < a; });
    if (it == runs.end() || it->range.first.value() > last || !it->phys) return;
    const std::uint64_t va = std::max(it->range.first.value(), first);
    const std::uint64_t pa = it->phys->value() + (va - it->range.first.value());
    out_.offsets.emplace_back(region, va - pa);
  }

  const CheckInputs& in_;
  const spec::Spec& spec_;
  const std::vector<Instance>& insts_;
  Seed out_;
  std::vector<std::uint64_t> values_;
  std::vector<bool> known_;
  std::vector<VirtRange> demand_;
  std::vector<VirtRange> claimed_;
};

}  // namespace

Seed seed_parameters(const CheckInputs& in, const std::vector<Instance>& insts) { return Seeder(in, insts).run(); }

}  // namespace ptv::check::detail
