// Reading layout specs: JSON with comments (the schema is in docs/spec-language.md).
//
// Every error names the file, the JSON path of the offending value (e.g. `regions[3].start`)
// and what is wrong: an unknown key or name (with a suggestion when one is close), a wrong
// type, an expression syntax or type error with its column, an inconsistent declaration (a
// parameter whose domain is empty, a required right that is not allowed, a guard that may be
// mapped, a nesting cycle). Whether the constraints together admit any parameter values is
// decided by `prove` (an empty parameter space is reported as a spec error there).
//
// A spec may build on another: `"extends": "NAME-OR-PATH"` reads the base first and merges the
// extending file into it (docs/spec-language.md, "Specs that extend specs"). Errors in the base
// name the base file; every error names the file and line its value was written on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"
#include "verifier/spec/spec.h"

namespace ptv::spec {

/// The cap on a spec file's size (after decompression): 64 MiB, far above any real layout.
inline constexpr std::uint64_t kMaxSpecBytes = std::uint64_t{64} << 20;

/// How many specs a chain of "extends" may hold beyond the first.
inline constexpr unsigned kMaxExtendsDepth = 16;

/// Where "extends": NAME finds a bundled spec when no file of that name is beside the extending
/// one: these folders, in order (the CLI passes its bundled_spec_dirs()).
struct SpecSearch {
  std::vector<std::filesystem::path> bundled_dirs;
};

/// The bundled spec called `name` (with or without ".json") in the first of `dirs` holding it;
/// an error lists the bundled specs when none does.
[[nodiscard]] Expected<std::filesystem::path> find_bundled_spec(const std::string& name,
                                                                const std::vector<std::filesystem::path>& dirs);

/// Reads and parses the spec in `file` (a regular file, possibly gzip or zstd compressed, at
/// most kMaxSpecBytes), and the specs it extends.
[[nodiscard]] Expected<Spec> load_spec(const std::filesystem::path& file, const SpecSearch& search = {});

/// Parses spec text; `file` is the name diagnostics and Spec::file carry, and the folder an
/// "extends" path is relative to.
[[nodiscard]] Expected<Spec> parse_spec(std::string_view text, std::string file, const SpecSearch& search = {});

/// The spec in `file` with every "extends" resolved: one self-contained spec as JSON text (no
/// comments), which parses to the same Spec as `file` (`ptverify spec show`). Checked by parsing
/// it, so an error is the one load_spec gives.
[[nodiscard]] Expected<std::string> flatten_spec(const std::filesystem::path& file, const SpecSearch& search = {});

}  // namespace ptv::spec
