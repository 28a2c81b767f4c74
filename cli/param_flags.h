// --param NAME=VALUE, shared by the subcommands that run check (check, map).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"

namespace ptv::cli {

/// The spec parameters fixed by --param flags: each "NAME=VALUE" (VALUE decimal, hex with 0x,
/// or an address as ptverify prints it, V0x... or P0x...); a later flag for the same NAME wins.
/// Error: the first malformed flag, prefixed by `command` (e.g. "check: --param x: ...").
[[nodiscard]] Expected<std::map<std::string, std::uint64_t>> parse_param_flags(const std::string& command,
                                                                               const std::vector<std::string>& flags);

}  // namespace ptv::cli
