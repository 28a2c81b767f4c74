// Replaying a counterexample on the concrete walker, and telling it in domain terms.
#pragma once

#include <optional>
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

namespace ptv::check {

/// A saved report's violation (read back from JSON), held against its own raw entries: the walk
/// of v.address over just those entries must reproduce every saved level (name, table, index,
/// entry address, raw value, decoded text) under some processor state the report's facts allow
/// (facts it does not know are tried both ways), and the translation must break v.rule as
/// claimed (W+X for wx, user for user-kernel-split, ...); with `check_marking` (reports of the
/// current format), the entry marked as deciding and its bits must be check's marking too.
/// Returns what disagrees, or nothing. A violation without a walk (text dumps) is not checked.
std::optional<std::string> check_saved_walk(const Violation& v, PagingMode mode, const std::vector<Fact>& facts,
                                            bool check_marking);

}  // namespace ptv::check
