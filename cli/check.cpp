// ptverify check DUMP --spec SPEC: does the dump obey the spec, for every virtual address?
#include "cli/check.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/check_batch.h"
#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/param_flags.h"
#include "cli/report_files.h"
#include "cli/run_limits.h"
#include "cli/spec_lookup.h"
#include "cli/symbol_options.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/checks/baseline.h"
#include "verifier/checks/check.h"
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
  BatchOptions batch;   ///< batch.dumps: every DUMP argument (one: a plain check)
  ReportFiles reports;
  FailOn fail_on;
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
  bool timings = false;
  bool solver_only = false;
  SymbolOptions symbols;
};

/// --timings: the phases on stderr, after the reports.
void print_timings(const Timings& t) {
  std::fprintf(stderr, "check --timings (seconds; indented lines are part of the phase above them):\n");
  for (const Timings::Phase& p : t.phases()) {
    if (p.count > 1)
      std::fprintf(stderr, "  %-44s %9.4f  (%zu times, longest %.4f)\n", p.name.c_str(), p.seconds, p.count, p.longest);
    else
      std::fprintf(stderr, "  %-44s %9.4f\n", p.name.c_str(), p.seconds);
  }
}

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
  if (!o.emit_smt2.empty()) {
    o.check.emit_smt2_dir = o.emit_smt2;
    o.check.sweep = false;  // every question as a query, to be exported
  }
  if (o.solver_only) o.check.sweep = false;
  limit_memory(o.check.memory_limit_mb);
  o.check.deadline = deadline_after(o.check.time_limit_s);
  arm_time_watchdog("check", o.check.time_limit_s, true);
  return std::nullopt;
}

}  // namespace

void write_check_report(const check::CheckResult& result, OutputFormat format, std::ostream& os, bool to_terminal,
                        const MappingSet* mappings, const spec::Spec* spec) {
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
      if (mappings != nullptr && spec != nullptr) write_check_html(os, *mappings, *spec, result);
      break;
    case OutputFormat::kText:
      write_check_text(result, os, to_terminal && isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
      break;
  }
}

void add_fail_on_option(CLI::App& app, FailOn& slot, const std::string& help) {
  app.add_option_function<std::vector<std::string>>(
         "--fail-on",
         [&slot](const std::vector<std::string>& words) {
           slot = FailOn{false, false};
           for (const std::string& w : words) {
             slot.violated = slot.violated || w == "violated";
             slot.unknown = slot.unknown || w == "unknown";
           }
         },
         help)
      ->delimiter(',')
      ->check(CLI::IsMember({"violated", "unknown", "none"}))
      ->default_str("violated,unknown");
}

namespace {

int run_check_command(CheckCliOptions& o, const CLI::App& sub) {
  if (o.list_rules) {
    print_rules();
    return static_cast<int>(ExitCode::kOk);
  }
  if (is_batch(sub, o.batch)) return run_check_batch(sub, o.batch, o.spec, o.fail_on, o.check.time_limit_s);
  if (!o.batch.dumps.empty()) o.load.dump.path = o.batch.dumps.front();
  if (o.load.dump.path.empty() || o.spec.empty()) return bad_input("check: DUMP and --spec SPEC are required");
  Expected<std::vector<PlannedReport>> reports = plan_reports(o.reports);
  if (!reports) return bad_input("check: " + reports.error().message);
  if (auto err = apply_run_flags(o)) return failed(*err);
  const auto t0 = std::chrono::steady_clock::now();
  Timings timings;
  if (o.timings) o.check.timings = &timings;
  std::optional<Timings::Scope> phase;
  phase.emplace(o.check.timings, "read the spec");
  auto spec = load_spec_named(o.spec);
  if (!spec.ok()) return bad_input(spec.error().message);
  // Every input is read before the solver runs: a bad baseline costs no search.
  std::optional<std::vector<std::string>> baseline;
  if (!o.baseline.empty()) {
    auto fp = load_baseline(o.baseline);
    if (!fp.ok()) return bad_input(fp.error().message);
    baseline = std::move(*fp);
  }
  o.load.dump.mark_table_frames = true;
  phase.emplace(o.check.timings, "load the dump (read, walk, mapping set)");
  auto loaded = load_dump_cli(o.load);
  if (!loaded.ok()) return failed(loaded.error());

  phase.emplace(o.check.timings, "symbols");
  auto symbols = symbols_for_dump(o.symbols, *loaded, &*spec, o.check);
  if (!symbols) return bad_input("check: " + symbols.error().message);
  const std::vector<std::string>& notes = symbols->notes;

  phase.reset();
  const std::optional<check::RawContext> raw = check::raw_context(*loaded);
  check::CheckOutcome outcome = check::run_check(loaded->mappings, *spec, raw ? &*raw : nullptr, o.check);
  if (auto code = check_failed(outcome)) return *code;
  check::CheckResult result = std::move(std::get<check::CheckResult>(outcome));
  phase.emplace(o.check.timings, "name the violations' places");
  check::locate_violations(result, *spec, symbols->place_options());
  result.notes.insert(result.notes.end(), notes.begin(), notes.end());
  if (baseline) apply_baseline(result, *baseline);
  disarm_time_watchdog();
  const auto write = [&](OutputFormat format, std::ostream& os, bool to_terminal) {
    write_check_report(result, format, os, to_terminal, &loaded->mappings, &*spec);
  };
  phase.emplace(o.check.timings, "write the reports");
  if (auto code = write_reports(*reports, write)) return *code;
  phase.reset();
  if (o.timings) {
    timings.add("total", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    print_timings(timings);
  }
  // The one-line summary a CI log reader sees first, on stderr when stdout carries no text.
  const bool text_on_stdout =
      !reports->empty() && reports->front().format == OutputFormat::kText && reports->front().path == "-";
  if (!text_on_stdout) std::cerr << result.summary_line() << '\n';
  return static_cast<int>(result.exit_code(o.fail_on.violated, o.fail_on.unknown));
}

}  // namespace

Command setup_check(CLI::App& app) {
  auto o = std::make_shared<CheckCliOptions>();
  CLI::App* sub =
      app.add_subcommand("check", "Prove a dump obeys a layout spec for every address, or list counterexamples");
  sub->add_option("DUMP", o->batch.dumps,
                  "ELF core, raw image, or text dump (ptdump, info tlb, info mem, maps, json); several, or a "
                  "folder, check each in its own process (a batch: --jobs, --reports, --summary-json)");
  sub->add_option("--spec,-s", o->spec, "Layout spec (JSON), e.g. specs/linux-x86_64-4level.json");
  add_load_options(*sub, o->load);
  add_report_file_options(*sub, o->reports,
                          "Also write the map with every violation and its walk as one self-contained HTML page");
  add_fail_on_option(*sub, o->fail_on,
                     "What fails the run (CI policy): violated, unknown, both (the default) or none; what does not "
                     "fail exits 0, and the reports still say it");
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
  sub->add_flag("--explain-params", o->check.explain_parameters,
                "For each inferred parameter, the least and greatest value some values of the others admit (more "
                "queries)");
  sub->add_option("--baseline", o->baseline, "A previous JSON report: its violations are accepted, only new ones fail")
      ->check(CLI::ExistingFile);
  sub->add_option("--emit-smt2", o->emit_smt2, "Write every solver query as SMT-LIB 2 into this directory");
  add_symbol_options(*sub, o->symbols, true);
  sub->add_flag("--solver-only", o->solver_only,
                "Ask the solver every question the concrete pass over the intervals would answer (slower; the same "
                "verdicts)");
  sub->add_flag("--timings", o->timings,
                "Print where the run's time went (each phase, each kind of solver query) on standard error");
  add_batch_options(*sub, o->batch);
  sub->add_flag("--list-rules", o->list_rules, "List the rules check decides, and exit");
  return Command{sub, [o, sub] { return run_check_command(*o, *sub); }, nullptr, nullptr};
}

}  // namespace ptv::cli
