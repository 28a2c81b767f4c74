// What it means for an address to break a rule — written once, as templates over a domain, and
// instantiated three ways (STYLE 17):
//   - SMT search: a symbolic address, the trie's class term, region bounds as numerals;
//   - parameter inference: a concrete address and class, region bounds as symbolic terms;
//   - replay: everything concrete (uint64_t, bool, AttrClass).
// So the solver's counterexample and the concrete replay cannot disagree about the rule.
//
// A Domain provides: types Value, Bool, Class; Value number(uint64_t); Bool truth(bool);
// Bool has(const Class&, Pred) for a predicate on AttrClass; Bool ule(Value, Value);
// Bool ult(Value, Value); Value sub/udiv/urem(Value, Value); and the operators &&, ||, ! on Bool.
#pragma once

#include <cstdint>
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

/// A region's bounds in some domain (see spec::Bounds): arrays have count/size/stride.
template <class V, class B>
struct RegionTerms {
  B ok;
  V start, last;
  V count, size, stride;
  bool is_array = false;
};

// --- Predicates on the attribute class ---------------------------------------------------

inline bool tri_holds(Tri t, Strength s) { return s == Strength::kMust ? t == Tri::kYes : t != Tri::kNo; }
inline Tri negate(Tri t) { return t == Tri::kYes ? Tri::kNo : t == Tri::kNo ? Tri::kYes : Tri::kUnknown; }

/// A translation exists (kMay: or the source cannot tell).
inline bool class_mapped(const AttrClass& c, Strength s) {
  return c.kind == AttrClass::Kind::kMapped || (s == Strength::kMay && c.kind == AttrClass::Kind::kUnknown);
}
/// No translation exists (kMay: or the source cannot tell). A faulting walk translates nothing.
inline bool class_unmapped(const AttrClass& c, Strength s) {
  return c.kind == AttrClass::Kind::kUnmapped || c.kind == AttrClass::Kind::kFault ||
         (s == Strength::kMay && c.kind == AttrClass::Kind::kUnknown);
}
/// The class's value for one right (spec::Rights bit).
inline Tri right_of(const AttrClass& c, std::uint8_t right) {
  switch (right) {
    case spec::Rights::kUser: return c.user;
    case spec::Rights::kWritable: return c.writable;
    case spec::Rights::kExecutable: return c.executable;
    default: return c.global;
  }
}
/// Mapped with (`with` = true) or without the given right. A class the source cannot tell
/// about may be either (kMay), and is neither for certain (kMust).
inline bool class_right_is(const AttrClass& c, std::uint8_t right, bool with, Strength s) {
  if (c.kind == AttrClass::Kind::kUnknown) return s == Strength::kMay;
  if (c.kind != AttrClass::Kind::kMapped) return false;
  return tri_holds(with ? right_of(c, right) : negate(right_of(c, right)), s);
}
inline bool class_has_right(const AttrClass& c, std::uint8_t right, Strength s) {
  return class_right_is(c, right, true, s);
}
inline bool class_lacks_right(const AttrClass& c, std::uint8_t right, Strength s) {
  return class_right_is(c, right, false, s);
}
inline bool page_size_allowed(std::uint64_t ps, spec::PageSizes allowed) {
  return (ps == 4096 && allowed.has(spec::PageSizes::k4K)) || (ps == (2u << 20) && allowed.has(spec::PageSizes::k2M)) ||
         (ps == (1u << 30) && allowed.has(spec::PageSizes::k1G));
}

inline constexpr std::uint8_t kAllRights[] = {spec::Rights::kUser, spec::Rights::kWritable, spec::Rights::kExecutable,
                                              spec::Rights::kGlobal};

// --- Region membership ---------------------------------------------------------------------

/// a in the region's extent [start, last].
template <class D, class V, class B>
B in_extent(D& d, const RegionTerms<V, B>& r, const V& a) {
  return r.ok && d.ule(r.start, a) && d.ule(a, r.last);
}
/// a in an element of the region (plain regions: the extent; arrays: not in a guard).
template <class D, class V, class B>
B in_element(D& d, const RegionTerms<V, B>& r, const V& a) {
  if (!r.is_array) return in_extent(d, r, a);
  const V off = d.sub(a, r.start);
  return in_extent(d, r, a) && d.ult(d.udiv(off, r.stride), r.count) && d.ult(d.urem(off, r.stride), r.size);
}
/// a in a guard of an array (between or after elements, inside the extent).
template <class D, class V, class B>
B in_array_guard(D& d, const RegionTerms<V, B>& r, const V& a) {
  if (!r.is_array) return d.truth(false);
  return in_extent(d, r, a) && !in_element(d, r, a);
}

/// a is governed by region i: in one of its elements and in no region nested inside it. A
/// nested region's own rules replace its ancestors' there (the innermost region decides).
template <class D, class V, class B>
B governs(D& d, const spec::Spec& spec, const std::vector<RegionTerms<V, B>>& regions, std::size_t i, const V& a) {
  B out = in_element(d, regions[i], a);
  for (std::size_t c = 0; c < regions.size(); ++c)
    if (c != i && spec.is_ancestor_or_self(i, c)) out = out && !in_extent(d, regions[c], a);
  return out;
}
/// a is in a guard of region i: an array's gap, or the region itself when it must be unmapped;
/// in both cases outside every region nested inside it.
template <class D, class V, class B>
B in_guard(D& d, const spec::Spec& spec, const std::vector<RegionTerms<V, B>>& regions, std::size_t i, const V& a) {
  const spec::Region& r = spec.regions[i];
  B guard = in_array_guard(d, regions[i], a);
  if (r.must == spec::Must::kUnmapped || r.kind == spec::RegionKind::kGuard) guard = guard || in_element(d, regions[i], a);
  for (std::size_t c = 0; c < regions.size(); ++c)
    if (c != i && spec.is_ancestor_or_self(i, c)) guard = guard && !in_extent(d, regions[c], a);
  return guard;
}

// --- The rules ---------------------------------------------------------------------------

/// Does address `a`, whose translation has class `cls`, break `inst`? Requires: a canonical.
template <class D>
typename D::Bool violates(D& d, const spec::Spec& spec, const Instance& inst, const typename D::Value& a,
                          const typename D::Class& cls,
                          const std::vector<RegionTerms<typename D::Value, typename D::Bool>>& regions, Strength s) {
  using B = typename D::Bool;
  const PagingMode mode = spec.rules.paging_mode;
  auto mapped = [&] { return d.has(cls, [s](const AttrClass& c) { return class_mapped(c, s); }); };
  auto unmapped = [&] { return d.has(cls, [s](const AttrClass& c) { return class_unmapped(c, s); }); };
  auto has_right = [&](std::uint8_t r) {
    return d.has(cls, [r, s](const AttrClass& c) { return class_has_right(c, r, s); });
  };
  auto lacks_right = [&](std::uint8_t r) {
    return d.has(cls, [r, s](const AttrClass& c) { return class_lacks_right(c, r, s); });
  };
  auto kernel_half = [&] { return d.ule(d.number(upper_half_first(mode).value()), a); };
  auto user_half = [&] { return d.ule(a, d.number(lower_half_last(mode).value())); };
  const spec::Rules& rules = spec.rules;

  switch (inst.rule) {
    case RuleId::kNullGuard:
      if (rules.null_guard == 0) return d.truth(false);
      return d.ule(a, d.number(rules.null_guard - 1)) && mapped();
    case RuleId::kUserKernelSplit: {
      if (rules.user_in_kernel_half == spec::UserInKernelHalf::kAllowed) return d.truth(false);
      B excused = d.truth(false);
      if (rules.user_in_kernel_half == spec::UserInKernelHalf::kVsyscallOnly)
        for (std::size_t i = 0; i < spec.regions.size(); ++i)
          if (spec.regions[i].kind == spec::RegionKind::kVsyscall) excused = excused || in_element(d, regions[i], a);
      return kernel_half() && has_right(spec::Rights::kUser) && !excused;
    }
    case RuleId::kSupervisorInUserHalf:
      if (rules.supervisor_in_user_half == spec::Policy::kAllowed) return d.truth(false);
      return user_half() && lacks_right(spec::Rights::kUser);
    case RuleId::kWx:
      if (rules.wx == spec::Policy::kAllowed) return d.truth(false);
      return d.has(cls, [s](const AttrClass& c) {
        return class_has_right(c, spec::Rights::kWritable, s) && class_has_right(c, spec::Rights::kExecutable, s);
      });
    case RuleId::kRegionRights: {
      const spec::Region& r = spec.regions[inst.region];
      B extra = d.truth(false);
      for (std::uint8_t right : kAllRights)
        if (!r.allowed.has(right)) extra = extra || has_right(right);
      return governs(d, spec, regions, inst.region, a) && extra;
    }
    case RuleId::kRegionRequiredRights: {
      const spec::Region& r = spec.regions[inst.region];
      B missing = d.truth(false);
      for (std::uint8_t right : kAllRights)
        if (r.required.has(right)) missing = missing || lacks_right(right);
      return governs(d, spec, regions, inst.region, a) && missing;
    }
    case RuleId::kRequiredMapped: {
      const spec::Region& r = spec.regions[inst.region];
      if (r.must != spec::Must::kMapped) return d.truth(false);
      return governs(d, spec, regions, inst.region, a) && unmapped();
    }
    case RuleId::kGuardUnmapped:
      return in_guard(d, spec, regions, inst.region, a) && mapped();
    case RuleId::kOutsideRegions: {
      if (rules.outside_regions == spec::Policy::kAllowed) return d.truth(false);
      B inside = d.truth(false);
      for (const auto& r : regions) inside = inside || in_extent(d, r, a);
      return mapped() && !inside;
    }
    case RuleId::kPageSize: {
      const spec::PageSizes allowed = spec.regions[inst.region].page_sizes;
      return governs(d, spec, regions, inst.region, a) && d.has(cls, [allowed, s](const AttrClass& c) {
               if (!class_mapped(c, s)) return false;
               if (c.kind == AttrClass::Kind::kUnknown || c.page_size == 0) return s == Strength::kMay;
               return !page_size_allowed(c.page_size, allowed);
             });
    }
    case RuleId::kReservedBits:
      return d.has(cls, [](const AttrClass& c) { return c.kind == AttrClass::Kind::kFault; });
    case RuleId::kCanonical:
    case RuleId::kRecursiveSlot:
    case RuleId::kConflictingAliases:
    case RuleId::kPageTableExposure:
      return d.truth(false);  // decided outside the address encoding (checks/physical.h)
  }
  return d.truth(false);
}

/// Every instance the spec gives rise to, in registry order.
std::vector<Instance> instances(const spec::Spec& spec);

}  // namespace ptv::check
