// ptverify diff A B: what changed between two dumps of any formats (runs added, removed, rights
// changed), for "this patch made a page writable" reviews. With --spec, region by region, each
// relative to its own base on each side (KASLR moves nothing then). Exit 0 identical,
// 1 different, 2 bad input, 3 when only ranges one side cannot tell about differ.
#include "verifier/mapping/diff.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/param_flags.h"
#include "cli/progress.h"
#include "cli/report_files.h"
#include "cli/spec_lookup.h"
#include "verifier/base/exit_codes.h"
#include "verifier/checks/check.h"
#include "verifier/checks/places.h"
#include "verifier/report/address_map.h"
#include "verifier/report/diff_report.h"

namespace ptv::cli {

namespace {

struct DiffOptions {
  std::string a, b;
  CliLoadOptions load;                   ///< applies to both dumps
  std::string registers_a, registers_b;  ///< --registers-a/-b: per side, instead of --registers
  std::string json;                      ///< --json FILE; "-": standard output instead of the text
  std::string spec;
  std::vector<std::string> params, params_a, params_b;
  bool kernel_only = false, user_only = false;
  std::vector<std::string> ignore;
  bool summary = false, details = false;
};

/// The set without check's page-table marks, adjacent runs of equal attributes merged again: the
/// marks split runs by which frames hold tables, which is no difference between two dumps.
MappingSet without_table_marks(const MappingSet& m) {
  MappingSet out = m;
  out.runs.clear();
  for (Run r : m.runs) {
    r.page_table_frame = Tri::kUnknown;
    if (!out.runs.empty() && out.runs.back().range.last.value() + 1 == r.range.first.value() &&
        out.runs.back().same_attributes(r))
      out.runs.back().range.last = r.range.last;
    else
      out.runs.push_back(std::move(r));
  }
  return out;
}

/// The canonical half (or both) a plain diff is restricted to.
MappingSet only_half(const MappingSet& m, bool kernel) {
  const unsigned bits = m.mode == PagingMode::k5Level ? 57 : 48;
  const std::uint64_t user_last = (std::uint64_t{1} << (bits - 1)) - 1;
  const VirtRange half = kernel ? VirtRange{VirtAddr(~user_last), VirtAddr(~std::uint64_t{0})}
                                : VirtRange{VirtAddr(0), VirtAddr(user_last)};
  return relative_view(m, {half}, 0);
}

struct Side {
  LoadedDump dump;
  MappingSet set;  ///< for the diff
  std::vector<check::Parameter> parameters;
  std::optional<spec::Layout> layout;
};

Expected<LoadedDump> load_side(const DiffOptions& o, const std::string& path, const std::string& registers,
                               bool marks) {
  CliLoadOptions load = o.load;
  load.dump.path = path;
  if (!registers.empty()) load.dump.machine.registers_file = registers;
  load.dump.mark_table_frames = marks;
  return load_dump_cli(load);
}

int run_plain(const DiffOptions& o) {
  auto a = load_side(o, o.a, o.registers_a, false);
  if (!a.ok()) return failed(a.error());
  auto b = load_side(o, o.b, o.registers_b, false);
  if (!b.ok()) return failed(b.error());
  const bool half = o.kernel_only || o.user_only;
  const auto d = half ? diff_mappings(only_half(a->mappings, o.kernel_only), only_half(b->mappings, o.kernel_only))
                      : diff_mappings(a->mappings, b->mappings);
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

int run_with_spec(const DiffOptions& o) {
  auto s = load_spec_named(o.spec);
  if (!s.ok()) return bad_input(s.error().message);
  const spec::Spec spec = std::move(*s);
  for (const std::string& name : o.ignore) {
    const bool known =
        std::any_of(spec.regions.begin(), spec.regions.end(), [&](const spec::Region& r) { return r.name == name; });
    if (!known) return bad_input("diff: --ignore " + name + ": the spec " + spec.name + " has no region of that name");
  }
  auto common = parse_param_flags("diff", o.params);
  if (!common) return failed(common.error());
  Progress progress(o.load.quiet);
  Side sides[2];
  const std::string* paths[2] = {&o.a, &o.b};
  const std::string* registers[2] = {&o.registers_a, &o.registers_b};
  const std::vector<std::string>* own[2] = {&o.params_a, &o.params_b};
  const char* names[2] = {"a", "b"};
  for (int i = 0; i < 2; ++i) {
    auto loaded = load_side(o, *paths[i], *registers[i], true);
    if (!loaded.ok()) return failed(loaded.error());
    sides[i].dump = std::move(*loaded);
    check::CheckOptions check_options;
    check_options.fixed_parameters = *common;
    auto mine = parse_param_flags(std::string("diff: --param-") + names[i], *own[i]);
    if (!mine) return failed(mine.error());
    for (const auto& [k, v] : *mine) check_options.fixed_parameters[k] = v;
    progress.update("ptverify diff: placing " + o.spec + "'s regions in " + *paths[i] + " ...");
    const std::optional<check::RawContext> raw = check::raw_context(sides[i].dump);
    check::CheckOutcome outcome = check::run_check(sides[i].dump.mappings, spec, raw ? &*raw : nullptr, check_options);
    if (auto code = check_failed(outcome)) return *code;
    const check::CheckResult& result = std::get<check::CheckResult>(outcome);
    auto layout = check::result_layout(result, spec);
    if (!layout.ok())
      return bad_input("diff: " + *paths[i] + ": the regions of " + o.spec +
                       " cannot be placed: " + layout.error().message);
    sides[i].layout = std::move(*layout);
    sides[i].parameters = result.parameters;
    sides[i].set = without_table_marks(sides[i].dump.mappings);
  }
  progress.clear();
  SpecDiffOptions options;
  options.kernel_only = o.kernel_only;
  options.user_only = o.user_only;
  options.ignore.insert(o.ignore.begin(), o.ignore.end());
  auto d = diff_by_region(sides[0].set, *sides[0].layout, sides[1].set, *sides[1].layout, options);
  if (!d.ok()) return bad_input(d.error().message);
  d->a_parameters = sides[0].parameters;
  d->b_parameters = sides[1].parameters;
  if (!o.json.empty()) {
    if (auto code = write_one(o.json, [&d](std::ostream& os, bool) { write_spec_diff_json(*d, os); })) return *code;
  }
  if (o.json == "-")
    std::cerr << d->summary_line() << '\n';
  else
    write_spec_diff_text(*d, std::cout, o.summary, o.details ? 0 : 10);
  return static_cast<int>(d->exit_code());
}

int run_diff(const DiffOptions& o) {
  if (o.spec.empty()) {
    if (!o.ignore.empty()) return bad_input("diff: --ignore names a region of a spec: give --spec SPEC too");
    if (!o.params.empty() || !o.params_a.empty() || !o.params_b.empty())
      return bad_input("diff: --param fixes a spec parameter: give --spec SPEC too");
    if (o.summary) return bad_input("diff: --summary summarises regions of a spec: give --spec SPEC too");
    return run_plain(o);
  }
  return run_with_spec(o);
}

}  // namespace

Command setup_diff(CLI::App& app) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* sub = app.add_subcommand("diff", "What changed between two dumps: ranges added, removed, rights changed");
  sub->add_option("A", o->a, "The dump before (any format `ptverify mappings` reads)")->required();
  sub->add_option("B", o->b, "The dump after")->required();
  add_load_options(*sub, o->load);
  sub->add_option("--registers-a", o->registers_a, "Saved QEMU `info registers` of dump A (instead of --registers)");
  sub->add_option("--registers-b", o->registers_b, "Saved QEMU `info registers` of dump B (instead of --registers)");
  add_json_file_option(*sub, o->json, "Write the difference as JSON to FILE (docs/inspect.md)");
  sub->add_option("--spec,-s", o->spec,
                  "Compare region by region, each relative to its own base on each side (KASLR moves nothing); "
                  "a bundled spec name or a file");
  sub->add_option("--param", o->params, "With --spec: fix a spec parameter on both sides: NAME=VALUE (repeatable)");
  sub->add_option("--param-a", o->params_a, "With --spec: fix a spec parameter of dump A only (repeatable)");
  sub->add_option("--param-b", o->params_b, "With --spec: fix a spec parameter of dump B only (repeatable)");
  auto* kernel = sub->add_flag("--kernel-only", o->kernel_only, "Compare the kernel half only");
  sub->add_flag("--user-only", o->user_only, "Compare the user half only")->excludes(kernel);
  sub->add_option("--ignore", o->ignore, "With --spec: do not compare this region (repeatable)");
  auto* summary = sub->add_flag("--summary", o->summary, "With --spec: the table of regions only, no differences");
  sub->add_flag("--details", o->details, "With --spec: list every difference (default: the first 10)")
      ->excludes(summary);
  return Command{sub, [o] { return run_diff(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
