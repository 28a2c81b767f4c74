// `ptverify check --baseline FILE`: accept the violations a previous report listed, and fail only
// on new ones.
//
// A violation is identified by its fingerprint, rule + region + range, which does not depend on
// the solver's choice of witness address or on timing, so the same violation gets the same
// fingerprint in every run on the same dump and spec. A baselined violation stays in every report
// (marked "baselined"), but no longer makes the verdict "violated" (CheckResult::verdict()).
#pragma once

#include <string>
#include <vector>

#include "verifier/checks/result.h"

namespace ptv::check {

/// "RULE:REGION:START-END": the rule name, the region ("" when none), the range's first address
/// and its exclusive end as hex16 / hex_end, e.g. "wx:direct-map:0xffff888000000000-0xffff888040000000".
[[nodiscard]] std::string make_fingerprint(const Violation& v);

/// The fingerprint a violation is matched by: its saved one, or make_fingerprint() when that is
/// empty. (Reading the fingerprints of a saved report, load_baseline, is in report/check_json.h.)
[[nodiscard]] std::string fingerprint_of(const Violation& v);

/// Marks baselined every violation of `r` whose fingerprint (make_fingerprint() when it is
/// empty) is in `fingerprints`; leaves the others as they are. Rule statuses do not change: a
/// baselined violation still breaks its rule, it is only accepted.
void apply_baseline(CheckResult& r, const std::vector<std::string>& fingerprints);

}  // namespace ptv::check
