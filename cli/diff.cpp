// ptverify diff A B: what changed between two dumps of any formats (runs added, removed, rights
// changed), for "this patch made a page writable" reviews. Exit 0 identical, 1 different,
// 2 bad input, 3 when only ranges one side cannot tell about differ.
#include "verifier/mapping/diff.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/report_files.h"
#include "verifier/base/exit_codes.h"
#include "verifier/report/diff_report.h"

namespace ptv::cli {

namespace {

struct DiffOptions {
  std::string a, b;
  CliLoadOptions load;  ///< applies to both dumps
  std::string json;     ///< --json FILE; "-": standard output instead of the text
};

int run_diff(const DiffOptions& o) {
  CliLoadOptions load = o.load;
  load.dump.path = o.a;
  auto a = load_dump_cli(load);
  if (!a.ok()) return failed(a.error());
  load.dump.path = o.b;
  auto b = load_dump_cli(load);
  if (!b.ok()) return failed(b.error());
  const auto d = diff_mappings(a->mappings, b->mappings);
  if (!d.ok()) return bad_input(d.error().message);
  if (!o.json.empty()) {
    if (auto code = write_one(o.json, [&d](std::ostream& os, bool) { write_diff_json(*d, os); })) return *code;
  }
  if (o.json == "-")
    std::cerr << d->summary_line() << '\n';
  else
    write_diff_text(*d, std::cout);
  return static_cast<int>(d->exit_code());
}

}  // namespace

Command setup_diff(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* sub = app.add_subcommand("diff", "What changed between two dumps: ranges added, removed, rights changed");
  sub->add_option("A", o->a, "The dump before (any format `ptverify mappings` reads)")->required();
  sub->add_option("B", o->b, "The dump after")->required();
  add_load_options(*sub, o->load);
  add_json_file_option(*sub, o->json, "Write the difference as JSON to FILE (docs/inspect.md)");
  return Command{sub, [o] { return run_diff(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
