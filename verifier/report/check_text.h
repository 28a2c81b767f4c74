// The human report of `ptverify check` (the default output).
//
// The first line is CheckResult::summary_line(), the line a CI log reader sees first. Then the
// checked inputs and parameters, a table of every rule with its status, violation count and
// detail, and each violation in domain terms: the rule, region, one replayed address, the maximal
// range [start, end) with its size, the effective rights, the message, and for raw dumps the walk
// of the address (each level's table, index, entry address, raw entry and decoded bits; the level
// whose bits decide the violation is marked '>' and names those bits). Notes and solver
// statistics come last.
#pragma once

#include <ostream>

#include "verifier/checks/result.h"

namespace ptv {

/// Writes the report. `colour` adds ANSI colour (statuses, the deciding walk level); without it
/// the output holds no escape sequence. The caller decides: a terminal on stdout and no NO_COLOR.
/// With colour, the first line is still summary_line() once the escape sequences are removed.
/// Every string of `r` comes from input (a saved report is read back by `explain`; region names
/// from the spec; paths from the command line) and is written made printable (printable.h).
void write_check_text(const check::CheckResult& r, std::ostream& os, bool colour);

/// `r` with each of its strings passed through printable(): what text writers print.
[[nodiscard]] check::CheckResult printable_result(const check::CheckResult& r);

}  // namespace ptv
