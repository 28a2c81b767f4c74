// The subcommand registry. Each subcommand file provides `Command setup_<name>(CLI::App&)`,
// which adds the subcommand, binds its options struct, and returns how to run it.
#pragma once

#include <functional>
#include <vector>

namespace CLI {
class App;
}

namespace ptv::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;  ///< returns the process exit code (verifier/report/exit_codes.h)
};
using Commands = std::vector<Command>;

Commands setup_all(CLI::App& app);
int run_selected(const CLI::App& app, const Commands& commands);

}  // namespace ptv::cli
