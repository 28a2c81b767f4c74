// ptverify: the command line. Each subcommand lives in its own file pair (cli/<name>.{h,cpp})
// with setup_<name>(CLI::App&) binding an options struct and run_<name>() returning the exit code.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"

namespace {

// Interrupted (Ctrl-C, kill, a closed terminal): no temporary of an output file left behind, then
// the signal's own ending, so the parent sees how the run ended.
extern "C" void on_interrupt(int sig) {
  ptv::remove_pending_temporaries();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

int parse_and_run(int argc, char** argv) {
  CLI::App app{"ptverify: a formally checked x86_64 page-table verifier"};
  app.set_version_flag("--version", "ptverify 0.1.0");
  app.require_subcommand(1);
  ptv::cli::Commands commands = ptv::cli::setup_all(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e, std::cout, std::cerr);
    return static_cast<int>(ptv::ExitCode::kBadInput);
  }
  return ptv::cli::run_selected(app, commands);
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away (`| head`) makes writes fail with EPIPE instead of killing the run:
  // a file being written is still completed, and standard output's state is told at the end.
  std::signal(SIGPIPE, SIG_IGN);
  // A signal the caller ignores (nohup, a background job's SIGINT) stays ignored.
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    if (std::signal(sig, on_interrupt) == SIG_IGN) std::signal(sig, SIG_IGN);
  ptv::StandardOutput out;
  const int code = parse_and_run(argc, argv);
  return ptv::cli::finish_standard_output(out, code);
}
