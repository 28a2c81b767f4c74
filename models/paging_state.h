// The processor state that changes what a page table means. [SDM 3A §4.1, §4.5, §4.6]
#pragma once

#include <cstdint>

#include "models/address.h"
#include "models/paging_mode.h"

namespace ptv {

inline constexpr unsigned kMaxPhysAddrArchitectural = 52;

struct PagingState {
  std::uint64_t cr3 = 0;                            ///< raw CR3: PCID in bits 11:0 when CR4.PCIDE, else PWT/PCD
  bool cr0_wp = true;                               ///< CR0.WP: supervisor writes honour R/W
  bool cr4_la57 = false;                            ///< CR4.LA57: 5-level paging
  bool cr4_pge = true;                              ///< CR4.PGE: the G bit is honoured
  bool cr4_pke = false;                             ///< CR4.PKE: protection keys for user pages
  bool cr4_pks = false;                             ///< CR4.PKS: protection keys for supervisor pages
  bool cr4_smep = false;                            ///< CR4.SMEP: supervisor cannot fetch from user pages
  bool cr4_smap = false;                            ///< CR4.SMAP: supervisor data access to user pages is checked
  bool cr4_pcide = false;                           ///< CR4.PCIDE: CR3 bits 11:0 are a PCID
  bool efer_nxe = true;                             ///< EFER.NXE: bit 63 is XD; otherwise bit 63 is reserved
  bool page_1gb = true;                             ///< CPUID pdpe1gb: PS in a PDPTE makes a 1 GiB page
  unsigned maxphyaddr = kMaxPhysAddrArchitectural;  ///< M, 32..52
  /// AMD SME/SEV: the encryption bit(s) (the "C-bit", e.g. bit 47) that the kernel sets in
  /// entries and CR3 of encrypted pages. They are not part of the address: the walker clears
  /// them from every entry (and root_table() from CR3) before decoding. 0 without memory
  /// encryption. [AMD APM vol. 2 §7.10 "Secure Memory Encryption"]
  std::uint64_t sme_mask = 0;

  [[nodiscard]] PagingMode mode() const { return cr4_la57 ? PagingMode::k5Level : PagingMode::k4Level; }
  /// Physical address of the top-level table: CR3 bits M-1:12, without sme_mask.
  [[nodiscard]] PhysAddr root_table() const;
  /// Mask of the physical-address bits below MAXPHYADDR: (1 << M) - 1.
  [[nodiscard]] std::uint64_t phys_mask() const;

  /// Decode from the control registers as `info registers` prints them.
  static PagingState from_registers(std::uint64_t cr0, std::uint64_t cr3, std::uint64_t cr4, std::uint64_t efer,
                                    unsigned maxphyaddr = kMaxPhysAddrArchitectural);
};

// Architectural bit positions of the control registers used above. [SDM 3A §2.5, §2.2.1]
inline constexpr std::uint64_t kCr0Wp = 1ull << 16;
inline constexpr std::uint64_t kCr0Pg = 1ull << 31;
inline constexpr std::uint64_t kCr4Pae = 1ull << 5;
inline constexpr std::uint64_t kCr4Pge = 1ull << 7;
inline constexpr std::uint64_t kCr4La57 = 1ull << 12;
inline constexpr std::uint64_t kCr4Pcide = 1ull << 17;
inline constexpr std::uint64_t kCr4Smep = 1ull << 20;
inline constexpr std::uint64_t kCr4Smap = 1ull << 21;
inline constexpr std::uint64_t kCr4Pke = 1ull << 22;
inline constexpr std::uint64_t kCr4Pks = 1ull << 24;
inline constexpr std::uint64_t kEferLme = 1ull << 8;
inline constexpr std::uint64_t kEferLma = 1ull << 10;
inline constexpr std::uint64_t kEferNxe = 1ull << 11;

}  // namespace ptv
