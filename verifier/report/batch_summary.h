// The summary of a batch of check runs (`ptverify check DUMP... --jobs N`, docs/check.md "Many
// dumps in one run"): each dump's verdict, taken from its saved JSON report or from how its
// worker process ended; the counts; the rules that failed most. Summaries of shards of one batch
// (CI matrix jobs) merge into one (`ptverify report --merge`). Written as text and as JSON
// (docs/schema/batch-summary.schema.json); in short:
//
//   {"format_version": 1, "tool": "ptverify check batch", "spec": "linux-x86_64-4level",
//    "spec_digest": "0x...", "verdict": "violated",
//    "counts": {"dumps": 3, "holds": 1, "violated": 1, "unknown": 0, "error": 1},
//    "dumps": [{"dump": "a.elf", "verdict": "violated", "reason": "", "violated_rules": ["wx"],
//               "unknown_rules": [], "report": "ptverify-reports/a.elf.json", "seconds": 1.2}],
//    "rules": [{"rule": "wx", "violated": 1, "unknown": 0}],
//    "wall_seconds": 2.5, "dumps_per_second": 1.2, "shards": 1}
//
// "verdict", "counts", "rules" and "dumps_per_second" are derived from the rest; the reader
// checks that "verdict" and "counts" agree.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/expected.h"
#include "verifier/base/exit_codes.h"
#include "verifier/checks/result.h"

namespace ptv::batch {

inline constexpr int kBatchSummaryVersion = 1;

/// One dump's verdict in a batch. kError: the dump could not be checked as given (its worker
/// exited 2: bad input); it counts as unknown in the exit code, never as a pass.
enum class Verdict : std::uint8_t { kHolds, kViolated, kUnknown, kError };
[[nodiscard]] std::string_view to_string(Verdict v);

struct DumpOutcome {
  std::string dump;  ///< as the batch named it
  Verdict verdict = Verdict::kUnknown;
  std::string reason;                       ///< unknown or error: why, in one line
  std::vector<std::string> violated_rules;  ///< in report order
  std::vector<std::string> unknown_rules;   ///< in report order
  std::string report;                       ///< its JSON report, "" when none was written
  double seconds = 0;                       ///< the worker's wall time
  bool operator==(const DumpOutcome&) const = default;
};

struct Summary {
  std::string spec;         ///< as given to check
  std::string spec_digest;  ///< spec_digest() of the flattened spec: shards of one spec agree
  std::vector<DumpOutcome> dumps;
  double wall_seconds = 0;  ///< the batch's wall time; merged shards: the sum of theirs
  unsigned shards = 1;
  bool operator==(const Summary&) const = default;
};

struct Counts {
  std::size_t holds = 0, violated = 0, unknown = 0, error = 0;
  bool operator==(const Counts&) const = default;
};
[[nodiscard]] Counts count(const Summary& s);

/// The batch's verdict: violated when a dump is, else unknown when a dump is unknown or an
/// error, else holds (also for no dump).
[[nodiscard]] Verdict verdict(const Summary& s);

/// The dumps per second of wall time (0 when no time passed).
[[nodiscard]] double dumps_per_second(const Summary& s);

/// The exit code under the check --fail-on policy: 1 when a dump is violated and violations fail,
/// else 3 when a dump is unknown or an error and unknowns fail, else 0.
[[nodiscard]] ExitCode exit_code(const Summary& s, bool fail_on_violated, bool fail_on_unknown);

/// How many dumps each rule failed in (violated or unknown), the most first, then by name.
struct RuleFailures {
  std::string rule;
  std::size_t violated = 0, unknown = 0;
  bool operator==(const RuleFailures&) const = default;
};
[[nodiscard]] std::vector<RuleFailures> rule_failures(const Summary& s);

/// A dump's outcome from its check result (its saved JSON report at `report`).
[[nodiscard]] DumpOutcome outcome_of_result(const std::string& dump, const std::string& report,
                                            const check::CheckResult& r);

/// How a worker process ended.
struct WorkerEnd {
  int exit_code = 0;       ///< when it exited
  int signal = 0;          ///< when a signal ended it, and not for its time
  bool timed_out = false;  ///< stopped by the batch after `waited_seconds`
  double waited_seconds = 0;
  std::string stderr_tail;                 ///< the last non-empty line of its standard error
  std::optional<std::string> report_text;  ///< its JSON report, when it wrote one
};

/// A dump's outcome from how its worker ended: a readable report (exit 0, 1 or 3) gives the
/// report's verdict; exit 2 is an error; a signal, a timeout, exit 4, or exit 0/1/3 without a
/// readable report is unknown. `reason` says which, with the worker's last stderr line.
[[nodiscard]] DumpOutcome outcome_of_worker(const std::string& dump, const std::string& report, const WorkerEnd& end);

/// One summary of shards of one batch, in the order given (each `first` names its file): the
/// specs' digests must agree, and no dump may be in two shards (the error names both files).
[[nodiscard]] Expected<Summary> merge(const std::vector<std::pair<std::string, Summary>>& shards);

/// A stable digest of a spec's text (FNV-1a 64, "0x" + 16 hex digits), of its flattened form
/// (`spec show`): not a security measure, it only tells shards checked against different specs
/// apart.
[[nodiscard]] std::string spec_digest(std::string_view bytes);

/// The summary for people: the counts, each dump that did not hold and why, the rules that failed
/// most, the wall time and dumps per second.
void write_summary_text(const Summary& s, std::ostream& os);
/// The JSON summary (schema above), indented by two, ending with '\n'.
void write_summary_json(const Summary& s, std::ostream& os);
/// Reads a JSON summary; errors name `source` and the JSON Pointer of the offending value.
[[nodiscard]] Expected<Summary> parse_summary_json(std::string_view text, const std::string& source);

}  // namespace ptv::batch
