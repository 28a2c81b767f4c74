// Where a run's reports go, one flag per format: `-o/--output FILE` is always a file (the text
// report's, in check and report), and each machine format has its own flag naming its file:
// `--json FILE --sarif FILE --junit FILE --ktap FILE --html FILE`, `-` for standard output. One
// run writes any set of them. The spellings that named a format (`--output json`, `-O json`,
// `--output-file FILE`) are refused with the new flag in the message.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/base/output_format.h"

namespace CLI {
class App;
}

namespace ptv::cli {

/// The report files of check and report: each a path, "-" for standard output, or "" for not
/// written.
struct ReportFiles {
  std::string text;  ///< -o/--output; "" = standard output, unless another report is given "-"
  std::string json, sarif, junit, ktap, html;
};

/// -o/--output FILE and --json/--sarif/--junit/--ktap/--html FILE on `app`, and the refused old
/// spellings -O FORMAT and --output-file FILE. `html_help` describes what the --html page shows.
void add_report_file_options(CLI::App& app, ReportFiles& files, const std::string& html_help);

/// --json FILE on `app` (walk, mappings, diff, prove: "-" = standard output, instead of the text),
/// and the refused old spellings --output FORMAT and -O FORMAT.
void add_json_file_option(CLI::App& app, std::string& json, const std::string& help);

/// One report of a run: its format and its file ("-": standard output).
struct PlannedReport {
  OutputFormat format;
  std::string path;
};

/// The reports `files` asks for, text first; the text goes to standard output when no file is
/// named for it and no other report takes standard output. An error when two reports name
/// standard output or the same file.
Expected<std::vector<PlannedReport>> plan_reports(const ReportFiles& files);

/// True when one of `reports` goes to standard output.
bool writes_standard_output(const std::vector<PlannedReport>& reports);

/// How to write a report in `format`; `to_terminal`: it goes to standard output, a terminal
/// maybe (the writer decides on colour).
using ReportWriter = std::function<void(OutputFormat format, std::ostream& os, bool to_terminal)>;

/// Writes every planned report: all files are opened before any is written, so that an
/// unwritable one fails the run before another replaces anything; each file is complete
/// (written to a temporary and renamed) whatever happens to standard output, which is written
/// last. Returns the exit code of a failure (2, the file named on stderr), else empty.
std::optional<int> write_reports(const std::vector<PlannedReport>& reports, const ReportWriter& write);

/// One report to `path` ("-" or "": standard output).
std::optional<int> write_one(const std::string& path,
                             const std::function<void(std::ostream& os, bool to_terminal)>& write);

}  // namespace ptv::cli
