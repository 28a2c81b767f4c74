#include "models/rights.h"

namespace ptv {

Attributes effective_attributes(const AccumulatedRights& upper, const Entry& leaf, const PagingState& s) {
  const AccumulatedRights all = upper.then(leaf);
  Attributes a;
  a.user = all.u_s;
  // [SDM 3A §4.6.1] With CR0.WP = 0 supervisor-mode writes are allowed to any supervisor-mode
  // address regardless of R/W (and to user-mode addresses too); with WP = 1 they need R/W.
  a.writable = all.r_w || !s.cr0_wp;
  a.executable = !(s.efer_nxe && all.xd);
  a.global = leaf.g().value_or(false) && s.cr4_pge;
  a.pkey = leaf.pk().value_or(0);
  a.pwt = leaf.pwt();
  a.pcd = leaf.pcd();
  a.pat = leaf.pat().value_or(false);
  a.level = leaf.level();
  return a;
}

std::ostream& operator<<(std::ostream& os, const Attributes& a) {
  os << 'r' << (a.writable ? 'w' : '-') << (a.executable ? 'x' : '-') << ' ' << (a.user ? "user" : "supervisor");
  const std::uint64_t ps = a.page_size();
  os << ' ' << (ps >= (1u << 30) ? "1G" : ps >= (1u << 21) ? "2M" : "4K");
  if (a.global) os << " G";
  if (a.pkey) os << " pk=" << a.pkey;
  if (a.pwt) os << " PWT";
  if (a.pcd) os << " PCD";
  if (a.pat) os << " PAT";
  return os;
}

}  // namespace ptv
