// Replaying a counterexample on the concrete walker, and telling it in domain terms.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "verifier/checks/check.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/result.h"

namespace ptv::check {

/// The walker and the mapping set disagree about an address: an internal error (exit 4).
struct ReplayMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Walks w on the raw dump, checks that the walk's outcome and effective attributes are the
/// mapping set's, and returns the walk with the entry that decides `rule` marked.
/// Throws ReplayMismatch when they differ.
std::vector<WalkLevel> replay_walk(const RawContext& raw, const MappingSet& m, RuleId rule, VirtAddr w);

/// One sentence: what is wrong at an address of this class.
std::string describe_violation(const spec::Spec& spec, const Instance& inst, const AttrClass& c);

}  // namespace ptv::check
