#include "verifier/report/diff_report.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "models/format.h"
#include "verifier/base/printable.h"
#include "verifier/report/address_map.h"
#include "verifier/report/text.h"
#include "verifier/spec/expression.h"

namespace ptv {

namespace {

using Json = nlohmann::ordered_json;

/// "-rw- 4K G": the rights as `ptverify mappings` prints them ('?' for unknown), then the page
/// size and attributes.
std::string rights(const Run& r) {
  std::string s = rights_text(r);
  s += ' ' + (r.page_size ? format_size(*r.page_size) : std::string("?"));
  if (r.global == Tri::kYes) s += " G";
  if (r.global == Tri::kUnknown) s += " G?";
  if (r.pwt.value_or(false)) s += " PWT";
  if (r.pcd.value_or(false)) s += " PCD";
  if (r.pat.value_or(false)) s += " PAT";
  if (r.pkey.value_or(0)) s += " pk=" + std::to_string(*r.pkey);
  return s;
}

std::string side_text(const DiffSide& s) {
  switch (s.state) {
    case DiffSide::State::kMapped:
      return rights(*s.run);
    case DiffSide::State::kUnmapped:
      return "not mapped";
    case DiffSide::State::kUnknown:
      return "unknown (" + s.unknown->reason + ")";
    case DiffSide::State::kFault:
      return "faults on a reserved bit";
  }
  return "?";
}

std::string changes_text(const Difference& d) {
  std::string s;
  for (const AttributeChange& c : d.changes) {
    if (!s.empty()) s += "; ";
    s += c.attribute + ": " + c.a + " -> " + c.b;
  }
  return s;
}

std::string what_changed(const Difference& d) {
  switch (d.kind) {
    case DiffKind::kAdded:
      return side_text(d.b) + (d.a.state == DiffSide::State::kFault ? "  (a: " + side_text(d.a) + ")" : "");
    case DiffKind::kRemoved:
      return side_text(d.a) + (d.b.state == DiffSide::State::kFault ? "  (b: " + side_text(d.b) + ")" : "");
    case DiffKind::kChanged:
      if (d.a.state == DiffSide::State::kMapped)
        return changes_text(d) + "  (" + rights(*d.a.run) + " -> " + rights(*d.b.run) + ")";
      return changes_text(d);
    case DiffKind::kCannotCompare:
      return "a: " + side_text(d.a) + "; b: " + side_text(d.b);
  }
  return "";
}

Json optional_json(std::optional<bool> b) { return b ? Json(*b) : Json(nullptr); }

Json side_json(const DiffSide& s) {
  Json j;
  j["state"] = to_string(s.state);
  switch (s.state) {
    case DiffSide::State::kMapped: {
      const Run& r = *s.run;
      j["writable"] = to_string(r.writable);
      j["user"] = to_string(r.user);
      j["executable"] = to_string(r.executable);
      j["global"] = to_string(r.global);
      j["page_size"] = r.page_size ? Json(format_size(*r.page_size)) : Json(nullptr);
      j["pkey"] = r.pkey ? Json(*r.pkey) : Json(nullptr);
      j["pwt"] = optional_json(r.pwt);
      j["pcd"] = optional_json(r.pcd);
      j["pat"] = optional_json(r.pat);
      break;
    }
    case DiffSide::State::kUnknown:
      j["reason"] = s.unknown->reason;
      break;
    case DiffSide::State::kFault:
      j["level"] = level_name(s.fault->level);
      j["entry"] = hex16(s.fault->entry.value());
      j["raw"] = hex16(s.fault->raw);
      j["reserved"] = hex16(s.fault->reserved);
      break;
    case DiffSide::State::kUnmapped:
      break;
  }
  return j;
}

/// One difference; `range` is where it is on side a (its own range, or its offsets moved to a's
/// base).
Json difference_json(const Difference& x, const VirtRange& range) {
  Json e;
  e["kind"] = to_string(x.kind);
  e["start"] = hex16(range.first.value());
  e["end"] = hex_end(range);
  e["size"] = format_size(x.range.size_or_zero());
  e["a"] = side_json(x.a);
  e["b"] = side_json(x.b);
  Json& changes = e["changes"] = Json::array();
  for (const AttributeChange& c : x.changes)
    changes.push_back(Json{{"attribute", c.attribute}, {"a", c.a}, {"b", c.b}});
  return e;
}

const char* verdict_of(ExitCode e) {
  switch (e) {
    case ExitCode::kOk:
      return "identical";
    case ExitCode::kViolations:
      return "different";
    default:
      return "unknown";
  }
}

}  // namespace

void write_diff_text(const MappingDiff& d, std::ostream& os) {
  os << d.summary_line() << '\n';
  os << "a: " << printable(d.a_source) << " (" << printable(d.a_format) << ", " << to_string(d.mode) << ")\n";
  os << "b: " << printable(d.b_source) << " (" << printable(d.b_format) << ", " << to_string(d.mode) << ")\n";
  if (d.differences.empty()) return;
  os << "\n# kind          start              end (exclusive)          size  what changed (a -> b)\n";
  for (const Difference& x : d.differences) {
    const std::string kind = to_string(x.kind);
    os << kind << std::string(16 - kind.size(), ' ') << hex16(x.range.first.value()) << '-' << hex_end(x.range) << ' '
       << std::setw(10) << format_size(x.range.size_or_zero()) << "  " << printable(what_changed(x)) << '\n';
  }
}

void write_diff_json(const MappingDiff& d, std::ostream& os) {
  Json j;
  j["format_version"] = 1;
  j["verdict"] = verdict_of(d.exit_code());
  j["summary"] = d.summary_line();
  j["a"] = Json{{"file", d.a_source}, {"format", d.a_format}, {"mode", to_string(d.mode)}};
  j["b"] = Json{{"file", d.b_source}, {"format", d.b_format}, {"mode", to_string(d.mode)}};
  j["counts"] = Json{{"added", d.count(DiffKind::kAdded)},
                     {"removed", d.count(DiffKind::kRemoved)},
                     {"changed", d.count(DiffKind::kChanged)},
                     {"cannot_compare", d.count(DiffKind::kCannotCompare)}};
  Json& diffs = j["differences"] = Json::array();
  for (const Difference& x : d.differences) diffs.push_back(difference_json(x, x.range));
  os << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace ptv

// ---- ptverify diff --spec: region by region ----

namespace ptv {

namespace {

/// The canonical halves of a paging mode: [0, user_last] and [kernel_first, 2^64 - 1].
std::pair<std::uint64_t, std::uint64_t> canonical_halves(PagingMode mode) {
  const unsigned bits = mode == PagingMode::k5Level ? 57 : 48;
  const std::uint64_t user_last = (std::uint64_t{1} << (bits - 1)) - 1;
  return {user_last, ~user_last};
}

/// Appends `r` to `pieces`, merged with the last one when adjacent.
void add_piece(std::vector<VirtRange>& pieces, VirtRange r) {
  if (!pieces.empty() && pieces.back().last.value() + 1 == r.first.value())
    pieces.back().last = r.last;
  else
    pieces.push_back(r);
}

/// The key of an owner of addresses: a spec region's index, or one of the two "(no region)"
/// halves.
constexpr std::size_t kNoRegionUser = static_cast<std::size_t>(-1);
constexpr std::size_t kNoRegionKernel = static_cast<std::size_t>(-2);

/// The region whose pieces an address governed by `r` counts in: its outermost randomised
/// ancestor, else r.
std::size_t owner_of(const spec::Spec& spec, std::size_t r) {
  std::size_t owner = r;
  for (auto cur = spec.regions[r].parent; cur; cur = spec.regions[*cur].parent)
    if (placement_randomised(spec.regions[*cur].kind)) owner = *cur;
  return owner;
}

/// Every owner's addresses in one layout: the canonical addresses whose innermost region (by
/// extent, as Layout::innermost) is it, or a randomised ancestor of it.
std::map<std::size_t, std::vector<VirtRange>> pieces_of(const spec::Layout& layout, PagingMode mode) {
  const auto [user_last, kernel_first] = canonical_halves(mode);
  std::vector<std::uint64_t> cuts{0, user_last + 1, kernel_first};
  for (const spec::PlacedRegion& p : layout.regions) {
    cuts.push_back(p.range.first.value());
    if (p.range.last.value() != UINT64_MAX) cuts.push_back(p.range.last.value() + 1);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  std::map<std::size_t, std::vector<VirtRange>> out;
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    const std::uint64_t first = cuts[i];
    const std::uint64_t last = i + 1 < cuts.size() ? cuts[i + 1] - 1 : UINT64_MAX;
    if (first > user_last && last < kernel_first) continue;  // the non-canonical hole
    const auto r = layout.innermost(VirtAddr(first));
    const std::size_t owner = r ? owner_of(*layout.spec, *r) : first <= user_last ? kNoRegionUser : kNoRegionKernel;
    add_piece(out[owner], VirtRange{VirtAddr(first), VirtAddr(last)});
  }
  return out;
}

/// Bytes translated in `pieces`, and pages per rights class (added to `classes` on side a or b).
std::uint64_t count_classes(const MappingSet& m, const std::vector<VirtRange>& pieces, bool side_a,
                            std::map<std::string, ClassCount>& classes) {
  const MappingSet v = relative_view(m, pieces, 0);
  std::uint64_t mapped = 0;
  auto add = [&](const std::string& name, std::uint64_t bytes, std::uint64_t page) {
    ClassCount& c = classes[name];
    c.rights = name;
    const std::uint64_t pages = (bytes + page - 1) / page;
    (side_a ? c.a_pages : c.b_pages) += pages;
    (side_a ? c.a_bytes : c.b_bytes) += bytes;
  };
  for (const Run& r : v.runs) {
    const std::uint64_t bytes = r.range.size_or_zero();
    mapped += bytes;
    add(rights(r), bytes, r.page_size.value_or(kPageBytes));
  }
  for (const UnknownRange& u : v.unknown) add("unknown", u.range.size_or_zero(), kPageBytes);
  for (const FaultRange& f : v.faults) add("faults", f.range.size_or_zero(), kPageBytes);
  return mapped;
}

/// The first address of `pieces` that `m` translates, cannot tell about or faults on.
std::optional<std::uint64_t> first_described(const MappingSet& m, const std::vector<VirtRange>& pieces) {
  std::optional<std::uint64_t> best;
  auto consider = [&](const auto& v) {
    for (const VirtRange& p : pieces) {
      auto it = std::partition_point(v.begin(), v.end(), [&](const auto& x) { return x.range.last < p.first; });
      if (it != v.end() && it->range.first <= p.last) {
        const std::uint64_t at = std::max(it->range.first.value(), p.first.value());
        if (!best || at < *best) best = at;
        return;
      }
    }
  };
  consider(m.runs);
  consider(m.unknown);
  consider(m.faults);
  return best;
}

/// Where a region's offsets count from on one side. A start that uses no parameter is itself.
/// One that does is only bounded by the inferred values (any value that keeps the dump inside
/// the region will do), so the base is the region's first described address rounded down to the
/// coarsest alignment its parameters guarantee (the direct map's 1 GiB, the image's 2 MiB), and
/// the placed start when it describes nothing.
std::uint64_t region_base(const spec::Spec& spec, std::size_t r, const spec::PlacedRegion& placed, const MappingSet& m,
                          const std::vector<VirtRange>& pieces) {
  const spec::Region& region = spec.regions[r];
  const std::vector<std::size_t> used = spec::parameters_used(*region.start.root);
  if (used.empty()) return placed.range.first.value();
  std::uint64_t align = 0;
  for (const std::size_t i : used) align = std::max(align, spec.parameters[i].align);
  align = std::max(align, kPageBytes);
  const auto first = first_described(m, pieces);
  if (!first) return placed.range.first.value();
  return std::max(placed.range.first.value(), *first & ~(align - 1));
}

/// `pieces` without the addresses below `base`.
std::vector<VirtRange> from_base(const std::vector<VirtRange>& pieces, std::uint64_t base) {
  std::vector<VirtRange> out;
  for (const VirtRange& p : pieces) {
    if (p.last.value() < base) continue;
    out.push_back(VirtRange{VirtAddr(std::max(p.first.value(), base)), p.last});
  }
  return out;
}

std::uint64_t mapped_bytes(const MappingSet& v) {
  std::uint64_t n = 0;
  for (const Run& r : v.runs) n += r.range.size_or_zero();
  return n;
}

std::string owner_name(const spec::Spec& spec, std::size_t owner) {
  if (owner == kNoRegionUser) return "(no region, user half)";
  if (owner == kNoRegionKernel) return "(no region, kernel half)";
  return spec.regions[owner].name;
}

std::string parameters_text(const std::vector<check::Parameter>& ps) {
  std::string s;
  for (const check::Parameter& p : ps) {
    if (!s.empty()) s += ", ";
    s += p.name + "=" + hex(p.value);
  }
  return s.empty() ? "(no parameters)" : s;
}

/// "4K" or "2M (512 pages)"-style amounts of the summary table: bytes in ptdump's notation, or
/// "-" for none.
std::string amount(std::uint64_t bytes) { return bytes ? human_size(bytes) : "-"; }

std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s += std::string(w - s.size(), ' ');
  return s;
}

/// "+0x1000": an offset from a region's base.
std::string offset_text(std::uint64_t off) {
  std::ostringstream os;
  os << "+0x" << std::hex << off;
  return os.str();
}

/// The classes of a randomised region whose counts differ, as "-rw- 4K 1,234 -> 1,240 pages".
std::string class_changes(const RegionDiff& r, std::size_t max_shown) {
  std::string s;
  std::size_t shown = 0, more = 0;
  for (const ClassCount& c : r.classes) {
    if (c.a_pages == c.b_pages) continue;
    if (shown == max_shown) {
      ++more;
      continue;
    }
    if (!s.empty()) s += "; ";
    s += c.rights + ": " + decimal(c.a_pages) + " -> " + decimal(c.b_pages);
    if (c.a_pages == 0 || c.b_pages == 0) s += c.a_pages == 0 ? " (new class)" : " (class gone)";
    ++shown;
  }
  if (more) s += "; " + decimal(more) + " more classes";
  return s;
}

}  // namespace

bool placement_randomised(spec::RegionKind k) {
  switch (k) {
    case spec::RegionKind::kEspfix:
    case spec::RegionKind::kVmalloc:
    case spec::RegionKind::kStack:
    case spec::RegionKind::kModules:
    case spec::RegionKind::kLdt:
    case spec::RegionKind::kMmap:
    case spec::RegionKind::kHeap:
      return true;
    default:
      return false;
  }
}

bool RegionDiff::differs() const {
  if (!randomised) return !diff.differences.empty();
  return std::any_of(classes.begin(), classes.end(),
                     [](const ClassCount& c) { return (c.a_pages == 0) != (c.b_pages == 0); });
}

bool RegionDiff::counts_differ() const {
  return std::any_of(classes.begin(), classes.end(), [](const ClassCount& c) { return c.a_pages != c.b_pages; });
}

std::size_t SpecDiff::count(DiffKind k) const {
  std::size_t n = 0;
  for (const RegionDiff& r : regions) n += r.diff.count(k);
  return n;
}

ExitCode SpecDiff::exit_code() const {
  bool unknown = false;
  for (const RegionDiff& r : regions) {
    if (r.randomised) {
      if (r.differs()) return ExitCode::kViolations;
      continue;
    }
    switch (r.diff.exit_code()) {
      case ExitCode::kViolations:
        return ExitCode::kViolations;
      case ExitCode::kUnknown:
        unknown = true;
        break;
      default:
        break;
    }
  }
  return unknown ? ExitCode::kUnknown : ExitCode::kOk;
}

std::string SpecDiff::summary_line() const {
  const ExitCode e = exit_code();
  const char* verdict = e == ExitCode::kOk ? "IDENTICAL" : e == ExitCode::kViolations ? "DIFFERENT" : "UNKNOWN";
  const std::size_t differing = static_cast<std::size_t>(
      std::count_if(regions.begin(), regions.end(), [](const RegionDiff& r) { return r.differs(); }));
  const std::size_t counts_only = static_cast<std::size_t>(std::count_if(
      regions.begin(), regions.end(), [](const RegionDiff& r) { return !r.differs() && r.counts_differ(); }));
  std::ostringstream os;
  os << "ptverify diff: " << verdict << " - " << decimal(differing) << " of " << decimal(regions.size())
     << " regions differ (" << decimal(count(DiffKind::kChanged)) << " changed, " << decimal(count(DiffKind::kAdded))
     << " added, " << decimal(count(DiffKind::kRemoved)) << " removed, " << decimal(count(DiffKind::kCannotCompare))
     << " cannot compare";
  if (counts_only)
    os << "; " << decimal(counts_only)
       << (counts_only == 1 ? " randomised region differs" : " randomised regions differ") << " in counts only";
  os << "), each relative to its own base";
  return os.str();
}

Expected<SpecDiff> diff_by_region(const MappingSet& a, const spec::Layout& la, const MappingSet& b,
                                  const spec::Layout& lb, const SpecDiffOptions& options) {
  if (a.mode != b.mode) {
    return Error{"diff: " + a.source + " is a " + std::string(to_string(a.mode)) + " dump and " + b.source + " a " +
                 std::string(to_string(b.mode)) + " one: only dumps of one paging mode can be compared"};
  }
  const spec::Spec& spec = *la.spec;
  for (const std::string& name : options.ignore) {
    const bool known =
        std::any_of(spec.regions.begin(), spec.regions.end(), [&](const spec::Region& r) { return r.name == name; });
    if (!known) return Error{"diff: --ignore " + name + ": the spec " + spec.name + " has no region of that name"};
  }
  SpecDiff out;
  out.spec_name = spec.name;
  out.a_source = a.source;
  out.b_source = b.source;
  out.a_format = a.format_shown();
  out.b_format = b.format_shown();
  out.mode = a.mode;
  auto pa = pieces_of(la, a.mode), pb = pieces_of(lb, b.mode);
  std::set<std::size_t> owners;
  for (const auto& [k, v] : pa) owners.insert(k);
  for (const auto& [k, v] : pb) owners.insert(k);
  for (const std::size_t owner : owners) {
    const bool pseudo = owner == kNoRegionUser || owner == kNoRegionKernel;
    RegionDiff r;
    r.name = owner_name(spec, owner);
    r.region = pseudo ? 0 : owner;
    r.half = pseudo ? (owner == kNoRegionUser ? spec::Half::kUser : spec::Half::kKernel) : spec.regions[owner].half;
    if ((options.kernel_only && r.half != spec::Half::kKernel) || (options.user_only && r.half != spec::Half::kUser) ||
        options.ignore.count(r.name)) {
      out.ignored.push_back(r.name);
      continue;
    }
    const std::vector<VirtRange>& ra = pa[owner];
    const std::vector<VirtRange>& rb = pb[owner];
    if (!pseudo) {
      r.randomised = placement_randomised(spec.regions[owner].kind);
      for (std::size_t i = 0; i < spec.regions.size(); ++i)
        if (i != owner && owner_of(spec, i) == owner) r.absorbed.push_back(spec.regions[i].name);
      const spec::PlacedRegion& xa = la.regions[owner];
      const spec::PlacedRegion& xb = lb.regions[owner];
      r.a_base = region_base(spec, owner, xa, a, ra);
      r.b_base = region_base(spec, owner, xb, b, rb);
      r.a_size = xa.range.size_or_zero();
      r.b_size = xb.range.size_or_zero();
    }
    if (r.randomised) {
      std::map<std::string, ClassCount> classes;
      r.a_mapped = count_classes(a, ra, true, classes);
      r.b_mapped = count_classes(b, rb, false, classes);
      for (auto& [name, c] : classes) r.classes.push_back(std::move(c));
      std::stable_sort(r.classes.begin(), r.classes.end(), [](const ClassCount& x, const ClassCount& y) {
        return std::max(x.a_bytes, x.b_bytes) > std::max(y.a_bytes, y.b_bytes);
      });
    } else {
      const MappingSet va = relative_view(a, from_base(ra, r.a_base), r.a_base);
      const MappingSet vb = relative_view(b, from_base(rb, r.b_base), r.b_base);
      r.a_mapped = mapped_bytes(va);
      r.b_mapped = mapped_bytes(vb);
      auto d = diff_mappings(va, vb);
      if (!d.ok()) return d.error();
      r.diff = std::move(*d);
      r.diff.a_source = a.source;
      r.diff.b_source = b.source;
      for (const Difference& x : r.diff.differences) {
        const std::uint64_t n = x.range.size_or_zero();
        switch (x.kind) {
          case DiffKind::kAdded:
            r.added_bytes += n;
            break;
          case DiffKind::kRemoved:
            r.removed_bytes += n;
            break;
          case DiffKind::kChanged:
            r.changed_bytes += n;
            break;
          case DiffKind::kCannotCompare:
            r.cannot_compare_bytes += n;
            break;
        }
      }
    }
    out.regions.push_back(std::move(r));
  }
  // Address order on side a; the "(no region)" pseudo-regions by their first address.
  auto first_of = [&](const RegionDiff& r) -> std::uint64_t {
    if (r.name == owner_name(spec, kNoRegionUser))
      return pa[kNoRegionUser].empty() ? 0 : pa[kNoRegionUser][0].first.value();
    if (r.name == owner_name(spec, kNoRegionKernel))
      return pa[kNoRegionKernel].empty() ? UINT64_MAX : pa[kNoRegionKernel][0].first.value();
    return r.a_base;
  };
  std::stable_sort(out.regions.begin(), out.regions.end(),
                   [&](const RegionDiff& x, const RegionDiff& y) { return first_of(x) < first_of(y); });
  return out;
}

void write_spec_diff_text(const SpecDiff& d, std::ostream& os, bool summary_only, std::size_t max_listed) {
  os << d.summary_line() << '\n';
  os << "spec: " << printable(d.spec_name) << "; parameters inferred (or --param) on each side:\n";
  os << "a: " << printable(d.a_source) << " (" << printable(d.a_format) << ", " << to_string(d.mode) << ")\n";
  os << "   " << parameters_text(d.a_parameters) << '\n';
  os << "b: " << printable(d.b_source) << " (" << printable(d.b_format) << ", " << to_string(d.mode) << ")\n";
  os << "   " << parameters_text(d.b_parameters) << '\n';
  for (const std::string& n : d.notes) os << "note: " << printable(n) << '\n';
  std::vector<std::string> same;
  bool header = false;
  for (const RegionDiff& r : d.regions) {
    if (!r.differs() && !r.counts_differ()) {
      same.push_back(r.name);
      continue;
    }
    if (!header) {
      os << "\n# region                 a base             b base              added  removed  changed  cannot "
            "compare\n";
      header = true;
    }
    std::string name = r.name + (r.randomised ? " *" : "");
    os << pad(name, 24) << hex16(r.a_base) << ' ' << hex16(r.b_base) << ' ';
    if (r.randomised) {
      os << " mapped " << human_size(r.a_mapped) << " -> " << human_size(r.b_mapped) << "; "
         << printable(class_changes(r, 3)) << '\n';
    } else {
      os << std::setw(7) << amount(r.added_bytes) << ' ' << std::setw(8) << amount(r.removed_bytes) << ' '
         << std::setw(8) << amount(r.changed_bytes) << ' ' << std::setw(15) << amount(r.cannot_compare_bytes) << '\n';
    }
  }
  if (std::any_of(d.regions.begin(), d.regions.end(),
                  [](const RegionDiff& r) { return r.randomised && (r.differs() || r.counts_differ()); }))
    os << "(* placement randomised within: compared as pages per rights class, not page by page)\n";
  if (!same.empty()) {
    os << "identical (" << decimal(same.size()) << "): ";
    for (std::size_t i = 0; i < same.size(); ++i) os << (i ? ", " : "") << printable(same[i]);
    os << '\n';
  }
  if (!d.ignored.empty()) {
    os << "not compared (" << decimal(d.ignored.size()) << "): ";
    for (std::size_t i = 0; i < d.ignored.size(); ++i) os << (i ? ", " : "") << printable(d.ignored[i]);
    os << '\n';
  }
  if (summary_only) return;
  std::size_t total = 0;
  for (const RegionDiff& r : d.regions) total += r.diff.differences.size();
  if (total == 0) return;
  os << "\n# kind          region+offset                   size  a address          b address           what changed "
        "(a -> b)\n";
  std::size_t listed = 0;
  for (const RegionDiff& r : d.regions) {
    for (const Difference& x : r.diff.differences) {
      if (max_listed && listed == max_listed) break;
      ++listed;
      const std::string kind = to_string(x.kind);
      const std::uint64_t off = x.range.first.value();
      os << pad(kind, 14) << pad(r.name + offset_text(off), 30) << std::setw(6) << format_size(x.range.size_or_zero())
         << "  " << hex16(r.a_base + off) << ' ' << hex16(r.b_base + off) << "  " << printable(what_changed(x)) << '\n';
    }
  }
  if (listed < total)
    os << "... " << decimal(total - listed) << " more differences (--details lists them all; --json FILE has them)\n";
}

void write_spec_diff_json(const SpecDiff& d, std::ostream& os) {
  Json j;
  j["format_version"] = 1;
  j["verdict"] = verdict_of(d.exit_code());
  j["summary"] = d.summary_line();
  auto params = [](const std::vector<check::Parameter>& ps) {
    Json p = Json::object();
    for (const check::Parameter& x : ps) p[x.name] = hex16(x.value);
    return p;
  };
  j["a"] = Json{{"file", d.a_source},
                {"format", d.a_format},
                {"mode", to_string(d.mode)},
                {"parameters", params(d.a_parameters)}};
  j["b"] = Json{{"file", d.b_source},
                {"format", d.b_format},
                {"mode", to_string(d.mode)},
                {"parameters", params(d.b_parameters)}};
  j["counts"] = Json{{"added", d.count(DiffKind::kAdded)},
                     {"removed", d.count(DiffKind::kRemoved)},
                     {"changed", d.count(DiffKind::kChanged)},
                     {"cannot_compare", d.count(DiffKind::kCannotCompare)}};
  Json& diffs = j["differences"] = Json::array();
  for (const RegionDiff& r : d.regions) {
    for (const Difference& x : r.diff.differences) {
      const std::uint64_t off = x.range.first.value();
      const VirtRange at_a{VirtAddr(r.a_base + off), VirtAddr(r.a_base + x.range.last.value())};
      Json e = difference_json(x, at_a);
      e["region"] = r.name;
      e["offset"] = hex16(off);
      e["b_start"] = hex16(r.b_base + off);
      diffs.push_back(std::move(e));
    }
  }
  j["spec"] = Json{{"name", d.spec_name}, {"not_compared", d.ignored}, {"notes", d.notes}};
  Json& regions = j["regions"] = Json::array();
  for (const RegionDiff& r : d.regions) {
    Json e;
    e["name"] = r.name;
    e["half"] = std::string(spec::to_string(r.half));
    e["randomised"] = r.randomised;
    e["absorbed"] = r.absorbed;
    e["status"] = r.differs()                   ? "different"
                  : r.counts_differ()           ? "counts-differ"
                  : !r.diff.differences.empty() ? "cannot-compare"
                                                : "identical";
    e["a_base"] = hex16(r.a_base);
    e["b_base"] = hex16(r.b_base);
    e["a_size"] = format_size(r.a_size);
    e["b_size"] = format_size(r.b_size);
    e["a_mapped"] = r.a_mapped;
    e["b_mapped"] = r.b_mapped;
    e["added"] = r.added_bytes;
    e["removed"] = r.removed_bytes;
    e["changed"] = r.changed_bytes;
    e["cannot_compare"] = r.cannot_compare_bytes;
    Json& classes = e["classes"] = Json::array();
    for (const ClassCount& c : r.classes)
      classes.push_back(Json{{"rights", c.rights},
                             {"a_pages", c.a_pages},
                             {"b_pages", c.b_pages},
                             {"a_bytes", c.a_bytes},
                             {"b_bytes", c.b_bytes}});
    regions.push_back(std::move(e));
  }
  os << j.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace ptv
