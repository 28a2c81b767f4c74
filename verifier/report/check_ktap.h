// Placeholder until the KTAP writer lands.
#pragma once

#include <ostream>

#include "verifier/checks/result.h"

namespace ptv {

void write_check_ktap(const check::CheckResult& r, std::ostream& os);

}  // namespace ptv
