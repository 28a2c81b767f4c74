// The goals of each obligation: a generic violation predicate (instantiated on the symbolic and
// the concrete domain) and a description of a concrete violation in domain terms.
#include "verifier/checks/prove_goals.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "models/format.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/prove_goal_builder.h"

namespace ptv::check::detail {

namespace {

/// P02 region-bounds: every region's expressions are well-defined.
Note region_bounds_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  for (std::size_t i = 0; i < n; ++i)
    b.add(
        ObligationId::kRegionBounds, spec.regions[i].name, {i},
        [i](auto& d, const auto& bs) { return d.negate(bs[i].ok); },
        [i](const Replay& r) {
          return Finding{std::nullopt,
                         spec::explain_bounds(r.spec, r.values, i).value_or(r.spec.regions[i].path + ": ill-defined")};
        });
  return std::nullopt;
}

/// P03 canonical.
Note canonical_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  const std::uint64_t lhl = in.lhl, uhf = in.uhf;
  if (!spec.rules.canonical) return "rules.canonical is false";
  for (std::size_t i = 0; i < n; ++i)
    b.add(
        ObligationId::kCanonical, spec.regions[i].name, {i},
        [i, lhl, uhf](auto& d, const auto& bs) {
          const auto& x = bs[i];
          return d.all(x.ok, d.negate(d.any(d.ule(x.last, d.number(lhl)), d.ule(d.number(uhf), x.start))));
        },
        [i, lhl, uhf, mode_text = in.mode_text](const Replay& r) {
          const auto& x = r.bounds[i];
          const std::uint64_t a = x.start <= lhl ? lhl + 1 : x.start;
          return Finding{VirtAddr(a), placed(r.spec, r, i) + " contains the non-canonical address " + hex16(a) +
                                          " (with " + mode_text + ", canonical addresses are " +
                                          closed_range_text(0, lhl) + " and " +
                                          closed_range_text(uhf, ~std::uint64_t{0}) + ")"};
        });
  return std::nullopt;
}

/// P04 in-half.
Note in_half_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  const std::uint64_t lhl = in.lhl, uhf = in.uhf;
  for (std::size_t i = 0; i < n; ++i) {
    const bool user = spec.regions[i].half == Half::kUser;
    b.add(
        ObligationId::kInHalf, spec.regions[i].name, {i},
        [i, user, lhl, uhf](auto& d, const auto& bs) {
          const auto& x = bs[i];
          return d.all(x.ok, user ? d.ult(d.number(lhl), x.last) : d.ult(x.start, d.number(uhf)));
        },
        [i, user, lhl, uhf, mode_text = in.mode_text](const Replay& r) {
          const auto& x = r.bounds[i];
          if (user) {
            const std::uint64_t a = std::max(x.start, lhl + 1);
            return Finding{VirtAddr(a), placed(r.spec, r, i) + " is declared in the user half, but reaches " +
                                            hex16(a) + ", above the user half's last address " + hex16(lhl) + " (" +
                                            mode_text + ")"};
          }
          return Finding{VirtAddr(x.start), placed(r.spec, r, i) + " is declared in the kernel half, but starts at " +
                                                hex16(x.start) + ", below the kernel half's first address " +
                                                hex16(uhf) + " (" + mode_text + ")"};
        });
  }
  return std::nullopt;
}

/// P05 aligned.
Note aligned_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Region& reg = spec.regions[i];
    const std::uint64_t a = reg.required_alignment();
    std::string why = "the 4 KiB page size";
    if (reg.align > kPageBytes && reg.align == a)
      why = "its align " + bytes_text(a);
    else if (a > kPageBytes)
      why = "its smallest allowed page size " + bytes_text(a) + " (it must be mapped)";
    const bool array = reg.is_array();
    b.add(
        ObligationId::kAligned, reg.name, {i},
        [i, a, array](auto& d, const auto& bs) {
          const auto& x = bs[i];
          const auto mask = d.number(a - 1), page = d.number(kPageBytes - 1);
          auto bad = nonzero(d, d.bit_and(x.start, mask));
          if (array) {
            bad = d.any(bad, d.all(d.ule(d.number(2), x.count), nonzero(d, d.bit_and(x.stride, mask))));
            bad = d.any(bad, d.any(nonzero(d, d.bit_and(x.size, page)), nonzero(d, d.bit_and(x.guard, page))));
          } else {
            bad = d.any(bad, nonzero(d, d.bit_and(d.add(x.last, d.number(1)), mask)));
          }
          return d.all(x.ok, bad);
        },
        [i, a, array, why](const Replay& r) {
          const auto& x = r.bounds[i];
          const std::string head = placed(r.spec, r, i) + ": ";
          if (x.start % a != 0)
            return Finding{VirtAddr(x.start), head + "its start " + hex16(x.start) + " is not a multiple of " +
                                                  bytes_text(a) + ", " + why};
          if (!array)
            return Finding{VirtAddr(x.last + 1), head + "its end " + hex16(x.last + 1) + " is not a multiple of " +
                                                     bytes_text(a) + ", " + why};
          if (x.count >= 2 && x.stride % a != 0)
            return Finding{VirtAddr(x.start + x.stride), head + "element 1 starts at " + hex16(x.start + x.stride) +
                                                             ", not a multiple of " + bytes_text(a) + " (stride " +
                                                             bytes_text(x.stride) + ")"};
          if (x.size % kPageBytes != 0)
            return Finding{VirtAddr(x.start + x.size), head + "element 0 ends at " + hex16(x.start + x.size) +
                                                           ", inside a page (element size " + bytes_text(x.size) + ")"};
          return Finding{VirtAddr(x.start + x.size + x.guard),
                         head + "the guard after element 0 ends at " + hex16(x.start + x.size + x.guard) +
                             ", inside a page (guard " + bytes_text(x.guard) + ")"};
        });
  }
  return std::nullopt;
}

// P06 disjoint: siblings only (regions with the same parent, or top-level regions); regions
// under different parents are disjoint when their ancestors are (P06) and nesting holds (P07).
// A pair whose bounds' ranges under the parameter domains are apart cannot overlap (its
// violation would evaluate to false): a sweep in order of the least start finds the others,
// so a spec of many fixed regions costs n log n, not n^2 goals.
Note disjoint_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  const spec::SymbolicSpec& sym = in.sym;
  std::map<std::optional<std::size_t>, std::vector<std::size_t>> siblings;
  std::size_t apart = 0;  // sibling pairs the ranges keep apart
  for (std::size_t i = 0; i < n; ++i) siblings[spec.regions[i].parent].push_back(i);
  for (auto& [parent, group] : siblings) {
    std::sort(group.begin(), group.end(), [&](std::size_t x, std::size_t y) {
      return std::pair(sym.regions[x].start.lo, x) < std::pair(sym.regions[y].start.lo, y);
    });
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    std::vector<std::size_t> active;  // earlier regions whose last may reach later starts
    for (std::size_t j : group) {
      const std::uint64_t start_lo = sym.regions[j].start.lo;
      std::erase_if(active, [&](std::size_t i) { return sym.regions[i].last.hi < start_lo; });
      for (std::size_t i : active) pairs.emplace_back(std::min(i, j), std::max(i, j));
      active.push_back(j);
    }
    std::sort(pairs.begin(), pairs.end());
    for (const auto& [i, j] : pairs)
      b.add(
          ObligationId::kDisjoint, spec.regions[i].name + " / " + spec.regions[j].name, {i, j},
          [i, j](auto& d, const auto& bs) {
            return d.all(both_ok(d, bs[i], bs[j]), overlap(d, bs[i].start, bs[i].last, bs[j].start, bs[j].last));
          },
          [i, j](const Replay& r) {
            const std::uint64_t a = std::max(r.bounds[i].start, r.bounds[j].start);
            return Finding{VirtAddr(a),
                           hex16(a) + " lies in both " + placed(r.spec, r, i) + " and " + placed(r.spec, r, j)};
          });
    apart += group.size() * (group.size() - 1) / 2 - pairs.size();
  }
  if (apart != 0 && n >= 2) b.apart(ObligationId::kDisjoint, apart);
  if (n < 2) return "fewer than two regions";
  return std::nullopt;
}

/// P07 nesting.
Note nesting_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  bool any_nested = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!spec.regions[i].parent) continue;
    any_nested = true;
    const std::size_t p = *spec.regions[i].parent;
    b.add(
        ObligationId::kNesting, spec.regions[i].name + " in " + spec.regions[p].name, {i, p},
        [i, p](auto& d, const auto& bs) {
          return d.all(both_ok(d, bs[i], bs[p]), d.any(d.ult(bs[i].start, bs[p].start), d.ult(bs[p].last, bs[i].last)));
        },
        [i, p](const Replay& r) {
          const auto& c = r.bounds[i];
          const auto& q = r.bounds[p];
          if (c.start < q.start)
            return Finding{VirtAddr(c.start), placed(r.spec, r, i) + " starts at " + hex16(c.start) +
                                                  ", below its parent " + placed(r.spec, r, p)};
          return Finding{VirtAddr(q.last + 1), placed(r.spec, r, i) + " reaches " + hex16(q.last + 1) +
                                                   ", past the end of its parent " + placed(r.spec, r, p)};
        });
  }
  if (!any_nested) return "no region is nested_in another";
  return std::nullopt;
}

/// P08 array-guards.
Note array_guard_goals(Builder& b, const Inputs& in) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  bool any_array = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!spec.regions[i].is_array()) continue;
    any_array = true;
    b.add(
        ObligationId::kArrayGuards, spec.regions[i].name, {i},
        [i](auto& d, const auto& bs) {
          const auto& x = bs[i];
          const auto missing = d.any(d.eq(x.guard, d.number(0)), d.ult(x.stride, d.add(x.size, x.guard)));
          return d.all(x.ok, d.all(d.ule(d.number(2), x.count), missing));
        },
        [i](const Replay& r) {
          const auto& x = r.bounds[i];
          const std::string head =
              placed(r.spec, r, i) + " (" + decimal(x.count) + " elements of " + bytes_text(x.size) + ")";
          if (x.guard == 0)
            return Finding{VirtAddr(x.start + x.size),
                           head + ": the guard is 0 bytes, so nothing separates element 0 from element 1; " +
                               hex16(x.start + x.size) + " follows element 0 unguarded"};
          return Finding{VirtAddr(x.start + x.stride), head + ": element 1 starts at " + hex16(x.start + x.stride) +
                                                           ", inside element 0 or its guard (stride " +
                                                           bytes_text(x.stride) + " < size + guard " +
                                                           bytes_text(x.size + x.guard) + ")"};
        });
  }
  if (!any_array) return "the spec has no arrays";
  return std::nullopt;
}

}  // namespace

Goals build_goals(const spec::Spec& spec, spec::SymbolicSpec& sym) {
  Builder b(spec, sym);
  const PagingMode mode = spec.rules.paging_mode;
  const Inputs in{spec, sym, lower_half_last(mode).value(), upper_half_first(mode).value(),
                  std::string(to_string(mode)) + " paging"};
  // In registry order: the goals' order is the report's.
  using Obligation = Note (*)(Builder&, const Inputs&);
  static constexpr std::pair<ObligationId, Obligation> kBuilders[] = {
      {ObligationId::kRegionBounds, region_bounds_goals},
      {ObligationId::kCanonical, canonical_goals},
      {ObligationId::kInHalf, in_half_goals},
      {ObligationId::kAligned, aligned_goals},
      {ObligationId::kDisjoint, disjoint_goals},
      {ObligationId::kNesting, nesting_goals},
      {ObligationId::kArrayGuards, array_guard_goals},
      {ObligationId::kRecursiveSlot, recursive_slot_goals},
      {ObligationId::kRightsVsRules, rights_vs_rules_goals},
  };
  Goals out;
  out.notes.assign(kObligations.size(), "");
  for (const auto& [id, build] : kBuilders)
    if (Note note = build(b, in)) out.notes[static_cast<std::size_t>(id)] = std::move(*note);
  out.unbuilt = b.take_unbuilt();
  out.goals = b.take();
  return out;
}

}  // namespace ptv::check::detail
