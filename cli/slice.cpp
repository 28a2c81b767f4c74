#include "cli/slice.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <vector>

#include "models/walk.h"
#include "verifier/ingest/elf_core.h"
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
  add_dump_options(*sub, opts->paging);
  return Command{sub, [opts] { return run_slice(*opts); }};
}

int run_slice(const SliceOptions& opts) {
  Expected<RawDump> dump = open_raw_dump(opts.dump, opts.paging);
  if (!dump) return bad_input(dump.error().message);
  const PhysMemory& memory = *dump->memory;

  // With --user-pgd the slice holds both PTI copies, so that either can be walked from it.
  std::vector<PhysAddr> roots{dump->state.root_table()};
  if (dump->root) roots.push_back(*dump->root);

  std::vector<PhysAddr> pages;
  for (PhysAddr root : roots) {
    Expected<AddressSpace> space = enumerate_address_space(dump->state, memory.reader(), root);
    if (!space) return bad_input(memory.name() + ": walking from " + hex(root.value()) + ": " + space.error().message);
    pages.push_back(root);
    for (const ReachedTable& t : space->tables) {
      if (memory.table(t.pa)) pages.push_back(t.pa);  // the walker lists only tables it could read
    }
  }

  SliceRegisters regs;
  regs.cr0 = dump->registers.cr0;
  regs.cr3 = dump->registers.cr3;
  regs.cr4 = dump->registers.cr4;
  regs.efer = dump->registers.efer;
  regs.maxphyaddr = dump->state.maxphyaddr;
  regs.flags = opts.paging.user_pgd ? ptverify_note::kFlagUserPgd : 0;
  Expected<SliceSummary> written = write_slice_file(opts.output, memory, std::move(pages), regs);
  if (!written) return bad_input(written.error().message);

  auto plural = [](std::size_t n, const char* what) { return std::to_string(n) + " " + what + (n == 1 ? "" : "s"); };
  std::cerr << "ptverify: slice: wrote " << opts.output << ": " << plural(written->pages, "page-table page") << " in "
            << plural(written->segments, "segment") << ", " << written->bytes << " bytes (reachable from "
            << (dump->root ? "the kernel and user PGDs " : "CR3's table ") << hex(roots.front().value())
            << (dump->root ? " and " + hex(dump->root->value()) : std::string{}) << ")\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace ptv::cli
