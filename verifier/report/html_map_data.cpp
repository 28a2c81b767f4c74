// The HTML map's data: what the script needs to zoom into a box and to find a violation.
#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/format.h"
#include "verifier/report/html_map_parts.h"
#include "verifier/report/text.h"

namespace ptv::html {

namespace {

// ordered_json: keys in written order (and g++ 12 warns falsely on json's std::map, -Warray-bounds).
using json = nlohmann::ordered_json;

/// Hex without leading zeros or prefix: offsets inside a box, to keep the page small.
struct Entry {
  std::uint64_t first, last;  // absolute, inclusive
  unsigned cls;
  std::uint64_t page_size;  // 0: unknown, or runs of several sizes merged
  std::size_t count;        // runs merged into this entry
};

struct BoxRuns {
  std::vector<Entry> entries;
  std::uint64_t gap = 0;   ///< neighbours of one class closer than this were merged (0: none)
  std::size_t bundle = 0;  ///< then every `bundle` neighbours were drawn as one (0: none)
};

/// Entries [first, last) as one: its class the one with the most bytes there.
Entry bundle_entries(const std::vector<Entry>& e, std::size_t first, std::size_t last) {
  std::array<std::uint64_t, 16> bytes{};
  Entry out{e[first].first, e[last - 1].last, 0, e[first].page_size, 0};
  for (std::size_t i = first; i < last; ++i) {
    if (e[i].cls < bytes.size()) bytes[e[i].cls] += e[i].last - e[i].first + 1;
    if (e[i].page_size != out.page_size) out.page_size = 0;
    out.count += e[i].count;
  }
  out.cls = static_cast<unsigned>(std::max_element(bytes.begin(), bytes.end()) - bytes.begin());
  return out;
}

/// The box's runs, clipped; while more than kMaxRunsPerBox, neighbours of one rights class
/// closer than a growing gap are merged. When that is not enough (neighbours of alternating
/// classes), consecutive entries are bundled, so the page never holds more than kMaxRunsPerBox
/// per box: its size and the time to write it stay linear in the runs.
BoxRuns box_runs(const MappingSet& m, const MapBox& b) {
  BoxRuns out;
  for (std::size_t i = b.first_run; i < b.end_run; ++i) {
    const Run& r = m.runs[i];
    const VirtRange c = *r.range.intersect(b.range);
    out.entries.push_back({c.first.value(), c.last.value(), rights_class(r), r.page_size.value_or(0), 1});
  }
  while (out.entries.size() > kMaxRunsPerBox && out.gap <= (std::uint64_t{1} << 60)) {
    out.gap = out.gap == 0 ? kPageBytes : out.gap * 8;
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
  if (out.entries.size() > kMaxRunsPerBox) {
    out.bundle = (out.entries.size() + kMaxRunsPerBox - 1) / kMaxRunsPerBox;
    std::vector<Entry> bundled;
    bundled.reserve(kMaxRunsPerBox);
    for (std::size_t i = 0; i < out.entries.size(); i += out.bundle)
      bundled.push_back(bundle_entries(out.entries, i, std::min(out.entries.size(), i + out.bundle)));
    out.entries.swap(bundled);
  }
  return out;
}

std::string_view kind_name(BoxKind k) {
  switch (k) {
    case BoxKind::kRegion:
      return "region";
    case BoxKind::kNoRegion:
      return "no-region";
    case BoxKind::kMarker:
      return "marker";
    case BoxKind::kHalf:
      return "half";
    case BoxKind::kNonCanonical:
      return "non-canonical";
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

/// One box of the map: its summary, layout, and the runs, unknown ranges and faults inside it
/// (addresses as hex offsets from the box's first address).
json box_json(const AddressMap& map, std::size_t i, const BoxGeometry& geo) {
  const MappingSet& m = *map.mappings;
  const MapBox& b = map.boxes[i];
  const std::uint64_t base = b.range.first.value();
  json groups = json::array();
  for (const RightsGroup& g : b.groups)
    groups.push_back(
        tuple(g.rights, g.page_size ? format_size(*g.page_size) : "?", g.pages, human_size(g.bytes), g.runs));
  const BoxRuns br = box_runs(m, b);
  // Arrays are filled as plain vectors and wrapped once: with JSON_DIAGNOSTICS, json's own
  // push_back re-points every element's parent whenever the array grows.
  json::array_t runs;
  runs.reserve(br.entries.size());
  for (const Entry& e : br.entries)
    runs.push_back(tuple(hex_digits(e.first - base), hex_digits(e.last - base), e.cls,
                         e.page_size ? format_size(e.page_size) : "", e.count));
  json::array_t unknown, faults;
  for (const UnknownRange& u : m.unknown)
    if (auto c = u.range.intersect(b.range))
      unknown.push_back(tuple(hex_digits(c->first.value() - base), hex_digits(c->last.value() - base), u.reason));
  for (const FaultRange& f : m.faults)
    if (auto c = f.range.intersect(b.range))
      faults.push_back(tuple(hex_digits(c->first.value() - base), hex_digits(c->last.value() - base)));
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
  o["y"] = geo.y;
  o["h"] = geo.h;
  o["r"] = std::move(runs);
  o["gap"] = br.gap ? format_size(br.gap) : "";
  o["bundle"] = br.bundle;
  o["u"] = std::move(unknown);
  o["f"] = std::move(faults);
  return o;
}

/// The check's violations, numbered from 1, with the box each starts in.
json violations_json(const AddressMap& map) {
  json violations = json::array();
  if (!map.check) return violations;
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
  return violations;
}

/// Inside <script>, "</script>" or "<!--" would end or confuse the element: '<', '>' and '&'
/// only occur inside JSON strings here, where their \u escapes mean the same.
std::string script_safe(const std::string& text) {
  std::string safe;
  safe.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      safe += "\\u003c";
    else if (c == '>')
      safe += "\\u003e";
    else if (c == '&')
      safe += "\\u0026";
    else
      safe += c;
  }
  return safe;
}

}  // namespace

void write_map_data(const AddressMap& map, std::ostream& os) {
  const std::vector<BoxGeometry> geo = box_geometry(map);
  json boxes = json::array();
  for (std::size_t i = 0; i < map.boxes.size(); ++i) boxes.push_back(box_json(map, i, geo[i]));
  json data = json::object();
  data["boxes"] = std::move(boxes);
  data["violations"] = violations_json(map);
  const std::string text = data.dump(-1, ' ', true, json::error_handler_t::replace);
  os << "<script type=\"application/json\" id=\"ptv-data\">" << script_safe(text) << "</script>\n";
}

}  // namespace ptv::html
