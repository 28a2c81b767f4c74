// The processor-state options shared by every subcommand that reads a dump (mappings, walk,
// slice, check, ...), bound onto verifier/ingest/machine.h's MachineOptions. Which source wins
// and what happens to a fact no source gives is decided there, not here.
#pragma once

#include <string>

#include "verifier/ingest/machine.h"

namespace CLI {
class App;
}

namespace ptv::cli {

/// Adds --registers, --cpuinfo, --cr0/--cr3/--cr4/--efer, --la57, --nxe, --wp, --smep, --smap,
/// --pge, --pdpe1gb, --maxphyaddr, --pti, --user-pgd and --cpu to `app`. Requires: `opts`
/// outlives app's parse.
void add_machine_options(CLI::App& app, MachineOptions& opts);

/// Adds --format auto|elf-core|raw for subcommands that read raw memory only (walk, slice),
/// bound onto DumpOptions::format; open_raw_dump decides what each means.
void add_raw_format_option(CLI::App& app, std::string& format);

}  // namespace ptv::cli
