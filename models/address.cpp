#include "models/address.h"

#include "models/format.h"

namespace ptv {

std::ostream& operator<<(std::ostream& os, VirtAddr a) { return os << 'V' << hex16(a.value()); }
std::ostream& operator<<(std::ostream& os, PhysAddr a) { return os << 'P' << hex16(a.value()); }
std::ostream& operator<<(std::ostream& os, const VirtRange& r) { return os << '[' << r.first << '-' << r.last << ']'; }

}  // namespace ptv
