#include "cli/param_flags.h"

#include <stdexcept>
#include <string_view>

#include "models/format.h"

namespace ptv::cli {

Expected<std::map<std::string, std::uint64_t>> parse_param_flags(const std::string& command,
                                                                 const std::vector<std::string>& flags) {
  std::map<std::string, std::uint64_t> out;
  for (const std::string& p : flags) {
    const auto eq = p.find('=');
    if (eq == std::string::npos) return Error{command + ": --param " + p + ": expected NAME=VALUE"};
    const std::string v = p.substr(eq + 1);
    // An address copied from ptverify's output keeps its V or P prefix: hex, whatever follows.
    if (!v.empty() && std::string_view("VvPp").find(v.front()) != std::string_view::npos) {
      const bool virt = v.front() == 'V' || v.front() == 'v';
      const Expected<std::uint64_t> a = parse_address(v, virt ? AddressKind::kVirtual : AddressKind::kPhysical);
      if (!a.ok()) return Error{command + ": --param " + p + ": " + a.error().message};
      out[p.substr(0, eq)] = *a;
      continue;
    }
    try {
      std::size_t used = 0;
      // std::stoull accepts a leading '-' and wraps it; a parameter value is never negative.
      if (v.find('-') != std::string::npos) throw std::invalid_argument(v);
      out[p.substr(0, eq)] = std::stoull(v, &used, 0);
      if (used != v.size()) throw std::invalid_argument(v);
    } catch (const std::exception&) {
      return Error{command + ": --param " + p + ": VALUE must be a number (0x for hex, V0x or P0x for an address)"};
    }
  }
  return out;
}

}  // namespace ptv::cli
