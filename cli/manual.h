// The man page and the bash completion, made from the same CLI11 definitions as --help, so that
// neither can drift from the command line: `ptverify --man-page` and `ptverify
// --bash-completion` print them (the build installs what they print).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ptv::cli {

/// ptverify(1) in roff (man(7) macros): every subcommand with its options and example.
std::string man_page(const CLI::App& app);

/// A bash completion script: subcommands, each one's options, bundled spec names after --spec.
std::string bash_completion(const CLI::App& app);

}  // namespace ptv::cli
