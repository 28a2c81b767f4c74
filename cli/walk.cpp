// ptverify walk DUMP ADDRESS: one address's walk, level by level.
#include "models/walk.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/dump_options.h"
#include "cli/load_dump.h"
#include "cli/report_files.h"
#include "cli/symbol_options.h"
#include "models/format.h"
#include "verifier/base/exit_codes.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"

namespace ptv::cli {

namespace {

struct WalkOptions {
  DumpOptions dump;  ///< raw memory only: dump.path, dump.format (auto, elf-core, raw), dump.machine
  std::string address;
  std::string json;  ///< --json FILE; "-": standard output instead of the text
  SymbolOptions symbols;
};

/// ADDRESS as a number, else as SYMBOL or SYMBOL+OFFSET when the symbols have it.
Expected<std::uint64_t> walk_address(const std::string& text, const KernelSymbols& symbols) {
  const Expected<std::uint64_t> va = parse_address(text, AddressKind::kVirtual);
  if (va.ok() || symbols.no_symbols()) return va;
  const std::size_t plus = text.find('+');
  const std::string name = text.substr(0, plus);
  std::uint64_t offset = 0;
  if (plus != std::string::npos) {
    auto off = parse_address(text.substr(plus + 1), AddressKind::kVirtual);
    if (!off) return Error{text + ": the offset after '+': " + off.error().message};
    offset = *off;
  }
  if (auto a = symbols.address(name)) return *a + offset;
  return Error{va.error().message + ", and no symbol is called " + name};
}

int run_walk(const WalkOptions& o) {
  auto dump = open_raw_dump(o.dump);
  if (!dump.ok()) return failed(dump.error());
  auto symbols = load_kernel_symbols(o.symbols, dump->vmcoreinfo);
  if (!symbols) return bad_input("walk: " + symbols.error().message);
  attach_memory(*symbols, *dump);
  const Expected<std::uint64_t> va = walk_address(o.address, *symbols);
  if (!va.ok()) return bad_input("walk: ADDRESS " + va.error().message);
  const Machine& m = dump->machine;
  print_notes(m.notes, false);
  for (const Fact& f : m.facts)
    if (f.source == FactSource::kAssumed && f.id != FactId::kPke && f.id != FactId::kSmap)
      std::cerr << "ptverify: note: " << fact_name(f.id) << " is not in the dump; the walk below takes "
                << "the value that faults least, and the rights it shows may depend on it (" << fact_flag_hint(f.id)
                << ")\n";
  const WalkResult w = walk(m.state, dump->memory->reader(), VirtAddr(*va), m.root);
  const std::optional<SymbolHit> hit =
      symbols->names ? std::optional<SymbolHit>(symbols->names->lookup(*va)) : std::nullopt;
  if (!o.json.empty()) {
    if (auto code =
            write_one(o.json, [&](std::ostream& os, bool) { write_walk_json(w, m.state, os, hit ? &*hit : nullptr); }))
      return *code;
    if (o.json == "-") return static_cast<int>(ExitCode::kOk);
  }
  if (hit) {
    const std::string place = place_text(check::Place{hit->symbol, hit->section, ""});
    std::cout << "symbol: " << (place.empty() ? "none (no symbol of " + symbols->names->source + " names it)" : place)
              << '\n';
  }
  write_walk_text(w, m.state, std::cout);
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace

Command setup_walk(CLI::App& app) {
  auto opts = std::make_shared<WalkOptions>();
  CLI::App* sub = app.add_subcommand("walk", "Walk one virtual address through a raw dump's page tables");
  sub->add_option("DUMP", opts->dump.path, "ELF core (QEMU dump-guest-memory, or a ptverify slice) or raw image")
      ->required();
  sub->add_option("ADDRESS", opts->address,
                  "virtual address, hexadecimal (V and 0x optional, _ or ' separators), or "
                  "SYMBOL[+OFFSET] with --kallsyms or --system-map")
      ->required();
  add_machine_options(*sub, opts->dump.machine);
  add_raw_format_option(*sub, opts->dump.format);
  add_json_file_option(*sub, opts->json, "Write the walk as JSON to FILE");
  add_symbol_options(*sub, opts->symbols, false);
  return Command{sub, [opts] { return run_walk(*opts); }, nullptr, nullptr};
}

}  // namespace ptv::cli
