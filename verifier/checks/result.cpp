#include "verifier/checks/result.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>

namespace ptv::check {

std::optional<RuleId> rule_from_name(std::string_view name) {
  for (const RuleInfo& r : kRules)
    if (r.name == name) return r.id;
  return std::nullopt;
}

std::vector<FactId> rule_facts(RuleId id) {
  // Whether a translation exists, and which: every rule but canonical reads it.
  std::vector<FactId> f{FactId::kPagingMode, FactId::kTopTable, FactId::kVcpu,    FactId::kNxe,
                        FactId::kMaxPhyAddr, FactId::kPage1G,   FactId::kReservedBits};
  auto add = [&f](std::initializer_list<FactId> more) { f.insert(f.end(), more); };
  switch (id) {
    case RuleId::kCanonical: return {FactId::kPagingMode};
    case RuleId::kUserKernelSplit:
    case RuleId::kSupervisorInUserHalf: add({FactId::kUpperLevels}); break;
    case RuleId::kWx:
    case RuleId::kConflictingAliases: add({FactId::kWp, FactId::kSmep, FactId::kUpperLevels}); break;
    case RuleId::kRegionRights:
    case RuleId::kRegionRequiredRights: add({FactId::kWp, FactId::kPge, FactId::kUpperLevels}); break;
    case RuleId::kPageTableExposure: add({FactId::kWp, FactId::kUpperLevels}); break;
    default: break;
  }
  return f;
}

const char* to_string(Status s) {
  switch (s) {
    case Status::kHolds: return "holds";
    case Status::kViolated: return "violated";
    case Status::kUnknown: return "unknown";
    case Status::kNotApplicable: return "not-applicable";
  }
  return "?";
}

Status CheckResult::verdict() const {
  for (const Violation& v : violations)
    if (!v.baselined) return Status::kViolated;
  // A violated rule with more violations than the list shows (the cap, or the time limit, cut
  // it short): the unlisted ones were never held against the baseline, so they count as new.
  for (const RuleResult& r : rules) {
    if (r.status != Status::kViolated) continue;
    const auto listed = static_cast<std::size_t>(
        std::count_if(violations.begin(), violations.end(), [&](const Violation& v) { return v.rule == r.rule; }));
    if (r.violations > listed || listed == 0) return Status::kViolated;
  }
  for (const RuleResult& r : rules)
    if (r.status == Status::kUnknown) return Status::kUnknown;
  return Status::kHolds;
}

ExitCode CheckResult::exit_code() const {
  switch (verdict()) {
    case Status::kViolated: return ExitCode::kViolations;
    case Status::kUnknown: return ExitCode::kUnknown;
    default: return ExitCode::kOk;
  }
}

std::string CheckResult::summary_line() const {
  std::size_t proved = 0, unknown = 0, fresh = 0;
  for (const RuleResult& r : rules) {
    if (r.status == Status::kHolds) ++proved;
    if (r.status == Status::kUnknown) ++unknown;
  }
  for (const Violation& v : violations)
    if (!v.baselined) ++fresh;
  const Status v = verdict();
  char buf[256];
  std::snprintf(buf, sizeof buf, "ptverify check: %s - %zu rules proved, %zu violations (%zu new)%s, %zu unknown, %.2f s",
                v == Status::kHolds ? "HOLDS" : v == Status::kViolated ? "VIOLATED" : "UNKNOWN", proved,
                violations.size(), fresh, complete ? "" : " (list incomplete)", unknown, seconds);
  return buf;
}

}  // namespace ptv::check
