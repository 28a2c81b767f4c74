#include "verifier/mapping/mapping_set.h"

#include <algorithm>
#include <sstream>

namespace ptv {

const char* to_string(Tri t) {
  switch (t) {
    case Tri::kNo: return "no";
    case Tri::kYes: return "yes";
    case Tri::kUnknown: return "unknown";
  }
  return "?";
}

bool Run::same_attributes(const Run& o) const {
  return page_size == o.page_size && writable == o.writable && user == o.user && executable == o.executable &&
         global == o.global && pkey == o.pkey && pwt == o.pwt && pcd == o.pcd && pat == o.pat;
}

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
  if (auto e = check_sorted_disjoint(runs, "runs")) return e;
  if (auto e = check_sorted_disjoint(unknown, "unknown ranges")) return e;
  if (auto e = check_sorted_disjoint(faults, "fault ranges")) return e;
  // Unknown and fault ranges must not overlap any run.
  auto overlaps_run = [&](const VirtRange& q) {
    auto it = std::lower_bound(runs.begin(), runs.end(), q.first,
                               [](const Run& r, VirtAddr a) { return r.range.last < a; });
    return it != runs.end() && it->range.overlaps(q);
  };
  for (const auto& u : unknown)
    if (overlaps_run(u.range)) return "an unknown range overlaps a run";
  for (const auto& f : faults)
    if (overlaps_run(f.range)) return "a fault range overlaps a run";
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
