// ptverify spec show SPEC [-o FILE]: the spec with every "extends" resolved, as one JSON spec.
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/report_files.h"
#include "cli/spec_lookup.h"
#include "verifier/base/exit_codes.h"
#include "verifier/spec/parse.h"

namespace ptv::cli {

namespace {

struct SpecShowOptions {
  std::string spec;
  std::string output;  ///< "" or "-": standard output
};

int run_spec_show(const SpecShowOptions& o) {
  Expected<std::filesystem::path> path = resolve_spec(o.spec);
  if (!path) return bad_input(path.error().message);
  Expected<std::string> flat = spec::flatten_spec(*path, spec_search());
  if (!flat) return bad_input(flat.error().message);
  if (auto code = write_one(o.output, [&flat](std::ostream& os, bool) { os << *flat; })) return *code;
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_spec(CLI::App& app) {
  CLI::App* group =
      app.add_subcommand("spec", "Layout specs: `spec show SPEC` prints a spec with its \"extends\" resolved");
  group->require_subcommand(1);
  auto opts = std::make_shared<SpecShowOptions>();
  CLI::App* show = group->add_subcommand(
      "show",
      "Print a spec with every \"extends\" resolved, as one self-contained JSON spec that check and prove "
      "read as they read the original");
  show->add_option("SPEC", opts->spec, "Layout spec: a file, or a bundled spec's name (linux-x86_64-5level)")
      ->required();
  show->add_option("-o,--output", opts->output, "Write the JSON to FILE instead of standard output")->type_name("FILE");
  return Command{show, [opts] { return run_spec_show(*opts); }, nullptr, nullptr};
}

}  // namespace ptv::cli
