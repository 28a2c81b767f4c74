// What it means for an address to break a rule, written once, as templates over a domain, and
// instantiated three ways:
//   - SMT search: a symbolic address, the trie's class term, region bounds as numerals;
//   - parameter inference: a concrete address and class, region bounds as symbolic terms;
//   - replay: everything concrete (uint64_t, bool, AttrClass): spec::ConcreteDomain.
// So the solver's counterexample and the concrete replay cannot disagree about the rule.
//
// A Domain provides: types Value, Bool; Value number(uint64_t); Bool truth(bool);
// Bool has(const Class&, Pred) for a predicate on AttrClass, the class being an AttrClass or
// the trie's term; Bool ule(Value, Value);
// Bool ult(Value, Value); Value add/sub/udiv/urem(Value, Value); and the operators &&, ||, ! on
// Bool.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "models/paging_mode.h"
#include "verifier/checks/rules.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/spec/spec.h"

namespace ptv::check {

/// kMust: the dump shows the violation; kMay: the dump cannot rule it out (unknown rights,
/// elided ranges). A rule holds when even the kMay form is unsat.
enum class Strength : unsigned char { kMust, kMay };

/// One checkable instance: a rule, and the region it is about (npos for global rules).
struct Instance {
  RuleId rule;
  std::size_t region = static_cast<std::size_t>(-1);
  static constexpr std::size_t kNoRegion = static_cast<std::size_t>(-1);
};

/// A region's bounds in some domain (see spec::Bounds): arrays have count/size/guard/stride.
template <class V, class B>
struct RegionTerms {
  B ok;
  V start, last;
  V count, size, stride, guard;
  bool is_array = false;
};

// --- Predicates on the attribute class ---------------------------------------------------

inline bool tri_holds(Tri t, Strength s) { return s == Strength::kMust ? t == Tri::kYes : t != Tri::kNo; }
inline Tri negate(Tri t) { return tri_not(t); }

/// A translation exists (kMay: or the source cannot tell: an unknown range, or a listed
/// translation whose walk may fault on a reserved bit the format cannot show).
inline bool class_mapped(const AttrClass& c, Strength s) {
  if (c.kind == AttrClass::Kind::kUnknown) return s == Strength::kMay;
  return c.kind == AttrClass::Kind::kMapped && (s == Strength::kMay || c.valid == Tri::kYes);
}
/// No translation exists (kMay: or the source cannot tell). A faulting walk translates nothing.
inline bool class_unmapped(const AttrClass& c, Strength s) {
  if (c.kind == AttrClass::Kind::kUnmapped || c.kind == AttrClass::Kind::kFault) return true;
  if (s == Strength::kMust) return false;
  return c.kind == AttrClass::Kind::kUnknown || c.valid != Tri::kYes;
}
/// A property of the translation, given as a Tri of its fields: it exists and has the property
/// (kMust: certainly; kMay: the source cannot rule it out).
/// An unknown class (the source cannot tell) may have the property unless its bounds rule it out.
template <class F>
bool class_is(const AttrClass& c, Strength s, F property) {
  if (c.kind == AttrClass::Kind::kUnknown) return s == Strength::kMay && tri_holds(property(c), Strength::kMay);
  if (c.kind != AttrClass::Kind::kMapped) return false;
  if (s == Strength::kMust && c.valid != Tri::kYes) return false;
  return tri_holds(property(c), s);
}
/// The class's value for one right (spec::Rights bit).
inline Tri right_of(const AttrClass& c, std::uint8_t right) {
  switch (right) {
    case spec::Rights::kUser:
      return c.user;
    case spec::Rights::kWritable:
      return c.writable;
    case spec::Rights::kExecutable:
      return c.executable;
    default:
      return c.global;
  }
}
inline bool class_has_right(const AttrClass& c, std::uint8_t right, Strength s) {
  return class_is(c, s, [right](const AttrClass& k) { return right_of(k, right); });
}
inline bool class_lacks_right(const AttrClass& c, std::uint8_t right, Strength s) {
  return class_is(c, s, [right](const AttrClass& k) { return tri_not(right_of(k, right)); });
}
/// [docs/spec-language.md §6] One privilege can both write and execute the page: writable and
/// supervisor-executable, or user-writable and user-executable.
inline Tri wx_of(const AttrClass& c) {
  return tri_or(tri_and(c.writable, c.supervisor_executable), tri_and(c.user_writable, tri_and(c.user, c.executable)));
}
inline bool page_size_allowed(std::uint64_t ps, spec::PageSizes allowed) {
  return (ps == page_size(Level::kPt) && allowed.has(spec::PageSizes::k4K)) ||
         (ps == page_size(Level::kPd) && allowed.has(spec::PageSizes::k2M)) ||
         (ps == page_size(Level::kPdpt) && allowed.has(spec::PageSizes::k1G));
}

inline constexpr std::uint8_t kAllRights[] = {spec::Rights::kUser, spec::Rights::kWritable, spec::Rights::kExecutable,
                                              spec::Rights::kGlobal};

// --- Region membership (docs/spec-language.md §5.4) -----------------------------------------

/// a in the region's extent [start, last].
template <class D, class V, class B>
B in_extent(D& d, const RegionTerms<V, B>& r, const V& a) {
  return r.ok && d.ule(r.start, a) && d.ule(a, r.last);
}
/// a in the region's cover: the extent of a plain region; an array's elements and guards (not
/// the gaps a stride larger than size + guard leaves).
template <class D, class V, class B>
B in_cover(D& d, const RegionTerms<V, B>& r, const V& a) {
  if (!r.is_array) return in_extent(d, r, a);
  return in_extent(d, r, a) && d.ult(d.urem(d.sub(a, r.start), r.stride), d.add(r.size, r.guard));
}
/// a in an element of the region (plain regions: the extent; arrays: not in a guard or gap).
template <class D, class V, class B>
B in_element(D& d, const RegionTerms<V, B>& r, const V& a) {
  if (!r.is_array) return in_extent(d, r, a);
  const V off = d.sub(a, r.start);
  return in_extent(d, r, a) && d.ult(d.udiv(off, r.stride), r.count) && d.ult(d.urem(off, r.stride), r.size);
}
/// Region i governs a: its cover holds a, and no region nested (transitively) inside it covers
/// a. The innermost region decides.
template <class D, class V, class B>
B governs(D& d, const spec::Spec& spec, const std::vector<RegionTerms<V, B>>& regions, std::size_t i, const V& a) {
  B out = in_cover(d, regions[i], a);
  for (std::size_t c = 0; c < regions.size(); ++c)
    if (c != i && spec.is_ancestor_or_self(i, c)) out = out && !in_cover(d, regions[c], a);
  return out;
}
/// A region whose every address is a guard: `must: unmapped`, or kind `guard`.
inline bool is_guard_region(const spec::Region& r) {
  return r.must == spec::Must::kUnmapped || r.kind == spec::RegionKind::kGuard;
}
/// a is a guard address governed by region i: i governs it and is a guard region, or a lies in
/// a guard of the array i.
template <class D, class V, class B>
B in_guard(D& d, const spec::Spec& spec, const std::vector<RegionTerms<V, B>>& regions, std::size_t i, const V& a) {
  if (is_guard_region(spec.regions[i])) return governs(d, spec, regions, i, a);
  if (!regions[i].is_array) return d.truth(false);
  return governs(d, spec, regions, i, a) && !in_element(d, regions[i], a);
}
/// a is an element address governed by region i: i governs it, i is no guard region, and a is
/// in one of its elements. The region's rights, page sizes and `must: mapped` apply here only.
template <class D, class V, class B>
B in_governed_element(D& d, const spec::Spec& spec, const std::vector<RegionTerms<V, B>>& regions, std::size_t i,
                      const V& a) {
  if (is_guard_region(spec.regions[i])) return d.truth(false);
  if (!regions[i].is_array) return governs(d, spec, regions, i, a);
  return governs(d, spec, regions, i, a) && in_element(d, regions[i], a);
}

/// The regions that may be the vsyscall page: kind `vsyscall`, allowing `user`, in the spec's
/// order (regions, then arrays). The vsyscall page is the first of them that is exactly 4 KiB.
std::vector<std::size_t> vsyscall_candidates(const spec::Spec& spec);

// --- The rules ---------------------------------------------------------------------------

template <class D>
using Terms = std::vector<RegionTerms<typename D::Value, typename D::Bool>>;

template <class D, class Class>
typename D::Bool mapped_at(D& d, const Class& cls, Strength s) {
  return d.has(cls, [s](const AttrClass& c) { return class_mapped(c, s); });
}
template <class D, class Class>
typename D::Bool unmapped_at(D& d, const Class& cls, Strength s) {
  return d.has(cls, [s](const AttrClass& c) { return class_unmapped(c, s); });
}
template <class D, class Class>
typename D::Bool has_right_at(D& d, const Class& cls, std::uint8_t r, Strength s) {
  return d.has(cls, [r, s](const AttrClass& c) { return class_has_right(c, r, s); });
}
template <class D, class Class>
typename D::Bool lacks_right_at(D& d, const Class& cls, std::uint8_t r, Strength s) {
  return d.has(cls, [r, s](const AttrClass& c) { return class_lacks_right(c, r, s); });
}

/// user-kernel-split: user access in the kernel half, but where the vsyscall page governs
/// (rules "vsyscall-only"): the first candidate exactly 4 KiB long.
template <class D, class Class>
typename D::Bool breaks_user_kernel_split(D& d, const spec::Spec& spec, const typename D::Value& a, const Class& cls,
                                          const Terms<D>& regions, Strength s) {
  using B = typename D::Bool;
  const spec::Rules& rules = spec.rules;
  if (rules.user_in_kernel_half == spec::UserInKernelHalf::kAllowed) return d.truth(false);
  B excused = d.truth(false);
  if (rules.user_in_kernel_half == spec::UserInKernelHalf::kVsyscallOnly) {
    B earlier_page = d.truth(false);
    for (std::size_t v : vsyscall_candidates(spec)) {
      const auto& r = regions[v];
      const auto extent_minus_one = d.sub(r.last, r.start);
      const B page = r.ok && d.ule(extent_minus_one, d.number(kPageBytes - 1)) &&
                     d.ule(d.number(kPageBytes - 1), extent_minus_one);
      excused = excused || (page && !earlier_page && governs(d, spec, regions, v, a));
      earlier_page = earlier_page || page;
    }
  }
  const B kernel_half = d.ule(d.number(upper_half_first(rules.paging_mode).value()), a);
  return kernel_half && has_right_at(d, cls, spec::Rights::kUser, s) && !excused;
}

/// region-rights: a right the governing region does not allow; region-required-rights: one
/// it requires and the translation lacks.
template <class D, class Class>
typename D::Bool breaks_region_rights(D& d, const spec::Spec& spec, const Instance& inst, const typename D::Value& a,
                                      const Class& cls, const Terms<D>& regions, Strength s) {
  using B = typename D::Bool;
  const spec::Region& r = spec.regions[inst.region];
  B wrong = d.truth(false);
  for (std::uint8_t right : kAllRights) {
    if (inst.rule == RuleId::kRegionRights && !r.allowed.has(right)) wrong = wrong || has_right_at(d, cls, right, s);
    if (inst.rule == RuleId::kRegionRequiredRights && r.required.has(right))
      wrong = wrong || lacks_right_at(d, cls, right, s);
  }
  return in_governed_element(d, spec, regions, inst.region, a) && wrong;
}

/// page-size: a page of a size the governing region does not allow.
template <class D, class Class>
typename D::Bool breaks_page_size(D& d, const spec::Spec& spec, const Instance& inst, const typename D::Value& a,
                                  const Class& cls, const Terms<D>& regions, Strength s) {
  const spec::PageSizes allowed = spec.regions[inst.region].page_sizes;
  return in_governed_element(d, spec, regions, inst.region, a) && d.has(cls, [allowed, s](const AttrClass& c) {
    if (!class_mapped(c, s)) return false;
    if (c.kind == AttrClass::Kind::kUnknown) {
      // Any page up to the largest the missing tables can hold (0: any).
      const auto possible = [&](std::uint64_t size) { return c.page_size == 0 || size <= c.page_size; };
      for (std::uint64_t size : {page_size(Level::kPt), page_size(Level::kPd), page_size(Level::kPdpt)})
        if (possible(size) && !page_size_allowed(size, allowed)) return true;
      return false;
    }
    if (c.page_size == 0) return s == Strength::kMay;
    return !page_size_allowed(c.page_size, allowed);
  });
}

/// reserved-bits: a fault; or (kMay) an address the source cannot tell about, or a listed
/// translation whose walk the format cannot show.
template <class D, class Class>
typename D::Bool breaks_reserved_bits(D& d, const Class& cls, Strength s) {
  return d.has(cls, [s](const AttrClass& c) {
    if (c.kind == AttrClass::Kind::kFault) return true;
    if (s == Strength::kMust) return false;
    return c.kind == AttrClass::Kind::kUnknown || (c.kind == AttrClass::Kind::kMapped && c.valid != Tri::kYes);
  });
}

/// [docs/spec-language.md §5.4] page-table-exposure: a page-table frame is never
/// user-accessible, and writable only where the governing region maps page tables.
template <class D, class Class>
typename D::Bool breaks_page_table_exposure(D& d, const spec::Spec& spec, const typename D::Value& a, const Class& cls,
                                            const Terms<D>& regions, Strength s) {
  using B = typename D::Bool;
  B allowed = d.truth(false);
  for (std::size_t i = 0; i < spec.regions.size(); ++i)
    if (spec.regions[i].maps_page_tables) allowed = allowed || governs(d, spec, regions, i, a);
  const B user = d.has(cls, [s](const AttrClass& c) {
    return class_is(c, s, [](const AttrClass& k) { return tri_and(k.page_table_frame, k.user); });
  });
  const B write = d.has(cls, [s](const AttrClass& c) {
    return class_is(c, s, [](const AttrClass& k) { return tri_and(k.page_table_frame, k.writable); });
  });
  return user || (write && !allowed);
}

/// [docs/spec-language.md §6.1] `a` lies in the extent of a region the spec excepts from `rule`.
template <class D>
typename D::Bool excepted(D& d, const spec::Spec& spec, RuleId rule, const typename D::Value& a,
                          const Terms<D>& regions) {
  typename D::Bool out = d.truth(false);
  for (const spec::RuleException& e : spec.exceptions)
    if (e.rule == static_cast<std::size_t>(rule)) out = out || in_extent(d, regions[e.region], a);
  return out;
}
/// True when the spec excepts `rule` somewhere.
inline bool has_exceptions(const spec::Spec& spec, RuleId rule) {
  for (const spec::RuleException& e : spec.exceptions)
    if (e.rule == static_cast<std::size_t>(rule)) return true;
  return false;
}

/// Does address `a`, whose translation has class `cls`, break `inst`, the spec's exceptions
/// aside? Requires: a canonical.
template <class D, class Class>
typename D::Bool violates_unexcepted(D& d, const spec::Spec& spec, const Instance& inst, const typename D::Value& a,
                                     const Class& cls, const Terms<D>& regions, Strength s) {
  using B = typename D::Bool;
  const spec::Rules& rules = spec.rules;
  switch (inst.rule) {
    case RuleId::kNullGuard:
      if (rules.null_guard == 0) return d.truth(false);
      return d.ule(a, d.number(rules.null_guard - 1)) && mapped_at(d, cls, s);
    case RuleId::kUserKernelSplit:
      return breaks_user_kernel_split(d, spec, a, cls, regions, s);
    case RuleId::kSupervisorInUserHalf:
      if (rules.supervisor_in_user_half == spec::Policy::kAllowed) return d.truth(false);
      return d.ule(a, d.number(lower_half_last(rules.paging_mode).value())) &&
             lacks_right_at(d, cls, spec::Rights::kUser, s);
    case RuleId::kWx:
      if (rules.wx == spec::Policy::kAllowed) return d.truth(false);
      return d.has(cls, [s](const AttrClass& c) { return class_is(c, s, wx_of); });
    case RuleId::kRegionRights:
    case RuleId::kRegionRequiredRights:
      return breaks_region_rights(d, spec, inst, a, cls, regions, s);
    case RuleId::kRequiredMapped:
      if (spec.regions[inst.region].must != spec::Must::kMapped) return d.truth(false);
      return in_governed_element(d, spec, regions, inst.region, a) && unmapped_at(d, cls, s);
    case RuleId::kGuardUnmapped:
      return in_guard(d, spec, regions, inst.region, a) && mapped_at(d, cls, s);
    case RuleId::kOutsideRegions: {
      if (rules.outside_regions == spec::Policy::kAllowed) return d.truth(false);
      B inside = d.truth(false);
      for (const auto& r : regions) inside = inside || in_cover(d, r, a);
      return mapped_at(d, cls, s) && !inside;
    }
    case RuleId::kPageSize:
      return breaks_page_size(d, spec, inst, a, cls, regions, s);
    case RuleId::kReservedBits:
      return breaks_reserved_bits(d, cls, s);
    case RuleId::kPageTableExposure:
      return breaks_page_table_exposure(d, spec, a, cls, regions, s);
    case RuleId::kCanonical:
    case RuleId::kRecursiveSlot:
    case RuleId::kConflictingAliases:
    case RuleId::kPhysicalLayout:
      return d.truth(false);  // decided outside the address encoding (checks/physical.h)
  }
  return d.truth(false);
}

/// Does address `a`, whose translation has class `cls`, break `inst`? Not where a region the
/// spec excepts from the rule lies (§6.1). Requires: a canonical. The one predicate the address
/// search, its replay and parameter inference all use.
template <class D, class Class>
typename D::Bool violates(D& d, const spec::Spec& spec, const Instance& inst, const typename D::Value& a,
                          const Class& cls, const Terms<D>& regions, Strength s) {
  const typename D::Bool v = violates_unexcepted(d, spec, inst, a, cls, regions, s);
  if (!has_exceptions(spec, inst.rule)) return v;
  return v && !excepted(d, spec, inst.rule, a, regions);
}

/// Every instance the spec gives rise to, in registry order.
std::vector<Instance> instances(const spec::Spec& spec);

}  // namespace ptv::check
