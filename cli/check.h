// ptverify check DUMP --spec SPEC: does the dump obey the spec, for every virtual address? The
// report writers and the CI policy are shared with `ptverify report`, which writes the same
// reports from a saved JSON report.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "verifier/base/output_format.h"
#include "verifier/checks/result.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/spec/spec.h"

namespace CLI {
class App;
}

namespace ptv::cli {

/// Writes `result` in `format`; the HTML page needs the mapping set and the spec (nothing is
/// written for it without them). `to_terminal`: the text may be coloured if stdout is a terminal.
void write_check_report(const check::CheckResult& result, OutputFormat format, std::ostream& os, bool to_terminal,
                        const MappingSet* mappings, const spec::Spec* spec);

/// `--fail-on`, the CI policy: which verdicts make the exit code non-zero (both by default).
struct FailOn {
  bool violated = true;
  bool unknown = true;
};

/// Adds --fail-on to `app` (check and report): violated, unknown, none, any mix, comma-separated;
/// another word is a usage error. The words are read into `slot`.
void add_fail_on_option(CLI::App& app, FailOn& slot, const std::string& help);

}  // namespace ptv::cli
