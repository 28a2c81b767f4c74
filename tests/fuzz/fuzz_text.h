// The shared body of the text-format harnesses: read the input as one format (or "auto"),
// strictly and leniently, and check the outcome (fuzz_check.h).
#pragma once

#include <optional>
#include <string_view>

namespace ptv::fuzz {

/// The name every text harness gives its input; diagnostics must start with it.
inline constexpr std::string_view kTextSource = "fuzz.txt";
/// The name of the `info mem` text given with an `info tlb` one (--with-mem).
inline constexpr std::string_view kWithMemSource = "fuzz-mem.txt";

/// Reads `content` with `format` (a registry name or "auto") through read_text_dump, strict
/// and lenient, with `with_mem` as the --with-mem text when given. A success passes
/// check_mapping_set; a failure names kTextSource (or kWithMemSource) first.
void fuzz_text_format(std::string_view content, std::string_view format,
                      std::optional<std::string_view> with_mem = std::nullopt);

}  // namespace ptv::fuzz
