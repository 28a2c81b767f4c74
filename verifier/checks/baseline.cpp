#include "verifier/checks/baseline.h"

#include <algorithm>
#include <utility>

#include "verifier/ingest/compressed.h"
#include "verifier/report/check_json.h"
#include "verifier/report/text.h"

namespace ptv {

namespace {

std::string fingerprint_of(const check::Violation& v) {
  return v.fingerprint.empty() ? make_fingerprint(v) : v.fingerprint;
}

}  // namespace

std::string make_fingerprint(const check::Violation& v) {
  return std::string(check::rule_info(v.rule).name) + ':' + v.region + ':' + hex16(v.range.first.value()) + '-' +
         hex_end(v.range);
}

Expected<std::vector<std::string>> load_baseline(const std::string& path) {
  auto content = read_whole_file(path);
  if (!content) return content.error();
  auto report = parse_check_json(*content, path);  // only the fingerprints are used, not the walks
  if (!report) return Error{report.error().message + " (a --baseline file is a `ptverify check --output json` report)"};
  std::vector<std::string> fingerprints;
  fingerprints.reserve(report->violations.size());
  for (const check::Violation& v : report->violations) fingerprints.push_back(fingerprint_of(v));
  return fingerprints;
}

void apply_baseline(check::CheckResult& r, const std::vector<std::string>& fingerprints) {
  std::vector<std::string> sorted = fingerprints;
  std::sort(sorted.begin(), sorted.end());
  for (check::Violation& v : r.violations)
    if (std::binary_search(sorted.begin(), sorted.end(), fingerprint_of(v))) v.baselined = true;
}

}  // namespace ptv
