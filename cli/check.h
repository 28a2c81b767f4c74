// ptverify check DUMP --spec SPEC: does the dump obey the spec, for every virtual address? The
// report writers and the CI policy are shared with `ptverify report`, which writes the same
// reports from a saved JSON report.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "verifier/base/output_format.h"
#include "verifier/checks/result.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/spec/spec.h"

namespace ptv::cli {

/// Writes `result` in `format`; the HTML page needs the mapping set and the spec (nothing is
/// written for it without them). `to_terminal`: the text may be coloured if stdout is a terminal.
void write_check_report(const check::CheckResult& result, OutputFormat format, std::ostream& os, bool to_terminal,
                        const MappingSet* mappings, const spec::Spec* spec);

/// --fail-on's values ("violated", "unknown", "none", any mix) as (fail on violated, fail on
/// unknown); empty for another word.
std::optional<std::pair<bool, bool>> parse_fail_on(const std::vector<std::string>& values);

}  // namespace ptv::cli
