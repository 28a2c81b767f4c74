#include "verifier/report/check_ktap.h"

namespace ptv {

void write_check_ktap(const check::CheckResult& r, std::ostream& os) { os << "KTAP version 1\n1..0\n# " << r.summary_line() << '\n'; }

}  // namespace ptv
