// ptverify mappings DUMP: every translation of the dump as coalesced runs.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "verifier/ingest/mapping_json.h"
#include "verifier/base/exit_codes.h"
#include "verifier/report/text.h"

namespace ptv::cli {

namespace {

struct MappingsOptions {
  std::string dump;
  CliLoadOptions load;
  std::string output = "text";
};

int run_mappings(const MappingsOptions& o) {
  auto loaded = load_dump_cli(o.dump, o.load);
  if (!loaded.ok()) return failed(loaded.error());
  if (o.output == "json") write_mapping_set_json(loaded->mappings, std::cout);
  else write_mapping_set_text(loaded->mappings, std::cout);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_mappings(CLI::App& app) {
  auto opts = std::make_shared<MappingsOptions>();
  CLI::App* sub = app.add_subcommand("mappings", "Print every translation of a dump as coalesced runs");
  sub->add_option("DUMP", opts->dump, "ELF core, raw image, or text dump (ptdump, info tlb, ...)")->required();
  add_load_options(*sub, opts->load);
  sub->add_option("--output,-O", opts->output, "text or json (docs/formats.md)")
      ->check(CLI::IsMember({"text", "json"}));
  return Command{sub, [opts] { return run_mappings(*opts); }, nullptr, nullptr};
}

}  // namespace ptv::cli
