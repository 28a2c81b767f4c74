// ptverify explain REPORT.json: the story of one violation of a saved check report, and the
// entry change that would fix it.
#include "verifier/report/explain.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "verifier/base/compressed.h"
#include "verifier/base/exit_codes.h"
#include "verifier/report/check_json.h"

namespace ptv::cli {

namespace {

struct ExplainOptions {
  std::string report;
  std::size_t violation = 1;  ///< 1-based, as the text report numbers them
  bool all = false;
};

int run_explain(const ExplainOptions& o) {
  const auto text = read_whole_file(o.report);
  if (!text.ok()) return bad_input(text.error().message);
  const auto report = read_check_json(*text, o.report);
  if (!report.ok()) return bad_input(report.error().message);
  const check::CheckResult& r = *report;
  if (r.violations.empty()) {
    write_explain_nothing(r, std::cout);
    return static_cast<int>(ExitCode::kOk);
  }
  const std::size_t n = r.violations.size();
  if (!o.all && (o.violation < 1 || o.violation > n)) {
    return bad_input("explain: " + o.report + " has " + std::to_string(n) + (n == 1 ? " violation" : " violations") +
                     ": --violation " + std::to_string(o.violation) + " is not in 1.." + std::to_string(n) +
                     "; give a number in that range, or --all");
  }
  const bool colour = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  if (o.all)
    write_explain_groups(r, std::cout, colour);
  else
    write_explain_text(r, o.violation - 1, std::cout, colour);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_explain(CLI::App& app) {
  auto o = std::make_shared<ExplainOptions>();
  CLI::App* sub =
      app.add_subcommand("explain", "Tell one violation of a check report in plain words, and how to fix it");
  sub->add_option("REPORT", o->report, "A JSON report of `ptverify check --json FILE` (may be gzip or zstd)")
      ->required();
  CLI::Option* all = sub->add_flag("--all", o->all,
                                   "Explain every violation of the report: one story per group of violations that "
                                   "share a rule, region and deciding entry");
  sub->add_option("--violation,-n", o->violation, "Which violation, 1-based, as the text report numbers them")
      ->capture_default_str()
      ->check(non_negative_integer())
      ->excludes(all);
  return Command{sub, [o] { return run_explain(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
