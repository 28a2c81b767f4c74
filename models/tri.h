// Three-valued truth: what a source can tell about a right or a processor fact.
//
// A dump or a flag may say "yes" or "no"; when neither says anything, the value is unknown, and
// every right computed from it stays unknown unless the other operands decide it (no AND x is
// no, yes OR x is yes). A rule that depends on an unknown value is undecided, never passed.
#pragma once

#include <cstdint>
#include <optional>

namespace ptv {

enum class Tri : std::uint8_t { kNo, kYes, kUnknown };

[[nodiscard]] constexpr Tri tri(bool b) { return b ? Tri::kYes : Tri::kNo; }
/// Unknown when empty.
[[nodiscard]] constexpr Tri tri(std::optional<bool> b) { return b ? tri(*b) : Tri::kUnknown; }
const char* to_string(Tri t);  // "no", "yes", "unknown"

[[nodiscard]] constexpr Tri tri_not(Tri a) {
  return a == Tri::kYes ? Tri::kNo : a == Tri::kNo ? Tri::kYes : Tri::kUnknown;
}
[[nodiscard]] constexpr Tri tri_and(Tri a, Tri b) {
  if (a == Tri::kNo || b == Tri::kNo) return Tri::kNo;
  if (a == Tri::kYes && b == Tri::kYes) return Tri::kYes;
  return Tri::kUnknown;
}
[[nodiscard]] constexpr Tri tri_or(Tri a, Tri b) { return tri_not(tri_and(tri_not(a), tri_not(b))); }

static_assert(tri_and(Tri::kNo, Tri::kUnknown) == Tri::kNo && tri_or(Tri::kYes, Tri::kUnknown) == Tri::kYes &&
              tri_or(Tri::kNo, Tri::kUnknown) == Tri::kUnknown);

}  // namespace ptv
