// ptverify report SAVED.json: the reports of a saved `check --json` report in any other format,
// without checking again (the HTML map alone reads the dump and the spec again, no solving).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/check.h"
#include "cli/check_batch.h"
#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/report_files.h"
#include "cli/spec_lookup.h"
#include "verifier/base/compressed.h"
#include "verifier/base/exit_codes.h"
#include "verifier/checks/places.h"
#include "verifier/report/check_json.h"

namespace ptv::cli {

namespace {

struct ReportOptions {
  std::string saved;
  ReportFiles reports;
  FailOn fail_on;
  std::string spec;                ///< --spec: for --html, instead of the report's
  CliLoadOptions load;             ///< load.dump.path: --dump, for --html, instead of the report's
  std::vector<std::string> merge;  ///< --merge SUMMARY...: batch summaries to merge
  std::string summary_json;        ///< --summary-json FILE: the merged summary
};

int run_report(ReportOptions& o) {
  if (!o.merge.empty() || !o.summary_json.empty()) {
    if (!o.saved.empty()) o.merge.insert(o.merge.begin(), o.saved);
    return run_merge_summaries(o.merge, o.summary_json, o.fail_on);
  }
  if (o.saved.empty()) return bad_input("report: SAVED (a check --json report) or --merge SUMMARY... is required");
  Expected<std::vector<PlannedReport>> reports = plan_reports(o.reports);
  if (!reports) return bad_input("report: " + reports.error().message);
  const auto text = read_whole_file(o.saved);
  if (!text.ok()) return bad_input(text.error().message);
  auto result = read_check_json(*text, o.saved);
  if (!result.ok()) return bad_input(result.error().message);

  // The spec's region lines (SARIF points each violation at its region) are not in the JSON:
  // read from the spec file when it is still there, as check read them.
  std::optional<spec::Spec> spec;
  if (!o.reports.sarif.empty() || !o.reports.html.empty()) {
    Expected<spec::Spec> s = load_spec_named(o.spec.empty() ? result->spec : o.spec);
    if (s) {
      check::set_spec_locations(*result, *s);
      spec = std::move(*s);
    } else if (!o.reports.html.empty()) {
      return bad_input("report --html: " + s.error().message +
                       " (the HTML map needs the spec the report was checked against: give --spec SPEC)");
    } else {
      print_error("note: " + s.error().message + "; the SARIF results point at the dump only (give --spec SPEC)");
    }
  }

  // The HTML map draws every mapping: the dump and the spec are read again (no solving).
  std::optional<LoadedDump> loaded;
  if (!o.reports.html.empty()) {
    if (o.load.dump.path.empty()) o.load.dump.path = result->dump;
    o.load.dump.mark_table_frames = true;
    Expected<LoadedDump> d = load_dump_cli(o.load);
    if (!d) {
      print_error(
          "report --html: the HTML map needs the dump the report was checked: give --dump DUMP and its "
          "load options, as for check");
      return failed(d.error());
    }
    loaded = std::move(*d);
  }
  const auto write = [&](OutputFormat format, std::ostream& os, bool to_terminal) {
    write_check_report(*result, format, os, to_terminal, loaded ? &loaded->mappings : nullptr, spec ? &*spec : nullptr);
  };
  if (auto code = write_reports(*reports, write)) return *code;
  return static_cast<int>(result->exit_code(o.fail_on.violated, o.fail_on.unknown));
}

}  // namespace

Command setup_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Write a saved check report (check --json) in other formats, without checking again");
  sub->add_option("SAVED", o->saved, "A JSON report of `ptverify check --json FILE` (may be gzip or zstd)");
  sub->add_option("--merge", o->merge,
                  "Merge these batch summaries (check DUMP... --summary-json FILE, e.g. one per CI shard) into one "
                  "summary: its text on standard output");
  sub->add_option("--summary-json", o->summary_json,
                  "--merge: also write the merged summary as JSON to FILE (- for standard output, instead of the "
                  "text)");
  add_report_file_options(*sub, o->reports,
                          "Also write the HTML map (reads the report's dump and spec again; see --dump, --spec)");
  add_fail_on_option(*sub, o->fail_on,
                     "What makes the exit status non-zero, as for check: violated, unknown, both (the default) or "
                     "none");
  sub->add_option("--dump", o->load.dump.path, "--html: the dump, when it is no longer where the report says");
  sub->add_option("--spec,-s", o->spec,
                  "--html, --sarif: the spec, when it is no longer where the report says (SARIF points each "
                  "violation at its region's line in it)");
  add_load_options(*sub, o->load);
  sub->footer(
      "Example:\n"
      "  ptverify check core.elf --spec linux-x86_64-4level --json report.json\n"
      "  ptverify report report.json --sarif report.sarif --junit junit.xml --ktap report.ktap\n"
      "  ptverify report --merge shard-1.json shard-2.json --summary-json batch.json");
  return Command{sub, [o] { return run_report(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
