// The HTML map's data: what the script needs to zoom into a box and to find a violation.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "verifier/report/html_map_parts.h"
#include "verifier/report/text.h"

namespace ptv::html {

namespace {

// ordered_json: keys in written order (and g++ 12 warns falsely on json's std::map, -Warray-bounds).
using json = nlohmann::ordered_json;

/// Hex without leading zeros or prefix: offsets inside a box, to keep the page small.
std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  return buf;
}

struct Entry {
  std::uint64_t first, last;  // absolute, inclusive
  unsigned cls;
  std::uint64_t page_size;    // 0: unknown, or runs of several sizes merged
  std::size_t count;          // runs merged into this entry
};

struct BoxRuns {
  std::vector<Entry> entries;
  std::uint64_t gap = 0;  ///< neighbours of one class closer than this were merged (0: none)
};

/// The box's runs, clipped; while more than kMaxRunsPerBox, neighbours of one rights class
/// closer than a growing gap are merged.
BoxRuns box_runs(const MappingSet& m, const MapBox& b) {
  BoxRuns out;
  for (std::size_t i = b.first_run; i < b.end_run; ++i) {
    const Run& r = m.runs[i];
    const VirtRange c = *r.range.intersect(b.range);
    out.entries.push_back({c.first.value(), c.last.value(), rights_class(r), r.page_size.value_or(0), 1});
  }
  while (out.entries.size() > kMaxRunsPerBox && out.gap <= (std::uint64_t{1} << 60)) {
    out.gap = out.gap == 0 ? 4096 : out.gap * 8;
    std::vector<Entry> merged;
    for (const Entry& e : out.entries) {
      if (!merged.empty() && merged.back().cls == e.cls && e.first - merged.back().last - 1 <= out.gap) {
        Entry& p = merged.back();
        p.last = e.last;
        if (p.page_size != e.page_size) p.page_size = 0;
        p.count += e.count;
      } else {
        merged.push_back(e);
      }
    }
    out.entries.swap(merged);
  }
  return out;
}

std::string_view kind_name(BoxKind k) {
  switch (k) {
    case BoxKind::kRegion: return "region";
    case BoxKind::kNoRegion: return "no-region";
    case BoxKind::kMarker: return "marker";
    case BoxKind::kHalf: return "half";
    case BoxKind::kNonCanonical: return "non-canonical";
  }
  return "";
}

/// A JSON array of the given values, in order.
template <class... T>
json tuple(const T&... values) {
  json a = json::array();
  (a.push_back(json(values)), ...);
  return a;
}

}  // namespace

void write_map_data(const AddressMap& map, std::ostream& os) {
  const std::vector<BoxGeometry> geo = box_geometry(map);
  const MappingSet& m = *map.mappings;
  json boxes = json::array();
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    const MapBox& b = map.boxes[i];
    const std::uint64_t base = b.range.first.value();
    json groups = json::array();
    for (const RightsGroup& g : b.groups)
      groups.push_back(tuple(g.rights, g.page_size ? format_size(*g.page_size) : "?", g.pages, human_size(g.bytes), g.runs));
    const BoxRuns br = box_runs(m, b);
    json runs = json::array();
    for (const Entry& e : br.entries)
      runs.push_back(tuple(hex(e.first - base), hex(e.last - base), e.cls, e.page_size ? format_size(e.page_size) : "", e.count));
    json unknown = json::array(), faults = json::array();
    for (const UnknownRange& u : m.unknown)
      if (auto c = u.range.intersect(b.range)) unknown.push_back(tuple(hex(c->first.value() - base), hex(c->last.value() - base), u.reason));
    for (const FaultRange& f : m.faults)
      if (auto c = f.range.intersect(b.range)) faults.push_back(tuple(hex(c->first.value() - base), hex(c->last.value() - base)));
    json violations = json::array();
    for (std::size_t v : b.violations) violations.push_back(v + 1);
    json o = json::object();
    o["first"] = hex16(base);
    o["last"] = hex16(b.range.last.value());
    o["end"] = hex_end(b.range);
    o["name"] = b.name;
    o["kind"] = kind_name(b.kind);
    o["parents"] = b.parents;
    o["rule"] = rule_text(b);
    o["shape"] = b.shape;
    o["size"] = human_size(b.range.size_or_zero());
    o["runs"] = b.runs();
    o["mapped"] = human_size(b.mapped);
    o["groups"] = std::move(groups);
    o["unknown"] = tuple(b.unknown_ranges, human_size(b.unknown_bytes), b.unknown_reason);
    o["faults"] = b.fault_ranges;
    o["violations"] = std::move(violations);
    o["y"] = geo[i].y;
    o["h"] = geo[i].h;
    o["r"] = std::move(runs);
    o["gap"] = br.gap ? format_size(br.gap) : "";
    o["u"] = std::move(unknown);
    o["f"] = std::move(faults);
    boxes.push_back(std::move(o));
  }
  json violations = json::array();
  if (map.check) {
    for (std::size_t v = 0; v < map.check->violations.size(); ++v) {
      const check::Violation& vi = map.check->violations[v];
      json o = json::object();
      o["n"] = v + 1;
      o["rule"] = check::rule_info(vi.rule).name;
      o["first"] = hex16(vi.range.first.value());
      o["last"] = hex16(vi.range.last.value());
      o["address"] = hex16(vi.address.value());
      o["box"] = map.box_at(vi.range.first);
      violations.push_back(std::move(o));
    }
  }
  json data = json::object();
  data["boxes"] = std::move(boxes);
  data["violations"] = std::move(violations);
  std::string text = data.dump(-1, ' ', true, json::error_handler_t::replace);
  // Inside <script>, "</script>" or "<!--" would end or confuse the element: '<', '>' and '&'
  // only occur inside JSON strings here, where their \u escapes mean the same.
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    if (c == '<') safe += "\\u003c";
    else if (c == '>') safe += "\\u003e";
    else if (c == '&') safe += "\\u0026";
    else safe += c;
  }
  os << "<script type=\"application/json\" id=\"ptv-data\">" << safe << "</script>\n";
}

}  // namespace ptv::html
