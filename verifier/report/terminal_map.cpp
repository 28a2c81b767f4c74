#include "verifier/report/terminal_map.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/format.h"
#include "verifier/base/printable.h"
#include "verifier/report/place_text.h"
#include "verifier/report/text.h"

namespace ptv {

namespace {

// ANSI SGR sequences [ECMA-48 §8.3.117].
constexpr std::string_view kReset = "\033[0m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kRed = "\033[1;31m";
constexpr std::string_view kYellow = "\033[33m";
constexpr std::string_view kMagenta = "\033[35m";
constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kBlue = "\033[34m";
constexpr std::string_view kPlain = "";

constexpr unsigned kAddressColumns = 19;  // " 0x" + 16 hex digits

struct Glyphs {
  std::string_view tl, tr, bl, br, h, v, ml, mr, hatch, times, nest, ellipsis;
};
constexpr Glyphs kUnicode{"┌", "┐", "└", "┘", "─", "│", "├", "┤", "░", "×", " › ", "…"};
constexpr Glyphs kAscii{"+", "+", "+", "+", "-", "|", "+", "+", "/", "x", " > ", "~"};

/// Columns of UTF-8 text: one per code point (every glyph used here is one column wide).
std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

/// The longest prefix of s that is at most `cols` columns, never splitting a code point.
std::string_view prefix_columns(std::string_view s, std::size_t cols) {
  std::size_t n = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80) {
      if (n == cols) break;
      ++n;
    }
  }
  return s.substr(0, i);
}

std::string repeat(std::string_view g, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += g;
  return s;
}

/// A piece of a line with its colour.
struct Span {
  std::string text;
  std::string_view sgr = kPlain;
};

/// One text line inside a box: spans on the left, one span right-aligned.
struct Line {
  std::vector<Span> left;
  Span right;
  bool hatch = false;       ///< fill the blank columns with the hatch glyph (the non-canonical hole)
  std::string right_short;  ///< used instead of right.text when the left would not fit beside it
};

Line text_line(std::string text, std::string_view sgr) {
  Line l;
  l.left.push_back({std::move(text), sgr});
  return l;
}

Line blank_line(bool hatch) {
  Line l;
  l.hatch = hatch;
  return l;
}

class Renderer {
 public:
  Renderer(const TerminalMapOptions& o, std::ostream& os)
      : o_(o),
        g_(o.ascii ? kAscii : kUnicode),
        os_(os),
        box_(std::max(o.width, 60u) - kAddressColumns),
        inner_(box_ - 4) {}

  [[nodiscard]] std::size_t inner() const { return inner_; }
  [[nodiscard]] const Glyphs& glyphs() const { return g_; }

  // Every piece of text reaches the terminal through here: region names, the dump's name and
  // notes come from input, so they are made printable (printable.h) first.
  std::string paint(std::string_view s, std::string_view sgr) const {
    if (!o_.colour || sgr.empty() || s.empty()) return printable(s);
    return std::string(sgr) + printable(s) + std::string(kReset);
  }

  void border(std::string_view l, std::string_view r, std::uint64_t address) {
    os_ << l << repeat(g_.h, box_ - 2) << r << ' ' << hex16(address) << '\n';
  }

  void line(const Line& in) {
    Line ln = in;
    std::size_t left_cols = 0;
    for (const Span& sp : ln.left) left_cols += columns(sp.text);
    if (!ln.right_short.empty() && left_cols + 2 + columns(ln.right.text) > inner_) ln.right.text = ln.right_short;
    std::string out;
    std::size_t used = 0;
    const std::size_t right_cols = columns(ln.right.text);
    const std::size_t room = right_cols && right_cols + 2 <= inner_ ? inner_ - right_cols - 2 : inner_;
    for (const Span& s : ln.left) {
      if (used >= room) break;
      std::string_view t = s.text;
      if (used + columns(t) > room) {
        const std::size_t keep = room - used >= columns(g_.ellipsis) ? room - used - columns(g_.ellipsis) : 0;
        out += paint(std::string(prefix_columns(t, keep)) + std::string(g_.ellipsis), s.sgr);
        used = keep + columns(g_.ellipsis);
        break;
      }
      out += paint(t, s.sgr);
      used += columns(t);
    }
    std::string_view fill = ln.hatch ? g_.hatch : " ";
    std::string middle;
    if (right_cols && used + right_cols + 2 <= inner_) {
      middle = repeat(fill, inner_ - used - right_cols - 1) + ' ';
      out += paint(middle, ln.hatch ? kDim : kPlain) + paint(ln.right.text, ln.right.sgr);
    } else {
      out += paint(repeat(fill, inner_ - used), ln.hatch ? kDim : kPlain);
    }
    os_ << g_.v << ' ' << out << ' ' << g_.v << '\n';
  }

  /// Free text outside the boxes, cut to the width.
  void text(std::string_view s, std::string_view sgr = kPlain) {
    const std::size_t w = std::max(o_.width, 60u);
    os_ << paint(columns(s) > w ? prefix_columns(s, w) : s, sgr) << '\n';
  }

 private:
  const TerminalMapOptions& o_;
  const Glyphs& g_;
  std::ostream& os_;
  std::size_t box_;
  std::size_t inner_;
};

std::string_view rights_colour(std::string_view rights) {
  if (rights.find('?') != std::string_view::npos) return kYellow;
  const bool w = rights.find('w') != std::string_view::npos, x = rights.find('x') != std::string_view::npos;
  if (w && x) return kRed;
  if (rights.starts_with('u')) return kMagenta;
  if (x) return kGreen;
  if (w) return kBlue;
  return kPlain;
}

/// Wraps tokens into lines of at most `width` columns; continuation lines start with `indent`.
std::vector<Line> wrap(const std::string& head, const std::vector<Span>& tokens, std::size_t width,
                       std::size_t indent) {
  std::vector<Line> out(1);
  out.back().left.push_back({head});
  std::size_t used = columns(head);
  for (const Span& t : tokens) {
    const std::size_t need = 3 + columns(t.text);
    if (used + need > width && used > indent) {
      out.emplace_back();
      out.back().left.push_back({std::string(indent, ' ')});
      used = indent;
      out.back().left.push_back(t);
      used += columns(t.text);
      continue;
    }
    out.back().left.push_back({"   "});
    out.back().left.push_back(t);
    used += need;
  }
  return out;
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return decimal(n) + ' ' + (n == 1 ? one : many);
}

/// The box's name line: its name and parents on the left, its size and rule on the right.
Line name_line(const MapBox& b, const Glyphs& g, const std::string& size) {
  Line name;
  name.left.push_back({b.name, kBold});
  if (!b.parents.empty()) {
    std::string in = "  in ";
    for (std::size_t i = 0; i < b.parents.size(); ++i) in += (i ? std::string(g.nest) : "") + b.parents[i];
    name.left.push_back({in, kDim});
  }
  std::string right = size;
  if (const std::string rule = rule_text(b); !rule.empty()) right += "  " + rule;
  name.right = {right, kDim};
  name.right_short = size;
  return name;
}

/// "N runs, X mapped:" and one token per rights group, wrapped to the box.
std::vector<Line> run_lines(const MapBox& b, const Renderer& r) {
  const Glyphs& g = r.glyphs();
  std::vector<Span> tokens;
  for (const RightsGroup& grp : b.groups) {
    std::string t = grp.rights + ' ';
    if (grp.pages)
      t += format_size(*grp.page_size) + ' ' + std::string(g.times) + decimal(grp.pages);
    else
      t += human_size(grp.bytes);
    tokens.push_back({t, rights_colour(grp.rights)});
  }
  const std::string head = "  " + plural(b.runs(), "run", "runs") + ", " + human_size(b.mapped) + " mapped:";
  return wrap(head, tokens, r.inner(), 4);
}

/// One line per rule violated in the box, in the order the violations are listed (by address).
void add_violation_lines(const check::CheckResult& check, const MapBox& b, std::vector<Line>& lines) {
  std::vector<std::pair<check::RuleId, std::vector<std::size_t>>> by_rule;
  for (std::size_t i : b.violations) {
    const check::RuleId id = check.violations[i].rule;
    auto it = std::find_if(by_rule.begin(), by_rule.end(), [&](const auto& p) { return p.first == id; });
    if (it == by_rule.end())
      by_rule.push_back({id, {i}});
    else
      it->second.push_back(i);
  }
  for (const auto& [id, list] : by_rule) {
    const check::Violation& v = check.violations[list.front()];
    std::string t = "  !! " + std::string(check::rule_info(id).name) + ": ";
    if (list.size() == 1) {
      t += "1 violation at " + hex16(v.range.first.value()) + " (" + human_size(v.range.size_or_zero()) + ")";
    } else {
      std::uint64_t bytes = 0;
      for (std::size_t i : list) bytes += check.violations[i].range.size_or_zero();
      t += decimal(list.size()) + " violations, first at " + hex16(v.range.first.value()) + " (" + human_size(bytes) +
           " in all)";
    }
    const bool all_baselined =
        std::all_of(list.begin(), list.end(), [&](std::size_t i) { return check.violations[i].baselined; });
    if (all_baselined) t += ", baselined";
    // The first one's symbol: where in the kernel it starts.
    if (const std::string sym = place_text(v.first_place); !sym.empty()) t += ", " + sym;
    lines.push_back(text_line(t, all_baselined ? kYellow : kRed));
  }
}

std::vector<Line> box_lines(const AddressMap& map, const MapBox& b, const Renderer& r) {
  std::vector<Line> lines;
  const Glyphs& g = r.glyphs();
  const std::string size = human_size(b.range.size_or_zero());
  if (b.kind == BoxKind::kNonCanonical) {
    Line ln;
    ln.hatch = true;
    ln.left.push_back(
        {std::string(g.hatch) + std::string(g.hatch) + " non-canonical hole: no address here translates ", kDim});
    ln.right = {size, kDim};
    lines.push_back(ln);
    return lines;
  }
  lines.push_back(name_line(b, g, size));
  if (!b.shape.empty()) lines.push_back(text_line("  array: " + b.shape, kDim));
  if (b.runs())
    for (Line& l : run_lines(b, r)) lines.push_back(l);
  if (b.unknown_ranges)
    lines.push_back(text_line("  ?? " + plural(b.unknown_ranges, "unknown range", "unknown ranges") + ", " +
                                  human_size(b.unknown_bytes) + ": " + b.unknown_reason,
                              kYellow));
  if (b.fault_ranges)
    lines.push_back(text_line("  !! " + plural(b.fault_ranges, "faulting range", "faulting ranges") + ", " +
                                  human_size(b.fault_bytes) + ": a present entry sets reserved bits",
                              kRed));
  if (map.check) add_violation_lines(*map.check, b, lines);
  return lines;
}

void write_header(const AddressMap& map, Renderer& r) {
  const MappingSet& m = *map.mappings;
  r.text("ptverify map: " + m.source, kBold);
  std::string about =
      m.format_shown() + ", " + std::string(to_string(m.mode)) + ", " + plural(m.runs.size(), "run", "runs");
  if (!m.unknown.empty()) about += ", " + plural(m.unknown.size(), "unknown range", "unknown ranges");
  switch (map.labels) {
    case MapLabels::kSpec:
      about += "; regions of spec " + map.spec_name + (map.check ? " (" + map.check->spec + ")" : "");
      break;
    case MapLabels::kMarkers:
      about += "; regions from the dump's ptdump section markers";
      break;
    case MapLabels::kHalves:
      about += map.check ? "; the canonical halves" : "; the canonical halves (--spec SPEC names regions)";
      break;
  }
  r.text(about);
  if (map.check) {
    const check::Status v = map.check->verdict();
    r.text(map.check->summary_line(), v == check::Status::kHolds      ? kGreen
                                      : v == check::Status::kViolated ? kRed
                                                                      : kYellow);
    std::string line =
        map.check->parameters_admissible ? "parameters:" : "parameters (last candidate, not admissible):";
    for (const check::Parameter& p : map.check->parameters) {
      const std::string item = ' ' + p.name + '=' + hex(p.value);
      if (columns(line) + item.size() > r.inner() + 4) {
        r.text(line);
        line = "           ";
      }
      line += item;
    }
    if (!map.check->parameters.empty()) r.text(line);
  }
  for (const std::string& n : map.notes) r.text("note: " + n, kYellow);
}

}  // namespace

unsigned scale_lines(const VirtRange& r) {
  const unsigned bits = log2_size(r);
  return bits <= 12 ? 1 : 1 + (bits - 12) / 6;
}

void write_terminal_map(const AddressMap& map, const TerminalMapOptions& options, std::ostream& os) {
  Renderer r(options, os);
  const Glyphs& g = r.glyphs();
  write_header(map, r);
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    const MapBox& b = map.boxes[i];
    if (i == 0)
      r.border(g.tl, g.tr, b.range.last.value());
    else
      r.border(g.ml, g.mr, map.boxes[i - 1].range.first.value());
    std::vector<Line> lines = box_lines(map, b, r);
    const std::size_t height = std::max<std::size_t>(scale_lines(b.range), lines.size());
    const bool hatch = b.kind == BoxKind::kNonCanonical;
    // The hole's label sits in its middle line, hatching above and below.
    const std::size_t at = hatch ? (height - 1) / 2 : 0;
    for (std::size_t k = 0; k < height; ++k) {
      if (k >= at && k - at < lines.size())
        r.line(lines[k - at]);
      else
        r.line(blank_line(hatch));
    }
  }
  r.border(g.bl, g.br, 0);
  r.text("log scale: a line per 64x of size; " + std::string(g.times) + "N: N pages of that size", kDim);
  r.text("rights: u user, r read, w write, x exec, - no, ? unknown", kDim);
  r.text("??: unknown to the dump;  !!: violation or fault", kDim);
}

}  // namespace ptv
