// ptverify prove SPEC [--json FILE] [--timeout MS] [--rlimit N] [--memory-limit MIB] [--emit-smt2 DIR]
//                     [--list-obligations] [--no-minimize]
#include "cli/prove.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/report_files.h"
#include "cli/spec_lookup.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/checks/prove.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/parse.h"

namespace ptv::cli {

int run_prove(const ProveCommandOptions& o) {
  const bool json = !o.json.empty();
  if (o.list_obligations) {
    if (auto code = write_one(o.json, [json](std::ostream& os, bool) { check::write_obligation_list(os, json); }))
      return *code;
    return static_cast<int>(ExitCode::kOk);
  }
  if (o.spec.empty()) {
    return bad_input("prove: a SPEC file is required (or --list-obligations)");
  }
  check::ProveOptions options;
  options.limits = smt::QueryLimits{o.timeout_ms, o.rlimit, o.memory_limit_mb};
  options.minimize = !o.no_minimize;
  limit_memory(o.memory_limit_mb);
  options.time_limit_s = o.time_limit_s;
  options.deadline = deadline_after(o.time_limit_s);
  arm_time_watchdog("prove", o.time_limit_s, true);
  if (!o.emit_smt2_dir.empty()) {
    if (auto err = smt::make_emit_smt2_dir(o.emit_smt2_dir)) return bad_input("prove: " + err->message);
    options.emit_smt2_dir = o.emit_smt2_dir;
  }
  Expected<spec::Spec> s = load_spec_named(o.spec);
  if (!s) return bad_input(s.error().message);
  Expected<check::ProveReport> report = check::prove(*s, options);
  if (!report) return bad_input(report.error().message);
  disarm_time_watchdog();
  if (json) {
    if (auto code = write_one(o.json, [&report](std::ostream& os, bool) { check::write_json(os, *report); }))
      return *code;
    if (o.json != "-") check::write_text(std::cout, *report);
  } else {
    check::write_text(std::cout, *report);
  }
  for (const std::string& e : report->internal_errors) print_error("internal error: " + e);
  return static_cast<int>(check::exit_code(*report));
}

Command setup_prove(CLI::App& app) {
  auto opts = std::make_shared<ProveCommandOptions>();
  CLI::App* sub = app.add_subcommand("prove", "Prove a layout spec's obligations for all admissible parameter values");
  sub->add_option("SPEC", opts->spec, "layout spec (JSON with comments), e.g. specs/linux-x86_64-4level.json");
  add_json_file_option(*sub, opts->json, "Write the JSON report to FILE (docs/schema/prove-report.schema.json)");
  sub->add_option("--timeout", opts->timeout_ms, "per-query solver timeout in milliseconds (0: none)")
      ->capture_default_str();
  sub->add_option("--time-limit", opts->time_limit_s,
                  "the whole run, in seconds: goals not decided by then are unknown (exit 3); 0: none")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1e7));
  sub->add_option("--rlimit", opts->rlimit, "per-query Z3 resource limit, deterministic (0: none)")
      ->capture_default_str()
      ->check(non_negative_integer());
  sub->add_option(
         "--memory-limit", opts->memory_limit_mb,
         "the run's memory in MiB (its data segment, and the solver's ceiling); reaching it is unknown (0: none)")
      ->capture_default_str()
      ->check(non_negative_integer());
  sub->add_option("--emit-smt2", opts->emit_smt2_dir, "write every solver query to DIR/<query-name>.smt2");
  sub->add_flag("--list-obligations", opts->list_obligations, "list the obligations prove checks, then exit");
  sub->add_flag("--no-minimize", opts->no_minimize, "report counterexamples as found, without minimising them");
  return Command{sub, [opts] { return run_prove(*opts); }, nullptr, nullptr};
}

}  // namespace ptv::cli
