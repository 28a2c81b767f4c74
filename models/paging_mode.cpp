#include "models/paging_mode.h"

namespace ptv {

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kPt:
      return "PT";
    case Level::kPd:
      return "PD";
    case Level::kPdpt:
      return "PDPT";
    case Level::kPml4:
      return "PML4";
    case Level::kPml5:
      return "PML5";
  }
  return "?";
}

std::string_view to_string(PagingMode m) { return m == PagingMode::k5Level ? "5-level" : "4-level"; }

std::optional<Level> level_from_name(std::string_view name) {
  for (Level l : {Level::kPt, Level::kPd, Level::kPdpt, Level::kPml4, Level::kPml5})
    if (level_name(l) == name) return l;
  return std::nullopt;
}

std::optional<PagingMode> mode_from_name(std::string_view name) {
  for (PagingMode m : {PagingMode::k4Level, PagingMode::k5Level})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

}  // namespace ptv
