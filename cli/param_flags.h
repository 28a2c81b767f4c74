// --param NAME=VALUE, shared by the subcommands that run check (check, map).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ptv::cli {

/// Parses each "NAME=VALUE" (VALUE decimal, or hex with 0x) into `out`. Returns the first
/// malformed flag's error message, prefixed by `command` (e.g. "check: --param x: ...").
[[nodiscard]] std::optional<std::string> parse_param_flags(const std::string& command, const std::vector<std::string>& flags,
                                                           std::map<std::string, std::uint64_t>& out);

}  // namespace ptv::cli
