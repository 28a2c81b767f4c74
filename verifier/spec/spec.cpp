// Names and small queries over the spec AST.
#include "verifier/spec/spec.h"

#include <algorithm>
#include <array>
#include <utility>

namespace ptv::spec {

namespace {

constexpr std::array<std::pair<RegionKind, std::string_view>, 21> kKinds = {{
    {RegionKind::kCode, "code"},
    {RegionKind::kRodata, "rodata"},
    {RegionKind::kData, "data"},
    {RegionKind::kBss, "bss"},
    {RegionKind::kHeap, "heap"},
    {RegionKind::kStack, "stack"},
    {RegionKind::kGuard, "guard"},
    {RegionKind::kMmap, "mmap"},
    {RegionKind::kDirectMap, "direct-map"},
    {RegionKind::kRecursive, "recursive"},
    {RegionKind::kVsyscall, "vsyscall"},
    {RegionKind::kModules, "modules"},
    {RegionKind::kFixmap, "fixmap"},
    {RegionKind::kCpuEntry, "cpu-entry"},
    {RegionKind::kEspfix, "espfix"},
    {RegionKind::kLdt, "ldt"},
    {RegionKind::kVmalloc, "vmalloc"},
    {RegionKind::kVmemmap, "vmemmap"},
    {RegionKind::kEfi, "efi"},
    {RegionKind::kKasan, "kasan"},
    {RegionKind::kOther, "other"},
}};

}  // namespace

std::uint64_t PageSizes::smallest() const {
  if (has(k4K)) return page_size(Level::kPt);
  if (has(k2M)) return page_size(Level::kPd);
  return page_size(Level::kPdpt);
}

std::optional<std::uint64_t> Parameter::least() const {
  if (!values.empty()) {
    std::optional<std::uint64_t> best;
    for (std::uint64_t v : values)
      if (admits(v) && (!best || v < *best)) best = v;
    return best;
  }
  const std::uint64_t mask = align - 1;
  if (min > ~mask) return std::nullopt;  // rounding up would pass 2^64 - 1
  const std::uint64_t v = (min + mask) & ~mask;
  if (v > max) return std::nullopt;
  return v;
}

std::vector<const RuleException*> Spec::exceptions_to(std::size_t rule) const {
  std::vector<const RuleException*> out;
  for (const RuleException& e : exceptions)
    if (e.rule == rule) out.push_back(&e);
  return out;
}

bool Parameter::admits(std::uint64_t v) const {
  if (v < min || v > max || (v & (align - 1)) != 0) return false;
  return values.empty() || std::find(values.begin(), values.end(), v) != values.end();
}

std::uint64_t Region::required_alignment() const {
  std::uint64_t a = std::max<std::uint64_t>(align, kPageBytes);
  if (must == Must::kMapped) a = std::max(a, page_sizes.smallest());
  return a;
}

std::optional<std::size_t> Spec::find_region(std::string_view n) const {
  for (std::size_t i = 0; i < regions.size(); ++i)
    if (regions[i].name == n) return i;
  return std::nullopt;
}

std::optional<std::size_t> Spec::find_parameter(std::string_view n) const {
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].name == n) return i;
  return std::nullopt;
}

bool Spec::is_ancestor_or_self(std::size_t ancestor, std::size_t r) const {
  std::optional<std::size_t> cur = r;
  for (std::size_t steps = 0; cur && steps <= regions.size(); ++steps) {
    if (*cur == ancestor) return true;
    cur = regions[*cur].parent;
  }
  return false;
}

std::string_view to_string(Half h) { return h == Half::kUser ? "user" : "kernel"; }

std::string_view to_string(Must m) {
  switch (m) {
    case Must::kMapped:
      return "mapped";
    case Must::kUnmapped:
      return "unmapped";
    case Must::kMayBeMapped:
      return "may-be-mapped";
  }
  return "?";
}

std::string_view to_string(RegionKind k) {
  for (const auto& [kind, name] : kKinds)
    if (kind == k) return name;
  return "other";
}

std::string_view to_string(EndKind k) {
  switch (k) {
    case EndKind::kEnd:
      return "end";
    case EndKind::kLast:
      return "last";
    case EndKind::kSize:
      return "size";
  }
  return "?";
}

std::string to_string(Rights r) {
  static constexpr std::pair<std::uint8_t, std::string_view> kNames[] = {{Rights::kUser, "user"},
                                                                         {Rights::kWritable, "writable"},
                                                                         {Rights::kExecutable, "executable"},
                                                                         {Rights::kGlobal, "global"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!r.has(bit)) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

std::optional<RegionKind> region_kind_from(std::string_view s) {
  for (const auto& [kind, name] : kKinds)
    if (name == s) return kind;
  return std::nullopt;
}

std::string_view all_region_kinds() {
  return "code, rodata, data, bss, heap, stack, guard, mmap, direct-map, recursive, vsyscall, modules, fixmap, "
         "cpu-entry, espfix, ldt, vmalloc, vmemmap, efi, kasan, other";
}

}  // namespace ptv::spec
