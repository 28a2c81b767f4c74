#include "verifier/checks/result.h"

#include <cstdio>

namespace ptv::check {

std::optional<RuleId> rule_from_name(std::string_view name) {
  for (const RuleInfo& r : kRules)
    if (r.name == name) return r.id;
  return std::nullopt;
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
