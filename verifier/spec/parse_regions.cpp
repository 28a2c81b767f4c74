// The spec parser, part two: regions and arrays of regions, then the nesting tree.
#include <set>

#include "verifier/spec/parse_reader.h"

namespace ptv::spec::detail {

namespace {

bool is_region_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.'))
      return false;
  return true;
}

Rights read_rights_list(const Reader& r, const Json& j, const std::string& path) {
  r.expect_array(j, path);
  Rights out;
  for (std::size_t i = 0; i < j.size(); ++i)
    out.bits |= r.choice_at(j[i], element(path, i),
                            {std::pair<std::string_view, std::uint8_t>{"user", Rights::kUser},
                             {"writable", Rights::kWritable},
                             {"executable", Rights::kExecutable},
                             {"global", Rights::kGlobal}});
  return out;
}

PageSizes read_page_sizes(const Reader& r, const Json& j, const std::string& path) {
  r.expect_array(j, path);
  if (j.empty()) r.fail(path, "the list of page sizes is empty");
  PageSizes out{0};
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string p = element(path, i);
    if (j[i].is_number_unsigned()) {
      const std::uint64_t v = j[i].get<std::uint64_t>();
      if (v == page_size(Level::kPt))
        out.bits |= PageSizes::k4K;
      else if (v == page_size(Level::kPd))
        out.bits |= PageSizes::k2M;
      else if (v == page_size(Level::kPdpt))
        out.bits |= PageSizes::k1G;
      else
        r.fail(p, std::to_string(v) + " is not an x86_64 page size (4096, 2097152 or 1073741824)");
      continue;
    }
    out.bits |= r.choice_at(j[i], p,
                            {std::pair<std::string_view, std::uint8_t>{"4K", PageSizes::k4K},
                             {"4KiB", PageSizes::k4K},
                             {"2M", PageSizes::k2M},
                             {"2MiB", PageSizes::k2M},
                             {"1G", PageSizes::k1G},
                             {"1GiB", PageSizes::k1G}});
  }
  return out;
}

// "physical": "identity" or {"linear": "EXPR"} (PA = VA - EXPR).
void read_physical(const Reader& r, const Json& j, const std::string& p, Region& reg) {
  if (reg.must == Must::kUnmapped) r.fail(p, "an unmapped region maps no frame; remove \"physical\"");
  if (j.is_string()) {
    if (j.get<std::string>() != "identity")
      r.fail(p, "\"" + j.get<std::string>() + "\" is not a physical layout (\"identity\" or {\"linear\": \"EXPR\"})");
    reg.physical = PhysicalKind::kIdentity;
    return;
  }
  if (!j.is_object())
    r.fail(p, "expected \"identity\" or {\"linear\": \"EXPR\"} (PA = VA - EXPR for every mapped address)");
  r.expect_object(j, p, {"linear"});
  if (!j.contains("linear")) r.fail(p, "missing key \"linear\": the offset EXPR such that PA = VA - EXPR");
  reg.physical = PhysicalKind::kLinear;
  reg.physical_offset = r.expression_at(j["linear"], child(p, "linear"), Type::kInteger);
}

// The keys regions and arrays share.
void read_common(const Reader& r, const Json& j, const std::string& p, Region& reg) {
  auto need = [&](std::string_view key) -> const Json& {
    if (!j.contains(key)) r.fail(p, "missing key \"" + std::string(key) + "\"");
    return j[std::string(key)];
  };
  reg.name = r.string_at(need("name"), child(p, "name"));
  if (!is_region_name(reg.name)) r.fail(child(p, "name"), "a region name uses letters, digits, '-', '_' and '.' only");
  const std::string kind = r.string_at(need("kind"), child(p, "kind"));
  const auto k = region_kind_from(kind);
  if (!k) r.fail(child(p, "kind"), "\"" + kind + "\" is not a region kind (" + std::string(all_region_kinds()) + ")");
  reg.kind = *k;
  reg.half = r.choice_at(need("half"), child(p, "half"),
                         {std::pair<std::string_view, Half>{"user", Half::kUser}, {"kernel", Half::kKernel}});
  reg.must = r.choice_at(need("must"), child(p, "must"),
                         {std::pair<std::string_view, Must>{"mapped", Must::kMapped},
                          {"unmapped", Must::kUnmapped},
                          {"may-be-mapped", Must::kMayBeMapped}});
  if (reg.kind == RegionKind::kGuard && reg.must != Must::kUnmapped && !reg.array)
    r.fail(child(p, "must"), "a region of kind \"guard\" must be \"unmapped\"");
  reg.start = r.expression_at(need("start"), child(p, "start"), Type::kInteger);

  const std::string rp = child(p, "rights");
  if (j.contains("rights")) {
    r.expect_object(j["rights"], rp, {"allowed", "required"});
    if (j["rights"].contains("allowed"))
      reg.allowed = read_rights_list(r, j["rights"]["allowed"], child(rp, "allowed"));
    if (j["rights"].contains("required"))
      reg.required = read_rights_list(r, j["rights"]["required"], child(rp, "required"));
    if (reg.must == Must::kUnmapped && (reg.allowed.bits != 0 || reg.required.bits != 0))
      r.fail(rp, "an unmapped region (a guard) grants no rights; remove them");
    if (!reg.allowed.contains(reg.required))
      r.fail(child(rp, "required"),
             "\"" + to_string(Rights{static_cast<std::uint8_t>(reg.required.bits & ~reg.allowed.bits)}) +
                 "\" is required but not allowed");
  } else if (reg.must != Must::kUnmapped) {
    r.fail(p, "missing key \"rights\": say which rights translations here may have ({\"allowed\": [...]})");
  }
  if (j.contains("page_sizes")) reg.page_sizes = read_page_sizes(r, j["page_sizes"], child(p, "page_sizes"));
  if (j.contains("align")) {
    reg.align = r.constant_at(j["align"], child(p, "align"));
    if (reg.align == 0 || (reg.align & (reg.align - 1)) != 0)
      r.fail(child(p, "align"), std::to_string(reg.align) + " is not a power of two");
  }
  if (j.contains("description")) reg.description = r.string_at(j["description"], child(p, "description"));
  reg.maps_page_tables = reg.kind == RegionKind::kDirectMap || reg.kind == RegionKind::kRecursive;
  if (j.contains("maps_page_tables")) {
    if (!j["maps_page_tables"].is_boolean()) r.fail(child(p, "maps_page_tables"), "expected true or false");
    reg.maps_page_tables = j["maps_page_tables"].get<bool>();
    if (reg.maps_page_tables && reg.must == Must::kUnmapped)
      r.fail(child(p, "maps_page_tables"), "an unmapped region maps no page-table frame");
  }
  if (j.contains("physical")) read_physical(r, j["physical"], child(p, "physical"), reg);
}

Region read_region(const Reader& r, const Json& j, const std::string& p) {
  r.expect_object(j, p,
                  {"name", "kind", "half", "start", "end", "last", "size", "must", "rights", "page_sizes", "align",
                   "nested_in", "maps_page_tables", "physical", "description"});
  Region reg;
  reg.path = p;
  read_common(r, j, p, reg);
  int ends = 0;
  for (const auto& [key, kind] :
       {std::pair<const char*, EndKind>{"end", EndKind::kEnd}, {"last", EndKind::kLast}, {"size", EndKind::kSize}}) {
    if (!j.contains(key)) continue;
    ++ends;
    reg.end_kind = kind;
    reg.end = r.expression_at(j[key], child(p, key), Type::kInteger);
  }
  if (ends != 1)
    r.fail(p, ends == 0 ? "needs one of \"end\" (exclusive), \"last\" (inclusive) or \"size\""
                        : "give only one of \"end\", \"last\" and \"size\"");
  return reg;
}

Region read_array(const Reader& r, const Json& j, const std::string& p) {
  r.expect_object(j, p,
                  {"name", "kind", "half", "start", "count", "size", "guard", "stride", "must", "rights", "page_sizes",
                   "align", "nested_in", "maps_page_tables", "physical", "description"});
  Region reg;
  reg.path = p;
  reg.array.emplace();
  read_common(r, j, p, reg);
  for (const char* key : {"count", "size", "guard"})
    if (!j.contains(key)) r.fail(p, std::string("missing key \"") + key + "\"");
  reg.array->count = r.expression_at(j["count"], child(p, "count"), Type::kInteger);
  reg.array->size = r.expression_at(j["size"], child(p, "size"), Type::kInteger);
  reg.array->guard = r.expression_at(j["guard"], child(p, "guard"), Type::kInteger);
  if (j.contains("stride")) reg.array->stride = r.expression_at(j["stride"], child(p, "stride"), Type::kInteger);
  reg.end = reg.start;  // unused for arrays; keeps the AST total
  return reg;
}

}  // namespace

void read_regions(Reader& r, const Json& regions, const Json& arrays, Spec& spec) {
  r.expect_array(regions, "regions");
  r.expect_array(arrays, "arrays");
  std::vector<std::pair<const Json*, std::string>> sources;  // the JSON of each region, for nested_in
  for (std::size_t i = 0; i < regions.size(); ++i) {
    spec.regions.push_back(read_region(r, regions[i], element("regions", i)));
    sources.emplace_back(&regions[i], element("regions", i));
  }
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    spec.regions.push_back(read_array(r, arrays[i], element("arrays", i)));
    sources.emplace_back(&arrays[i], element("arrays", i));
  }
  std::vector<std::string> names;
  for (std::size_t i = 0; i < spec.regions.size(); ++i) {
    const std::string& n = spec.regions[i].name;
    if (auto first = spec.find_region(n); first && *first != i)
      r.fail(child(sources[i].second, "name"), "\"" + n + "\" is already the name of " + spec.regions[*first].path);
    names.push_back(n);
  }
  for (std::size_t i = 0; i < spec.regions.size(); ++i) {
    const Json& j = *sources[i].first;
    if (!j.contains("nested_in")) continue;
    const std::string p = child(sources[i].second, "nested_in");
    const std::string parent = r.string_at(j["nested_in"], p);
    const auto idx = spec.find_region(parent);
    if (!idx) {
      std::string msg = "no region is named \"" + parent + "\"";
      if (auto s = closest(parent, names)) msg += " (did you mean \"" + *s + "\"?)";
      r.fail(p, msg);
    }
    if (*idx == i) r.fail(p, "a region cannot be nested in itself");
    if (spec.regions[*idx].is_array()) r.fail(p, "\"" + parent + "\" is an array; regions nest in plain regions only");
    if (spec.regions[*idx].half != spec.regions[i].half)
      r.fail(p, "\"" + parent + "\" is in the " + std::string(to_string(spec.regions[*idx].half)) +
                    " half, this region in the " + std::string(to_string(spec.regions[i].half)) + " half");
    spec.regions[i].parent = *idx;
  }
  for (std::size_t i = 0; i < spec.regions.size(); ++i) {
    std::set<std::size_t> seen{i};
    for (auto cur = spec.regions[i].parent; cur; cur = spec.regions[*cur].parent)
      if (!seen.insert(*cur).second)
        r.fail(child(sources[i].second, "nested_in"), "the nesting of \"" + spec.regions[i].name + "\" forms a cycle");
  }
}

}  // namespace ptv::spec::detail
