#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <system_error>

#include "cli/run_limits.h"
#include "verifier/report/exit_codes.h"
#include "verifier/report/output_file.h"
#include "verifier/report/printable.h"

namespace ptv::cli {

// One line per subcommand, in the order `ptverify --help` lists them.
Command setup_mappings(CLI::App& app);
Command setup_walk(CLI::App& app);
Command setup_check(CLI::App& app);
Command setup_map(CLI::App& app);
Command setup_slice(CLI::App& app);
Command setup_prove(CLI::App& app);
Command setup_explain(CLI::App& app);
Command setup_diff(CLI::App& app);

Commands setup_all(CLI::App& app) {
  return {
      setup_mappings(app),
      setup_walk(app),
      setup_check(app),
      setup_map(app),
      setup_slice(app),
      setup_prove(app),
      setup_explain(app),
      setup_diff(app),
  };
}

namespace {

// Reaching the memory limit is not an error of ptverify: nothing more could be decided.
int out_of_memory() {
  std::cerr << "ptverify: out of memory";
  if (const std::uint64_t mib = memory_limit_mib(); mib != 0)
    std::cerr << ": the run reached its memory limit (--memory-limit " << mib << " MiB)";
  std::cerr << "; nothing was decided\n";
  return static_cast<int>(ExitCode::kUnknown);
}

}  // namespace

int run_selected(const CLI::App& app, const Commands& commands) {
  (void)app;
  for (const Command& c : commands) {
    if (c.app && c.app->parsed()) {
      try {
        return c.run();
      } catch (const std::bad_alloc&) {
        return out_of_memory();
      } catch (const std::system_error& e) {
        // A thread (Z3's timer) or mapping the system could not give: memory again.
        if (e.code() == std::errc::resource_unavailable_try_again || e.code() == std::errc::not_enough_memory)
          return out_of_memory();
        print_error(std::string("internal error: ") + e.what());
        return static_cast<int>(ExitCode::kInternal);
      } catch (const std::exception& e) {
        print_error(std::string("internal error: ") + e.what());
        return static_cast<int>(ExitCode::kInternal);
      }
    }
  }
  return static_cast<int>(ExitCode::kBadInput);
}

void print_error(std::string_view message) { std::cerr << "ptverify: " << printable_lines(message) << '\n'; }

int bad_input(std::string_view message) {
  print_error(message);
  return static_cast<int>(ExitCode::kBadInput);
}

int finish_standard_output(StandardOutput& out, int code) {
  const int err = out.finish();
  if (err == 0 || err == EPIPE) return code;
  return bad_input(std::string("standard output: cannot write: ") + std::strerror(err));
}

}  // namespace ptv::cli
