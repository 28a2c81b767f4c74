#include "models/paging_state.h"

namespace ptv {

std::uint64_t PagingState::phys_mask() const {
  return maxphyaddr >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << maxphyaddr) - 1;
}

PhysAddr PagingState::root_table() const {
  // [SDM 3A §4.5, Table 4-12/4-13] CR3 bits M-1:12 hold the table; bits 11:0 are PCID or
  // PWT/PCD; bits 63:M are reserved (bit 63 is the "no flush" hint when PCIDE).
  return PhysAddr(cr3 & ~sme_mask & phys_mask() & ~(kTableBytes - 1));
}

PagingState PagingState::from_registers(std::uint64_t cr0, std::uint64_t cr3, std::uint64_t cr4, std::uint64_t efer,
                                        unsigned maxphyaddr) {
  PagingState s;
  s.cr3 = cr3;
  s.cr0_wp = (cr0 & kCr0Wp) != 0;
  s.cr4_la57 = (cr4 & kCr4La57) != 0;
  s.cr4_pge = (cr4 & kCr4Pge) != 0;
  s.cr4_pke = (cr4 & kCr4Pke) != 0;
  s.cr4_pks = (cr4 & kCr4Pks) != 0;
  s.cr4_smep = (cr4 & kCr4Smep) != 0;
  s.cr4_smap = (cr4 & kCr4Smap) != 0;
  s.cr4_pcide = (cr4 & kCr4Pcide) != 0;
  s.efer_nxe = (efer & kEferNxe) != 0;
  s.maxphyaddr = maxphyaddr;
  return s;
}

}  // namespace ptv
