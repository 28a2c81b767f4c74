// Binding the dump-loading options onto a subcommand; the loading itself is
// verifier/ingest/load_dump.h.
#pragma once

#include <string>

#include "models/expected.h"
#include "verifier/ingest/load_dump.h"

namespace CLI {
class App;
}

namespace ptv::cli {

struct CliLoadOptions {
  DumpOptions dump;    ///< what the flags say about the dump; dump.path is the DUMP argument
  bool quiet = false;  ///< do not say on stderr which format was chosen, nor show progress
};

/// Binds the machine options and --format, --lenient, --with-mem, --assume-no-reserved, --quiet
/// (not the DUMP argument: each subcommand names its own).
void add_load_options(CLI::App& app, CliLoadOptions& opts);

/// load_dump(opts.dump) with a progress line on a terminal, and the chosen format and the
/// machine's notes on stderr (unless quiet).
Expected<LoadedDump> load_dump_cli(const CliLoadOptions& opts);

/// The machine's notes on stderr as "ptverify: note: ...".
void print_notes(const std::vector<std::string>& notes, bool quiet);

}  // namespace ptv::cli
