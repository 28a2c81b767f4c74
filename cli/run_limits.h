// The whole run's memory bound (--memory-limit of check and prove).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace ptv::cli {

/// --memory-limit's default for check and prove, in MiB: far above what the bundled specs need on
/// any real dump (docs/performance.md), low enough to stop a runaway run before the machine does.
inline constexpr std::uint64_t kDefaultMemoryLimitMib = 8192;

/// --time-limit's default for every subcommand, in seconds (docs/check.md "Limits").
inline constexpr double kDefaultTimeLimitSeconds = 300;

/// Caps the process's data segment (heap and private anonymous mappings: RLIMIT_DATA) at `mib`
/// MiB; 0 leaves it as it is. Dumps are mapped from their files, which the cap does not count.
/// An allocation past the cap fails: in ptverify, std::bad_alloc (exit 3, see run_selected); in
/// Z3, a "memory limit" unknown. Builds with AddressSanitizer skip it (the shadow memory it
/// maps counts as data).
void limit_memory(std::uint64_t mib);

/// The cap limit_memory set, in MiB (0: none): for the message when an allocation fails.
std::uint64_t memory_limit_mib();

/// The cooperative deadline of --time-limit: `seconds` from now on the steady clock; empty for 0
/// (no limit).
std::optional<std::chrono::steady_clock::time_point> deadline_after(double seconds);

/// The whole run's time bound behind --time-limit. check and prove stop their rules and goals
/// at the limit themselves (`cooperative`): they end as "not decided: time limit" in every
/// output, and this watchdog is only the floor under the phases that never look at the clock
/// (reading a dump or a spec, building the queries), `time_watchdog_grace` after the limit. For
/// the other subcommands it is the limit itself. When it fires it prints "ptverify: COMMAND: the
/// run did not end within its time limit (--time-limit S s) ..." on stderr, removes the
/// temporaries of output files not yet committed, and ends the process with exit 3 (unknown).
/// 0 seconds leaves it unarmed.
void arm_time_watchdog(const char* command, double limit_seconds, bool cooperative);
/// Stops the watchdog: called once the decisions are made, before the outputs are written (each
/// written whole or not at all, docs/formats.md "Output files").
void disarm_time_watchdog();

/// The watchdog's grace after the limit: the cooperative deadline's margin to wind down and report.
[[nodiscard]] double time_watchdog_grace(double limit_seconds);

}  // namespace ptv::cli
