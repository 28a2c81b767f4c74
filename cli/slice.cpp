#include "cli/slice.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <vector>

#include "models/format.h"
#include "models/walk.h"
#include "verifier/base/compressed.h"
#include "verifier/base/exit_codes.h"
#include "verifier/base/memory_hint.h"
#include "verifier/base/printable.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/registers.h"
#include "verifier/ingest/slice.h"

namespace ptv::cli {

namespace {

/// The pages a --keep-pages file lists: hex physical addresses ("P" and "0x" optional), one per line;
/// blank lines and lines starting with '#' are skipped. Errors name FILE:LINE.
Expected<std::vector<PhysAddr>> read_page_list(const std::string& path) {
  Expected<std::string> text = read_whole_file(path, std::uint64_t{64} << 20);
  if (!text) return text.error();
  std::vector<PhysAddr> out;
  std::size_t line_number = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    ++line_number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const Expected<std::uint64_t> pa = parse_address(line, AddressKind::kPhysical);
    if (!pa.ok())
      return Error{path + ":" + std::to_string(line_number) + ": " + printable(pa.error().message) +
                   "; each line holds one 4 KiB-aligned physical address"};
    if ((*pa & (kPageBytes - 1)) != 0)
      return Error{path + ":" + std::to_string(line_number) + ": " + hex(*pa) +
                   " is not 4 KiB-aligned; write the page's first address"};
    out.emplace_back(*pa);
  }
  return out;
}

}  // namespace

Command setup_slice(CLI::App& app) {
  auto opts = std::make_shared<SliceOptions>();
  CLI::App* sub = app.add_subcommand(
      "slice", "Write a small ELF core holding only the page tables reachable from CR3, with the registers");
  sub->add_option("DUMP", opts->dump.path, "Memory dump: ELF core or raw image (gzip/zstd accepted)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", opts->output, "The slice to write (ELF core)")->required();
  sub->add_option("--keep-pages", opts->keep_pages,
                  "A file of further physical pages to keep, hex addresses (P and 0x optional) one per line (e.g. the "
                  "kernel data "
                  "makedumpfile reads, so that it can turn the slice into a kdump file)")
      ->check(CLI::ExistingFile);
  add_machine_options(*sub, opts->dump.machine);
  add_raw_format_option(*sub, opts->dump.format);
  return Command{sub, [opts] { return run_slice(*opts); }, nullptr, nullptr};
}

int run_slice(const SliceOptions& opts) {
  Expected<RawDump> dump = open_raw_dump(opts.dump);
  if (!dump) return failed(dump.error());
  const PhysMemory& memory = *dump->memory;
  const Machine& machine = dump->machine;
  for (const std::string& n : machine.notes) print_error("note: " + n);

  // With PTI the slice holds both copies, so that either can be walked from it. The walk that
  // faults least (machine.state) reaches every table any value of an unknown fact could.
  std::vector<PhysAddr> roots{machine.root};
  if (machine.other_copy) roots.push_back(*machine.other_copy);
  // `info registers -a`: every vCPU's tables (and their PTI pairs), so that --cpu N can choose
  // any of them from the slice.
  if (!opts.dump.machine.registers_file.empty()) {
    Expected<std::vector<ControlRegisters>> all = read_info_registers_all(opts.dump.machine.registers_file);
    if (!all) return bad_input(all.error().message);
    for (const ControlRegisters& c : *all) {
      if (!c.cr3) continue;
      MachineOptions one = opts.dump.machine;
      one.cpu = c.cpu.value_or(0);
      Expected<Machine> m = settle_raw_machine(one, memory, std::nullopt, {});
      if (!m) continue;  // a vCPU whose registers do not walk (paging off) has nothing to slice
      for (std::optional<PhysAddr> r : {std::optional<PhysAddr>(m->root), m->other_copy})
        if (r && std::find(roots.begin(), roots.end(), *r) == roots.end()) roots.push_back(*r);
    }
  }

  // The kernel's own table that VMCOREINFO names, so that a dump made from the slice without
  // registers (makedumpfile's output carries none) can be walked from it.
  if (dump->vmcoreinfo)
    if (const std::optional<PhysAddr> k = kernel_root(*dump->vmcoreinfo);
        k && memory.table(*k) && std::find(roots.begin(), roots.end(), *k) == roots.end())
      roots.push_back(*k);

  std::vector<PhysAddr> pages;
  for (PhysAddr root : roots) {
    Expected<AddressSpace> space =
        enumerate_address_space(machine.state, memory.reader(), root, hinted_enumerate_limits());
    if (!space) return bad_input(memory.name() + ": walking from " + hex(root.value()) + ": " + space.error().message);
    pages.push_back(root);
    for (const ReachedTable& t : space->tables) {
      if (memory.table(t.pa)) pages.push_back(t.pa);  // the walker lists only tables it could read
    }
  }

  if (!opts.keep_pages.empty()) {
    Expected<std::vector<PhysAddr>> more = read_page_list(opts.keep_pages);
    if (!more) return bad_input(more.error().message);
    pages.insert(pages.end(), more->begin(), more->end());
  }

  SliceRegisters regs;
  regs.cr0 = machine.cr0;
  regs.cr3 = machine.registers.cr3;
  regs.cr4 = machine.cr4;
  regs.efer = machine.efer;
  if (const Fact* m = find_fact(machine.facts, FactId::kMaxPhyAddr); m && fact_known(*m))
    regs.maxphyaddr = machine.state.maxphyaddr;
  if (const Fact* g = find_fact(machine.facts, FactId::kPage1G); g && fact_known(*g))
    regs.pdpe1gb = machine.state.page_1gb;
  regs.cpl = machine.cpl;
  regs.flags = (opts.dump.machine.pti == PtiCopy::kUser ? ptverify_note::kFlagUserPgd : 0) |
               (machine.root_from_vmcoreinfo ? ptverify_note::kFlagRootFromVmcoreinfo : 0);
  if (dump->vmcoreinfo) regs.vmcoreinfo = dump->vmcoreinfo->text;
  Expected<SliceSummary> written = write_slice_file(opts.output, memory, std::move(pages), regs);
  if (!written) return bad_input(written.error().message);

  auto plural = [](std::size_t n, const char* what) { return decimal(n) + " " + what + (n == 1 ? "" : "s"); };
  std::cerr << "ptverify: slice: wrote " << printable(opts.output) << ": " << plural(written->pages, "page-table page")
            << " in " << plural(written->segments, "segment") << ", " << decimal(written->bytes)
            << " bytes (reachable from " << (roots.size() > 1 ? "the top-level tables" : "the top-level table");
  for (std::size_t i = 0; i < roots.size(); ++i) std::cerr << (i ? ", " : " ") << hex(roots[i].value());
  std::cerr << ")\n";
  return static_cast<int>(ExitCode::kOk);
}

}  // namespace ptv::cli
