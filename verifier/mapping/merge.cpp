#include "verifier/mapping/merge.h"

#include <algorithm>
#include <limits>

namespace ptv {

namespace {

constexpr std::uint64_t kTop = std::numeric_limits<std::uint64_t>::max();

struct Piece {
  std::uint64_t first, last;
  enum class Kind : std::uint8_t { kRun, kUnknown, kFault } kind;
  std::size_t index;
};

std::vector<Piece> pieces_of(const MappingSet& m) {
  std::vector<Piece> p;
  p.reserve(m.runs.size() + m.unknown.size() + m.faults.size());
  for (std::size_t i = 0; i < m.runs.size(); ++i)
    p.push_back({m.runs[i].range.first.value(), m.runs[i].range.last.value(), Piece::Kind::kRun, i});
  for (std::size_t i = 0; i < m.unknown.size(); ++i)
    p.push_back({m.unknown[i].range.first.value(), m.unknown[i].range.last.value(), Piece::Kind::kUnknown, i});
  for (std::size_t i = 0; i < m.faults.size(); ++i)
    p.push_back({m.faults[i].range.first.value(), m.faults[i].range.last.value(), Piece::Kind::kFault, i});
  std::sort(p.begin(), p.end(), [](const Piece& x, const Piece& y) { return x.first < y.first; });
  return p;
}

/// Walks a sorted, disjoint piece list forward: the piece holding x, if any.
class Cursor {
 public:
  explicit Cursor(const std::vector<Piece>& p) : p_(p) {}
  const Piece* at(std::uint64_t x) {
    while (i_ < p_.size() && p_[i_].last < x) ++i_;
    return i_ < p_.size() && p_[i_].first <= x ? &p_[i_] : nullptr;
  }

 private:
  const std::vector<Piece>& p_;
  std::size_t i_ = 0;
};

Tri agree(Tri x, Tri y) { return x == y ? x : Tri::kUnknown; }
template <class T>
std::optional<T> agree(const std::optional<T>& x, const std::optional<T>& y) {
  return x == y ? x : std::nullopt;
}

/// Every boundary of either piece list: the first address of each piece and of what follows it.
std::vector<std::uint64_t> cut_points(const std::vector<Piece>& pa, const std::vector<Piece>& pb) {
  std::vector<std::uint64_t> cuts;
  cuts.reserve(2 * (pa.size() + pb.size()));
  for (const auto* v : {&pa, &pb})
    for (const Piece& p : *v) {
      cuts.push_back(p.first);
      if (p.last != kTop) cuts.push_back(p.last + 1);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  return cuts;
}

/// Each attribute where both runs agree, unknown (or empty) where they differ.
void keep_agreeing_attributes(Run& r, const Run& ra, const Run& rb) {
  r.writable = agree(ra.writable, rb.writable);
  r.user = agree(ra.user, rb.user);
  r.executable = agree(ra.executable, rb.executable);
  r.user_writable = agree(ra.user_writable, rb.user_writable);
  r.supervisor_executable = agree(ra.supervisor_executable, rb.supervisor_executable);
  r.global = agree(ra.global, rb.global);
  r.valid = agree(ra.valid, rb.valid);
  r.page_table_frame = agree(ra.page_table_frame, rb.page_table_frame);
  r.page_size = agree(ra.page_size, rb.page_size);
  r.pkey = agree(ra.pkey, rb.pkey);
  r.pwt = agree(ra.pwt, rb.pwt);
  r.pcd = agree(ra.pcd, rb.pcd);
  r.pat = agree(ra.pat, rb.pat);
}

/// The part `range` of a run both walks map: a's run, with what they disagree on unknown (its
/// frame and provenance only when the part starts where a's run does).
Run merged_run(const Run& ra, const Run& rb, VirtRange range, MergeSummary& sum) {
  Run r = ra;
  r.range = range;
  if (range.first != ra.range.first) {
    r.phys.reset();
    r.leaf_raw.reset();
    r.provenance = {};
  }
  if (!ra.same_attributes(rb)) {
    ++sum.differing_rights;
    keep_agreeing_attributes(r, ra, rb);
  }
  return r;
}

/// Adds the part `range` where both sets hold the same kind of piece; returns false when they
/// still differ there (faults on different entries).
bool merge_same_kind(const MappingSet& a, const MappingSet& b, const Piece& x, const Piece& y, VirtRange range,
                     MappingSet& out, MergeSummary& sum) {
  switch (x.kind) {
    case Piece::Kind::kRun:
      out.runs.push_back(merged_run(a.runs[x.index], b.runs[y.index], range, sum));
      return true;
    case Piece::Kind::kUnknown: {
      UnknownRange u = a.unknown[x.index];
      u.range = range;
      out.unknown.push_back(std::move(u));
      return true;
    }
    case Piece::Kind::kFault: {
      const FaultRange& fa = a.faults[x.index];
      const FaultRange& fb = b.faults[y.index];
      if (fa.entry != fb.entry || fa.raw != fb.raw) return false;
      FaultRange f = fa;
      f.range = range;
      f.reserved = fa.reserved & fb.reserved;
      out.faults.push_back(f);
      return true;
    }
  }
  return false;
}

/// The part `range` where the sets differ: unknown for `reason`, joined to the unknown range
/// before it when that has the same reason and ends right before.
void add_differing(MappingSet& out, VirtRange range, const std::string& reason, const Provenance& provenance) {
  if (!out.unknown.empty() && out.unknown.back().reason == reason &&
      out.unknown.back().range.last.value() + 1 == range.first.value()) {
    out.unknown.back().range.last = range.last;
  } else {
    out.unknown.push_back(UnknownRange{range, reason, provenance});
  }
}

}  // namespace

MappingSet merge_alternatives(const MappingSet& a, const MappingSet& b, const std::string& reason,
                              MergeSummary* summary) {
  MergeSummary sum;
  MappingSet out;
  out.mode = a.mode;
  out.format = a.format;
  out.source = a.source;
  out.markers = a.markers;
  out.tables = a.tables;
  out.self_refs = a.self_refs;
  out.notes = a.notes;
  out.facts = a.facts;

  const std::vector<Piece> pa = pieces_of(a), pb = pieces_of(b);
  const std::vector<std::uint64_t> cuts = cut_points(pa, pb);
  Cursor ca(pa), cb(pb);
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    const std::uint64_t s = cuts[k];
    const std::uint64_t e = k + 1 < cuts.size() ? cuts[k + 1] - 1 : kTop;  // inclusive
    const Piece* x = ca.at(s);
    const Piece* y = cb.at(s);
    if (!x && !y) continue;
    const VirtRange range{VirtAddr(s), VirtAddr(e)};
    if (x && y && x->kind == y->kind && merge_same_kind(a, b, *x, *y, range, out, sum)) continue;
    ++sum.differing_ranges;
    add_differing(out, range, reason, x && x->kind == Piece::Kind::kRun ? a.runs[x->index].provenance : Provenance{});
  }
  coalesce(out.runs);
  if (summary) *summary = sum;
  return out;
}

}  // namespace ptv
