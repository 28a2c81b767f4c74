#include "verifier/checks/places.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "verifier/ingest/vmcoreinfo.h"

namespace ptv::check {

namespace {

/// ptdump's marker name for the start of a region of this kind ("" for kinds it does not mark).
std::string_view marker_name(spec::RegionKind k) {
  using spec::RegionKind;
  switch (k) {
    case RegionKind::kDirectMap:
      return "Low Kernel Mapping";
    case RegionKind::kVmalloc:
      return "vmalloc() Area";
    case RegionKind::kVmemmap:
      return "Vmemmap";
    case RegionKind::kCpuEntry:
      return "CPU entry Area";
    case RegionKind::kEspfix:
      return "ESPfix Area";
    case RegionKind::kEfi:
      return "EFI Runtime Services";
    case RegionKind::kModules:
      return "Modules";
    case RegionKind::kFixmap:
      return "Fixmap Area";
    case RegionKind::kLdt:
      return "LDT remap";
    case RegionKind::kKasan:
      return "KASAN shadow";
    default:
      return "";
  }
}

}  // namespace

void set_spec_locations(CheckResult& r, const spec::Spec& spec) {
  for (const spec::Region& region : spec.regions) {
    if (region.line == 0) continue;
    r.spec_lines.emplace(region.name, region.line);
    if (!region.file.empty()) r.spec_files.emplace(region.name, region.file);
  }
}

Expected<spec::Layout> result_layout(const CheckResult& r, const spec::Spec& spec) {
  std::map<std::string, std::uint64_t> by_name;
  for (const Parameter& p : r.parameters) by_name[p.name] = p.value;
  auto values = spec::parameter_values(spec, by_name);
  if (!values) return values.error();
  return spec::evaluate_layout(spec, std::move(*values));
}

void name_regions(CheckResult& r, const spec::Spec& spec) {
  if (std::all_of(r.violations.begin(), r.violations.end(), [](const Violation& v) { return !v.region.empty(); }))
    return;
  const auto layout = result_layout(r, spec);
  if (!layout) return;
  for (Violation& v : r.violations)
    if (v.region.empty())
      if (auto i = layout->innermost(v.address)) v.region = spec.regions[*i].name;
}

std::string linux_area(const spec::Layout& layout, VirtAddr va) {
  std::vector<std::pair<std::uint64_t, std::string_view>> markers{
      {0, "User Space"},
      {upper_half_first(layout.spec->rules.paging_mode).value(), "Kernel Space"},
      {kStartKernelMap, "High Kernel Mapping"}};
  for (const spec::PlacedRegion& p : layout.regions) {
    const spec::Region& reg = layout.spec->regions[p.index];
    if (reg.is_array()) continue;
    const std::string_view name = marker_name(reg.kind);
    if (name.empty()) continue;
    markers.emplace_back(p.range.first.value(), name);
    if (reg.kind == spec::RegionKind::kModules && p.range.last.value() != ~std::uint64_t{0})
      markers.emplace_back(p.range.last.value() + 1, "End Modules");
  }
  // The last marker at or below va; of markers at one address, the one added last (a region's
  // own marker over a fixed one).
  std::stable_sort(markers.begin(), markers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string_view area;
  for (const auto& [at, name] : markers)
    if (at <= va.value()) area = name;
  return std::string(area);
}

Place place_of(VirtAddr va, const spec::Layout* layout, const PlaceOptions& o) {
  Place p;
  if (o.symbols) {
    SymbolHit hit = o.symbols->lookup(va.value());
    p.symbol = std::move(hit.symbol);
    p.section = std::move(hit.section);
  }
  if (o.linux_areas && layout) p.area = linux_area(*layout, va);
  return p;
}

void locate_violations(CheckResult& r, const spec::Spec& spec, const PlaceOptions& o) {
  if (!o.symbols && !o.linux_areas) return;
  const auto layout = result_layout(r, spec);
  const spec::Layout* l = layout ? &*layout : nullptr;
  for (Violation& v : r.violations) {
    v.first_place = place_of(v.range.first, l, o);
    v.last_place = place_of(v.range.last, l, o);
  }
}

}  // namespace ptv::check
