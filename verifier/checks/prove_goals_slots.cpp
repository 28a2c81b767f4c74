// The goals of the obligations over the top-level slots and the global rules: P09 recursive-slot
// (one slot, shared with no other region) and P10 rights-vs-rules (user access in the kernel
// half, each region's declaration against the global rules).
#include <cstdint>
#include <optional>
#include <string>

#include "verifier/checks/predicates.h"
#include "verifier/checks/prove_goal_builder.h"

namespace ptv::check::detail {

namespace {

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

}  // namespace

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

namespace {

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

/// The spec excepts `rule` for region i or a region it is nested in (whose extent holds i's, by
/// P07): i's declaration cannot contradict the rule (docs/spec-language.md §6.1).
bool excepted_for(const spec::Spec& spec, RuleId rule, std::size_t i) {
  for (const spec::RuleException& e : spec.exceptions)
    if (e.rule == static_cast<std::size_t>(rule) && spec.is_ancestor_or_self(e.region, i)) return true;
  return false;
}

/// P10 for one region: each global rule its declaration may contradict, unless the spec excepts
/// the rule there. Returns whether any goal was built.
bool rights_vs_rules_goals_of(Builder& b, const Inputs& in, std::size_t i) {
  const spec::Rules& rules = in.spec.rules;
  const Region& reg = in.spec.regions[i];
  const auto always = [i](auto&, const auto& bs) { return bs[i].ok; };
  const auto excepted = [&](RuleId rule) { return excepted_for(in.spec, rule, i); };
  bool any = false;
  if (reg.half == Half::kKernel && reg.allowed.has(Rights::kUser) &&
      rules.user_in_kernel_half != spec::UserInKernelHalf::kAllowed && !excepted(RuleId::kUserKernelSplit)) {
    any = true;
    user_in_kernel_half_goal(b, in, i);
  }
  if (reg.half == Half::kUser && !reg.allowed.has(Rights::kUser) && reg.must != Must::kUnmapped &&
      rules.supervisor_in_user_half == spec::Policy::kForbidden && !excepted(RuleId::kSupervisorInUserHalf)) {
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
  if (reg.required.has(Rights::kWritable | Rights::kExecutable) && rules.wx == spec::Policy::kForbidden &&
      !excepted(RuleId::kWx)) {
    any = true;
    b.suffix("wx");
    b.add(ObligationId::kRightsVsRules, reg.name + ": requires W and X", {i}, always, [i](const Replay& r) {
      return Finding{
          VirtAddr(r.bounds[i].start),
          placed(r.spec, r, i) + " requires every translation to be writable and executable, which rules.wx forbids"};
    });
  }
  if (reg.must != Must::kUnmapped && rules.null_guard != 0 && !excepted(RuleId::kNullGuard)) {
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

}  // namespace

/// P10 rights-vs-rules.
Note rights_vs_rules_goals(Builder& b, const Inputs& in) {
  bool any_rights_goal = false;
  for (std::size_t i = 0; i < in.spec.regions.size(); ++i)
    any_rights_goal = rights_vs_rules_goals_of(b, in, i) || any_rights_goal;
  if (!any_rights_goal) return "no region declaration touches a global rule";
  return std::nullopt;
}

}  // namespace ptv::check::detail
