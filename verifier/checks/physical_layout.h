// The physical-layout rule: a region's `physical` field (docs/spec-language.md) says which frame
// every mapped address of it translates to, PA = VA - offset (identity: offset 0). The walker
// reads the frame of every mapped page of the region's extent; pages whose VA - PA is not the
// offset form the region's "off" stretches, and an SMT query over one address asks whether any
// address the region governs (its elements, less the regions nested in it) lies in one. Each
// model is replayed on the walker and widened to the maximal range breaking the rule the same
// way, as the address search does for the other rules. Internal to verifier/checks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "verifier/checks/check.h"
#include "verifier/checks/check_steps.h"
#include "verifier/checks/witness.h"
#include "verifier/spec/concrete.h"

namespace ptv::check::detail {

/// The offset of region i's physical layout under these parameter values (PA = VA - offset);
/// empty when the region states none or the expression is not well-defined (`why` says so).
[[nodiscard]] std::optional<std::uint64_t> physical_offset(const spec::Spec& spec, const spec::ParameterValues& values,
                                                           std::size_t region, std::string* why = nullptr);

/// Pages of constant VA - PA: [range] translates to VA - delta.
struct FrameStretch {
  VirtRange range;
  std::uint64_t delta = 0;
};

/// What the walker shows within a range of addresses: the stretches of mapped pages, in address
/// order (adjacent ones with the same delta merged), and the ranges below a table outside the
/// dump (their frames could be anything). Throws Inconsistency when the walker does not map an
/// address the address space says is mapped.
struct FrameScan {
  std::vector<FrameStretch> stretches;
  std::vector<VirtRange> unknown;
  std::uint64_t pages = 0;  ///< pages walked
};
[[nodiscard]] FrameScan scan_frames(const RawContext& raw, VirtRange within);

/// For parameter inference: a stretch of pages that breaks physical-layout under `layout`,
/// outside `skip`; the region whose layout it breaks.
struct PhysicalBreak {
  std::size_t region = 0;
  FrameStretch stretch;
};
/// Throws LimitReached on the run's limits.
[[nodiscard]] std::optional<PhysicalBreak> find_physical_break(const CheckInputs& in, const spec::Layout& layout,
                                                               const std::vector<VirtRange>& skip);

/// "No address of the stretch that region b.region governs translates off its layout" over the
/// symbolic layout: the region's offset is the stretch's delta wherever it governs the stretch.
[[nodiscard]] smt::Expr physical_witness(smt::Context& ctx, const spec::Spec& spec, spec::SymbolicDomain domain,
                                         const std::vector<SymTerms>& terms, const PhysicalBreak& b,
                                         const std::string& var);

/// Decides physical-layout for the layout's parameter values (raw memory required).
void check_physical_layout(CheckResult& out, const CheckInputs& in, const spec::Layout& layout);

}  // namespace ptv::check::detail
