#include "cli/param_flags.h"

#include <stdexcept>

namespace ptv::cli {

Expected<std::map<std::string, std::uint64_t>> parse_param_flags(const std::string& command,
                                                                 const std::vector<std::string>& flags) {
  std::map<std::string, std::uint64_t> out;
  for (const std::string& p : flags) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) return Error{command + ": --param " + p + ": expected NAME=VALUE"};
    try {
      std::size_t used = 0;
      const std::string v = p.substr(eq + 1);
      // std::stoull accepts a leading '-' and wraps it; a parameter value is never negative.
      if (v.find('-') != std::string::npos) throw std::invalid_argument(v);
      out[p.substr(0, eq)] = std::stoull(v, &used, 0);
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      return Error{command + ": --param " + p + ": VALUE must be a number (0x for hex)"};
    }
  }
  return out;
}

}  // namespace ptv::cli
