// The SARIF 2.1.0 report of `ptverify check` (`--output sarif`), for code-scanning UIs.
//
// Mapping (docs/check.md, "SARIF"):
//   runs[0].tool.driver        name "ptverify", informationUri (the docs, relative to the
//                              repository root), and one rule (reportingDescriptor) per kRules
//                              entry: id = rule name, shortDescription = its description,
//                              helpUri = its section of docs/check.md
//   runs[0].results[i]         one per violation: ruleId, ruleIndex, level "error" ("note" when
//                              baselined), baselineState "new" ("unchanged" when baselined),
//                              message.text, partialFingerprints["ptverify/v1"] = fingerprint,
//                              locations[0]: physicalLocation = the spec file and the line of the
//                              violation's region when the spec gives one (the dump then is a
//                              relatedLocation), else the dump; logicalLocations[0] naming the
//                              address range and region; properties {address, start, end,
//                              rights, region, phys}
//   runs[0].invocations[0]     executionSuccessful true, exitCode, and one
//                              toolExecutionNotification (level "warning") per unknown rule, so an
//                              unknown never looks like a pass
//   runs[0].artifacts          the dump, then the spec file when a result points into it
//   runs[0].properties         verdict, complete, summary, spec, mode, parameters
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "verifier/checks/result.h"

namespace ptv {

/// Where a SARIF viewer links for the tool: the check documentation, as a URI reference relative
/// to the repository root (code-scanning tools resolve it against the checkout). The project
/// has no public home to give an absolute URI for.
inline constexpr std::string_view kSarifInformationUri = "docs/check.md";

/// The documentation of rule `id`: kSarifInformationUri and the anchor of the rule's section
/// there, "docs/check.md#rule-wx". The anchor is GitHub's for the heading "Rule `NAME`".
[[nodiscard]] std::string sarif_help_uri(check::RuleId id);

/// Writes `r` as a SARIF 2.1.0 log with one run, indented by two, ending with '\n'.
void write_check_sarif(const check::CheckResult& r, std::ostream& os);

/// The dump path as a SARIF artifact URI: a relative path stays relative (code-scanning tools
/// resolve it against the checkout), an absolute one becomes "file:///...". Bytes outside
/// RFC 3986's unreserved set and '/' are percent-encoded.
std::string sarif_artifact_uri(std::string_view path);

}  // namespace ptv
