// The processor state a dump is read under, settled from every source with its provenance, so
// that each verdict can say what it rests on (verifier/mapping/facts.h).
//
// Where each control register comes from, first match wins:
//   1. a flag (--cr0/--cr3/--cr4/--efer; then --la57, --nxe, --wp, --smep, --smap, --pge adjust
//      single bits, and are themselves flags);
//   2. --registers FILE, a saved QEMU `info registers` (or `info registers -a`: the vCPU --cpu N
//      names, else the first one in kernel mode);
//   3. the core's own note: PTVERIFY (a ptverify slice) or QEMU (dump-guest-memory; the vCPU
//      --cpu N names, else vCPU 0). The QEMU note has no EFER.
//   4. CR3 only, when none of the above gives one: the kernel's VMCOREINFO note (a crash dump,
//      or a QEMU core of a guest with -device vmcoreinfo). The walk then starts at the kernel's
//      own top-level table, init_top_pgt (swapper_pg_dir): its kernel half is what every process
//      shares, its user half is the kernel's master table (init_mm), not any process's. No CR0,
//      CR4 or EFER comes with it: their bits stay assumed.
// The paging mode, without CR4 or a flag, comes from VMCOREINFO's pgtable_l5_enabled; AMD SME's
// mask (VMCOREINFO's sme_mask) is cleared from entries before decoding (PagingState::sme_mask).
// MAXPHYADDR: --maxphyaddr, else --cpuinfo FILE's "address sizes", else the PTVERIFY note. 1 GiB
// pages: --pdpe1gb / --no-pdpe1gb, else --cpuinfo FILE's flags, else the PTVERIFY note.
//
// A fact no source gives is *assumed*: it has no value. The raw walk then runs under both of its
// values (verifier/ingest/load_dump.h) and whatever differs is unknown, so no default decides a
// verdict. The paging mode (CR4.LA57) is the exception: the walk needs one; without CR4 or
// --la57 / --no-la57 it walks 4-level tables and marks the mode assumed, which makes every rule
// of a check unknown.
//
// With Linux PTI a process has two top-level tables side by side: the kernel copy (used in
// kernel mode; it maps both halves) and the user copy (used in user mode; its kernel half is a
// minimal trampoline), in the 4 KiB page after the kernel copy. A vCPU paused in user mode has
// the user copy in CR3. By default (--pti auto) the walk starts at the kernel copy: at CR3's
// table, unless CR3's table is recognisably a PTI user copy (CR3 bit 12 set, and the table 4 KiB
// below it has the same user-half entries up to their XD bit and more kernel-half entries), in
// which case that kernel copy. --pti user walks the user copy (CR3's table when it is one, else
// the next page), --pti kernel the kernel copy. Every output says which table was walked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "models/paging_state.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/ingest/vmcoreinfo.h"
#include "verifier/mapping/facts.h"

namespace ptv {

/// Which PTI copy of the top-level table to walk.
enum class PtiCopy : std::uint8_t { kAuto, kKernel, kUser };

/// What the user stated on the command line (every field optional).
struct MachineOptions {
  std::string registers_file;  ///< --registers: QEMU `info registers` text
  std::string cpuinfo_file;    ///< --cpuinfo: /proc/cpuinfo text (address sizes, flags)
  std::optional<std::uint64_t> cr0, cr3, cr4, efer;
  std::optional<bool> la57, nxe, wp, smep, smap, pge, pdpe1gb;
  std::optional<unsigned> maxphyaddr;  ///< 32..52
  PtiCopy pti = PtiCopy::kAuto;
  std::optional<unsigned> cpu;  ///< --cpu N: which vCPU's registers
};

/// The raw control-register values in effect, after precedence and bit flags.
struct EffectiveRegisters {
  std::uint64_t cr0 = 0;
  std::uint64_t cr3 = 0;
  std::uint64_t cr4 = 0;
  std::uint64_t efer = 0;
};

/// The settled state. `state` walks with every assumed fact at its most permissive value for the
/// structure (MAXPHYADDR 52, NXE 1, 1 GiB pages) and its least permissive for rights (WP 1,
/// SMEP 1, PGE 1); `strict` (set when some walk-relevant fact is assumed) with each assumed fact
/// at its other value. load_dump compares the two walks.
struct Machine {
  PagingState state;
  std::optional<PagingState> strict;
  EffectiveRegisters registers;                 ///< the values walked with (assumed bits at `state`'s values)
  std::optional<std::uint64_t> cr0, cr4, efer;  ///< the values a source gave (flags applied)
  PhysAddr root;                                ///< where the walk starts (the top-level table chosen)
  std::optional<PhysAddr> other_copy;           ///< the other PTI copy, when there is one
  std::optional<unsigned> cpl;                  ///< of the vCPU used, when known
  bool root_from_vmcoreinfo = false;            ///< the root is init_top_pgt (VMCOREINFO), not a vCPU's CR3
  std::vector<Fact> facts;                      ///< every fact, in FactId order
  std::vector<std::string> notes;               ///< what was chosen, for stderr and the report
};

/// The facts for a dump without registers (text formats): the CPU bits the flags and
/// --registers give; everything else assumed. CR3 is not needed.
Expected<Machine> settle_text_machine(const MachineOptions& opts);

/// The facts for raw memory: `note` is the core's registers (PTVERIFY note, or the QEMU notes of
/// `qemu_cpus`), `vmcoreinfo` the dump's VMCOREINFO note when it has one. Errors name the file
/// and what is wrong: no CR3 from any source, paging off (CR0.PG or CR4.PAE clear, EFER.LMA
/// clear), a root table outside the dumped memory, a --cpu the dump does not have.
Expected<Machine> settle_raw_machine(const MachineOptions& opts, const PhysMemory& memory,
                                     const std::optional<CoreRegisters>& note,
                                     const std::vector<CoreRegisters>& qemu_cpus,
                                     const std::optional<Vmcoreinfo>& vmcoreinfo = std::nullopt);

/// The lowest MAXPHYADDR consistent with the memory a dump holds: 36 (the least of any x86_64
/// processor) or the width of its highest physical address, whichever is larger.
unsigned maxphyaddr_floor(const PhysMemory& memory);

}  // namespace ptv
