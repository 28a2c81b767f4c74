// ptverify prove SPEC: prove a layout spec's obligations for every admissible parameter value.
#pragma once

#include <cstdint>
#include <string>

#include "cli/commands.h"
#include "cli/run_limits.h"

namespace ptv::cli {

struct ProveCommandOptions {
  std::string spec;                                        ///< the spec file; may be empty with list_obligations
  std::string json;                                        ///< --json: "" none, "-" stdout (instead of text)
  unsigned timeout_ms = 10'000;                            ///< per query; 0: none
  double time_limit_s = kDefaultTimeLimitSeconds;          ///< the whole run, seconds; 0: none
  std::uint64_t rlimit = 0;                                ///< per query, Z3 resource units; 0: none
  std::uint64_t memory_limit_mb = kDefaultMemoryLimitMib;  ///< the run's memory, MiB; 0: none
  std::string emit_smt2_dir;                               ///< empty: no export
  bool list_obligations = false;
  bool no_minimize = false;
};

/// Adds the `prove` subcommand; the returned Command runs run_prove on the parsed options.
Command setup_prove(CLI::App& app);

/// Exit codes: 0 all proved, 1 any refuted, 2 bad spec or usage, 3 any unknown (none refuted),
/// 4 internal error (see verifier/checks/prove.h).
int run_prove(const ProveCommandOptions& options);

}  // namespace ptv::cli
