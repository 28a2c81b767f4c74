// Reading a saved violation back: explain_fix_parts.h.
#include <algorithm>
#include <cstdio>

#include "models/format.h"
#include "verifier/report/explain_fix_parts.h"

namespace ptv {

using check::Violation;
using check::WalkLevel;

std::vector<Entry> decode_walk(const Violation& v) {
  std::vector<Entry> out;
  for (const WalkLevel& w : v.walk) {
    if (!w.level) return {};
    out.emplace_back(w.raw, *w.level);
  }
  return out;
}

std::optional<std::size_t> leaf_of(const std::vector<Entry>& walk) {
  if (walk.empty() || !walk.back().p() || !walk.back().leaf()) return std::nullopt;
  return walk.size() - 1;
}

std::optional<std::string> bit_mnemonic(unsigned b, const Entry& e) {
  const char* n = nullptr;
  switch (b) {
    case 0:
      n = "P";
      break;
    case 1:
      n = "R/W";
      break;
    case 2:
      n = "U/S";
      break;
    case 3:
      n = "PWT";
      break;
    case 4:
      n = "PCD";
      break;
    case 5:
      n = "A";
      break;
    case 6:
      n = e.leaf() ? "D" : nullptr;
      break;
    case 7:
      n = e.level() == Level::kPt ? "PAT" : e.ps() ? "PS" : nullptr;
      break;
    case 8:
      n = e.leaf() ? "G" : nullptr;
      break;
    case 12:
      n = e.leaf() && e.level() != Level::kPt ? "PAT" : nullptr;
      break;
    case 63:
      n = "XD";
      break;
    default:
      break;
  }
  if (b >= bits::kPkShift && b < 63 && e.leaf()) n = "PK";
  if (!n) return std::nullopt;
  return std::string(n);
}

std::string bit_name(unsigned b, const Entry& e) {
  const auto n = bit_mnemonic(b, e);
  return n ? *n + " (bit " + std::to_string(b) + ")" : "bit " + std::to_string(b);
}

std::string bit_changes(const Entry& before, std::uint64_t after) {
  std::string out;
  const std::uint64_t diff = before.raw() ^ after;
  for (unsigned b = 64; b-- > 0;) {
    if (!((diff >> b) & 1)) continue;
    if (!out.empty()) out += ", ";
    out += bit_name(b, before) + ' ' + (((before.raw() >> b) & 1) ? "1 -> 0" : "0 -> 1");
  }
  return out;
}

std::string entry_at(const Violation& v, std::size_t i) {
  return std::string(check::level_name(v.walk[i])) + " entry at " + hex16(v.walk[i].entry_address);
}

std::optional<RightSet> granted_rights(const check::ViolationRights& r) {
  if (!r.seen) return parse_rights(r.text);
  const AttrClass& c = *r.seen;
  if (c.kind != AttrClass::Kind::kMapped) return std::nullopt;
  // The write right the class's rights token shows (rights_text): user mode's on a page that
  // may be user, else the supervisor's.
  const Tri write = c.user == Tri::kNo ? c.writable : c.user_writable;
  if (c.user == Tri::kUnknown || write == Tri::kUnknown || c.executable == Tri::kUnknown) return std::nullopt;
  return RightSet{c.user == Tri::kYes, write == Tri::kYes, c.executable == Tri::kYes, c.global == Tri::kYes};
}

std::optional<RightSet> parse_rights(const std::string& s) {
  std::optional<RightSet> out;
  bool global = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t j = std::min(s.find(' ', i), s.size());
    const std::string_view tok(s.data() + i, j - i);
    if (tok == "G") global = true;
    if (tok.size() == 4 && tok[1] == 'r' && tok.find('?') == std::string_view::npos &&
        (tok[0] == 'u' || tok[0] == '-') && (tok[2] == 'w' || tok[2] == '-') && (tok[3] == 'x' || tok[3] == '-'))
      out = RightSet{tok[0] == 'u', tok[2] == 'w', tok[3] == 'x', false};
    i = j + 1;
  }
  if (out) out->global = global;
  return out;
}

std::optional<RightSet> parse_listed_rights(const std::string& message, std::string_view key) {
  const std::size_t at = message.find(key);
  if (at == std::string::npos) return std::nullopt;
  const std::size_t first = at + key.size();
  const std::size_t close = message.find(')', first);
  if (close == std::string::npos) return std::nullopt;
  RightSet r;
  const std::string list = message.substr(first, close - first);
  std::size_t i = 0;
  while (i <= list.size()) {
    const std::size_t j = std::min(list.find(", ", i), list.size());
    const std::string name = list.substr(i, j - i);
    if (name == "user")
      r.user = true;
    else if (name == "writable")
      r.writable = true;
    else if (name == "executable")
      r.executable = true;
    else if (name == "global")
      r.global = true;
    else if (name != "none")
      return std::nullopt;
    i = j + 2;
  }
  return r;
}

std::optional<std::uint64_t> parse_reserved(std::string_view s) {
  if (s.starts_with("reserved ")) s.remove_prefix(9);
  std::uint64_t mask = 0;
  while (!s.empty()) {
    const std::size_t comma = std::min(s.find(','), s.size());
    std::string_view tok = s.substr(0, comma);
    s.remove_prefix(std::min(comma + 1, s.size()));
    unsigned hi = 0, lo = 0;
    const std::string t(tok);
    if (t == "XD(63)")
      hi = lo = 63;
    else if (t == "PS(7)")
      hi = lo = 7;
    else if (std::sscanf(t.c_str(), "bits %u:%u", &hi, &lo) == 2) {
    } else if (std::sscanf(t.c_str(), "bit %u", &hi) == 1)
      lo = hi;
    else
      return std::nullopt;
    if (hi > 63 || lo > hi) return std::nullopt;
    for (unsigned b = lo; b <= hi; ++b) mask |= std::uint64_t{1} << b;
  }
  return mask ? std::optional(mask) : std::nullopt;
}

}  // namespace ptv
