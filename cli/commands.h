// The subcommand registry. Each subcommand file provides `Command setup_<name>(CLI::App&)`,
// which adds the subcommand, binds its options struct, and returns how to run it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "verifier/checks/check.h"

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace ptv {
class StandardOutput;
struct Error;
}  // namespace ptv

namespace ptv::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  ///< returns the process exit code (verifier/base/exit_codes.h)
  /// The --time-limit setup_all gives a subcommand that has none of its own (check and prove
  /// keep theirs: they also stop their rules at it): run_selected arms the watchdog with it.
  std::shared_ptr<double> time_limit;
  /// Likewise the --memory-limit (MiB) of a subcommand without one of its own.
  std::shared_ptr<std::uint64_t> memory_limit;
};
using Commands = std::vector<Command>;

Commands setup_all(CLI::App& app);

/// A CLI11 check for a count or a limit: a whole number 0..2^64-1 in decimal, nothing else (a
/// negative number would otherwise wrap around to a huge one). Its message names the value.
CLI::Validator non_negative_integer();
int run_selected(const CLI::App& app, const Commands& commands);

/// Every diagnostic goes out through here: "ptverify: MESSAGE" on stderr, with MESSAGE's
/// control characters escaped (verifier/base/printable.h; its newlines kept).
void print_error(std::string_view message);
/// print_error(message), then ExitCode::kBadInput: for bad input, usage, and unwritable outputs.
int bad_input(std::string_view message);
/// A stage's error as the run's end: print_error(e.message), then ExitCode::kInternal when the
/// error is ptverify's own (Error::internal), else ExitCode::kBadInput.
int failed(const Error& e);
/// A check run that gave no result: its message printed, and its exit code (bad input 2, internal
/// error 4); empty when `outcome` holds the result.
std::optional<int> check_failed(const check::CheckOutcome& outcome);

/// The end of every run: flushes standard output and returns `code`, or ExitCode::kBadInput
/// after "ptverify: standard output: cannot write: <reason>" when a write to it failed. A reader
/// that went away (EPIPE: `| head`) is not an error: the run keeps `code`, quietly.
int finish_standard_output(StandardOutput& out, int code);

}  // namespace ptv::cli
