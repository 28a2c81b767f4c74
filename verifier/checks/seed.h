// Parameter inference's first guess, read from the runs before any query: where the dump needs
// the regions that parameters place. Internal to verifier/checks.
//
// With every region whose bounds depend on a parameter left out of the layout, the addresses
// that break a rule (the concrete pass, sweep.h) are those only such a region can make legal:
// the demand. In the spec's order, each such region whose start is a bare parameter claims the
// first demand not yet claimed in the parameter's domain (its start aligned down to the
// parameter's alignment), and a bare size or element count covers the demand that follows up
// to the first gap of at least its alignment (of the stride, for a count). An array no demand
// needs gets its least count in the first stretch of unmapped addresses of its parent that
// holds it. A region with a linear physical layout adds the offset VA - PA of its first mapped
// page.
//
// A guess only: inference asks the solver for values that satisfy the spec's constraints
// together with the guess, and the concrete pass decides whether those values make every
// address keep every rule, as it does for any candidate. A wrong guess costs rounds, never a
// verdict.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "verifier/checks/check_steps.h"
#include "verifier/checks/predicates.h"

namespace ptv::check::detail {

struct Seed {
  std::vector<std::optional<std::uint64_t>> values;            ///< per parameter: the guess, if any
  std::vector<std::pair<std::size_t, std::uint64_t>> offsets;  ///< region index, VA - PA observed
};

/// The guess for the parameters that --param does not fix. Empty when the concrete pass cannot
/// decide the layout without the parametric regions.
[[nodiscard]] Seed seed_parameters(const CheckInputs& in, const std::vector<Instance>& insts);

}  // namespace ptv::check::detail
