#include "verifier/checks/baseline.h"

#include <algorithm>
#include <utility>

#include "models/format.h"

namespace ptv::check {

std::string make_fingerprint(const Violation& v) {
  return std::string(rule_info(v.rule).name) + ':' + v.region + ':' + hex16(v.range.first.value()) + '-' +
         hex_end(v.range);
}

std::string fingerprint_of(const Violation& v) { return v.fingerprint.empty() ? make_fingerprint(v) : v.fingerprint; }

void apply_baseline(CheckResult& r, const std::vector<std::string>& fingerprints) {
  std::vector<std::string> sorted = fingerprints;
  std::sort(sorted.begin(), sorted.end());
  for (Violation& v : r.violations)
    if (std::binary_search(sorted.begin(), sorted.end(), fingerprint_of(v))) v.baselined = true;
}

}  // namespace ptv::check
