// The one table of exit codes, shared by every subcommand. [docs/check.md "Exit codes", README.md]
#pragma once

namespace ptv {

enum class ExitCode : int {
  kOk = 0,          ///< the property holds / the command succeeded
  kViolations = 1,  ///< check: violations found; prove: an obligation refuted
  kBadInput = 2,    ///< bad input or usage: the message names the file and where
  kUnknown = 3,     ///< a solver limit was reached, or the input cannot settle the question
  kInternal = 4,    ///< an internal error, e.g. a counterexample that does not replay
};

}  // namespace ptv
