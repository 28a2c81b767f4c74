// The goals of each obligation: a generic violation predicate (instantiated on the symbolic and
// the concrete domain) and a description of a concrete violation in domain terms.
#include "verifier/checks/prove_goals.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "models/format.h"
#include "verifier/checks/predicates.h"

namespace ptv::check::detail {

using spec::Bounds;
using spec::ConcreteDomain;
using spec::Half;
using spec::Must;
using spec::Region;
using spec::Rights;

namespace {

std::string bytes_text(std::uint64_t n) {
  static constexpr std::pair<unsigned, const char*> kUnits[] = {
      {50, "PiB"}, {40, "TiB"}, {30, "GiB"}, {20, "MiB"}, {10, "KiB"}};
  for (const auto& [shift, unit] : kUnits)
    if (n >= (std::uint64_t{1} << shift) && n % (std::uint64_t{1} << shift) == 0)
      return std::to_string(n >> shift) + " " + unit;
  return hex(n) + " bytes";
}

// --- Violation predicates, generic over the evaluation domain ------------------------------

template <class D>
auto nonzero(D& d, const typename D::Value& v) {
  return d.negate(d.eq(v, d.number(0)));
}

template <class D>
auto overlap(D& d, const typename D::Value& a_start, const typename D::Value& a_last, const typename D::Value& b_start,
             const typename D::Value& b_last) {
  return d.all(d.ule(a_start, b_last), d.ule(b_start, a_last));
}

template <class D>
auto both_ok(D& d, const Bounds<D>& a, const Bounds<D>& b) {
  return d.all(a.ok, b.ok);
}

class Builder {
 public:
  Builder(const spec::Spec& spec, spec::SymbolicSpec& symbolic) : spec_(spec), sym_(symbolic) {}

  template <class Pred, class Describe>
  void add(ObligationId id, std::string subject, std::vector<std::size_t> regions, Pred pred, Describe describe) {
    if (goals_.size() >= kMaxGoals) {
      // Past the limit a goal is kept only as a count: proved when its violation evaluates to
      // false without the solver, else not decided.
      const smt::Expr violation = pred(sym_.domain, sym_.regions);
      Unbuilt& u = unbuilt_[static_cast<std::size_t>(id)];
      ++(violation.as_bool() == std::optional<bool>(false) ? u.apart : u.dropped);
      return;
    }
    Goal g;
    g.obligation = id;
    g.query = std::string(info(id).id) + "." + std::string(info(id).name);
    for (std::size_t r : regions) g.query += "." + spec_.regions[r].name;
    if (query_suffix_) g.query += "." + *query_suffix_;
    g.subject = std::move(subject);
    g.regions = std::move(regions);
    g.violation = pred(sym_.domain, sym_.regions);
    g.replay = [pred, describe](const Replay& r) -> std::optional<Finding> {
      ConcreteDomain d{r.values};
      if (!pred(d, r.bounds)) return std::nullopt;
      return describe(r);
    };
    goals_.push_back(std::move(g));
  }
  void suffix(std::optional<std::string> s) { query_suffix_ = std::move(s); }
  void apart(ObligationId id, std::size_t n) { unbuilt_[static_cast<std::size_t>(id)].apart += n; }
  std::vector<Goal> take() { return std::move(goals_); }
  std::vector<Unbuilt> take_unbuilt() { return std::move(unbuilt_); }

 private:
  const spec::Spec& spec_;
  spec::SymbolicSpec& sym_;
  std::vector<Goal> goals_;
  std::vector<Unbuilt> unbuilt_ = std::vector<Unbuilt>(kObligations.size());
  std::optional<std::string> query_suffix_;
};

std::string placed(const spec::Spec& s, const Replay& r, std::size_t i) {
  return s.regions[i].name + " " + closed_range_text(r.bounds[i].start, r.bounds[i].last);
}

/// What the goals of every obligation are built from.
struct Inputs {
  const spec::Spec& spec;
  spec::SymbolicSpec& sym;
  std::uint64_t lhl;      ///< the lower half's last address
  std::uint64_t uhf;      ///< the upper half's first address
  std::string mode_text;  ///< "4-level paging"
};

/// Each obligation's goals (one function each, P02..P10) go to `b`; each returns, when the
/// obligation has no goals by the spec's declarations, why (its note).
using Note = std::optional<std::string>;

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
              placed(r.spec, r, i) + " (" + std::to_string(x.count) + " elements of " + bytes_text(x.size) + ")";
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

/// P09 for one recursive region: exactly one top-level slot, at the index rules.recursive_slot
/// names if it names one, shared with no other region.
void recursive_slot_goals_of(Builder& b, const Inputs& in, std::size_t i) {
  const spec::Spec& spec = in.spec;
  const std::size_t n = spec.regions.size();
  const PagingMode mode = spec.rules.paging_mode;
  const Level top = top_level(mode);
  const std::uint64_t span = entry_span(top);
  const auto slot_of = [top](std::uint64_t a) { return table_index(VirtAddr(a), top); };
  const std::string top_name(level_name(top));
  const auto& rule = spec.rules.recursive_slot;
  if (rule.kind == spec::RecursiveSlotRule::Kind::kNone) {
    b.add(
        ObligationId::kRecursiveSlot, spec.regions[i].name + ": rules.recursive_slot", {i},
        [i](auto&, const auto& bs) { return bs[i].ok; },
        [i](const Replay& r) {
          return Finding{VirtAddr(r.bounds[i].start),
                         placed(r.spec, r, i) + " is a recursive region, but rules.recursive_slot is \"none\""};
        });
    return;
  }
  const std::optional<std::uint64_t> slot_addr =
      rule.kind == spec::RecursiveSlotRule::Kind::kIndex
          ? std::optional<std::uint64_t>(
                canonicalize(static_cast<std::uint64_t>(rule.index) << index_shift(top), mode).value())
          : std::nullopt;
  b.add(
      ObligationId::kRecursiveSlot, spec.regions[i].name + ": one " + top_name + " slot", {i},
      [i, span, slot_addr](auto& d, const auto& bs) {
        const auto& x = bs[i];
        auto bad = d.any(nonzero(d, d.bit_and(x.start, d.number(span - 1))),
                         d.negate(d.eq(d.sub(x.last, x.start), d.number(span - 1))));
        if (slot_addr) bad = d.any(bad, d.negate(d.eq(x.start, d.number(*slot_addr))));
        return d.all(x.ok, bad);
      },
      [i, span, slot_addr, slot_of, top_name, rule](const Replay& r) {
        const auto& x = r.bounds[i];
        const std::uint64_t slot_start = x.start & ~(span - 1);
        std::string msg = placed(r.spec, r, i) + " is not exactly one " + top_name + " slot: ";
        if (x.start % span != 0 || x.last - x.start != span - 1) {
          msg += "it starts " + bytes_text(x.start - slot_start) + " into slot " + std::to_string(slot_of(x.start)) +
                 " " + closed_range_text(slot_start, slot_start + span - 1) + " and spans " +
                 bytes_text(x.last - x.start + 1) + ", but a slot spans " + bytes_text(span) + " from a multiple of " +
                 bytes_text(span);
        } else {
          msg += "it is slot " + std::to_string(slot_of(x.start)) + ", but rules.recursive_slot.index is " +
                 std::to_string(rule.index) + " " + closed_range_text(*slot_addr, *slot_addr + span - 1);
        }
        return Finding{VirtAddr(x.start), msg};
      });
  for (std::size_t j = 0; j < n; ++j) {
    if (j == i || spec.is_ancestor_or_self(j, i)) continue;
    b.add(
        ObligationId::kRecursiveSlot, spec.regions[i].name + ": slot shared with " + spec.regions[j].name, {i, j},
        [i, j, span](auto& d, const auto& bs) {
          const auto& x = bs[i];
          const auto slot_start = d.sub(x.start, d.bit_and(x.start, d.number(span - 1)));
          const auto slot_last = d.add(slot_start, d.number(span - 1));
          return d.all(both_ok(d, bs[i], bs[j]), overlap(d, slot_start, slot_last, bs[j].start, bs[j].last));
        },
        [i, j, span, slot_of, top_name](const Replay& r) {
          const std::uint64_t slot_start = r.bounds[i].start & ~(span - 1);
          const std::uint64_t a = std::max(slot_start, r.bounds[j].start);
          return Finding{VirtAddr(a), hex16(a) + " of " + placed(r.spec, r, j) + " lies in " + top_name + " slot " +
                                          std::to_string(slot_of(slot_start)) + " " +
                                          closed_range_text(slot_start, slot_start + span - 1) +
                                          ", which the recursive region " + placed(r.spec, r, i) +
                                          " must have to itself"};
        });
  }
}

/// P09 recursive-slot.
Note recursive_slot_goals(Builder& b, const Inputs& in) {
  bool any_recursive = false;
  for (std::size_t i = 0; i < in.spec.regions.size(); ++i) {
    if (in.spec.regions[i].kind != spec::RegionKind::kRecursive) continue;
    any_recursive = true;
    recursive_slot_goals_of(b, in, i);
  }
  if (!any_recursive) return "the spec has no recursive region";
  return std::nullopt;
}

/// P10, user access in the kernel half: none unless allowed; with "vsyscall-only", the first
/// vsyscall region allowing user is one 4 KiB page, and no other region allows user.
void user_in_kernel_half_goal(Builder& b, const Inputs& in, std::size_t i) {
  const spec::Spec& spec = in.spec;
  const spec::Rules& rules = spec.rules;
  const Region& reg = spec.regions[i];
  const auto always = [i](auto&, const auto& bs) { return bs[i].ok; };
  const bool vsyscall_only = rules.user_in_kernel_half == spec::UserInKernelHalf::kVsyscallOnly;
  if (vsyscall_only && reg.kind == spec::RegionKind::kVsyscall && vsyscall_candidates(spec).front() != i) {
    // Only the first vsyscall region that allows user is the vsyscall page (spec-language.md
    // §5.4): a second one is user access in the kernel half like any other region's.
    b.suffix("second-vsyscall-page");
    const std::size_t first = vsyscall_candidates(spec).front();
    b.add(ObligationId::kRightsVsRules, reg.name + ": a second vsyscall page", {i}, always,
          [i, first](const Replay& r) {
            return Finding{VirtAddr(r.bounds[i].start),
                           placed(r.spec, r, i) +
                               " is a second vsyscall region that allows user access, but "
                               "rules.user_kernel_split.user_in_kernel_half is \"vsyscall-only\": "
                               "one page, and " +
                               r.spec.regions[first].name + " is it"};
          });
  } else if (vsyscall_only && reg.kind == spec::RegionKind::kVsyscall) {
    b.suffix("vsyscall-page");
    b.add(
        ObligationId::kRightsVsRules, reg.name + ": one vsyscall page", {i},
        [i](auto& d, const auto& bs) {
          return d.all(bs[i].ok, d.negate(d.eq(d.sub(bs[i].last, bs[i].start), d.number(kPageBytes - 1))));
        },
        [i](const Replay& r) {
          return Finding{VirtAddr(r.bounds[i].start),
                         placed(r.spec, r, i) + " allows user access in the kernel half over " +
                             bytes_text(r.bounds[i].last - r.bounds[i].start + 1) +
                             ", but rules.user_kernel_split.user_in_kernel_half is \"vsyscall-only\": one 4 KiB page"};
        });
  } else {
    b.suffix("user-in-kernel-half");
    b.add(ObligationId::kRightsVsRules, reg.name + ": user access in the kernel half", {i}, always,
          [i, vsyscall_only](const Replay& r) {
            return Finding{
                VirtAddr(r.bounds[i].start),
                placed(r.spec, r, i) +
                    " is in the kernel half and allows \"user\", but rules.user_kernel_split.user_in_kernel_half is " +
                    (vsyscall_only ? "\"vsyscall-only\" and this is not a vsyscall region" : "\"forbidden\"")};
          });
  }
}

/// P10 for one region: each global rule its declaration may contradict. Returns whether any
/// goal was built.
bool rights_vs_rules_goals_of(Builder& b, const Inputs& in, std::size_t i) {
  const spec::Rules& rules = in.spec.rules;
  const Region& reg = in.spec.regions[i];
  const auto always = [i](auto&, const auto& bs) { return bs[i].ok; };
  bool any = false;
  if (reg.half == Half::kKernel && reg.allowed.has(Rights::kUser) &&
      rules.user_in_kernel_half != spec::UserInKernelHalf::kAllowed) {
    any = true;
    user_in_kernel_half_goal(b, in, i);
  }
  if (reg.half == Half::kUser && !reg.allowed.has(Rights::kUser) && reg.must != Must::kUnmapped &&
      rules.supervisor_in_user_half == spec::Policy::kForbidden) {
    any = true;
    b.suffix("supervisor-in-user-half");
    b.add(ObligationId::kRightsVsRules, reg.name + ": supervisor-only in the user half", {i}, always,
          [i](const Replay& r) {
            return Finding{
                VirtAddr(r.bounds[i].start),
                placed(r.spec, r, i) +
                    " is in the user half and may be mapped, but does not allow \"user\": its translations would be "
                    "supervisor-only, which rules.user_kernel_split.supervisor_in_user_half forbids"};
          });
  }
  if (reg.required.has(Rights::kWritable | Rights::kExecutable) && rules.wx == spec::Policy::kForbidden) {
    any = true;
    b.suffix("wx");
    b.add(ObligationId::kRightsVsRules, reg.name + ": requires W and X", {i}, always, [i](const Replay& r) {
      return Finding{
          VirtAddr(r.bounds[i].start),
          placed(r.spec, r, i) + " requires every translation to be writable and executable, which rules.wx forbids"};
    });
  }
  if (reg.must != Must::kUnmapped && rules.null_guard != 0) {
    any = true;
    const std::uint64_t ng = rules.null_guard;
    b.suffix("null-guard");
    b.add(
        ObligationId::kRightsVsRules, reg.name + ": null guard", {i},
        [i, ng](auto& d, const auto& bs) { return d.all(bs[i].ok, d.ult(bs[i].start, d.number(ng))); },
        [i, ng](const Replay& r) {
          return Finding{VirtAddr(r.bounds[i].start), placed(r.spec, r, i) + " may be mapped, but starts at " +
                                                          hex16(r.bounds[i].start) + ", inside the null guard " +
                                                          closed_range_text(0, ng - 1) + " (rules.null_guard)"};
        });
  }
  b.suffix(std::nullopt);
  return any;
}

/// P10 rights-vs-rules.
Note rights_vs_rules_goals(Builder& b, const Inputs& in) {
  bool any_rights_goal = false;
  for (std::size_t i = 0; i < in.spec.regions.size(); ++i)
    any_rights_goal = rights_vs_rules_goals_of(b, in, i) || any_rights_goal;
  if (!any_rights_goal) return "no region declaration touches a global rule";
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
