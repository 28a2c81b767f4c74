// ptverify map DUMP [--spec SPEC]: the address space drawn as boxes, in the terminal and as HTML.
#include <sys/ioctl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "cli/load_dump.h"
#include "cli/param_flags.h"
#include "cli/progress.h"
#include "cli/spec_lookup.h"
#include "cli/symbol_options.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"
#include "verifier/checks/check.h"
#include "verifier/checks/places.h"
#include "verifier/report/address_map.h"
#include "verifier/report/html_map.h"
#include "verifier/report/terminal_map.h"
#include "verifier/spec/parse.h"

namespace ptv::cli {

namespace {

struct MapOptions {
  std::string spec;
  CliLoadOptions load;  ///< load.dump.path: DUMP
  bool ascii = false;
  unsigned width = 0;  ///< 0: from the terminal
  std::string html;
  std::vector<std::string> params;
  SymbolOptions symbols;
};

/// The terminal's width: TIOCGWINSZ on stdout, else $COLUMNS, else 100.
unsigned terminal_width() {
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* c = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(c, &end, 10);
    if (end && *end == '\0' && v > 0 && v < 10'000) return static_cast<unsigned>(v);
  }
  return 100;
}

int run_map(MapOptions o) {
  if (o.load.dump.path.empty()) return bad_input("map: DUMP is required");
  check::CheckOptions check_options;
  auto params = parse_param_flags("map", o.params);
  if (!params) return failed(params.error());
  check_options.fixed_parameters = std::move(params).value();
  // --quiet (a load option) also silences the progress line.
  Progress progress(o.load.quiet);
  std::optional<spec::Spec> spec;
  if (!o.spec.empty()) {
    auto s = load_spec_named(o.spec);
    if (!s.ok()) return bad_input(s.error().message);
    spec = std::move(*s);
  }
  o.load.dump.mark_table_frames = spec.has_value();
  auto loaded = load_dump_cli(o.load);
  if (!loaded.ok()) return failed(loaded.error());

  auto symbols = symbols_for_dump(o.symbols, *loaded, spec ? &*spec : nullptr, check_options);
  if (!symbols) return bad_input("map: " + symbols.error().message);
  std::optional<check::CheckResult> result;
  std::optional<spec::Layout> layout;
  std::vector<std::string> notes = symbols->notes;
  if (spec) {
    progress.update("ptverify map: checking against " + o.spec + " to place its regions ...");
    const std::optional<check::RawContext> raw = check::raw_context(*loaded);
    check::CheckOutcome outcome = check::run_check(loaded->mappings, *spec, raw ? &*raw : nullptr, check_options);
    if (auto code = check_failed(outcome)) return *code;
    result = std::move(std::get<check::CheckResult>(outcome));
    check::locate_violations(*result, *spec, symbols->place_options());
    auto l = check::result_layout(*result, *spec);
    if (l.ok())
      layout = std::move(*l);
    else
      notes.push_back("the spec's regions cannot be placed: " + l.error().message);
  }
  progress.clear();

  // Opened before anything is drawn: an unwritable page fails the run first. Written apart from
  // standard output, so that a closed pipe (`| head`) still leaves the whole page.
  std::optional<OutputFile> html;
  if (!o.html.empty()) {
    Expected<OutputFile> f = OutputFile::open(o.html);
    if (!f) return bad_input(f.error().message);
    html = std::move(*f);
  }
  AddressMap map = build_address_map(loaded->mappings, layout ? &*layout : nullptr, result ? &*result : nullptr);
  map.notes.insert(map.notes.end(), notes.begin(), notes.end());
  TerminalMapOptions t;
  t.width = o.width ? o.width : terminal_width();
  t.ascii = o.ascii;
  t.colour = isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  write_terminal_map(map, t, std::cout);
  if (html) {
    write_html_map(map, html->stream());
    if (auto err = html->commit()) return bad_input(err->message);
  }
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_map(CLI::App& app) {
  auto o = std::make_shared<MapOptions>();
  CLI::App* sub =
      app.add_subcommand("map", "Draw the address space: regions, mapped runs, violations (terminal and HTML)");
  sub->add_option("DUMP", o->load.dump.path,
                  "ELF core, raw image, or text dump (ptdump, info tlb, info mem, maps, json)");
  add_load_options(*sub, o->load);
  sub->add_option("--spec,-s", o->spec,
                  "Name the boxes by this spec's regions, placed as `check` places them, and mark violations");
  sub->add_option("--param", o->params, "With --spec: fix a spec parameter, as for check: NAME=VALUE (repeatable)");
  add_symbol_options(*sub, o->symbols, true);
  sub->add_flag("--ascii", o->ascii, "Plain ASCII (+-|) instead of Unicode box drawing");
  sub->add_option("--width", o->width, "Columns of the drawing (default: the terminal's, else $COLUMNS, else 100)")
      ->check(CLI::Range(60u, 1000u));
  sub->add_option("--html", o->html, "Also write a self-contained HTML page of the map to this file");
  return Command{sub, [o] { return run_map(*o); }, nullptr, nullptr};
}

}  // namespace ptv::cli
