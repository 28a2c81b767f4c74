// `--spec NAME`: a spec is a file path, or the name of a bundled spec (`linux-x86_64-4level`,
// with or without `.json`), found in the installed share/ptverify/specs beside the binary's bin/
// and then in the source tree the binary was built from.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/spec/parse.h"
#include "verifier/spec/spec.h"

namespace ptv::cli {

/// The folders bundled specs are looked up in, in order (those that exist).
std::vector<std::filesystem::path> bundled_spec_dirs();

/// `given` when something exists at that path (or it has a '/'), else the bundled spec of that name; an
/// error lists the bundled specs when neither exists.
Expected<std::filesystem::path> resolve_spec(const std::string& given);

/// Where a spec's "extends" finds bundled specs: bundled_spec_dirs().
spec::SpecSearch spec_search();

/// resolve_spec, then spec::load_spec (with spec_search()).
Expected<spec::Spec> load_spec_named(const std::string& given);

}  // namespace ptv::cli
