// The status of one property (a check rule, a prove obligation or goal) and of a run, as a
// lattice (CBMC's property_statust, src/goto-checker/properties.h):
//
//   kNotApplicable  <  kHolds  <  kUnknown  <  kViolated
//   (nothing to ask)   (proved)   (a limit    (a replayed
//                                  or a blind  counterexample)
//                                  spot)
//
// The status of a set of properties is the join of theirs, the worst: one violation makes the
// set violated, and an unknown never joins into holds. `check` prints the statuses as holds /
// violated, `prove` as proved / refuted; the type and its order are the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "verifier/base/exit_codes.h"

namespace ptv::check {

enum class Status : std::uint8_t { kNotApplicable, kHolds, kUnknown, kViolated };

/// The least upper bound: the worse of the two.
[[nodiscard]] constexpr Status join(Status a, Status b) { return a < b ? b : a; }

/// check's words: "not-applicable", "holds", "unknown", "violated".
const char* to_string(Status s);
/// prove's words: "not-applicable", "proved", "unknown", "refuted".
[[nodiscard]] std::string_view prove_word(Status s);

/// The exit code of a run whose verdict is `s` (an internal error or a bad input overrides it):
///   not-applicable, holds -> 0 (kOk); unknown -> 3 (kUnknown); violated -> 1 (kViolations).
[[nodiscard]] ExitCode exit_code(Status s);

/// Why check or prove stopped deciding at --time-limit: "time limit (--time-limit 300 s)", the
/// seconds as the user would write them ("300", "0.5").
[[nodiscard]] std::string time_limit_reason(double seconds);

}  // namespace ptv::check
