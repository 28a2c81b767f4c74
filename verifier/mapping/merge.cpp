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

}  // namespace

MappingSet merge_alternatives(const MappingSet& a, const MappingSet& b, const std::string& reason, MergeSummary* summary) {
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
  std::vector<std::uint64_t> cuts;
  cuts.reserve(2 * (pa.size() + pb.size()));
  for (const auto* v : {&pa, &pb})
    for (const Piece& p : *v) {
      cuts.push_back(p.first);
      if (p.last != kTop) cuts.push_back(p.last + 1);
    }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

  Cursor ca(pa), cb(pb);
  for (std::size_t k = 0; k < cuts.size(); ++k) {
    const std::uint64_t s = cuts[k];
    const std::uint64_t e = k + 1 < cuts.size() ? cuts[k + 1] - 1 : kTop;  // inclusive
    const Piece* x = ca.at(s);
    const Piece* y = cb.at(s);
    if (!x && !y) continue;
    const VirtRange range{VirtAddr(s), VirtAddr(e)};
    if (x && y && x->kind == y->kind) {
      if (x->kind == Piece::Kind::kRun) {
        const Run& ra = a.runs[x->index];
        const Run& rb = b.runs[y->index];
        Run r = ra;
        r.range = range;
        if (s != ra.range.first.value()) {
          r.phys.reset();
          r.leaf_raw.reset();
          r.provenance = {};
        }
        if (!ra.same_attributes(rb)) {
          ++sum.differing_rights;
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
        out.runs.push_back(std::move(r));
        continue;
      }
      if (x->kind == Piece::Kind::kUnknown) {
        UnknownRange u = a.unknown[x->index];
        u.range = range;
        out.unknown.push_back(std::move(u));
        continue;
      }
      const FaultRange& fa = a.faults[x->index];
      const FaultRange& fb = b.faults[y->index];
      if (fa.entry == fb.entry && fa.raw == fb.raw) {
        FaultRange f = fa;
        f.range = range;
        f.reserved = fa.reserved & fb.reserved;
        out.faults.push_back(f);
        continue;
      }
    }
    ++sum.differing_ranges;
    UnknownRange u{range, reason, {}};
    if (x && x->kind == Piece::Kind::kRun) u.provenance = a.runs[x->index].provenance;
    if (!out.unknown.empty() && out.unknown.back().reason == reason &&
        out.unknown.back().range.last.value() + 1 == s) {
      out.unknown.back().range.last = range.last;
    } else {
      out.unknown.push_back(std::move(u));
    }
  }
  coalesce(out.runs);
  if (summary) *summary = sum;
  return out;
}

}  // namespace ptv
