#include "verifier/mapping/mapping_set.h"

#include <algorithm>
#include <sstream>

#include "models/format.h"

namespace ptv {

bool Run::same_attributes(const Run& o) const {
  return page_size == o.page_size && writable == o.writable && user == o.user && executable == o.executable &&
         user_writable == o.user_writable && supervisor_executable == o.supervisor_executable && global == o.global &&
         valid == o.valid && page_table_frame == o.page_table_frame && pkey == o.pkey && pwt == o.pwt && pcd == o.pcd &&
         pat == o.pat;
}

std::string rights_text(Tri user, Tri writable, Tri executable, Tri user_writable, Tri supervisor_executable) {
  std::string s;
  s += tri_char(user, 'u');
  s += 'r';
  if (user == Tri::kNo) {
    s += tri_char(writable, 'w');
    s += tri_char(executable, 'x');
    return s;
  }
  // A user page (or one that may be): what user mode may do, then what only the supervisor may.
  s += tri_char(user_writable, 'w');
  s += tri_char(executable, 'x');
  if (user_writable != Tri::kYes && writable != Tri::kNo) s += writable == Tri::kYes ? " sw" : " sw?";
  if (executable != Tri::kNo && supervisor_executable != Tri::kNo && user == Tri::kYes)
    s += supervisor_executable == Tri::kYes ? " sx" : " sx?";
  return s;
}

std::string MappingSet::format_shown() const {
  if (claimed_format.empty() && claimed_source.empty()) return format;
  std::string says = claimed_format;
  if (!claimed_source.empty()) says += (says.empty() ? "" : ", ") + claimed_source;
  return format + " (says: " + says + ")";
}

std::string MappingSet::origin_format() const { return format == "json" ? claimed_format : format; }
std::string MappingSet::origin_source() const { return format == "json" ? claimed_source : source; }

const Run* MappingSet::find(VirtAddr va) const {
  auto it = std::upper_bound(runs.begin(), runs.end(), va, [](VirtAddr a, const Run& r) { return a < r.range.first; });
  if (it == runs.begin()) return nullptr;
  --it;
  return it->range.contains(va) ? &*it : nullptr;
}

namespace {

template <class T>
std::optional<std::string> check_sorted_disjoint(const std::vector<T>& v, const char* what) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!(v[i - 1].range.last < v[i].range.first)) {
      std::ostringstream os;
      os << what << ' ' << i - 1 << ' ' << v[i - 1].range << " and " << i << ' ' << v[i].range
         << " overlap or are out of order";
      return os.str();
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> MappingSet::validate() const {
  for (const Run& r : runs)
    if (r.range.last < r.range.first) return "a run ends before it starts";
  for (const UnknownRange& u : unknown)
    if (u.range.last < u.range.first) return "an unknown range ends before it starts";
  for (const FaultRange& f : faults)
    if (f.range.last < f.range.first) return "a fault range ends before it starts";
  if (auto e = check_sorted_disjoint(runs, "runs")) return e;
  if (auto e = check_sorted_disjoint(unknown, "unknown ranges")) return e;
  if (auto e = check_sorted_disjoint(faults, "fault ranges")) return e;
  // Unknown and fault ranges must not overlap any run.
  auto overlaps_run = [&](const VirtRange& q) {
    auto it =
        std::lower_bound(runs.begin(), runs.end(), q.first, [](const Run& r, VirtAddr a) { return r.range.last < a; });
    return it != runs.end() && it->range.overlaps(q);
  };
  for (const auto& u : unknown)
    if (overlaps_run(u.range)) return "an unknown range overlaps a run";
  for (const auto& f : faults)
    if (overlaps_run(f.range)) return "a fault range overlaps a run";
  // Nor each other: an address is unknown or faults, not both.
  for (const auto& f : faults) {
    auto it = std::lower_bound(unknown.begin(), unknown.end(), f.range.first,
                               [](const UnknownRange& u, VirtAddr a) { return u.range.last < a; });
    if (it != unknown.end() && it->range.overlaps(f.range)) return "a fault range overlaps an unknown range";
  }
  return std::nullopt;
}

void coalesce(std::vector<Run>& runs) {
  if (runs.empty()) return;
  std::size_t out = 0;
  for (std::size_t i = 1; i < runs.size(); ++i) {
    Run& last = runs[out];
    const auto next = last.range.last.checked_add(1);
    if (next && *next == runs[i].range.first && last.same_attributes(runs[i])) {
      last.range.last = runs[i].range.last;
    } else {
      runs[++out] = std::move(runs[i]);
    }
  }
  runs.resize(out + 1);
}

}  // namespace ptv
