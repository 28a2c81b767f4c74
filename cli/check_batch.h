// `ptverify check DUMP... --spec SPEC --jobs N`: many dumps in one run. Each dump is checked by
// its own worker process (this binary, `check DUMP --spec SPEC` with the run's per-dump options),
// N at a time, so that a dump that crashes, runs away or exhausts memory costs its own verdict
// only; each worker writes its text and JSON report into --reports DIR, and the batch prints one
// summary (verifier/report/batch_summary.h; docs/check.md "Many dumps in one run").
#pragma once

#include <string>
#include <vector>

#include "cli/check.h"

namespace CLI {
class App;
}

namespace ptv::cli {

/// The default --reports folder of a batch.
inline constexpr const char* kDefaultBatchReports = "ptverify-reports";

/// The most workers a batch runs at once (--jobs above it is capped).
inline constexpr unsigned kMaxBatchJobs = 256;

/// The environment variable a batch sets for its workers: the batch's process id. A worker
/// that finds it asks to be stopped when its parent dies (end_with_batch), so a batch killed
/// outright (SIGKILL, which it cannot catch) leaves no worker running.
inline constexpr const char* kBatchParentVariable = "PTV_BATCH_PARENT";

/// In a worker (kBatchParentVariable set): SIGTERM when the batch ends, and the same at once if
/// it has already ended. Anywhere else: nothing.
void end_with_batch();

struct BatchOptions {
  std::vector<std::string> dumps;  ///< the DUMP arguments: files or folders
  std::string dump_list;           ///< --dump-list FILE
  unsigned jobs = 1;               ///< --jobs N; 0 = one per CPU; at most kMaxBatchJobs
  std::string reports = kDefaultBatchReports;
  std::string summary_json;  ///< --summary-json FILE ("-": standard output, instead of the text)
};

/// --dump-list, --jobs, --reports and --summary-json on check.
void add_batch_options(CLI::App& check, BatchOptions& b);

/// True when `check` was asked for a batch: more than one DUMP, a folder, or a batch option.
bool is_batch(const CLI::App& check, const BatchOptions& b);

/// Runs the batch and prints its summary; returns the exit code (the worst dump's under
/// `fail_on`; 2 for bad input before any dump is checked). `check` is the parsed subcommand: its
/// per-dump options are passed on to every worker, and those that name one dump's files are
/// refused. `time_limit_s`: each worker's --time-limit, after which (and its grace) it is stopped.
int run_check_batch(const CLI::App& check, const BatchOptions& b, const std::string& spec, FailOn fail_on,
                    double time_limit_s);

/// `ptverify report --merge SUMMARY...`: the batch summaries of shards of one batch as one
/// summary, its text on standard output and its JSON in `summary_json` ("" for none); the exit
/// code is the merged batch's under `fail_on`, 2 for summaries that do not merge (different
/// specs, a dump in two shards: the message names the files).
int run_merge_summaries(const std::vector<std::string>& files, const std::string& summary_json, FailOn fail_on);

}  // namespace ptv::cli
