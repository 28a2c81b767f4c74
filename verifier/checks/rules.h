// The invariants `ptverify check` decides, as a constexpr registry: it drives --list-rules,
// the JSON / SARIF / JUnit rule ids, and docs/check.md.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "verifier/mapping/facts.h"
#include "verifier/spec/spec.h"

namespace ptv::check {

enum class RuleId : unsigned char {
  kCanonical,
  kNullGuard,
  kUserKernelSplit,
  kSupervisorInUserHalf,
  kWx,
  kRegionRights,
  kRegionRequiredRights,
  kRequiredMapped,
  kGuardUnmapped,
  kOutsideRegions,
  kPageSize,
  kReservedBits,
  kRecursiveSlot,
  kConflictingAliases,
  kPageTableExposure,
  kPhysicalLayout,
};

struct RuleInfo {
  RuleId id;
  std::string_view name;         ///< stable id used in JSON, SARIF and baselines
  std::string_view description;  ///< one sentence
  bool raw_only;                 ///< needs raw memory (tables, frames); unknown for text dumps
};

inline constexpr std::array<RuleInfo, 16> kRules{{
    {RuleId::kCanonical, "canonical", "No translation exists for a non-canonical address.", false},
    {RuleId::kNullGuard, "null-guard", "Addresses below the spec's null-guard size are not mapped.", false},
    {RuleId::kUserKernelSplit, "user-kernel-split",
     "No user-accessible translation in the kernel half (except where the spec allows it, e.g. vsyscall).", false},
    {RuleId::kSupervisorInUserHalf, "supervisor-in-user-half",
     "No supervisor-only translation in the user half, unless the spec allows it.", false},
    {RuleId::kWx, "wx",
     "No translation lets one privilege both write and execute: writable and supervisor-executable, or "
     "user-writable and user-executable.",
     false},
    {RuleId::kRegionRights, "region-rights", "Every translation in a region has only the rights the region allows.",
     false},
    {RuleId::kRegionRequiredRights, "region-required-rights",
     "Every translation in a region has the rights the region requires.", false},
    {RuleId::kRequiredMapped, "required-mapped", "Every address of a region that must be mapped is mapped.", false},
    {RuleId::kGuardUnmapped, "guard-unmapped",
     "Every address of a guard (a region or array gap that must be unmapped) is unmapped.", false},
    {RuleId::kOutsideRegions, "outside-regions", "No translation lies outside every region, when the spec forbids it.",
     false},
    {RuleId::kPageSize, "page-size", "Every translation in a region uses a page size the region allows.", false},
    {RuleId::kReservedBits, "reserved-bits", "No present entry sets a reserved bit (the walk would fault).", false},
    {RuleId::kRecursiveSlot, "recursive-slot",
     "Recursive top-level slots are where the spec puts them, and only there.", true},
    {RuleId::kConflictingAliases, "conflicting-aliases",
     "No physical frame is supervisor-executable through one translation and writable through another, or "
     "user-executable through one and user-writable through another.",
     true},
    {RuleId::kPageTableExposure, "page-table-exposure",
     "No page-table frame is reachable through a user-accessible translation, or through a writable one at an "
     "address whose governing region does not map page tables (maps_page_tables).",
     true},
    {RuleId::kPhysicalLayout, "physical-layout",
     "Every mapped address of a region with a physical layout translates to the frame it names: PA = VA (identity) "
     "or PA = VA - offset (linear).",
     true},
}};

// A spec's scoped exceptions name rules by these ids, which the spec stage lists itself
// (spec::kCheckRuleIds, below this stage); the two lists are one.
constexpr bool same_rule_ids() {
  if (spec::kCheckRuleIds.size() != kRules.size()) return false;
  for (std::size_t i = 0; i < kRules.size(); ++i)
    if (static_cast<std::size_t>(kRules[i].id) != i || kRules[i].name != spec::kCheckRuleIds[i]) return false;
  return true;
}
static_assert(same_rule_ids(), "spec::kCheckRuleIds must list kRules' names in RuleId order");

constexpr const RuleInfo& rule_info(RuleId id) { return kRules[static_cast<std::size_t>(id)]; }

/// The facts a rule's verdict can depend on (verifier/mapping/facts.h): what decides whether a
/// translation exists (the paging mode, the table walked, NXE, MAXPHYADDR, 1 GiB pages, the
/// reserved bits a text format cannot show) and the facts behind the rights the rule reads.
std::vector<FactId> rule_facts(RuleId id);
std::optional<RuleId> rule_from_name(std::string_view name);

}  // namespace ptv::check
