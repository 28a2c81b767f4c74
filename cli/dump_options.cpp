#include "cli/dump_options.h"

#include <CLI/CLI.hpp>

#include "models/format.h"
#include "verifier/ingest/registers.h"

namespace ptv::cli {

namespace {

/// A register value on the command line: hex digits with an optional 0x, as QEMU prints them.
std::optional<std::uint64_t> parse_hex_arg(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  return parse_register_hex(s);
}

void add_register_option(CLI::App& app, const std::string& name, std::optional<std::uint64_t>& slot,
                         const std::string& what) {
  static const CLI::Validator kHex(
      [](std::string& s) {
        return parse_hex_arg(s) ? std::string{}
                                : "expected a hex value (0x optional), e.g. 0x1f6000, found '" + s + "'";
      },
      "");
  app.add_option_function<std::string>(
         name, [&slot](const std::string& s) { slot = parse_hex_arg(s); }, what)
      ->check(kHex)
      ->type_name("HEX");
}

void add_bit_flag(CLI::App& app, const std::string& names, std::optional<bool>& slot, const std::string& what) {
  app.add_flag_function(
      names, [&slot](std::int64_t n) { slot = n > 0; }, what);
}

}  // namespace

void add_machine_options(CLI::App& app, MachineOptions& opts) {
  app.add_option("--registers", opts.registers_file,
                 "Saved QEMU `info registers` (or `info registers -a`) text giving CR0, CR3, CR4, EFER and the CPL "
                 "(overrides the core's note)")
      ->check(CLI::ExistingFile);
  // CR3 holds the top-level table's physical address, which ptverify prints as P0x...: the
  // prefix is accepted, a virtual (V) address refused.
  static const CLI::Validator kPhys(
      [](std::string& s) {
        const Expected<std::uint64_t> a = parse_address(s, AddressKind::kPhysical);
        return a.ok() ? std::string{} : a.error().message;
      },
      "");
  app.add_option_function<std::string>(
         "--cr3", [&opts](const std::string& s) { opts.cr3 = parse_address(s, AddressKind::kPhysical).value(); },
         "CR3 (hex, P and 0x optional): the top-level table; overrides --registers and notes")
      ->check(kPhys)
      ->type_name("HEX");
  add_register_option(app, "--cr0", opts.cr0, "CR0 (hex); default from --registers or the core");
  add_register_option(app, "--cr4", opts.cr4, "CR4 (hex); default from --registers or the core");
  add_register_option(app, "--efer", opts.efer, "EFER (hex); default from --registers or the core");
  add_bit_flag(app, "--la57,!--no-la57", opts.la57, "State CR4.LA57: 5-level (or 4-level) paging");
  add_bit_flag(app, "--nxe,!--no-nxe", opts.nxe, "State EFER.NXE (bit 63 is XD / reserved)");
  add_bit_flag(app, "--wp,!--no-wp", opts.wp, "State CR0.WP (supervisor writes honour R/W)");
  add_bit_flag(app, "--smep,!--no-smep", opts.smep, "State CR4.SMEP (no supervisor fetch from user pages)");
  add_bit_flag(app, "--smap,!--no-smap", opts.smap,
               "State CR4.SMAP (supervisor data access to user pages needs EFLAGS.AC)");
  add_bit_flag(app, "--pge,!--no-pge", opts.pge, "State CR4.PGE (the G bit is honoured)");
  add_bit_flag(app, "--pdpe1gb,!--no-pdpe1gb", opts.pdpe1gb,
               "State whether the CPU has 1 GiB pages (CPUID pdpe1gb); default from --cpuinfo or the core");
  app.add_option_function<unsigned>(
         "--maxphyaddr", [&opts](const unsigned& m) { opts.maxphyaddr = m; },
         "MAXPHYADDR in bits (32..52); default from --cpuinfo or the core, else unknown")
      ->check(CLI::Range(32u, kMaxPhysAddrArchitectural));
  app.add_option("--cpuinfo", opts.cpuinfo_file,
                 "A /proc/cpuinfo text of the same machine: MAXPHYADDR (`address sizes`) and 1 GiB pages (`flags`)")
      ->check(CLI::ExistingFile);
  app.add_option_function<std::string>(
         "--pti",
         [&opts](const std::string& v) {
           opts.pti = v == "user" ? PtiCopy::kUser : v == "kernel" ? PtiCopy::kKernel : PtiCopy::kAuto;
         },
         "Which Linux PTI copy of the top-level table to walk: auto (the kernel copy, also when CR3 holds the user "
         "copy), kernel, or user")
      ->check(CLI::IsMember({"auto", "kernel", "user"}))
      ->default_str("auto");
  app.add_flag_function(
      "--user-pgd", [&opts](std::int64_t) { opts.pti = PtiCopy::kUser; }, "The same as --pti user");
  app.add_option_function<unsigned>(
      "--cpu", [&opts](const unsigned& n) { opts.cpu = n; },
      "Which vCPU's registers to use (`info registers -a`, or a core's QEMU notes); default: the first in kernel "
      "mode");
}

void add_raw_format_option(CLI::App& app, std::string& format) {
  app.add_option("--format", format,
                 "Dump format: auto (ELF magic -> elf-core, KDUMP or makedumpfile signature -> kdump, else raw), "
                 "elf-core (QEMU dump-guest-memory, kdump ELF vmcore), kdump (crash dumps through libkdumpfile), raw "
                 "(file offset = physical address, QEMU pmemsave); gzip/zstd are decompressed transparently")
      ->check(CLI::IsMember({"auto", "elf-core", "kdump", "raw"}))
      ->default_str("auto");
}

}  // namespace ptv::cli
