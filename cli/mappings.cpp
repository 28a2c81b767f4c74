// ptverify mappings DUMP: every translation of the dump as coalesced runs.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/report_files.h"
#include "verifier/base/exit_codes.h"
#include "verifier/ingest/mapping_json.h"
#include "verifier/report/text.h"

namespace ptv::cli {

namespace {

struct MappingsOptions {
  CliLoadOptions load;  ///< load.dump.path: DUMP
  std::string json;     ///< --json FILE; "-": standard output instead of the text
};

int run_mappings(const MappingsOptions& o) {
  auto loaded = load_dump_cli(o.load);
  if (!loaded.ok()) return failed(loaded.error());
  if (!o.json.empty()) {
    const auto write = [&loaded](std::ostream& os, bool) { write_mapping_set_json(loaded->mappings, os); };
    if (auto code = write_one(o.json, write)) return *code;
    if (o.json == "-") return static_cast<int>(ExitCode::kOk);
  }
  write_mapping_set_text(loaded->mappings, std::cout);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_mappings(CLI::App& app) {
  auto opts = std::make_shared<MappingsOptions>();
  CLI::App* sub = app.add_subcommand("mappings", "Print every translation of a dump as coalesced runs");
  sub->add_option("DUMP", opts->load.dump.path, "ELF core, raw image, or text dump (ptdump, info tlb, ...)")
      ->required();
  add_load_options(*sub, opts->load);
  add_json_file_option(*sub, opts->json,
                       "Write the mapping set as JSON to FILE (docs/formats.md; ptverify reads it back as a dump)");
  return Command{sub, [opts] { return run_mappings(*opts); }, nullptr, nullptr};
}

}  // namespace ptv::cli
