#include "models/tri.h"

namespace ptv {

const char* to_string(Tri t) {
  switch (t) {
    case Tri::kNo:
      return "no";
    case Tri::kYes:
      return "yes";
    case Tri::kUnknown:
      return "unknown";
  }
  return "?";
}

}  // namespace ptv
