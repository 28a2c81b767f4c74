// The overview SVG of the HTML map and the data the page's script zooms with.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "models/format.h"
#include "verifier/report/html_map.h"
#include "verifier/report/html_map_parts.h"
#include "verifier/report/text.h"

namespace ptv::html {

namespace {

constexpr double kMinBox = 16;
constexpr double kLine = 13;
constexpr unsigned kClasses = 11;  // rights classes 0..7, 8 unknown rights, 9 unknown range, 10 fault
constexpr unsigned kUnknownRange = 9, kFault = 10;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

/// Top and bottom offset, in px from the box's top, of [a, b] inside box range r of height h.
/// Higher addresses are drawn higher, as in the terminal map.
std::pair<long double, long double> span_px(const VirtRange& r, double h, std::uint64_t a, std::uint64_t b) {
  const long double size = r.size_or_zero() == 0 ? 18446744073709551616.0L : static_cast<long double>(r.size_or_zero());
  const long double top = static_cast<long double>(r.last.value() - b) / size * h;
  const long double bottom = (static_cast<long double>(r.last.value() - a) + 1.0L) / size * h;
  return {top, bottom};
}

std::string box_class(const MapBox& b) {
  switch (b.kind) {
    case BoxKind::kNonCanonical:
      return "box hole";
    case BoxKind::kNoRegion:
      return "box none";
    case BoxKind::kMarker:
    case BoxKind::kHalf:
      return "box plain";
    case BoxKind::kRegion:
      if (b.must == spec::Must::kUnmapped) return "box guard";
      if (b.must == spec::Must::kMapped) return "box required";
      return "box plain";
  }
  return "box";
}

std::string cut(const std::string& s, std::size_t chars) {
  if (s.size() <= chars) return s;
  return s.substr(0, chars > 1 ? chars - 1 : 0) + "\xe2\x80\xa6";  // U+2026
}

/// The runs strip of one box: per pixel row, the class with the most bytes there.
void write_strip(const AddressMap& map, const MapBox& b, const BoxGeometry& g, std::ostream& os) {
  const auto rows = static_cast<std::size_t>(std::ceil(g.h));
  std::vector<std::array<long double, kClasses>> weight(rows, std::array<long double, kClasses>{});
  auto add = [&](std::uint64_t a, std::uint64_t last, unsigned cls) {
    const auto [top, bottom] = span_px(b.range, g.h, a, last);
    const auto r0 = std::min(rows - 1, static_cast<std::size_t>(top));
    const auto r1 = std::max(r0, std::min(rows - 1, static_cast<std::size_t>(std::ceil(bottom)) - 1));
    const long double w = static_cast<long double>(last - a) + 1.0L;
    for (std::size_t r = r0; r <= r1; ++r) weight[r][cls] += w / static_cast<long double>(r1 - r0 + 1);
  };
  const MappingSet& m = *map.mappings;
  for (std::size_t i = b.first_run; i < b.end_run; ++i) {
    const VirtRange c = *m.runs[i].range.intersect(b.range);
    add(c.first.value(), c.last.value(), rights_class(m.runs[i]));
  }
  for (const UnknownRange& u : m.unknown)
    if (auto c = u.range.intersect(b.range)) add(c->first.value(), c->last.value(), kUnknownRange);
  for (const FaultRange& f : m.faults)
    if (auto c = f.range.intersect(b.range)) add(c->first.value(), c->last.value(), kFault);
  const double x = kBoxX + kBoxWidth - kStripWidth - 3;
  os << "<g class=\"strip\"><rect class=\"strip-bg\" x=\"" << num(x) << "\" y=\"" << num(g.y + 1) << "\" width=\""
     << num(kStripWidth) << "\" height=\"" << num(std::max(0.0, g.h - 2)) << "\"/>";
  std::size_t r = 0;
  while (r < rows) {
    const auto best = std::max_element(weight[r].begin(), weight[r].end());
    if (*best <= 0) {
      ++r;
      continue;
    }
    const auto cls = static_cast<unsigned>(best - weight[r].begin());
    std::size_t e = r + 1;
    while (e < rows) {
      const auto nb = std::max_element(weight[e].begin(), weight[e].end());
      if (*nb <= 0 || static_cast<unsigned>(nb - weight[e].begin()) != cls) break;
      ++e;
    }
    // At least 2px tall so a lone 4K page shows; kept inside the box.
    const double top = std::min(g.y + static_cast<double>(r), g.y + g.h - 2);
    os << "<rect class=\"c" << cls << "\" x=\"" << num(x) << "\" y=\"" << num(top) << "\" width=\"" << num(kStripWidth)
       << "\" height=\"" << std::max(2.0, static_cast<double>(e - r)) << "\"/>";
    r = e;
  }
  os << "</g>";
}

void write_box(const AddressMap& map, std::size_t i, const BoxGeometry& g, std::ostream& os) {
  const MapBox& b = map.boxes[i];
  const std::string size = human_size(b.range.size_or_zero());
  const bool hole = b.kind == BoxKind::kNonCanonical;
  std::string cls = box_class(b);
  if (!b.violations.empty()) cls += " violating";
  os << "<g class=\"" << cls << "\" id=\"box-" << i << "\" data-box=\"" << i << "\" data-name=\"" << html_escape(b.name)
     << "\"" << (hole ? "" : " tabindex=\"0\" role=\"button\"") << ">";
  os << "<title>" << html_escape(b.name) << " [" << hex16(b.range.first.value()) << ", " << hex_end(b.range) << ") "
     << size << (hole ? "" : " - click to zoom in") << "</title>";
  os << "<rect class=\"frame\" x=\"" << num(kBoxX) << "\" y=\"" << num(g.y) << "\" width=\"" << num(kBoxWidth)
     << "\" height=\"" << num(g.h) << "\"/>";
  const double tx = kBoxX + 8;
  const double right = kBoxX + kBoxWidth - kStripWidth - 10;
  if (hole) {
    os << "<text class=\"hole-label\" x=\"" << num(kBoxX + kBoxWidth / 2) << "\" y=\"" << num(g.y + g.h / 2 + 4)
       << "\">non-canonical hole: no address here translates (" << size << ")</text></g>";
    return;
  }
  const auto slots = static_cast<std::size_t>(std::max(1.0, std::floor((g.h - 3) / kLine)));
  std::vector<std::pair<std::string, std::string>> lines;  // class, text
  std::string vio;
  if (!b.violations.empty() && map.check) {
    std::vector<std::string> rules;
    for (std::size_t v : b.violations) {
      const std::string r(check::rule_info(map.check->violations[v].rule).name);
      if (std::find(rules.begin(), rules.end(), r) == rules.end()) rules.push_back(r);
    }
    vio = "!! " + std::to_string(b.violations.size()) + (b.violations.size() == 1 ? " violation: " : " violations: ");
    for (std::size_t k = 0; k < rules.size(); ++k) vio += (k ? ", " : "") + rules[k];
  }
  if (!vio.empty() && slots >= 2) lines.push_back({"vio", vio});
  if (b.runs() || b.unknown_ranges || b.fault_ranges) {
    std::string s;
    if (b.runs())
      s = std::to_string(b.runs()) + (b.runs() == 1 ? " run, " : " runs, ") + human_size(b.mapped) + " mapped";
    if (b.unknown_ranges)
      s += std::string(s.empty() ? "" : " \xc2\xb7 ") + "?? " + human_size(b.unknown_bytes) + " unknown";
    if (b.fault_ranges) s += std::string(s.empty() ? "" : " \xc2\xb7 ") + "!! faults";
    lines.push_back({"sum", s});
  }
  std::string info = rule_text(b);
  if (!b.parents.empty()) info = "in " + b.parents.back() + (info.empty() ? "" : " \xc2\xb7 " + info);
  if (!b.shape.empty()) info += (info.empty() ? "" : " \xc2\xb7 ") + b.shape;
  if (!info.empty()) lines.push_back({"info", info});

  const auto name_chars =
      static_cast<std::size_t>(std::max(4.0, (right - tx - 7.0 * static_cast<double>(size.size())) / 7.2));
  os << "<text class=\"name\" x=\"" << num(tx) << "\" y=\"" << num(g.y + 12.5) << "\">"
     << html_escape(cut(b.name, name_chars));
  if (!vio.empty() && slots < 2) os << "<tspan class=\"vio\"> !!</tspan>";
  os << "</text><text class=\"size\" x=\"" << num(right) << "\" y=\"" << num(g.y + 12.5) << "\">" << size << "</text>";
  const auto chars = static_cast<std::size_t>((right - tx) / 6.2);
  for (std::size_t k = 0; k < lines.size() && k + 1 < slots; ++k)
    os << "<text class=\"" << lines[k].first << "\" x=\"" << num(tx) << "\" y=\""
       << num(g.y + 12.5 + kLine * static_cast<double>(k + 1)) << "\">" << html_escape(cut(lines[k].second, chars))
       << "</text>";
  write_strip(map, b, g, os);
  os << "</g>";
}

}  // namespace

std::vector<BoxGeometry> box_geometry(const AddressMap& map) {
  double bits = 0;
  for (const MapBox& b : map.boxes) bits += std::max(0.0, static_cast<double>(log2_size(b.range)) - 12);
  const double room = kTargetHeight - kMinBox * static_cast<double>(map.boxes.size());
  const double scale = bits > 0 ? std::clamp(room / bits, 1.0, 8.0) : 1.0;
  std::vector<BoxGeometry> out;
  double y = kMargin;
  for (const MapBox& b : map.boxes) {
    const double h = std::round(kMinBox + scale * std::max(0.0, static_cast<double>(log2_size(b.range)) - 12));
    out.push_back({y, h});
    y += h;
  }
  return out;
}

double map_height(const std::vector<BoxGeometry>& g) {
  return g.empty() ? 2 * kMargin : g.back().y + g.back().h + kMargin;
}

void write_map_svg(const AddressMap& map, std::ostream& os) {
  const std::vector<BoxGeometry> geo = box_geometry(map);
  const double height = map_height(geo);
  os << "<svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(kSvgWidth) << "\" height=\""
     << num(height) << "\" viewBox=\"0 0 " << num(kSvgWidth) << ' ' << num(height) << "\" data-box-x=\"" << num(kBoxX)
     << "\" data-box-width=\"" << num(kBoxWidth) << "\" data-margin=\"" << num(kMargin)
     << "\" data-view=\"overview\" role=\"img\" aria-label=\"address space map\">\n"
     << "<defs><pattern id=\"hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\">"
        "<rect width=\"8\" height=\"8\" class=\"hatch-bg\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" "
        "class=\"hatch-line\"/></pattern>"
        "<pattern id=\"unknown-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
        "patternTransform=\"rotate(45)\">"
        "<rect width=\"6\" height=\"6\" fill=\"#f6e7a8\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c9a227\" "
        "stroke-width=\"2\"/>"
        "</pattern></defs>\n<g id=\"overview\">\n";
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    write_box(map, i, geo[i], os);
    os << '\n';
  }
  // Boundary addresses, as the terminal map prints them: the top line holds the last address
  // of the space, every other line the first address of the box above it.
  const double ax = kBoxX + kBoxWidth + 8;
  os << "<g class=\"addresses\">";
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    const std::uint64_t a = i == 0 ? map.boxes[0].range.last.value() : map.boxes[i - 1].range.first.value();
    os << "<text x=\"" << num(ax) << "\" y=\"" << num(geo[i].y + 3.5) << "\">" << hex16(a) << "</text>";
  }
  if (!geo.empty())
    os << "<text x=\"" << num(ax) << "\" y=\"" << num(height - kMargin + 3.5) << "\">" << hex16(0) << "</text>";
  os << "</g>\n";
  if (map.check) {
    for (std::size_t v = 0; v < map.check->violations.size(); ++v) {
      const check::Violation& vi = map.check->violations[v];
      const std::size_t bi = map.box_at(vi.range.first);
      const MapBox& b = map.boxes[bi];
      const VirtRange c = vi.range.intersect(b.range).value_or(b.range);
      const auto [top, bottom] = span_px(b.range, geo[bi].h, c.first.value(), c.last.value());
      const double y = geo[bi].y + static_cast<double>((top + bottom) / 2);
      os << "<g class=\"vmark\" id=\"vmark-" << v + 1 << "\" data-violation=\"" << v + 1 << "\"><title>"
         << html_escape(std::string(check::rule_info(vi.rule).name)) << " at " << hex16(vi.range.first.value())
         << "</title>"
         << "<line x1=\"" << num(kBoxX) << "\" x2=\"" << num(kBoxX + kBoxWidth) << "\" y1=\"" << num(y) << "\" y2=\""
         << num(y) << "\"/><path d=\"M0," << num(y - 6) << " L" << num(kBoxX - 1) << ',' << num(y) << " L0,"
         << num(y + 6) << "Z\"/></g>";
    }
  }
  os << "</g>\n<g id=\"zoom\" display=\"none\"></g>\n</svg>\n";
}

}  // namespace ptv::html
