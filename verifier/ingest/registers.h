// Paging registers from text: a saved QEMU `info registers` (HMP) output, and the
// `address sizes` line of /proc/cpuinfo for MAXPHYADDR.
//
//   CR0=80050033 CR2=00000000005794a9 CR3=00000000001f6000 CR4=007506b0
//   EFER=0000000000000d01
//   address sizes	: 40 bits physical, 48 bits virtual
//
// Diagnostics name FILE:LINE:COL, what was expected and what was found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"
#include "models/paging_state.h"

namespace ptv {

/// The control registers one vCPU's `info registers` block gives; each is empty when absent.
struct ControlRegisters {
  std::optional<std::uint64_t> cr0;
  std::optional<std::uint64_t> cr3;
  std::optional<std::uint64_t> cr4;
  std::optional<std::uint64_t> efer;
  std::optional<unsigned> cpl;  ///< the "CPL=" field: 0 kernel mode, 3 user mode
  std::optional<unsigned> cpu;  ///< N of the block's "CPU#N" header (`info registers -a`)
  std::size_t line = 0;         ///< 1-based line of the block's first line (its header, if any)
};

/// A register value as QEMU prints it: 1 to 16 hex digits (either case), no "0x" prefix; empty
/// when `digits` is anything else.
[[nodiscard]] std::optional<std::uint64_t> parse_register_hex(std::string_view digits);

/// Reads every vCPU's block, in file order: `info registers` prints one ("CPU#0" and its
/// registers), `info registers -a` one per vCPU, each after its "CPU#N" header. Every NAME=VALUE
/// token for CR0, CR3, CR4, EFER and CPL is taken; a value that is not 1..16 hex digits (CPL:
/// 0..3), a register given twice in a block, or two blocks for one CPU number is an error at its
/// FILE:LINE:COL. A block with no CR3 is an error (the text is not an `info registers` dump);
/// the other registers may be missing and be given by flags.
Expected<std::vector<ControlRegisters>> parse_info_registers_all(std::string_view text, const std::string& name);
/// The first vCPU's block of parse_info_registers_all.
Expected<ControlRegisters> parse_info_registers(std::string_view text, const std::string& name);
/// parse_info_registers_all for a file (gzip/zstd decompressed transparently).
Expected<std::vector<ControlRegisters>> read_info_registers_all(const std::string& path);
/// The first vCPU's block of a file.
Expected<ControlRegisters> read_info_registers(const std::string& path);

/// The paging state from a complete set. Error (naming `name`) when CR0, CR3, CR4 or EFER is
/// missing.
Expected<PagingState> to_paging_state(const ControlRegisters& regs, const std::string& name,
                                      unsigned maxphyaddr = kMaxPhysAddrArchitectural);
/// read_info_registers + to_paging_state.
Expected<PagingState> read_registers_file(const std::string& path, unsigned maxphyaddr = kMaxPhysAddrArchitectural);

/// MAXPHYADDR from the first "address sizes : N bits physical, M bits virtual" line of a
/// /proc/cpuinfo text. Error when there is none, or N is not a number in 32..52.
Expected<unsigned> parse_cpuinfo_maxphyaddr(std::string_view text, const std::string& name);
Expected<unsigned> read_cpuinfo_maxphyaddr(const std::string& path);

/// What a /proc/cpuinfo text tells the walk: MAXPHYADDR (the first "address sizes" line) and,
/// from the first "flags" line, whether the CPU has 1 GiB pages ("pdpe1gb"); and, for notes
/// only, whether it has SMEP and SMAP (the CPU supports them; CR4 says whether they are on).
struct CpuInfo {
  unsigned maxphyaddr = kMaxPhysAddrArchitectural;
  std::size_t maxphyaddr_line = 0;
  std::optional<bool> pdpe1gb;  ///< empty: no flags line
  std::size_t flags_line = 0;
  bool smep = false, smap = false;
};
/// Error as parse_cpuinfo_maxphyaddr.
Expected<CpuInfo> parse_cpuinfo(std::string_view text, const std::string& name);
Expected<CpuInfo> read_cpuinfo(const std::string& path);

}  // namespace ptv
