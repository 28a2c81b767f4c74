#include "cli/commands.h"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "verifier/report/exit_codes.h"

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

int run_selected(const CLI::App& app, const Commands& commands) {
  (void)app;
  for (const Command& c : commands) {
    if (c.app && c.app->parsed()) {
      try {
        return c.run();
      } catch (const std::exception& e) {
        std::cerr << "ptverify: internal error: " << e.what() << '\n';
        return static_cast<int>(ExitCode::kInternal);
      }
    }
  }
  return static_cast<int>(ExitCode::kBadInput);
}

}  // namespace ptv::cli
