#include "cli/load_dump.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/dump_options.h"
#include "cli/progress.h"
#include "verifier/base/printable.h"
#include "verifier/ingest/text_format.h"

namespace ptv::cli {

void add_load_options(CLI::App& app, CliLoadOptions& opts) {
  add_machine_options(app, opts.dump.machine);
  std::string names = "auto, elf-core, kdump, raw";
  std::vector<std::string> allowed{"auto", "elf-core", "kdump", "raw"};
  for (const TextFormat& f : text_formats()) {
    names += ", " + std::string(f.name);
    allowed.emplace_back(f.name);
  }
  app.add_option("--format", opts.dump.format, "Dump format: " + names + " (auto decides from the content)")
      ->check(CLI::IsMember(allowed))
      ->default_str("auto");
  app.add_flag("--lenient", opts.dump.lenient, "Text formats: report and skip unknown flag tokens instead of failing");
  app.add_option("--with-mem", opts.dump.with_mem,
                 "With an info tlb dump: the `info mem` of the same moment (completes U/W)")
      ->check(CLI::ExistingFile);
  app.add_flag("--assume-no-reserved", opts.dump.assume_no_reserved,
               "Text formats: confirm that no entry sets a reserved bit (a text dump cannot show one), so every listed "
               "translation exists");
  app.add_flag("--quiet,-q", opts.quiet, "Do not report the chosen format or progress on stderr");
}

void print_notes(const std::vector<std::string>& notes, bool quiet) {
  if (quiet) return;
  for (const std::string& n : notes) print_error("note: " + n);
}

Expected<LoadedDump> load_dump_cli(const CliLoadOptions& opts) {
  Progress progress(opts.quiet);
  DumpOptions load = opts.dump;
  load.progress = [&progress](const std::string& what) { progress.update(what); };
  // The readers' warnings (--lenient) name the file and quote its text: collected, then printed
  // with their control characters escaped like every other message.
  std::ostringstream warnings;
  if (!load.warnings) load.warnings = &warnings;
  Expected<LoadedDump> out = load_dump(load);
  progress.clear();
  if (const std::string w = warnings.str(); !w.empty()) std::cerr << printable_lines(w);
  if (out && !opts.quiet && !out->format_chosen.empty()) print_error(load.path + ": " + out->format_chosen);
  if (out && out->raw) print_notes(out->raw->machine.notes, opts.quiet);
  return out;
}

}  // namespace ptv::cli
