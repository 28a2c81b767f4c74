#include "cli/report_files.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <utility>

#include "cli/commands.h"
#include "verifier/base/output_file.h"

namespace ptv::cli {

namespace {

const char* const kFileHelp = " (- for standard output)";

/// An option that refuses every value: an old spelling, and what to write instead.
void refuse(CLI::Option* option, std::string message) {
  option->each([message = std::move(message)](const std::string&) { throw CLI::ValidationError(message); })->group("");
}

/// -o/--output is a file now: a value that is a format's name is the old spelling.
void refuse_format_names(const std::string& value) {
  const std::optional<OutputFormat> f = output_format_named(value);
  if (!f) return;
  if (*f == OutputFormat::kText)
    throw CLI::ValidationError(
        "'text' names a format, but -o/--output names the text report's file now, and text "
        "is the default: leave --output out (for a file called 'text', write ./text)");
  throw CLI::ValidationError("'" + value + "' names a format, but -o/--output names the text report's file now; " +
                             "a format has its own flag: --" + value + " FILE, or --" + value +
                             " - for standard output (for a file called '" + value + "', write ./" + value + ")");
}

}  // namespace

void add_report_file_options(CLI::App& app, ReportFiles& files, const std::string& html_help) {
  app.add_option("-o,--output", files.text, "Write the text report to FILE instead of standard output")
      ->each(refuse_format_names);
  app.add_option("--json", files.json, std::string("Also write the JSON report to FILE") + kFileHelp);
  app.add_option("--sarif", files.sarif, std::string("Also write the SARIF 2.1.0 report to FILE") + kFileHelp);
  app.add_option("--junit", files.junit, std::string("Also write the JUnit XML report to FILE") + kFileHelp);
  app.add_option("--ktap", files.ktap, std::string("Also write the KTAP report to FILE") + kFileHelp);
  app.add_option("--html", files.html, html_help + kFileHelp);
  refuse(app.add_option("-O"),
         "-O FORMAT is gone: each format has its own flag, e.g. --json FILE (- for standard output)");
  refuse(app.add_option("--output-file"),
         "--output-file is now -o/--output FILE (the text report); the other formats have their own flags, e.g. "
         "--sarif FILE");
}

void add_json_file_option(CLI::App& app, std::string& json, const std::string& help) {
  app.add_option("--json", json, help + kFileHelp);
  refuse(app.add_option("--output,-O"),
         "--output FORMAT is gone: --json - writes JSON to standard output, --json FILE to a file");
}

Expected<std::vector<PlannedReport>> plan_reports(const ReportFiles& files) {
  std::vector<PlannedReport> asked;
  for (const auto& [format, path] : {std::pair{OutputFormat::kJson, &files.json},
                                     {OutputFormat::kSarif, &files.sarif},
                                     {OutputFormat::kJunit, &files.junit},
                                     {OutputFormat::kKtap, &files.ktap},
                                     {OutputFormat::kHtml, &files.html}})
    if (!path->empty()) asked.push_back({format, *path});
  const bool stdout_taken = writes_standard_output(asked);
  if (!files.text.empty())
    asked.insert(asked.begin(), {OutputFormat::kText, files.text});
  else if (!stdout_taken)
    asked.insert(asked.begin(), {OutputFormat::kText, "-"});
  for (std::size_t i = 0; i < asked.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (asked[i].path != asked[j].path) continue;
      const std::string a = std::string(to_string(asked[j].format)), b = std::string(to_string(asked[i].format));
      if (asked[i].path == "-")
        return Error{"the " + a + " and the " + b + " report cannot both go to standard output (-): give one a file"};
      return Error{"the " + a + " and the " + b + " report name the same file " + asked[i].path +
                   ": give each its own"};
    }
  }
  return asked;
}

bool writes_standard_output(const std::vector<PlannedReport>& reports) {
  for (const PlannedReport& r : reports)
    if (r.path == "-") return true;
  return false;
}

std::optional<int> write_reports(const std::vector<PlannedReport>& reports, const ReportWriter& write) {
  std::vector<std::pair<OutputFormat, OutputFile>> files;
  for (const PlannedReport& r : reports) {
    if (r.path == "-") continue;
    Expected<OutputFile> f = OutputFile::open(r.path);
    if (!f) return bad_input(f.error().message);
    files.emplace_back(r.format, std::move(*f));
  }
  for (auto& [format, file] : files) {
    write(format, file.stream(), false);
    if (auto err = file.commit()) return bad_input(err->message);
  }
  for (const PlannedReport& r : reports)
    if (r.path == "-") write(r.format, std::cout, true);
  return std::nullopt;
}

std::optional<int> write_one(const std::string& path,
                             const std::function<void(std::ostream& os, bool to_terminal)>& write) {
  return write_reports({{OutputFormat::kJson, path.empty() ? "-" : path}},
                       [&write](OutputFormat, std::ostream& os, bool to_terminal) { write(os, to_terminal); });
}

}  // namespace ptv::cli
