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
  std::vector<FactId> f{FactId::kPagingMode, FactId::kTopTable, FactId::kVcpu,        FactId::kNxe,
                        FactId::kMaxPhyAddr, FactId::kPage1G,   FactId::kReservedBits};
  auto add = [&f](std::initializer_list<FactId> more) { f.insert(f.end(), more); };
  switch (id) {
    case RuleId::kCanonical:
      return {FactId::kPagingMode};
    case RuleId::kUserKernelSplit:
    case RuleId::kSupervisorInUserHalf:
      add({FactId::kUpperLevels});
      break;
    case RuleId::kWx:
    case RuleId::kConflictingAliases:
      add({FactId::kWp, FactId::kSmep, FactId::kUpperLevels});
      break;
    case RuleId::kRegionRights:
    case RuleId::kRegionRequiredRights:
      add({FactId::kWp, FactId::kPge, FactId::kUpperLevels});
      break;
    case RuleId::kPageTableExposure:
      add({FactId::kWp, FactId::kUpperLevels});
      break;
    default:
      break;
  }
  return f;
}

namespace {

/// A violated rule counts as violated unless the baseline accepts all its violations. A rule
/// with more violations than the list shows (the cap, or the time limit, cut it short) has
/// unlisted ones that were never held against the baseline: they count as new.
Status counted(const RuleResult& r, const std::vector<Violation>& violations) {
  if (r.status != Status::kViolated) return r.status;
  std::size_t listed = 0;
  bool fresh = false;
  for (const Violation& v : violations) {
    if (v.rule != r.rule) continue;
    ++listed;
    fresh = fresh || !v.baselined;
  }
  return fresh || r.violations > listed || listed == 0 ? Status::kViolated : Status::kHolds;
}

}  // namespace

std::string_view to_string(ParameterSource s) {
  switch (s) {
    case ParameterSource::kInferred:
      return "inferred";
    case ParameterSource::kGiven:
      return "given";
    case ParameterSource::kRead:
      return "read";
  }
  return "inferred";
}

Status CheckResult::verdict() const {
  Status v = Status::kHolds;  // a run with nothing applicable holds
  for (const RuleResult& r : rules) v = join(v, counted(r, violations));
  for (const Violation& x : violations)
    if (!x.baselined) v = join(v, Status::kViolated);
  return v;
}

ExitCode CheckResult::exit_code() const { return check::exit_code(verdict()); }

ExitCode CheckResult::exit_code(bool fail_on_violated, bool fail_on_unknown) const {
  bool violated = false, unknown = false;
  for (const RuleResult& r : rules) {
    const Status s = counted(r, violations);
    violated = violated || s == Status::kViolated;
    unknown = unknown || s == Status::kUnknown;
  }
  for (const Violation& x : violations) violated = violated || !x.baselined;
  if (violated && fail_on_violated) return ExitCode::kViolations;
  if (unknown && fail_on_unknown) return ExitCode::kUnknown;
  return ExitCode::kOk;
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
  std::snprintf(buf, sizeof buf,
                "ptverify check: %s - %zu rules proved, %zu violations (%zu new)%s, %zu unknown, %.2f s",
                v == Status::kHolds      ? "HOLDS"
                : v == Status::kViolated ? "VIOLATED"
                                         : "UNKNOWN",
                proved, violations.size(), fresh, complete ? "" : " (list incomplete)", unknown, seconds);
  return buf;
}

std::string_view level_name(const WalkLevel& w) { return w.level ? ptv::level_name(*w.level) : w.unknown_level; }

std::string_view mode_name(const CheckResult& r) { return r.mode ? to_string(*r.mode) : r.unknown_mode; }

}  // namespace ptv::check
