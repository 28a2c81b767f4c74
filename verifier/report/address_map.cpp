#include "verifier/report/address_map.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <tuple>

#include "models/format.h"
#include "verifier/report/text.h"

namespace ptv {

namespace {

constexpr std::uint64_t kTop = ~std::uint64_t{0};

/// What names an elementary interval; equal labels on neighbouring intervals merge into a box.
struct Label {
  BoxKind kind = BoxKind::kNoRegion;
  std::size_t index = 0;  ///< region (kRegion), marker (kMarker) or half (kHalf: 0 lower, 1 upper)
  bool operator==(const Label&) const = default;
};

std::string allowed_text(spec::Rights r) {
  std::string s;
  s += r.has(spec::Rights::kUser) ? 'u' : '-';
  s += 'r';
  s += r.has(spec::Rights::kWritable) ? 'w' : '-';
  s += r.has(spec::Rights::kExecutable) ? 'x' : '-';
  return s;
}

std::string shape_text(const spec::PlacedRegion& p) {
  std::string s = decimal(p.count) + " x " + format_size(p.size);
  if (p.guard) s += " + " + format_size(p.guard) + " guard";
  if (p.stride != p.size + p.guard) s += ", stride " + format_size(p.stride);
  return s;
}

/// The start of every elementary interval: 0, the hole's bounds, and `cuts`; sorted, unique.
std::vector<std::uint64_t> interval_starts(PagingMode mode, std::vector<std::uint64_t> cuts) {
  cuts.push_back(0);
  cuts.push_back(lower_half_last(mode).value() + 1);
  cuts.push_back(upper_half_first(mode).value());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

/// Merges neighbouring intervals with equal labels into boxes (ascending).
std::vector<std::pair<VirtRange, Label>> merge(const std::vector<std::uint64_t>& starts,
                                               const std::vector<Label>& labels) {
  std::vector<std::pair<VirtRange, Label>> out;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::uint64_t last = i + 1 < starts.size() ? starts[i + 1] - 1 : kTop;
    if (!out.empty() && out.back().second == labels[i])
      out.back().first.last = VirtAddr(last);
    else
      out.push_back({VirtRange{VirtAddr(starts[i]), VirtAddr(last)}, labels[i]});
  }
  return out;
}

bool in_hole(std::uint64_t a, PagingMode mode) { return !is_canonical(VirtAddr(a), mode); }

std::vector<std::pair<VirtRange, Label>> spec_boxes(const MappingSet& m, const spec::Layout& layout) {
  std::vector<std::uint64_t> cuts;
  for (const spec::PlacedRegion& p : layout.regions) {
    cuts.push_back(p.range.first.value());
    if (p.range.last.value() != kTop) cuts.push_back(p.range.last.value() + 1);
  }
  const std::vector<std::uint64_t> starts = interval_starts(m.mode, cuts);
  std::vector<Label> labels;
  for (std::uint64_t s : starts) {
    if (in_hole(s, m.mode))
      labels.push_back({BoxKind::kNonCanonical, 0});
    else if (auto r = layout.innermost(VirtAddr(s)))
      labels.push_back({BoxKind::kRegion, *r});
    else
      labels.push_back({BoxKind::kNoRegion, s > lower_half_last(m.mode).value() ? 1u : 0u});
  }
  return merge(starts, labels);
}

std::vector<std::pair<VirtRange, Label>> marker_boxes(const MappingSet& m, const std::vector<std::size_t>& order) {
  std::vector<std::uint64_t> cuts;
  for (std::size_t i : order) cuts.push_back(m.markers[i].address.value());
  const std::vector<std::uint64_t> starts = interval_starts(m.mode, cuts);
  std::vector<Label> labels;
  for (std::uint64_t s : starts) {
    const std::size_t half = s > lower_half_last(m.mode).value() ? 1 : 0;
    if (in_hole(s, m.mode)) {
      labels.push_back({BoxKind::kNonCanonical, 0});
      continue;
    }
    // The last marker at or below s, if it lies in the same half.
    auto it = std::upper_bound(order.begin(), order.end(), s,
                               [&](std::uint64_t a, std::size_t i) { return a < m.markers[i].address.value(); });
    if (it != order.begin()) {
      const std::size_t mk = *std::prev(it);
      const std::uint64_t at = m.markers[mk].address.value();
      const std::size_t mk_half = at > lower_half_last(m.mode).value() ? 1 : 0;
      if (mk_half == half && !in_hole(at, m.mode)) {
        labels.push_back({BoxKind::kMarker, mk});
        continue;
      }
    }
    labels.push_back({BoxKind::kHalf, half});
  }
  return merge(starts, labels);
}

void summarise(const MappingSet& m, const check::CheckResult* check, MapBox& b) {
  const auto& runs = m.runs;
  const auto first =
      std::partition_point(runs.begin(), runs.end(), [&](const Run& r) { return r.range.last < b.range.first; });
  const auto end = std::partition_point(first, runs.end(), [&](const Run& r) { return r.range.first <= b.range.last; });
  b.first_run = static_cast<std::size_t>(first - runs.begin());
  b.end_run = static_cast<std::size_t>(end - runs.begin());
  std::map<std::tuple<std::string, std::uint64_t>, RightsGroup> groups;
  for (auto it = first; it != end; ++it) {
    const VirtRange clipped = *it->range.intersect(b.range);
    const std::uint64_t bytes = clipped.size_or_zero();
    b.mapped += bytes;
    RightsGroup& g = groups[{rights_text(*it), it->page_size.value_or(0)}];
    g.rights = rights_text(*it);
    g.page_size = it->page_size;
    g.bytes += bytes;
    ++g.runs;
  }
  for (auto& [key, g] : groups) {
    if (g.page_size && *g.page_size) g.pages = g.bytes / *g.page_size + (g.bytes % *g.page_size != 0);
    b.groups.push_back(g);
  }
  std::stable_sort(b.groups.begin(), b.groups.end(),
                   [](const RightsGroup& x, const RightsGroup& y) { return x.bytes > y.bytes; });
  for (const UnknownRange& u : m.unknown) {
    if (auto c = u.range.intersect(b.range)) {
      if (b.unknown_ranges++ == 0) b.unknown_reason = u.reason;
      b.unknown_bytes += c->size_or_zero();
    }
  }
  for (const FaultRange& f : m.faults) {
    if (auto c = f.range.intersect(b.range)) {
      ++b.fault_ranges;
      b.fault_bytes += c->size_or_zero();
    }
  }
  if (check)
    for (std::size_t i = 0; i < check->violations.size(); ++i)
      if (check->violations[i].range.overlaps(b.range)) b.violations.push_back(i);
}

}  // namespace

unsigned rights_class(const Run& r) {
  if (r.user == Tri::kUnknown || r.writable == Tri::kUnknown || r.executable == Tri::kUnknown) return kUnknownRights;
  return (r.user == Tri::kYes ? 1u : 0u) | (r.writable == Tri::kYes ? 2u : 0u) | (r.executable == Tri::kYes ? 4u : 0u);
}

std::size_t AddressMap::box_at(VirtAddr va) const {
  const auto it = std::partition_point(boxes.begin(), boxes.end(), [&](const MapBox& b) { return b.range.first > va; });
  return it == boxes.end() ? boxes.size() - 1 : static_cast<std::size_t>(it - boxes.begin());
}

AddressMap build_address_map(const MappingSet& mappings, const spec::Layout* layout, const check::CheckResult* check) {
  AddressMap map;
  map.mappings = &mappings;
  map.check = check;
  std::vector<std::pair<VirtRange, Label>> boxes;
  std::vector<std::size_t> marker_order(mappings.markers.size());
  for (std::size_t i = 0; i < marker_order.size(); ++i) marker_order[i] = i;
  std::stable_sort(marker_order.begin(), marker_order.end(), [&](std::size_t a, std::size_t b) {
    return mappings.markers[a].address < mappings.markers[b].address;
  });
  if (layout && layout->spec) {
    map.labels = MapLabels::kSpec;
    map.spec_name = layout->spec->name;
    boxes = spec_boxes(mappings, *layout);
  } else if (!mappings.markers.empty()) {
    map.labels = MapLabels::kMarkers;
    boxes = marker_boxes(mappings, marker_order);
  } else {
    boxes = marker_boxes(mappings, {});
  }
  for (auto it = boxes.rbegin(); it != boxes.rend(); ++it) {
    const auto& [range, label] = *it;
    MapBox b;
    b.range = range;
    b.kind = label.kind;
    switch (label.kind) {
      case BoxKind::kNonCanonical:
        b.name = "non-canonical hole";
        break;
      case BoxKind::kNoRegion:
        b.name = "(no region)";
        break;
      case BoxKind::kHalf:
        b.name = label.index ? "upper half (kernel)" : "lower half (user)";
        break;
      case BoxKind::kMarker:
        b.name = mappings.markers[label.index].name;
        break;
      case BoxKind::kRegion: {
        const spec::Spec& s = *layout->spec;
        const spec::Region& r = s.regions[label.index];
        b.name = r.name;
        b.region = label.index;
        b.must = r.must;
        b.allowed = allowed_text(r.allowed);
        for (auto p = r.parent; p; p = s.regions[*p].parent) b.parents.insert(b.parents.begin(), s.regions[*p].name);
        if (r.is_array()) b.shape = shape_text(layout->regions[label.index]);
        break;
      }
    }
    summarise(mappings, check, b);
    map.boxes.push_back(std::move(b));
  }
  return map;
}

std::string rule_text(const MapBox& b) {
  if (!b.must) return "";
  switch (*b.must) {
    case spec::Must::kUnmapped:
      return "must be unmapped";
    case spec::Must::kMapped:
      return "must be mapped, allows " + b.allowed;
    case spec::Must::kMayBeMapped:
      return "allows " + b.allowed;
  }
  return "";
}

std::string human_size(std::uint64_t bytes) {
  if (bytes == 0) return "0";
  std::string exact = format_size(bytes);
  if (exact.size() <= 5) return exact;
  static const char kUnits[] = "BKMGTPE";
  double v = static_cast<double>(bytes);
  unsigned u = 0;
  while (v >= 1024 && u + 1 < sizeof kUnits - 1) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "~%.1f%c", v, kUnits[u]);
  return buf;
}

unsigned log2_size(const VirtRange& r) {
  const std::uint64_t s = r.size_or_zero();
  return s == 0 ? 64u : static_cast<unsigned>(63 - std::countl_zero(s));
}

}  // namespace ptv
