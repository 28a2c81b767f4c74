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

#include "models/expected.h"
#include "models/paging_state.h"

namespace ptv {

/// The control registers one vCPU's `info registers` block gives; each is empty when absent.
struct ControlRegisters {
  std::optional<std::uint64_t> cr0;
  std::optional<std::uint64_t> cr3;
  std::optional<std::uint64_t> cr4;
  std::optional<std::uint64_t> efer;
};

/// A register value as QEMU prints it: 1 to 16 hex digits (either case), no "0x" prefix; empty
/// when `digits` is anything else.
[[nodiscard]] std::optional<std::uint64_t> parse_register_hex(std::string_view digits);

/// Reads the first vCPU's block (up to a second "CPU#" header). Every NAME=VALUE token for
/// CR0, CR3, CR4 and EFER is taken; a value that is not 1..16 hex digits, or a register given
/// twice, is an error at its FILE:LINE:COL. A text with no CR3 is an error (it is not an
/// `info registers` dump); the other registers may be missing here and be given by flags.
Expected<ControlRegisters> parse_info_registers(std::string_view text, const std::string& name);
/// The same for a file (gzip/zstd decompressed transparently).
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

}  // namespace ptv
