#include "verifier/checks/sweep.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace ptv::check::detail {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

}  // namespace

unsigned Sweep::Periodic::part(std::uint64_t a) const {
  const std::uint64_t ph = (a - start) % stride;
  if (ph < size) return 0;
  return ph - size < guard ? 1 : 2;
}

std::optional<std::uint64_t> Sweep::Periodic::next_cut(std::uint64_t a) const {
  const std::uint64_t ph = (a - start) % stride;
  std::uint64_t end = stride;  // > ph
  if (size > ph) end = std::min(end, size);
  if (size + guard > ph) end = std::min(end, size + guard);  // no wrap: the layout checks size + guard
  const std::uint64_t delta = end - ph;
  if (a > kMax - delta || a + delta > last) return std::nullopt;
  return a + delta;
}

std::optional<std::uint64_t> Sweep::Periodic::next_in_part(std::uint64_t a, std::uint64_t until, unsigned p) const {
  // The part's offsets within a period: [lo, hi).
  const std::uint64_t pages = std::min(size, stride);
  const std::uint64_t guarded = std::min(size + guard, stride);
  const std::uint64_t lo = p == 0 ? 0 : p == 1 ? pages : guarded;
  const std::uint64_t hi = p == 0 ? pages : p == 1 ? guarded : stride;
  if (lo >= hi) return std::nullopt;
  const std::uint64_t ph = (a - start) % stride;
  std::uint64_t delta = 0;
  if (ph < lo)
    delta = lo - ph;
  else if (ph >= hi)
    delta = stride - ph + lo;
  if (a > kMax - delta || a + delta > until) return std::nullopt;
  return a + delta;
}

Sweep::Sweep(const CheckInputs& in, const spec::Layout& layout) : Sweep(in, concrete_terms(in.spec, layout)) {}

Sweep::Sweep(const CheckInputs& in, std::vector<ConcreteTerms> terms) : in_(in), terms_(std::move(terms)) {
  const spec::Rules& rules = in.spec.rules;
  cuts_.push_back(0);
  if (rules.null_guard != 0) cuts_.push_back(rules.null_guard);
  cuts_.push_back(upper_half_first(rules.paging_mode).value());
  cuts_.push_back(lower_half_last(rules.paging_mode).value() + 1);
  for (const ConcreteTerms& t : terms_) {
    if (!t.ok) continue;
    cuts_.push_back(t.start);
    if (t.last != kMax) cuts_.push_back(t.last + 1);
    // An array of stride 0 has one element whose guard ends the extent: no periodic cut.
    if (!t.is_array || t.stride == 0) continue;
    // The element index (offset / stride) reaches the count inside the extent only when the
    // elements overlap (stride < size + guard).
    if (t.count <= (t.last - t.start) / t.stride) cuts_.push_back(t.start + t.count * t.stride);
    arrays_.push_back({t.start, t.last, t.stride, t.size, t.guard});
  }
  std::sort(cuts_.begin(), cuts_.end());
  cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
  if (arrays_.size() > kMaxArrays) {
    decides_ = false;
    return;
  }
  // Where two arrays overlap, their cuts are visited one by one: a bounded number of them.
  for (std::size_t i = 0; i < arrays_.size(); ++i)
    for (std::size_t j = i + 1; j < arrays_.size(); ++j) {
      const Periodic& x = arrays_[i];
      const Periodic& y = arrays_[j];
      const std::uint64_t lo = std::max(x.start, y.start), hi = std::min(x.last, y.last);
      if (lo > hi) continue;
      if ((hi - lo) / std::min(x.stride, y.stride) >= kMaxOverlapPeriods) decides_ = false;
    }
}

std::uint64_t Sweep::parts_at(std::uint64_t a) const {
  std::uint64_t out = 0;
  for (std::size_t j = 0; j < arrays_.size(); ++j) {
    const Periodic& p = arrays_[j];
    const std::uint64_t part = a < p.start || a > p.last ? 3 : p.part(a);
    out |= part << (2 * j);
  }
  return out;
}

bool Sweep::breaks(std::size_t zone, std::uint32_t cls, std::uint64_t parts, std::uint64_t at,
                   const std::vector<Instance>& insts, Strength s) {
  const Key key{(static_cast<std::uint64_t>(zone) << 32) | cls, parts};
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  ConcreteDomain d;
  const AttrClass& c = in_.trie.classes()[cls];
  bool out = false;
  for (std::size_t i = 0; i < insts.size(); ++i)
    if (violates(d, in_.spec, insts[i], at, c, terms_, s)) {
      out = true;
      if (tally_ == nullptr) break;
      (*tally_)[i] = true;
    }
  memo_.emplace(key, out);
  return out;
}

void Sweep::visit(const std::vector<Instance>& insts, Strength s, const std::vector<VirtRange>& skip, const Visit& f) {
  memo_.clear();
  // Where the pass goes on from: past the last piece, or past the skipped ranges that held it.
  std::uint64_t resume = 0;
  bool finished = false;  // resume would be 2^64
  // The first address of [first, last] no range of `skip` holds; else past the ranges that
  // hold `first` (possibly beyond `last`, or 2^64: empty).
  const auto unskipped = [&](std::uint64_t first) -> std::optional<std::uint64_t> {
    for (bool moved = true; moved;) {
      moved = false;
      for (const VirtRange& r : skip)
        if (r.first.value() <= first && first <= r.last.value()) {
          if (r.last.value() == kMax) return std::nullopt;
          first = r.last.value() + 1;
          moved = true;
        }
    }
    return first;
  };
  // A breaking piece: reported from its first unskipped address. False: stop.
  const auto report = [&](std::uint64_t first, std::uint64_t last) {
    const std::optional<std::uint64_t> u = unskipped(first);
    if (!u) {
      finished = true;
      return true;
    }
    if (*u <= last) {
      if (!f(*u, last)) return false;
      if (last == kMax) finished = true;
      resume = last + 1;
      return true;
    }
    resume = *u;
    return true;
  };
  std::vector<std::size_t> active;
  for (const AddressTrie::ClassInterval& iv : in_.trie.intervals()) {
    const std::uint64_t last = iv.range.last.value();
    if (finished) return;
    if (last < resume) continue;
    std::uint64_t pos = std::max(iv.range.first.value(), resume);
    for (;;) {
      auto cut = std::upper_bound(cuts_.begin(), cuts_.end(), pos);
      const std::size_t zone = static_cast<std::size_t>(cut - cuts_.begin()) - 1;
      const std::uint64_t zend = cut == cuts_.end() || *cut - 1 >= last ? last : *cut - 1;
      active.clear();
      for (std::size_t j = 0; j < arrays_.size(); ++j)
        if (arrays_[j].start <= pos && pos <= arrays_[j].last) active.push_back(j);
      bool piecewise = true;
      if (active.size() == 1 && zend - pos >= arrays_[active[0]].stride) {
        // Every part of the element occurs in [pos, zend]: the zone breaks in each period or
        // in none.
        const Periodic& p = arrays_[active[0]];
        const std::uint64_t others = parts_at(pos) & ~(std::uint64_t{3} << (2 * active[0]));
        bool any = false, all = true;
        for (unsigned part = 0; part < 3; ++part) {
          const std::optional<std::uint64_t> at = p.next_in_part(pos, zend, part);
          if (!at) continue;
          const bool b = breaks(zone, iv.cls, others | (std::uint64_t{part} << (2 * active[0])), *at, insts, s);
          any = any || b;
          all = all && b;
        }
        if (!any || tally_ != nullptr) {
          // (Gathering answers per instance: every key of the zone is known already.)
          piecewise = false;
          resume = zend + 1;
          if (zend == kMax) finished = true;
        } else if (all) {
          piecewise = false;
          if (!report(pos, zend)) return;
        }
      }
      if (piecewise) {
        if (active.empty()) {
          if (breaks(zone, iv.cls, parts_at(pos), pos, insts, s)) {
            if (!report(pos, zend)) return;
          } else {
            resume = zend + 1;
            if (zend == kMax) finished = true;
          }
        } else {
          // One piece at a time: between two periodic cuts of the arrays that hold pos.
          while (!finished && resume <= zend && pos <= zend) {
            std::uint64_t pend = zend;
            for (std::size_t j : active)
              if (const std::optional<std::uint64_t> c = arrays_[j].next_cut(pos)) pend = std::min(pend, *c - 1);
            if (breaks(zone, iv.cls, parts_at(pos), pos, insts, s)) {
              if (!report(pos, pend)) return;
            } else {
              resume = pend + 1;
              if (pend == kMax) finished = true;
            }
            if (finished) break;
            pos = resume;
          }
        }
      }
      if (finished || resume > last || resume == 0) break;
      pos = resume;
    }
    if (finished) return;
  }
}

std::optional<VirtAddr> Sweep::first_break(const std::vector<Instance>& insts, Strength s,
                                           const std::vector<VirtRange>& skip) {
  std::optional<VirtAddr> out;
  visit(insts, s, skip, [&](std::uint64_t first, std::uint64_t) {
    out = VirtAddr(first);
    return false;
  });
  return out;
}

std::vector<bool> Sweep::breaking_instances(const std::vector<Instance>& insts, Strength s) {
  std::vector<bool> out(insts.size(), false);
  tally_ = &out;
  visit(insts, s, {}, [](std::uint64_t, std::uint64_t) { return true; });
  tally_ = nullptr;
  return out;
}

std::vector<VirtRange> Sweep::break_stretches(const std::vector<Instance>& insts, Strength s,
                                              const std::vector<VirtRange>& skip, std::size_t most) {
  std::vector<VirtRange> out;
  if (most == 0) return out;
  visit(insts, s, skip, [&](std::uint64_t first, std::uint64_t last) {
    if (!out.empty() && out.back().last.value() != kMax && out.back().last.value() + 1 == first) {
      out.back().last = VirtAddr(last);
      return true;
    }
    if (out.size() == most) return false;
    out.push_back({VirtAddr(first), VirtAddr(last)});
    return true;
  });
  return out;
}

}  // namespace ptv::check::detail
