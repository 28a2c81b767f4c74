#include "models/rights.h"

namespace ptv {

Attributes effective_attributes(const AccumulatedRights& upper, const Entry& leaf, const PagingState& s) {
  const AccumulatedRights all = upper.then(leaf);
  // One definition of the rights: effective_rights, here with every fact known.
  const TriRights r = effective_rights(tri(all.r_w), tri(all.u_s), tri(!(s.efer_nxe && all.xd)),
                                       RightsContext{tri(s.cr0_wp), tri(s.cr4_smep)});
  Attributes a;
  a.user = r.user == Tri::kYes;
  a.writable = r.writable == Tri::kYes;
  a.user_writable = r.user_writable == Tri::kYes;
  a.executable = r.executable == Tri::kYes;
  a.supervisor_executable = r.supervisor_executable == Tri::kYes;
  a.global = leaf.g().value_or(false) && s.cr4_pge;
  a.pkey = pkey_applies(a.user, s.cr4_pke, s.cr4_pks) ? leaf.pk().value_or(0) : 0;
  a.pwt = leaf.pwt();
  a.pcd = leaf.pcd();
  a.pat = leaf.pat().value_or(false);
  a.level = leaf.level();
  return a;
}

// [SDM 3A §4.6.1] With CR0.WP = 0 supervisor-mode writes are allowed to any address regardless
// of R/W; with WP = 1 they need R/W = 1 at every level. User-mode writes always need R/W = 1 at
// every level (and U/S). With CR4.SMEP = 1 the supervisor may not fetch from a user-mode address.
TriRights effective_rights(Tri rw_all, Tri us_all, Tri exec_bits, const RightsContext& cpu) {
  TriRights r;
  r.user = us_all;
  r.writable = tri_or(rw_all, tri_not(cpu.cr0_wp));
  r.user_writable = tri_and(us_all, rw_all);
  r.executable = exec_bits;
  r.supervisor_executable = tri_and(exec_bits, tri_not(tri_and(us_all, cpu.cr4_smep)));
  return r;
}

std::ostream& operator<<(std::ostream& os, const Attributes& a) {
  os << 'r' << (a.writable ? 'w' : '-') << (a.executable ? 'x' : '-') << ' ' << (a.user ? "user" : "supervisor");
  const std::uint64_t ps = a.page_size();
  os << ' ' << (ps >= page_size(Level::kPdpt) ? "1G" : ps >= page_size(Level::kPd) ? "2M" : "4K");
  if (a.global) os << " G";
  if (a.pkey) os << " pk=" << a.pkey;
  if (a.pwt) os << " PWT";
  if (a.pcd) os << " PCD";
  if (a.pat) os << " PAT";
  return os;
}

}  // namespace ptv
