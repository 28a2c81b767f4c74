#include "verifier/checks/status.h"

#include <sstream>

namespace ptv::check {

const char* to_string(Status s) {
  switch (s) {
    case Status::kHolds:
      return "holds";
    case Status::kViolated:
      return "violated";
    case Status::kUnknown:
      return "unknown";
    case Status::kNotApplicable:
      return "not-applicable";
  }
  return "?";
}

std::string_view prove_word(Status s) {
  switch (s) {
    case Status::kNotApplicable:
      return "not-applicable";
    case Status::kHolds:
      return "proved";
    case Status::kUnknown:
      return "unknown";
    case Status::kViolated:
      return "refuted";
  }
  return "unknown";
}

ExitCode exit_code(Status s) {
  switch (s) {
    case Status::kViolated:
      return ExitCode::kViolations;
    case Status::kUnknown:
      return ExitCode::kUnknown;
    case Status::kNotApplicable:
    case Status::kHolds:
      return ExitCode::kOk;
  }
  return ExitCode::kOk;
}

std::string time_limit_reason(double seconds) {
  std::ostringstream os;
  os << "time limit (--time-limit " << seconds << " s)";
  return os.str();
}

}  // namespace ptv::check
