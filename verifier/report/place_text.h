// A violation's place in the kernel's words (check::Place), as every report writes it.
#pragma once

#include <string>
#include <vector>

#include "verifier/checks/result.h"

namespace ptv {

/// "startup_64+0x1000 (.text)"; "(.rodata)" without a symbol; "" when neither is known.
[[nodiscard]] std::string place_text(const check::Place& p);

/// The symbols and sections of a violation's two ends: "A .. B", one when both read alike; ""
/// when neither end has either.
[[nodiscard]] std::string symbols_text(const check::Violation& v);

/// The area(s) of its two ends: "Low Kernel Mapping", "A .. B" when they differ; "".
[[nodiscard]] std::string area_text(const check::Violation& v);

/// One phrase for one-line formats: "at A .. B, in Low Kernel Mapping"; "" when nothing is
/// known. Starts with a space when not empty.
[[nodiscard]] std::string where_phrase(const check::Violation& v);

/// Where a parameter's value comes from, in words: "read from the kernel: _stext in kallsyms
/// (k.txt)", "given (--param)", "one admissible value, not read from the kernel".
[[nodiscard]] std::string parameter_source_text(const check::Parameter& p);

/// An inferred parameter's admissible range (check --explain-params), in words.
[[nodiscard]] std::string admissible_text(const check::AdmissibleRange& r);

/// The lines under the text report's parameter line: the parameters grouped by where their
/// values come from.
[[nodiscard]] std::vector<std::string> parameter_source_lines(const check::CheckResult& r);

}  // namespace ptv
