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

}  // namespace ptv
