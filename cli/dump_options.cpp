#include "cli/dump_options.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include "verifier/ingest/compressed.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_image.h"
#include "verifier/ingest/registers.h"

namespace ptv::cli {

namespace {

// What an x86_64 kernel runs with when a dump says nothing: PE | WP | PG, PAE | PGE, and
// LME | LMA | NXE (Linux enables NX whenever the CPU has it).
constexpr std::uint64_t kCr0Pe = 1;
constexpr std::uint64_t kDefaultCr0 = kCr0Pg | kCr0Wp | kCr0Pe;
constexpr std::uint64_t kDefaultCr4 = kCr4Pae | kCr4Pge;
constexpr std::uint64_t kDefaultEfer = kEferLme | kEferLma | kEferNxe;
constexpr std::uint64_t kPtiUserPgdOffset = 0x1000;  // Linux PTI: the user copy is the next page

/// A register value on the command line: hex digits with an optional 0x, as QEMU prints them.
std::optional<std::uint64_t> parse_hex_arg(std::string_view s) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  return parse_register_hex(s);
}

void add_register_option(CLI::App& app, const std::string& name, std::optional<std::uint64_t>& slot,
                         const std::string& what) {
  static const CLI::Validator kHex(
      [](std::string& s) {
        return parse_hex_arg(s) ? std::string{} : "expected a hex value (0x optional), e.g. 0x1f6000, found '" + s + "'";
      },
      "");
  app.add_option_function<std::string>(
         name, [&slot](const std::string& s) { slot = parse_hex_arg(s); }, what)
      ->check(kHex)
      ->type_name("HEX");
}

/// One register's value and where it came from, for diagnostics.
struct Sourced {
  std::optional<std::uint64_t> value;
  std::string source;
};

Sourced pick(const std::optional<std::uint64_t>& flag, const char* flag_name,
             const std::optional<std::uint64_t>& from_file, const std::string& file_name,
             const std::optional<std::uint64_t>& from_note, const std::string& note_name) {
  if (flag) return {flag, flag_name};
  if (from_file) return {from_file, file_name};
  if (from_note) return {from_note, note_name};
  return {std::nullopt, {}};
}

void note(const std::string& what) { std::cerr << "ptverify: note: " << what << '\n'; }

}  // namespace

void add_dump_options(CLI::App& app, DumpOptions& opts) {
  app.add_option_function<std::string>(
         "--format",
         [&opts](const std::string& f) {
           opts.format = f == "elf-core" ? DumpFormat::kElfCore : f == "raw" ? DumpFormat::kRaw : DumpFormat::kAuto;
         },
         "Dump format: auto (ELF magic -> elf-core, else raw), elf-core (QEMU dump-guest-memory), raw (file "
         "offset = physical address, QEMU pmemsave); gzip/zstd are decompressed transparently")
      ->check(CLI::IsMember({"auto", "elf-core", "raw"}))
      ->default_str("auto");
  app.add_option("--registers", opts.registers_file,
                 "Saved QEMU `info registers` text giving CR0, CR3, CR4 and EFER (overrides the core's note)")
      ->check(CLI::ExistingFile);
  add_register_option(app, "--cr3", opts.cr3, "CR3 (hex): the top-level table; overrides --registers and notes");
  add_register_option(app, "--cr0", opts.cr0, "CR0 (hex); default from --registers or the core, else PG|WP|PE");
  add_register_option(app, "--cr4", opts.cr4, "CR4 (hex); default from --registers or the core, else PAE|PGE");
  add_register_option(app, "--efer", opts.efer, "EFER (hex); default from --registers or the core, else LME|LMA|NXE");
  app.add_flag("--la57", opts.la57, "Set CR4.LA57: 5-level paging");
  app.add_flag_function(
      "--nxe,!--no-nxe", [&opts](std::int64_t n) { opts.nxe = n > 0; }, "Set / clear EFER.NXE (bit 63 is XD / reserved)");
  app.add_flag_function(
      "--wp,!--no-wp", [&opts](std::int64_t n) { opts.wp = n > 0; }, "Set / clear CR0.WP (supervisor writes honour R/W)");
  app.add_option_function<unsigned>(
         "--maxphyaddr", [&opts](const unsigned& m) { opts.maxphyaddr = m; },
         "MAXPHYADDR in bits (32..52); default from --cpuinfo or the core, else 52")
      ->check(CLI::Range(32u, kMaxPhysAddrArchitectural));
  app.add_option("--cpuinfo", opts.cpuinfo_file, "A /proc/cpuinfo text: MAXPHYADDR from its `address sizes` line")
      ->check(CLI::ExistingFile);
  app.add_flag("--user-pgd", opts.user_pgd,
               "Walk the Linux PTI user copy of the top-level table (CR3's table + 0x1000); a plain CR3 is the "
               "kernel copy");
}

Expected<RawDump> open_raw_dump(const std::string& path, const DumpOptions& opts) {
  Expected<MappedFile> file = open_mapped_maybe_compressed(path);
  if (!file) return file.error();
  return open_raw_dump(std::move(file).value(), opts);
}

Expected<RawDump> open_raw_dump(MappedFile file, const DumpOptions& opts) {
  RawDump dump;
  std::optional<CoreRegisters> from_note;
  const bool elf = opts.format == DumpFormat::kElfCore ||
                   (opts.format == DumpFormat::kAuto && has_elf_magic(file.bytes()));
  if (elf) {
    Expected<std::unique_ptr<ElfCore>> core = ElfCore::from_file(std::move(file));
    if (!core) return core.error();
    for (const std::string& w : (*core)->warnings()) note(w);
    from_note = (*core)->registers();
    dump.memory = std::move(core).value();
  } else {
    Expected<std::unique_ptr<RawImage>> raw = RawImage::from_file(std::move(file));
    if (!raw) return raw.error();
    dump.memory = std::move(raw).value();
  }

  ControlRegisters from_file;
  if (!opts.registers_file.empty()) {
    Expected<ControlRegisters> r = read_info_registers(opts.registers_file);
    if (!r) return r.error();
    from_file = *r;
  }
  const std::string note_name =
      from_note ? dump.memory->name() + "+" + hex(from_note->desc_offset) + " (" + to_string(from_note->source) + ")"
                : "";
  auto note_value = [&](std::uint64_t CoreRegisters::*field) -> std::optional<std::uint64_t> {
    if (!from_note) return std::nullopt;
    return (*from_note).*field;
  };
  Sourced cr0 = pick(opts.cr0, "--cr0", from_file.cr0, opts.registers_file, note_value(&CoreRegisters::cr0), note_name);
  Sourced cr3 = pick(opts.cr3, "--cr3", from_file.cr3, opts.registers_file, note_value(&CoreRegisters::cr3), note_name);
  Sourced cr4 = pick(opts.cr4, "--cr4", from_file.cr4, opts.registers_file, note_value(&CoreRegisters::cr4), note_name);
  Sourced efer = pick(opts.efer, "--efer", from_file.efer, opts.registers_file,
                      from_note ? from_note->efer : std::nullopt, note_name);

  if (!cr3.value)
    return Error{dump.memory->name() + ": no CR3: pass --cr3 X or --registers FILE (" +
                 (elf ? "this core has no QEMU or PTVERIFY note" : "a raw image carries no registers") + ")"};
  if (!cr0.value) cr0 = {kDefaultCr0, "the default"};
  if (!cr4.value) cr4 = {kDefaultCr4, "the default"};
  if (!efer.value) {
    efer = {kDefaultEfer, "the default"};
    if (!opts.nxe) {
      note(from_note ? note_name + " has no EFER: assuming EFER.NXE = 1 (bit 63 is XD); pass --no-nxe, --efer or "
                                   "--registers to change it"
                     : std::string("no EFER given: assuming EFER.NXE = 1 (bit 63 is XD)"));
    }
  }

  EffectiveRegisters& regs = dump.registers;
  regs = {*cr0.value, *cr3.value, *cr4.value, *efer.value};
  if (opts.la57) regs.cr4 |= kCr4La57;
  if (opts.nxe) regs.efer = *opts.nxe ? (regs.efer | kEferNxe) : (regs.efer & ~kEferNxe);
  if (opts.wp) regs.cr0 = *opts.wp ? (regs.cr0 | kCr0Wp) : (regs.cr0 & ~kCr0Wp);

  // [SDM 3A §4.1.1] 4- and 5-level paging need CR0.PG, CR4.PAE and EFER.LME (LMA once active).
  if ((regs.cr0 & kCr0Pg) == 0)
    return Error{dump.memory->name() + ": CR0 = " + hex(regs.cr0) + " (from " + cr0.source +
                 ") has PG clear: paging is off, there is no page table to walk"};
  if ((regs.cr4 & kCr4Pae) == 0)
    return Error{dump.memory->name() + ": CR4 = " + hex(regs.cr4) + " (from " + cr4.source +
                 ") has PAE clear: 32-bit paging, which ptverify does not model"};
  if ((regs.efer & kEferLma) == 0)
    return Error{dump.memory->name() + ": EFER = " + hex(regs.efer) + " (from " + efer.source +
                 ") has LMA clear: PAE paging outside long mode, which ptverify does not model"};

  unsigned maxphyaddr = kMaxPhysAddrArchitectural;
  if (opts.maxphyaddr) {
    maxphyaddr = *opts.maxphyaddr;
  } else if (!opts.cpuinfo_file.empty()) {
    Expected<unsigned> m = read_cpuinfo_maxphyaddr(opts.cpuinfo_file);
    if (!m) return m.error();
    maxphyaddr = *m;
  } else if (from_note && from_note->maxphyaddr) {
    maxphyaddr = *from_note->maxphyaddr;
  }
  dump.state = PagingState::from_registers(regs.cr0, regs.cr3, regs.cr4, regs.efer, maxphyaddr);

  const PhysAddr kernel_root = dump.state.root_table();
  if (!dump.memory->table(kernel_root))
    return Error{dump.memory->name() + ": CR3 = " + hex(regs.cr3) + " (from " + cr3.source + "): the root table " +
                 hex(kernel_root.value()) + " is outside the dumped memory (held: " +
                 describe_ranges(dump.memory->ranges()) + ")"};
  if (opts.user_pgd) {
    const std::optional<PhysAddr> user_root = kernel_root.checked_add(kPtiUserPgdOffset);
    if (!user_root || !dump.memory->table(*user_root))
      return Error{dump.memory->name() + ": --user-pgd: the PTI user top-level table " +
                   hex(kernel_root.value() + kPtiUserPgdOffset) + " (CR3's table + 0x1000) is outside the dumped memory (held: " +
                   describe_ranges(dump.memory->ranges()) + ")"};
    dump.root = user_root;
  }
  return dump;
}

}  // namespace ptv::cli
