#include "models/address.h"

#include <cstdio>

namespace ptv {

std::string detail::hex16(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::ostream& operator<<(std::ostream& os, VirtAddr a) { return os << 'V' << detail::hex16(a.value()); }
std::ostream& operator<<(std::ostream& os, PhysAddr a) { return os << 'P' << detail::hex16(a.value()); }
std::ostream& operator<<(std::ostream& os, const VirtRange& r) {
  return os << '[' << r.first << '-' << r.last << ']';
}

}  // namespace ptv
