// `prove`: a layout spec checked against itself, for every admissible parameter value at once.
//
// Each obligation of the registry below is split into goals (one per region, pair of regions,
// array, ...); each goal asks Z3 whether some parameter values satisfying every parameter domain
// and constraint break it. Unsat proves the goal; sat refutes it with a counterexample (the
// parameter values, the address, the regions involved), which is replayed on the concrete
// evaluator before it is reported; unknown names the limit that was reached.
//
// Before any obligation, the parameter space itself is checked (vacuity): when no
// parameter values satisfy the domains and constraints, every proof would be vacuous, so prove()
// returns an Error (a bad spec, exit code 2) naming the contradicting declarations.
//
// Result lattice, one table for goals, obligations and the run:
//
//   status          meaning                                   joins as   exit code of a run
//   not-applicable  nothing to prove (e.g. no arrays)         bottom     0
//   proved          unsat: holds for all admissible values                0
//   unknown         a solver limit was reached (never a pass)             3 (kUnknown)
//   refuted         a counterexample, replayed concretely     top        1 (kViolations)
//   (internal error: an invalid encoding, a solver error or a counterexample that does not
//    replay; overrides the verdict)                                       4 (kInternal)
//   (bad spec, including an empty parameter space: prove() returns Error) 2 (kBadInput)
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "models/address.h"
#include "models/expected.h"
#include "models/paging_mode.h"
#include "verifier/base/exit_codes.h"
#include "verifier/checks/status.h"
#include "verifier/smt/solver.h"
#include "verifier/spec/spec.h"

namespace ptv::check {

enum class ObligationId : std::uint8_t {
  kParametersSatisfiable,
  kRegionBounds,
  kCanonical,
  kInHalf,
  kAligned,
  kDisjoint,
  kNesting,
  kArrayGuards,
  kRecursiveSlot,
  kRightsVsRules,
};

struct ObligationInfo {
  ObligationId kind;
  std::string_view id;    ///< stable rule id for JSON/SARIF, e.g. "P06"
  std::string_view name;  ///< e.g. "disjoint"
  std::string_view description;
};

/// The obligations `prove` discharges, in the order it checks and reports them.
inline constexpr std::array<ObligationInfo, 10> kObligations = {{
    {ObligationId::kParametersSatisfiable, "P01", "parameters-satisfiable",
     "Some parameter values satisfy every parameter domain and constraint (checked first; an empty parameter space is "
     "a spec error, never a vacuous proof)."},
    {ObligationId::kRegionBounds, "P02", "region-bounds",
     "Every region and array is well-defined: its expressions never wrap around 2^64 or go below 0, its extent is "
     "non-empty and ends by 2^64 - 1, an array has at least one element."},
    {ObligationId::kCanonical, "P03", "canonical",
     "Every region lies in canonical address space for the paging mode (4-level: bits 63:47 equal; 5-level: 63:56)."},
    {ObligationId::kInHalf, "P04", "in-half",
     "Every region lies in the half it declares: user regions at or below the lower half's last address, kernel "
     "regions at or above the upper half's first."},
    {ObligationId::kAligned, "P05", "aligned",
     "Region bounds are multiples of the page size, of the region's declared align, and, for a region that must be "
     "mapped, of its smallest allowed page size; array elements and guards are page-aligned."},
    {ObligationId::kDisjoint, "P06", "disjoint",
     "Regions are pairwise disjoint unless one is declared nested in the other: top-level regions among themselves, "
     "and the regions nested in one parent among themselves."},
    {ObligationId::kNesting, "P07", "nesting",
     "A region declared nested_in another lies entirely inside it (required regions fit where they are declared)."},
    {ObligationId::kArrayGuards, "P08", "array-guards",
     "In every array of two or more elements, each element is followed by a non-empty guard before the next element "
     "starts (stride >= size + guard, guard > 0)."},
    {ObligationId::kRecursiveSlot, "P09", "recursive-slot",
     "A recursive region is exactly one top-level slot (512 GiB aligned with 4-level paging, 256 TiB with 5-level), at "
     "the index rules.recursive_slot names if it names one, and shares that slot with no other region."},
    {ObligationId::kRightsVsRules, "P10", "rights-vs-rules",
     "Region rights never contradict the global rules: no user access in the kernel half (beyond one vsyscall page "
     "when allowed), no supervisor-only region in the user half when forbidden, no region requiring W and X under W^X, "
     "no region that may be mapped inside the null guard."},
}};

[[nodiscard]] const ObligationInfo& info(ObligationId id);

// Status and join: verifier/checks/status.h, the lattice `check` uses too; prove prints kHolds as
// "proved" and kViolated as "refuted" (prove_word).

struct NamedValue {
  std::string name;
  std::uint64_t value = 0;
  bool operator==(const NamedValue&) const = default;
};

/// A region as the counterexample placed it.
struct PlacedRegionWitness {
  std::string name;
  std::string path;                ///< JSON path, e.g. "regions[3]"
  std::optional<VirtRange> range;  ///< empty when its bounds are not well-defined (P02)
};

struct Counterexample {
  std::string message;              ///< what is wrong, in addresses and region names
  std::optional<VirtAddr> address;  ///< the lowest offending address, when the goal has one
  std::vector<PlacedRegionWitness> regions;
  std::vector<NamedValue> parameters;  ///< the parameters the involved regions depend on
  /// Whether no other values of those parameters break the goal; empty when not established.
  std::optional<bool> unique;
};

struct GoalResult {
  std::string subject;  ///< e.g. "kernel-heap / kernel-stacks"
  std::string query;    ///< the solver query's name; empty when decided without the solver
  Status status = Status::kHolds;
  std::optional<Counterexample> counterexample;  ///< when refuted
  std::string unknown_reason;                    ///< when unknown: the limit reached, or the failure
  double seconds = 0;
};

struct ObligationResult {
  ObligationInfo info;
  Status status = Status::kNotApplicable;
  std::string note;  ///< e.g. why it does not apply, or the satisfying example for P01
  std::vector<GoalResult> goals;
  double seconds = 0;
  /// Region pairs whose bounds' ranges under the parameter domains are apart: proved without a
  /// goal of their own (counted with the goals in reports).
  std::size_t apart = 0;
  /// Goals not built because the run reached its limit (kMaxGoals) or its --time-limit: the
  /// obligation is unknown.
  std::size_t undecided = 0;
};

struct ProveOptions {
  smt::QueryLimits limits{10'000, 0, 0};  ///< per query
  /// Write every query to DIR/<query-name>.smt2 (DIR must exist).
  std::optional<std::filesystem::path> emit_smt2_dir;
  /// Search smaller parameter values for counterexamples, and whether they are unique.
  bool minimize = true;
  /// The whole run's end (--time-limit): no query runs past it, and the goals not decided by
  /// then are unknown. Empty: no limit.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  double time_limit_s = 300;  ///< the limit behind `deadline`, for messages (0: none)
};

struct ProveReport {
  std::string spec_file;
  std::string spec_name;
  PagingMode paging_mode = PagingMode::k4Level;
  std::size_t parameter_count = 0;
  std::size_t region_count = 0;
  std::vector<ObligationResult> obligations;  ///< in kObligations order
  Status verdict = Status::kNotApplicable;
  std::vector<NamedValue> example;  ///< parameter values satisfying every assumption
  std::vector<std::string> internal_errors;
  std::size_t queries = 0;
  double seconds = 0;

  [[nodiscard]] std::size_t count(Status s) const;  ///< obligations with status s
};

/// Proves every obligation of `spec`. Error: the parameter space is empty (a bad spec).
[[nodiscard]] Expected<ProveReport> prove(const spec::Spec& spec, const ProveOptions& options = {});

/// The exit code of a run, from the table above.
[[nodiscard]] ExitCode exit_code(const ProveReport& report);

/// Human-readable report: a one-line summary first, then each obligation, with details and
/// counterexamples of every goal not proved.
void write_text(std::ostream& out, const ProveReport& report);
/// The report as one JSON object (schema in docs/spec-language.md); 64-bit values as hex strings.
void write_json(std::ostream& out, const ProveReport& report);
/// The registry: text "P01  parameters-satisfiable  description" lines, or a JSON array.
void write_obligation_list(std::ostream& out, bool json);

}  // namespace ptv::check
