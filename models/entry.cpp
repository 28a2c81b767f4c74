#include "models/entry.h"

#include <cstdio>
#include <sstream>

#include "models/format.h"

namespace ptv {

namespace {

std::uint64_t bit_range(unsigned hi, unsigned lo) {
  // Bits hi..lo inclusive; empty when hi < lo.
  if (hi < lo) return 0;
  const std::uint64_t upper = hi >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (hi + 1)) - 1;
  return upper & ~((std::uint64_t{1} << lo) - 1);
}

}  // namespace

PhysAddr Entry::address(const PagingState& s) const {
  const unsigned lowest = leaf() ? index_shift(level_) : kPageShift;
  return PhysAddr(raw_ & bits::kAddress & s.phys_mask() & ~((std::uint64_t{1} << lowest) - 1));
}

std::uint64_t Entry::reserved_mask(const PagingState& s) const {
  std::uint64_t m = 0;
  // Bits 51:MAXPHYADDR are reserved in every present entry.
  if (s.maxphyaddr < 52) m |= bit_range(51, s.maxphyaddr);
  // Bit 63 is reserved when EFER.NXE = 0.
  if (!s.efer_nxe) m |= bits::kXd;
  switch (level_) {
    case Level::kPml5:
    case Level::kPml4:
      m |= bits::kPsOrPat7;  // PS is reserved in PML5E/PML4E.
      break;
    case Level::kPdpt:
      if (ps_or_pat_7()) {
        if (!s.page_1gb)
          m |= bits::kPsOrPat7;  // no 1 GiB pages on this CPU
        else
          m |= bit_range(29, 13);  // 1 GiB leaf: address bits below 30, bit 12 is PAT
      }
      break;
    case Level::kPd:
      if (ps_or_pat_7()) m |= bit_range(20, 13);  // 2 MiB leaf
      break;
    case Level::kPt:
      break;
  }
  return m;
}

std::string describe_reserved(std::uint64_t mask, Level /*level*/) {
  std::ostringstream os;
  const char* sep = "";
  unsigned b = 0;
  while (b < 64) {
    if (!((mask >> b) & 1)) {
      ++b;
      continue;
    }
    unsigned e = b;
    while (e + 1 < 64 && ((mask >> (e + 1)) & 1)) ++e;
    os << sep;
    sep = ",";
    if (b == e && b == 63)
      os << "XD(63)";
    else if (b == e && b == 7)
      os << "PS(7)";
    else if (b == e)
      os << "bit " << b;
    else
      os << "bits " << e << ':' << b;
    b = e + 1;
  }
  return os.str();
}

std::string describe(const Entry& e, const PagingState& s) {
  std::ostringstream os;
  if (!e.p()) {
    os << "not present";
    return os.str();
  }
  os << "P " << (e.r_w() ? "RW" : "RO") << ' ' << (e.u_s() ? "US" : "SUP");
  if (e.pwt()) os << " PWT";
  if (e.pcd()) os << " PCD";
  if (e.a()) os << " A";
  if (e.leaf()) {
    if (e.d().value_or(false)) os << " D";
    if (e.level() != Level::kPt) os << " PS";
    if (e.pat().value_or(false)) os << " PAT";
    if (e.g().value_or(false)) os << " G";
    if (s.cr4_pke || s.cr4_pks) os << " pk=" << e.pk().value_or(0);
  }
  if (e.xd_bit()) os << (s.efer_nxe ? " XD" : " bit63");
  os << (e.leaf() ? " page=" : " table=") << e.address(s);
  if (const auto r = e.reserved_bits_set(s)) os << " RESERVED{" << describe_reserved(r, e.level()) << '}';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Entry& e) {
  return os << level_name(e.level()) << "E[" << hex16(e.raw()).substr(2) << ']';
}

}  // namespace ptv
