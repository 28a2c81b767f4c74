// The paging options shared by every subcommand that reads a raw memory dump (mappings, walk,
// slice, ...), and the one function that turns a dump path plus those options into memory and
// a paging state.
//
// Where each control register comes from, first match wins:
//   1. an explicit flag (--cr0/--cr3/--cr4/--efer, then --la57, --nxe/--no-nxe, --wp/--no-wp
//      adjust single bits);
//   2. --registers FILE, a saved QEMU `info registers`;
//   3. the core's own note: PTVERIFY (a ptverify slice) or QEMU (dump-guest-memory, vCPU 0).
//      The QEMU note has no EFER: then EFER.NXE is assumed on, and stderr says so.
// MAXPHYADDR: --maxphyaddr, else --cpuinfo FILE's "address sizes", else the PTVERIFY note,
// else 52.
//
// With Linux PTI, a process has two top-level tables side by side: CR3 points at the kernel
// copy (the one the CPU uses in kernel mode, mapping both halves), and the user copy (used in
// user mode; the kernel half is a minimal trampoline) is the next 4 KiB page. A plain walk
// starts at CR3, i.e. the kernel copy; --user-pgd walks CR3's table + 0x1000 instead.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "models/address.h"
#include "models/expected.h"
#include "models/paging_state.h"
#include "verifier/ingest/phys_memory.h"

namespace CLI {
class App;
}

namespace ptv::cli {

enum class DumpFormat : std::uint8_t { kAuto, kElfCore, kRaw };

struct DumpOptions {
  DumpFormat format = DumpFormat::kAuto;  ///< auto: ELF magic -> elf-core, anything else -> raw
  std::string registers_file;             ///< --registers: QEMU `info registers` text
  std::string cpuinfo_file;               ///< --cpuinfo: /proc/cpuinfo text (address sizes)
  std::optional<std::uint64_t> cr0, cr3, cr4, efer;  ///< --cr0 ... (hex, 0x optional)
  bool la57 = false;                      ///< --la57: set CR4.LA57
  std::optional<bool> nxe;                ///< --nxe / --no-nxe: set / clear EFER.NXE
  std::optional<bool> wp;                 ///< --wp / --no-wp: set / clear CR0.WP
  std::optional<unsigned> maxphyaddr;     ///< --maxphyaddr N (32..52)
  bool user_pgd = false;                  ///< --user-pgd: walk the PTI user copy, CR3 + 4 KiB
};

/// Adds the options above to `app`. Requires: `opts` outlives app's parse.
void add_dump_options(CLI::App& app, DumpOptions& opts);

/// The raw control-register values in effect, after precedence and bit flags.
struct EffectiveRegisters {
  std::uint64_t cr0 = 0;
  std::uint64_t cr3 = 0;
  std::uint64_t cr4 = 0;
  std::uint64_t efer = 0;
};

struct RawDump {
  std::unique_ptr<PhysMemory> memory;
  PagingState state;
  EffectiveRegisters registers;
  std::optional<PhysAddr> root;  ///< --user-pgd: the user PGD; empty: state.root_table()

  /// Where the walk starts: the override, else CR3's table.
  [[nodiscard]] PhysAddr root_table() const { return root.value_or(state.root_table()); }
};

/// Opens the dump (gzip/zstd decompressed transparently into $TMPDIR) and settles the paging
/// state. Notes that choose a default (a missing EFER, an unreadable note) go to stderr as
/// "ptverify: note: ...". Errors name the file and what is wrong: unreadable or malformed
/// input, no CR3 from any source, paging off (CR0.PG or CR4.PAE clear, or EFER.LMA clear),
/// a root table outside the dumped memory.
Expected<RawDump> open_raw_dump(const std::string& path, const DumpOptions& opts);
/// The same, for a file the caller has already mapped (and decompressed), so that sniffing a
/// compressed core and then opening it does not decompress it twice.
Expected<RawDump> open_raw_dump(MappedFile file, const DumpOptions& opts);

}  // namespace ptv::cli
