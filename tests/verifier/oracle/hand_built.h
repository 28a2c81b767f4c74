// Hand-built machines and specs for the tests that pin the oracle and the checker to the
// contract: map() creates the tables a page needs; spec_text() relaxes every global rule but those
// given.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "rule_oracle.h"

namespace ptv::oracle::hand {

constexpr std::uint64_t kP = 1, kRW = 2, kUS = 4, kPS = 0x80, kXD = std::uint64_t{1} << 63;
constexpr std::uint64_t k4K = 0x1000, k2M = 0x20'0000;

/// Hand-built tables: map() creates the tables a page needs.
struct Tables {
  oracle::Machine m;
  std::uint64_t next = 0x10'0000;

  explicit Tables(unsigned levels = 4) {
    m.levels = levels;
    m.root = alloc();
  }
  std::uint64_t alloc() {
    const std::uint64_t pa = next;
    next += k4K;
    m.memory[pa].fill(0);
    return pa;
  }
  static unsigned index(std::uint64_t va, unsigned level) { return (va >> (12 + 9 * (level - 1))) & 511; }
  /// The table at `level` on the way to va (created with `table_bits`), from the root.
  std::uint64_t table_for(std::uint64_t va, unsigned level, std::uint64_t table_bits = kP | kRW | kUS) {
    std::uint64_t t = m.root;
    for (unsigned l = m.levels; l > level; --l) {
      std::uint64_t& e = m.memory.at(t)[index(va, l)];
      if (!(e & kP)) e = alloc() | table_bits;
      t = e & 0x000f'ffff'ffff'f000;
    }
    return t;
  }
  /// One leaf of `size` (4 KiB, 2 MiB or 1 GiB) at va -> frame; P (and PS) are added.
  void map(std::uint64_t va, std::uint64_t frame, std::uint64_t bits, std::uint64_t size = k4K,
           std::uint64_t table_bits = kP | kRW | kUS) {
    const unsigned level = size == k4K ? 1 : size == k2M ? 2 : 3;
    m.memory.at(table_for(va, level, table_bits))[index(va, level)] = frame | bits | kP | (level > 1 ? kPS : 0);
  }
};

/// A spec whose global rules are all relaxed but those in `rules` (JSON values by key).
inline std::string spec_text(const std::map<std::string, std::string>& rules, const std::string& regions = "",
                             const std::string& arrays = "") {
  std::map<std::string, std::string> r{
      {"paging_mode", "4"},
      {"null_guard", "0"},
      {"wx", "\"allowed\""},
      {"user_kernel_split", R"({"user_in_kernel_half": "allowed", "supervisor_in_user_half": "allowed"})"},
      {"outside_regions", "\"allowed\""},
      {"recursive_slot", "\"any\""},
      {"conflicting_aliases", "\"allowed\""}};
  for (const auto& [k, v] : rules) r[k] = v;
  std::string text = R"({"name": "t", "rules": {)";
  for (const auto& [k, v] : r) text += (text.back() == '{' ? "\"" : ", \"") + k + "\": " + v;
  return text + "}, \"regions\": [" + regions + "], \"arrays\": [" + arrays + "]}";
}

}  // namespace ptv::oracle::hand
