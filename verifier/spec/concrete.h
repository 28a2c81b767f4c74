// Concrete evaluation of a spec: given parameter values, the layout they describe.
//
// `check` uses it to turn parameter values (given, or found by Z3) into address ranges, and
// `prove` to replay every counterexample before reporting it. It instantiates the same
// templates (evaluate.h) as the symbolic encoding.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "verifier/spec/evaluate.h"
#include "verifier/spec/spec.h"

namespace ptv::spec {

/// One value per Spec::parameters entry, in order.
using ParameterValues = std::vector<std::uint64_t>;

/// Values from a name -> value map. Error when a parameter is missing or a name is unknown.
[[nodiscard]] Expected<ParameterValues> parameter_values(const Spec& spec,
                                                         const std::map<std::string, std::uint64_t>& by_name);

/// The JSON paths of the parameter domains and constraints these values violate (empty: none).
[[nodiscard]] std::vector<std::string> violated_assumptions(const Spec& spec, const ParameterValues& values);

/// A region's bounds for these values (ok false when an expression wraps or the extent is empty).
[[nodiscard]] Bounds<ConcreteDomain> concrete_bounds(const Spec& spec, const ParameterValues& values,
                                                     std::size_t region);

/// Why a region's bounds are not well-defined for these values, in words naming the field and
/// the column of the operation that wraps ("regions[2].size: the '-' at column 9 goes below
/// 0"), or the empty extent. Empty when the bounds are fine.
[[nodiscard]] std::optional<std::string> explain_bounds(const Spec& spec, const ParameterValues& values,
                                                        std::size_t region);

/// A region placed: its extent and, for an array, its shape.
struct PlacedRegion {
  std::size_t index = 0;                                     ///< into Spec::regions
  VirtRange range;                                           ///< the extent, first..last
  std::uint64_t count = 1, size = 0, guard = 0, stride = 0;  ///< arrays (plain regions: 1, extent, 0, extent)

  enum class Part { kWhole, kElement, kGuard, kGap };
  /// Where va falls in the region: a plain region is kWhole; in an array, element or guard i,
  /// or the gap a stride larger than size + guard leaves. Requires: range.contains(va).
  [[nodiscard]] std::pair<Part, std::uint64_t> part_at(VirtAddr va) const;
};

/// The layout of a spec for given parameter values. Holds a pointer to the spec, which must
/// outlive it.
struct Layout {
  const Spec* spec = nullptr;
  ParameterValues parameters;
  std::vector<PlacedRegion> regions;  ///< same order as Spec::regions

  /// The innermost region containing va (the one whose rules apply), if any.
  [[nodiscard]] std::optional<std::size_t> innermost(VirtAddr va) const;
};

/// Checks the values against every parameter domain and constraint, then places every region.
/// Error: names the first violated assumption, or the first region whose bounds are not
/// well-defined (with explain_bounds()).
[[nodiscard]] Expected<Layout> evaluate_layout(const Spec& spec, ParameterValues values);

/// "name=0x..., name=0x..." for messages.
[[nodiscard]] std::string format_parameters(const Spec& spec, const ParameterValues& values);

}  // namespace ptv::spec
