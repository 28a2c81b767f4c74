// Reading layout specs: JSON with comments (the schema is in docs/spec-language.md).
//
// Every error names the file, the JSON path of the offending value (e.g. `regions[3].start`)
// and what is wrong: an unknown key or name (with a suggestion when one is close), a wrong
// type, an expression syntax or type error with its column, an inconsistent declaration (a
// parameter whose domain is empty, a required right that is not allowed, a guard that may be
// mapped, a nesting cycle). Whether the constraints together admit any parameter values is
// decided by `prove` (an empty parameter space is reported as a spec error there).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/spec/spec.h"

namespace ptv::spec {

/// The cap on a spec file's size (after decompression): 64 MiB, far above any real layout.
inline constexpr std::uint64_t kMaxSpecBytes = std::uint64_t{64} << 20;

/// Reads and parses the spec in `file` (a regular file, possibly gzip or zstd compressed, at
/// most kMaxSpecBytes).
[[nodiscard]] Expected<Spec> load_spec(const std::filesystem::path& file);

/// Parses spec text; `file` is the name diagnostics and Spec::file carry.
[[nodiscard]] Expected<Spec> parse_spec(std::string_view text, std::string file);

}  // namespace ptv::spec
