// ptverify: the command line. Each subcommand lives in its own file pair (cli/<name>.{h,cpp})
// with setup_<name>(CLI::App&) binding an options struct and run_<name>() returning the exit code.
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <string_view>

#include "cli/check_batch.h"
#include "cli/commands.h"
#include "cli/manual.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/smt/context.h"

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
  // The Z3 that decides, as it runs (the shared library) and as it was built against.
  app.set_version_flag("--version", std::string("ptverify ") + PTV_VERSION + "\nZ3 " + ptv::smt::z3_version() +
                                        " (built against " + PTV_Z3_BUILD_VERSION + ")");
  app.require_subcommand(1);
  ptv::cli::Commands commands = ptv::cli::setup_all(app);
  // The man page and the completion the build installs, from these very definitions.
  if (argc == 2 && std::string_view(argv[1]) == "--man-page") {
    std::cout << ptv::cli::man_page(app);
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "--bash-completion") {
    std::cout << ptv::cli::bash_completion(app);
    return 0;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ValidationError& e) {
    // CLI11 puts the option's name first; a refused old spelling has none of its own.
    std::string_view message = e.what();
    if (message.starts_with(": ")) message.remove_prefix(2);
    std::cerr << message << "\nRun with --help for more information.\n";
    return static_cast<int>(ptv::ExitCode::kBadInput);
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
  ptv::cli::end_with_batch();  // a worker of `check --jobs` ends with its batch
  ptv::StandardOutput out;
  const int code = parse_and_run(argc, argv);
  return ptv::cli::finish_standard_output(out, code);
}
