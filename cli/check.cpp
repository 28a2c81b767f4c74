// ptverify check DUMP --spec SPEC: does the dump obey the spec, for every virtual address?
#include "verifier/checks/check.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/param_flags.h"
#include "cli/run_limits.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/checks/baseline.h"
#include "verifier/report/check_json.h"
#include "verifier/report/check_junit.h"
#include "verifier/report/check_ktap.h"
#include "verifier/report/check_sarif.h"
#include "verifier/report/check_text.h"
#include "verifier/report/html_map.h"
#include "verifier/spec/parse.h"

namespace ptv::cli {

namespace {

struct CheckCliOptions {
  std::string spec;
  CliLoadOptions load;  ///< load.dump.path: DUMP
  OutputFormat output = OutputFormat::kText;
  std::string output_file;
  std::string baseline;
  std::vector<std::string> params;
  check::CheckOptions check = [] {
    check::CheckOptions c;
    c.memory_limit_mb = kDefaultMemoryLimitMib;
    c.time_limit_s = kDefaultTimeLimitSeconds;
    return c;
  }();
  std::string emit_smt2;
  bool list_rules = false;
  std::string html;
};

void print_rules() {
  for (const check::RuleInfo& r : check::kRules)
    std::cout << r.name << (r.raw_only ? " (raw dumps)" : "") << ": " << r.description << '\n';
}

/// --param, --emit-smt2 and the run limits into o.check; the memory cap and the watchdog are
/// armed here, before any input is read.
std::optional<Error> apply_run_flags(CheckCliOptions& o) {
  auto params = parse_param_flags("check", o.params);
  if (!params) return params.error();
  o.check.fixed_parameters = std::move(params).value();
  if (!o.emit_smt2.empty()) o.check.emit_smt2_dir = o.emit_smt2;
  limit_memory(o.check.memory_limit_mb);
  o.check.deadline = deadline_after(o.check.time_limit_s);
  arm_time_watchdog("check", o.check.time_limit_s, true);
  return std::nullopt;
}

void write_report(const check::CheckResult& result, OutputFormat format, std::ostream& os, bool to_terminal) {
  switch (format) {
    case OutputFormat::kJson:
      write_check_json(result, os);
      break;
    case OutputFormat::kSarif:
      write_check_sarif(result, os);
      break;
    case OutputFormat::kJunit:
      write_check_junit(result, os);
      break;
    case OutputFormat::kKtap:
      write_check_ktap(result, os);
      break;
    case OutputFormat::kHtml:
      break;
    case OutputFormat::kText:
      write_check_text(result, os, to_terminal && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
      break;
  }
}

/// The report (to stdout or -o) and the --html page. Both files are opened before either is
/// written, so that an unwritable one fails the run before the other replaces anything.
/// Returns the exit code of a failure, empty when both are written.
std::optional<int> write_outputs(const CheckCliOptions& o, const check::CheckResult& result, const MappingSet& mappings,
                                 const spec::Spec& spec) {
  std::optional<OutputFile> file;
  if (!o.output_file.empty()) {
    Expected<OutputFile> f = OutputFile::open(o.output_file);
    if (!f) return bad_input(f.error().message);
    file = std::move(*f);
  }
  std::optional<OutputFile> html;
  if (!o.html.empty()) {
    Expected<OutputFile> f = OutputFile::open(o.html);
    if (!f) return bad_input(f.error().message);
    html = std::move(*f);
  }
  write_report(result, o.output, file ? file->stream() : std::cout, !file);
  if (file) {
    if (auto err = file->commit()) return bad_input(err->message);
  }
  if (html) {
    write_check_html(html->stream(), mappings, spec, result);
    if (auto err = html->commit()) return bad_input(err->message);
  }
  return std::nullopt;
}

int run_check_command(CheckCliOptions& o) {
  if (o.list_rules) {
    print_rules();
    return static_cast<int>(ExitCode::kOk);
  }
  if (o.load.dump.path.empty() || o.spec.empty()) return bad_input("check: DUMP and --spec SPEC are required");
  if (auto err = apply_run_flags(o)) return failed(*err);
  auto spec = spec::load_spec(o.spec);
  if (!spec.ok()) return bad_input(spec.error().message);
  // Every input is read before the solver runs: a bad baseline costs no search.
  std::optional<std::vector<std::string>> baseline;
  if (!o.baseline.empty()) {
    auto fp = load_baseline(o.baseline);
    if (!fp.ok()) return bad_input(fp.error().message);
    baseline = std::move(*fp);
  }
  o.load.dump.mark_table_frames = true;
  auto loaded = load_dump_cli(o.load);
  if (!loaded.ok()) return failed(loaded.error());

  const std::optional<check::RawContext> raw = check::raw_context(*loaded);
  check::CheckOutcome outcome = check::run_check(loaded->mappings, *spec, raw ? &*raw : nullptr, o.check);
  if (auto code = check_failed(outcome)) return *code;
  check::CheckResult result = std::move(std::get<check::CheckResult>(outcome));
  if (baseline) apply_baseline(result, *baseline);
  disarm_time_watchdog();
  if (auto code = write_outputs(o, result, loaded->mappings, *spec)) return *code;
  // The one-line summary a CI log reader sees first, on stderr when stdout carries a report.
  if (o.output != OutputFormat::kText || !o.output_file.empty()) std::cerr << result.summary_line() << '\n';
  return static_cast<int>(result.exit_code());
}

}  // namespace

Command setup_check(CLI::App& app) {
  auto o = std::make_shared<CheckCliOptions>();
  CLI::App* sub =
      app.add_subcommand("check", "Prove a dump obeys a layout spec for every address, or list counterexamples");
  sub->add_option("DUMP", o->load.dump.path,
                  "ELF core, raw image, or text dump (ptdump, info tlb, info mem, maps, json)");
  sub->add_option("--spec,-s", o->spec, "Layout spec (JSON), e.g. specs/linux-x86_64-4level.json");
  add_load_options(*sub, o->load);
  add_output_option(*sub, o->output,
                    {OutputFormat::kText, OutputFormat::kJson, OutputFormat::kSarif, OutputFormat::kJunit},
                    "text, json, sarif or junit");
  sub->add_option("--output-file,-o", o->output_file, "Write the report here instead of stdout");
  sub->add_option("--timeout", o->check.timeout_ms,
                  "Per solver query, in milliseconds; reaching it is 'unknown' (exit 3)")
      ->capture_default_str();
  sub->add_option("--time-limit", o->check.time_limit_s,
                  "The whole run, in seconds: rules not decided by then are 'unknown' (exit 3); 0 = none")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  sub->add_option("--rlimit", o->check.rlimit, "Per solver query, Z3 resource units (deterministic); 0 = none")
      ->check(non_negative_integer());
  sub->add_option("--memory-limit", o->check.memory_limit_mb,
                  "The run's memory in MiB (its data segment, and the solver's ceiling); reaching it is 'unknown' "
                  "(exit 3); 0 = none")
      ->capture_default_str()
      ->check(non_negative_integer());
  sub->add_option("--max-violations", o->check.max_violations, "List at most this many violations")
      ->capture_default_str()
      ->check(non_negative_integer());
  sub->add_option("--param", o->params, "Fix a spec parameter: NAME=VALUE (repeatable)");
  sub->add_option("--baseline", o->baseline, "A previous JSON report: its violations are accepted, only new ones fail")
      ->check(CLI::ExistingFile);
  sub->add_option("--emit-smt2", o->emit_smt2, "Write every solver query as SMT-LIB 2 into this directory");
  sub->add_option("--html", o->html,
                  "Also write the map with every violation and its walk as one self-contained HTML page");
  sub->add_flag("--list-rules", o->list_rules, "List the rules check decides, and exit");
  return Command{sub, [o] { return run_check_command(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
