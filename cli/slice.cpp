#include "cli/slice.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <vector>

#include "models/walk.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/slice.h"
#include "verifier/report/exit_codes.h"

namespace ptv::cli {

namespace {

int bad_input(const std::string& message) {
  std::cerr << "ptverify: " << message << '\n';
  return static_cast<int>(ExitCode::kBadInput);
}

}  // namespace

Command setup_slice(CLI::App& app) {
  auto opts = std::make_shared<SliceOptions>();
  CLI::App* sub = app.add_subcommand(
      "slice", "Write a small ELF core holding only the page tables reachable from CR3, with the registers");
  sub->add_option("DUMP", opts->dump, "Memory dump: ELF core or raw image (gzip/zstd accepted)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", opts->output, "The slice to write (ELF core)")->required();
  add_machine_options(*sub, opts->machine);
  add_raw_format_option(*sub, opts->elf);
  return Command{sub, [opts] { return run_slice(*opts); }};
}

int run_slice(const SliceOptions& opts) {
  Expected<RawDump> dump = open_raw_dump(opts.dump, opts.machine, opts.elf);
  if (!dump) return bad_input(dump.error().message);
  const PhysMemory& memory = *dump->memory;
  const Machine& machine = dump->machine;
  for (const std::string& n : machine.notes) std::cerr << "ptverify: note: " << n << '\n';

  // With PTI the slice holds both copies, so that either can be walked from it. The walk that
  // faults least (machine.state) reaches every table any value of an unknown fact could.
  std::vector<PhysAddr> roots{machine.root};
  if (machine.other_copy) roots.push_back(*machine.other_copy);

  std::vector<PhysAddr> pages;
  for (PhysAddr root : roots) {
    Expected<AddressSpace> space = enumerate_address_space(machine.state, memory.reader(), root);
    if (!space) return bad_input(memory.name() + ": walking from " + hex(root.value()) + ": " + space.error().message);
    pages.push_back(root);
    for (const ReachedTable& t : space->tables) {
      if (memory.table(t.pa)) pages.push_back(t.pa);  // the walker lists only tables it could read
    }
  }

  SliceRegisters regs;
  regs.cr0 = machine.cr0;
  regs.cr3 = machine.registers.cr3;
  regs.cr4 = machine.cr4;
  regs.efer = machine.efer;
  if (const Fact* m = find_fact(machine.facts, FactId::kMaxPhyAddr); m && fact_known(*m)) regs.maxphyaddr = machine.state.maxphyaddr;
  if (const Fact* g = find_fact(machine.facts, FactId::kPage1G); g && fact_known(*g)) regs.pdpe1gb = machine.state.page_1gb;
  regs.cpl = machine.cpl;
  regs.flags = opts.machine.pti == PtiCopy::kUser ? ptverify_note::kFlagUserPgd : 0;
  Expected<SliceSummary> written = write_slice_file(opts.output, memory, std::move(pages), regs);
  if (!written) return bad_input(written.error().message);

  auto plural = [](std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
  std::cerr << "ptverify: slice: wrote " << opts.output << ": " << plural(written->pages, "page-table page") << " in "
            << plural(written->segments, "segment") << ", " << written->bytes << " bytes (reachable from "
            << (machine.other_copy ? "both PTI copies " : "the top-level table ") << hex(roots.front().value())
            << (machine.other_copy ? " and " + hex(machine.other_copy->value()) : std::string{}) << ")\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace ptv::cli
