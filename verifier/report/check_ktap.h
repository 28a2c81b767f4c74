// The KTAP report of `ptverify check` (`--output ktap`): the Kernel Test Anything Protocol,
// version 1 (the Linux kernel's Documentation/dev-tools/ktap.rst), for the test harnesses that
// read kselftest and KUnit results.
//
// Layout (docs/check.md, "KTAP"):
//   KTAP version 1
//   1..N                                one test per rule the result has, in kRules order
//   # <summary line>                    diagnostic lines first: the run's summary, each
//   # assumed: / blind: ...             assumption (a fact not read from the dump or a flag)
//   # <range> region "R" at <address>   then, for a violated rule, its violations (at most
//   ...                                 kKtapViolationLines, then a count of the rest)
//   not ok 5 wx                         violated
//   ok 1 canonical                      holds
//   ok 13 recursive-slot # SKIP <why>   not applicable
//   not ok 15 page-table-exposure # unknown: <why>
//                                       unknown: a failure whose diagnostic says why, never a pass
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "verifier/checks/result.h"

namespace ptv {

/// The most violations listed as diagnostic lines before one rule's result line; a further
/// line counts the rest.
inline constexpr std::size_t kKtapViolationLines = 20;

/// Writes `r` as KTAP version 1, every line ending with '\n'.
void write_check_ktap(const check::CheckResult& r, std::ostream& os);

/// `s` made safe for one KTAP line's free text: each control character (a newline too) becomes
/// a space, and on a result line (`on_result_line`) '#', which would open a directive (a forged
/// "# SKIP" would turn a failure into a skip), becomes '_'.
[[nodiscard]] std::string ktap_text(std::string_view s, bool on_result_line);

}  // namespace ptv
