// Rules decided over the dump's tables and frames rather than over virtual addresses:
// canonical translations, recursive slots, physical frames mapped with conflicting rights, and
// page-table frames reachable through user-accessible or misplaced writable translations. Each
// is exact: it visits every distinct leaf entry (per rights context) of the raw walk, and
// enumerates the addresses of the few leaves that matter with a bounded search.
#pragma once

#include "verifier/checks/check.h"
#include "verifier/spec/concrete.h"

namespace ptv::check {

void check_physical(CheckResult& out, const MappingSet& m, const spec::Spec& spec, const spec::Layout& layout,
                    const RawContext* raw, std::size_t max_violations);

}  // namespace ptv::check
