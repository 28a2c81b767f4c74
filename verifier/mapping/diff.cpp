#include "verifier/mapping/diff.h"

#include <algorithm>
#include <limits>
#include <sstream>
#include <type_traits>

#include "models/entry.h"
#include "models/format.h"

namespace ptv {

const char* to_string(DiffSide::State s) {
  switch (s) {
    case DiffSide::State::kUnmapped:
      return "unmapped";
    case DiffSide::State::kMapped:
      return "mapped";
    case DiffSide::State::kUnknown:
      return "unknown";
    case DiffSide::State::kFault:
      return "faults";
  }
  return "?";
}

const char* to_string(DiffKind k) {
  switch (k) {
    case DiffKind::kAdded:
      return "added";
    case DiffKind::kRemoved:
      return "removed";
    case DiffKind::kChanged:
      return "changed";
    case DiffKind::kCannotCompare:
      return "cannot-compare";
  }
  return "?";
}

bool DiffSide::same(const DiffSide& o) const {
  if (state != o.state) return false;
  switch (state) {
    case State::kUnmapped:
      return true;
    case State::kMapped:
      return run->same_attributes(*o.run);
    case State::kUnknown:
      return unknown->reason == o.unknown->reason;
    case State::kFault:
      return fault->entry == o.fault->entry && fault->raw == o.fault->raw && fault->reserved == o.fault->reserved;
  }
  return false;
}

namespace {

std::string page_size_name(std::optional<std::uint64_t> ps) {
  if (!ps) return "unknown";
  switch (*ps) {
    case page_size(Level::kPt):
      return "4K";
    case page_size(Level::kPd):
      return "2M";
    case page_size(Level::kPdpt):
      return "1G";
    default:
      return std::to_string(*ps);
  }
}

std::string optional_text(std::optional<bool> b) { return b ? (*b ? "yes" : "no") : "unknown"; }
std::string optional_text(std::optional<unsigned> v) { return v ? std::to_string(*v) : "unknown"; }

std::string fault_text(const FaultRange& f) {
  std::ostringstream os;
  os << "faults: " << level_name(f.level) << " entry at " << f.entry << " = " << hex(f.raw) << " sets reserved "
     << describe_reserved(f.reserved, f.level);
  return os.str();
}

std::string side_text(const DiffSide& s) {
  switch (s.state) {
    case DiffSide::State::kFault:
      return fault_text(*s.fault);
    case DiffSide::State::kUnknown:
      return "unknown: " + s.unknown->reason;
    case DiffSide::State::kMapped:
      return "mapped";
    case DiffSide::State::kUnmapped:
      return "not mapped";
  }
  return "?";
}

/// One side's ranges (runs, unknown, faults) as one sorted list of states.
struct Item {
  VirtRange range;
  DiffSide::State state;
  std::size_t index;  ///< into the set's runs, unknown or faults
};

std::vector<Item> items_of(const MappingSet& m) {
  std::vector<Item> out;
  out.reserve(m.runs.size() + m.unknown.size() + m.faults.size());
  for (std::size_t i = 0; i < m.runs.size(); ++i) out.push_back({m.runs[i].range, DiffSide::State::kMapped, i});
  for (std::size_t i = 0; i < m.unknown.size(); ++i) out.push_back({m.unknown[i].range, DiffSide::State::kUnknown, i});
  for (std::size_t i = 0; i < m.faults.size(); ++i) out.push_back({m.faults[i].range, DiffSide::State::kFault, i});
  std::sort(out.begin(), out.end(), [](const Item& x, const Item& y) { return x.range.first < y.range.first; });
  return out;
}

/// Walks one side's items in address order. Requires: positions passed to at() increase.
class Cursor {
 public:
  explicit Cursor(const std::vector<Item>& items) : items_(items) {}

  /// The item holding pos (nullptr: unmapped there), and the last address of that state.
  std::pair<const Item*, std::uint64_t> at(std::uint64_t pos) {
    while (next_ < items_.size() && items_[next_].range.last.value() < pos) ++next_;
    if (next_ == items_.size()) return {nullptr, std::numeric_limits<std::uint64_t>::max()};
    const Item& it = items_[next_];
    if (it.range.first.value() <= pos) return {&it, it.range.last.value()};
    return {nullptr, it.range.first.value() - 1};
  }

 private:
  const std::vector<Item>& items_;
  std::size_t next_ = 0;
};

DiffSide side_of(const MappingSet& m, const Item* it) {
  DiffSide s;
  if (!it) return s;
  s.state = it->state;
  switch (it->state) {
    case DiffSide::State::kMapped:
      s.run = m.runs[it->index];
      break;
    case DiffSide::State::kUnknown:
      s.unknown = m.unknown[it->index];
      break;
    case DiffSide::State::kFault:
      s.fault = m.faults[it->index];
      break;
    case DiffSide::State::kUnmapped:
      break;
  }
  return s;
}

/// Whether two sides differ, and how: nullopt when they agree.
std::optional<Difference> compare(const DiffSide& a, const DiffSide& b) {
  using State = DiffSide::State;
  Difference d;
  if (a.state == State::kUnknown || b.state == State::kUnknown) {
    d.kind = DiffKind::kCannotCompare;
  } else if (a.state != State::kMapped && b.state == State::kMapped) {
    d.kind = DiffKind::kAdded;
  } else if (a.state == State::kMapped && b.state != State::kMapped) {
    d.kind = DiffKind::kRemoved;
  } else if (a.state == State::kMapped) {
    d.changes = attribute_changes(*a.run, *b.run);
    if (d.changes.empty()) return std::nullopt;
    d.kind = DiffKind::kChanged;
  } else {
    // Neither translates: unmapped or faulting, on either side.
    if (a.same(b)) return std::nullopt;
    d.kind = DiffKind::kChanged;
    d.changes.push_back({"translation", side_text(a), side_text(b)});
  }
  return d;
}

}  // namespace

std::vector<AttributeChange> attribute_changes(const Run& a, const Run& b) {
  std::vector<AttributeChange> out;
  auto tri = [&](const char* name, Tri x, Tri y) {
    if (x != y) out.push_back({name, to_string(x), to_string(y)});
  };
  tri("writable", a.writable, b.writable);
  tri("user", a.user, b.user);
  tri("executable", a.executable, b.executable);
  tri("global", a.global, b.global);
  if (a.page_size != b.page_size)
    out.push_back({"page size", page_size_name(a.page_size), page_size_name(b.page_size)});
  if (a.pkey != b.pkey) out.push_back({"protection key", optional_text(a.pkey), optional_text(b.pkey)});
  if (a.pwt != b.pwt) out.push_back({"PWT", optional_text(a.pwt), optional_text(b.pwt)});
  if (a.pcd != b.pcd) out.push_back({"PCD", optional_text(a.pcd), optional_text(b.pcd)});
  if (a.pat != b.pat) out.push_back({"PAT", optional_text(a.pat), optional_text(b.pat)});
  return out;
}

std::size_t MappingDiff::count(DiffKind k) const {
  return static_cast<std::size_t>(
      std::count_if(differences.begin(), differences.end(), [k](const Difference& d) { return d.kind == k; }));
}

ExitCode MappingDiff::exit_code() const {
  if (differences.empty()) return ExitCode::kOk;
  if (count(DiffKind::kCannotCompare) == differences.size()) return ExitCode::kUnknown;
  return ExitCode::kViolations;
}

std::string MappingDiff::summary_line() const {
  const ExitCode e = exit_code();
  const char* verdict = e == ExitCode::kOk ? "IDENTICAL" : e == ExitCode::kViolations ? "DIFFERENT" : "UNKNOWN";
  std::ostringstream os;
  os << "ptverify diff: " << verdict << " - " << decimal(count(DiffKind::kChanged)) << " changed, "
     << decimal(count(DiffKind::kAdded)) << " added, " << decimal(count(DiffKind::kRemoved)) << " removed, "
     << decimal(count(DiffKind::kCannotCompare)) << " cannot compare";
  return os.str();
}

namespace {

/// The elements of `v` (sorted by range.first, disjoint) overlapping `piece`, clipped to it and
/// moved down by `base`, appended to `out`.
template <typename T>
void clip_into(const std::vector<T>& v, const VirtRange& piece, std::uint64_t base, std::vector<T>& out) {
  auto it = std::partition_point(v.begin(), v.end(), [&](const T& x) { return x.range.last < piece.first; });
  for (; it != v.end() && it->range.first <= piece.last; ++it) {
    T x = *it;
    const std::uint64_t first = std::max(x.range.first.value(), piece.first.value());
    const std::uint64_t last = std::min(x.range.last.value(), piece.last.value());
    if constexpr (std::is_same_v<T, Run>) {
      if (x.phys) x.phys = PhysAddr(x.phys->value() + (first - x.range.first.value()));
    }
    x.range = VirtRange{VirtAddr(first - base), VirtAddr(last - base)};
    out.push_back(std::move(x));
  }
}

}  // namespace

MappingSet relative_view(const MappingSet& m, const std::vector<VirtRange>& pieces, std::uint64_t base) {
  MappingSet out;
  out.mode = m.mode;
  out.format = m.format;
  out.source = m.source;
  out.claimed_format = m.claimed_format;
  out.claimed_source = m.claimed_source;
  for (const VirtRange& p : pieces) {
    clip_into(m.runs, p, base, out.runs);
    clip_into(m.unknown, p, base, out.unknown);
    clip_into(m.faults, p, base, out.faults);
  }
  return out;
}

Expected<MappingDiff> diff_mappings(const MappingSet& a, const MappingSet& b) {
  if (a.mode != b.mode) {
    return Error{"diff: " + a.source + " is a " + std::string(to_string(a.mode)) + " dump and " + b.source + " a " +
                 std::string(to_string(b.mode)) + " one: only dumps of one paging mode can be compared"};
  }
  MappingDiff out;
  out.a_source = a.source;
  out.b_source = b.source;
  out.a_format = a.format_shown();
  out.b_format = b.format_shown();
  out.mode = a.mode;
  const std::vector<Item> ia = items_of(a), ib = items_of(b);
  Cursor ca(ia), cb(ib);
  // Each step covers [pos, last]: the longest range over which neither side changes state. The
  // number of steps is at most 2 * (items of a + items of b) + 1.
  std::uint64_t pos = 0;
  for (;;) {
    const auto [xa, la] = ca.at(pos);
    const auto [xb, lb] = cb.at(pos);
    const std::uint64_t last = std::min(la, lb);
    const DiffSide sa = side_of(a, xa), sb = side_of(b, xb);
    if (auto d = compare(sa, sb)) {
      d->range = VirtRange{VirtAddr(pos), VirtAddr(last)};
      d->a = sa;
      d->b = sb;
      Difference* prev = out.differences.empty() ? nullptr : &out.differences.back();
      if (prev && prev->kind == d->kind && prev->range.last.value() + 1 == pos && prev->a.same(d->a) &&
          prev->b.same(d->b)) {
        prev->range.last = d->range.last;
      } else {
        out.differences.push_back(std::move(*d));
      }
    }
    if (last == std::numeric_limits<std::uint64_t>::max()) break;
    pos = last + 1;
  }
  return out;
}

}  // namespace ptv
