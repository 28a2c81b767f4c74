#include "verifier/checks/physical.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "verifier/checks/replay.h"
#include "verifier/report/text.h"

namespace ptv::check {

namespace {

RuleResult& rule(CheckResult& out, RuleId id) { return out.rules[static_cast<std::size_t>(id)]; }

void add(CheckResult& out, Violation v, std::size_t max) {
  RuleResult& rr = rule(out, v.rule);
  rr.status = Status::kViolated;
  ++rr.violations;
  if (out.violations.size() >= max) {
    out.complete = false;
    return;
  }
  out.violations.push_back(std::move(v));
}

void check_canonical(CheckResult& out, const MappingSet& m, std::size_t max) {
  for (const Run& r : m.runs) {
    if (is_canonical(r.range.first, m.mode) && is_canonical(r.range.last, m.mode) &&
        (r.range.last <= lower_half_last(m.mode) || r.range.first >= upper_half_first(m.mode)))
      continue;
    Violation v;
    v.rule = RuleId::kCanonical;
    v.address = r.range.first;
    v.range = r.range;
    v.message = "the dump claims a translation for non-canonical addresses (line " +
                std::to_string(r.provenance.line) + ")";
    add(out, std::move(v), max);
  }
  RuleResult& rr = rule(out, RuleId::kCanonical);
  if (rr.status == Status::kHolds)
    rr.detail = m.tables.empty() ? "every run of the dump is canonical"
                                 : "translations from a walk are canonical by construction";
}

void check_recursive(CheckResult& out, const spec::Spec& spec, const RawContext& raw, const MappingSet& m,
                     std::size_t max) {
  const auto& refs = raw.space->ancestor_refs;
  const spec::RecursiveSlotRule& want = spec.rules.recursive_slot;
  RuleResult& rr = rule(out, RuleId::kRecursiveSlot);
  std::size_t slots = 0;
  bool found_wanted = false;
  for (const AncestorReference& a : refs) {
    if (!a.recursive_slot) continue;
    ++slots;
    const bool ok = want.kind == spec::RecursiveSlotRule::Kind::kAny ||
                    (want.kind == spec::RecursiveSlotRule::Kind::kIndex && a.index == want.index);
    if (want.kind == spec::RecursiveSlotRule::Kind::kIndex && a.index == want.index) found_wanted = true;
    if (ok) continue;
    Violation v;
    v.rule = RuleId::kRecursiveSlot;
    v.address = a.range.first;
    v.range = a.range;
    v.phys = a.entry_address.value();
    std::ostringstream os;
    os << "top-level entry " << a.index << " at " << a.entry_address << " points back to the root table "
       << a.target << " (a recursive slot the spec does not allow here)";
    v.message = os.str();
    v.walk = replay_walk(raw, m, RuleId::kRecursiveSlot, a.range.first);
    add(out, std::move(v), max);
  }
  if (want.kind == spec::RecursiveSlotRule::Kind::kIndex && !found_wanted) {
    Violation v;
    v.rule = RuleId::kRecursiveSlot;
    const std::uint64_t span = entry_span(top_level(spec.rules.paging_mode));
    v.address = canonicalize(span * want.index, spec.rules.paging_mode);
    v.range = VirtRange::from_size(v.address, span);
    v.message = "the spec puts a recursive slot at top-level index " + std::to_string(want.index) +
                ", but that entry does not point back to the root table";
    add(out, std::move(v), max);
  }
  if (rr.status == Status::kHolds)
    rr.detail = std::to_string(slots) + " recursive slot(s) found, as the spec allows";
}

/// The lowest-framed writable alias found so far for one executable leaf run.
struct AliasFound {
  LeafRun w;                              ///< the writable run
  std::uint64_t first = 0, last = 0;      ///< the frames both map, physical, inclusive
};

// [SDM 3A §4.6] Rights are per translation: a frame mapped executable at one address and
// writable at another can be written and then run, whatever each translation says alone. The
// one leaf run that is writable and executable itself is the wx rule's.
void check_aliases(CheckResult& out, const spec::Spec& spec, const RawContext& raw, const MappingSet& m,
                   std::size_t max) {
  RuleResult& rr = rule(out, RuleId::kConflictingAliases);
  if (spec.rules.conflicting_aliases == spec::Policy::kAllowed) {
    rr.detail = "allowed by the spec";
    return;
  }
  // Executable runs are few in any kernel that keeps W^X; they are held, sorted by frame, and
  // the writable runs stream past them. `seq` numbers runs in walk order: each (leaf entry,
  // rights context) is in exactly one run, so equal numbers mean the same translation.
  struct Exec {
    LeafRun run;
    std::size_t seq;
  };
  std::vector<Exec> x;
  std::size_t seq = 0;
  for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& r) {
    if (r.attributes.executable) x.push_back({r, seq});
    ++seq;
  });
  std::stable_sort(x.begin(), x.end(), [](const Exec& a, const Exec& b) { return a.run.frame < b.run.frame; });
  std::vector<std::uint64_t> max_last(x.size());  // max frame_last() of x[0..i]
  for (std::size_t i = 0; i < x.size(); ++i)
    max_last[i] = std::max(i ? max_last[i - 1] : 0, x[i].run.frame_last());

  std::vector<std::optional<AliasFound>> found(x.size());
  seq = 0;
  for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& w) {
    const std::size_t w_seq = seq++;
    if (!w.attributes.writable) return;
    const std::uint64_t a = w.frame.value(), b = w.frame_last();
    // The executable runs starting at or below b; those ending at or above a overlap.
    std::size_t j = static_cast<std::size_t>(
        std::upper_bound(x.begin(), x.end(), b, [](std::uint64_t v, const Exec& e) { return v < e.run.frame.value(); }) -
        x.begin());
    while (j-- > 0 && max_last[j] >= a) {
      const Exec& e = x[j];
      if (e.seq == w_seq || e.run.frame_last() < a) continue;
      const std::uint64_t first = std::max(a, e.run.frame.value()), last = std::min(b, e.run.frame_last());
      std::optional<AliasFound>& f = found[j];
      if (!f || first < f->first) f = AliasFound{w, first, last};
    }
  });

  // Report in walk order of the executable runs.
  std::vector<std::size_t> hits;
  for (std::size_t j = 0; j < x.size(); ++j)
    if (found[j]) hits.push_back(j);
  std::sort(hits.begin(), hits.end(), [&](std::size_t p, std::size_t q) { return x[p].seq < x[q].seq; });
  for (std::size_t j : hits) {
    const LeafRun& xr = x[j].run;
    const AliasFound& f = *found[j];
    const auto kx0 = static_cast<unsigned>((f.first - xr.frame.value()) / xr.page_size());
    const auto kx1 = static_cast<unsigned>((f.last - xr.frame.value()) / xr.page_size());
    const auto kw = static_cast<unsigned>((f.first - f.w.frame.value()) / f.w.page_size());
    Violation v;
    v.rule = RuleId::kConflictingAliases;
    v.address = xr.va(kx0);
    v.range = VirtRange{xr.va(kx0), VirtAddr(xr.va(kx1).value() + (xr.page_size() - 1))};
    v.phys = f.first;
    std::ostringstream os;
    os << "frame " << PhysAddr(f.first) << " is executable at " << xr.va(kx0) << " and writable at " << f.w.va(kw)
       << " (leaf entries " << xr.entry_address(kx0) << " and " << f.w.entry_address(kw) << ")";
    if (kx1 > kx0) os << "; so are the next " << (kx1 - kx0) << " pages of each";
    v.message = os.str();
    v.rights = "executable alias of a writable frame";
    if (out.violations.size() < max) v.walk = replay_walk(raw, m, RuleId::kConflictingAliases, v.address);
    add(out, std::move(v), max);
  }
  if (rr.status == Status::kHolds)
    rr.detail = "no frame is both writable and executable across " + std::to_string(raw.space->leaf_uses) +
                " leaf entries (" + std::to_string(seq) + " runs of contiguous frames)";
}

/// Every address range translated through one of the `flagged` leaf entries: a walk that
/// descends only into tables whose subtree holds a flagged entry. Bounded by `cap` results.
class FlaggedPaths {
 public:
  FlaggedPaths(const RawContext& raw, const std::set<std::uint64_t>& flagged, std::size_t cap)
      : raw_(raw), flagged_(flagged), cap_(cap) {}

  struct Hit {
    VirtRange range;
    PhysAddr entry;
  };
  bool run(std::vector<Hit>& out) {
    const PagingMode mode = raw_.state.mode();
    const PhysAddr root = raw_.root.value_or(raw_.state.root_table());
    return visit(root, top_level(mode), AccumulatedRights{}, 0, out);
  }

 private:
  // A flagged leaf (one mapping a table frame) counts only under a rights context in which it
  // is user-accessible or writable: the same entry reached through a supervisor read-only path
  // exposes nothing, and must not spend the hit budget.
  bool harmful(PhysAddr t, unsigned i, const Entry& e, const AccumulatedRights& above) const {
    if (!flagged_.count(t.value() + 8ull * i)) return false;
    const Attributes a = effective_attributes(above, e, raw_.state);
    return a.user || a.writable;
  }
  bool holds_flagged(PhysAddr t, Level l, const AccumulatedRights& above) {
    const auto key = std::make_tuple(t.value(), static_cast<unsigned>(l), above.key());
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    memo_[key] = false;  // levels strictly decrease, so this guards nothing but keeps it finite
    const auto view = raw_.reader(t);
    bool any = false;
    if (view) {
      for (unsigned i = 0; i < kEntriesPerTable && !any; ++i) {
        const Entry e((*view)[i], l);
        if (!e.p() || e.reserved_bits_set(raw_.state)) continue;
        if (e.leaf()) any = harmful(t, i, e, above);
        else any = holds_flagged(e.address(raw_.state), child_level(l), above.then(e));
      }
    }
    memo_[key] = any;
    return any;
  }
  bool visit(PhysAddr t, Level l, const AccumulatedRights& above, std::uint64_t base, std::vector<Hit>& out) {
    const auto view = raw_.reader(t);
    if (!view) return true;
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Entry e((*view)[i], l);
      if (!e.p() || e.reserved_bits_set(raw_.state)) continue;
      const std::uint64_t b = base + entry_span(l) * i;
      if (e.leaf()) {
        if (!harmful(t, i, e, above)) continue;
        if (out.size() >= cap_) return false;
        const PagingMode mode = raw_.state.mode();
        out.push_back({VirtRange{canonicalize(b, mode), canonicalize(b + e.span() - 1, mode)},
                       PhysAddr(t.value() + 8ull * i)});
      } else if (holds_flagged(e.address(raw_.state), child_level(l), above.then(e))) {
        if (!visit(e.address(raw_.state), child_level(l), above.then(e), b, out)) return false;
      }
    }
    return true;
  }

  const RawContext& raw_;
  const std::set<std::uint64_t>& flagged_;
  std::size_t cap_;
  std::map<std::tuple<std::uint64_t, unsigned, unsigned>, bool> memo_;
};

void check_table_exposure(CheckResult& out, const spec::Spec& spec, const spec::Layout& layout, const RawContext& raw,
                          const MappingSet& m, std::size_t max) {
  RuleResult& rr = rule(out, RuleId::kPageTableExposure);
  std::vector<std::uint64_t> tables;
  for (const ReachedTable& t : raw.space->tables) tables.push_back(t.pa.value());
  std::sort(tables.begin(), tables.end());
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());
  // The leaf entries that map a table frame in a context that can harm it.
  std::set<std::uint64_t> flagged;
  for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& l) {
    if (!l.attributes.user && !l.attributes.writable) return;
    for (auto it = std::lower_bound(tables.begin(), tables.end(), l.frame.value());
         it != tables.end() && *it <= l.frame_last(); ++it)
      flagged.insert(l.entry_address(static_cast<unsigned>((*it - l.frame.value()) / l.page_size())).value());
  });
  if (flagged.empty()) {
    rr.detail = "no user-accessible or writable translation maps any of the " + std::to_string(tables.size()) +
                " table frames";
    return;
  }
  std::vector<FlaggedPaths::Hit> hits;
  FlaggedPaths paths(raw, flagged, 100'000);
  if (!paths.run(hits)) {
    rr.status = Status::kUnknown;
    rr.detail = "more than 100000 translations reach page-table frames; not all were examined";
  }
  auto allowed_writable = [&](const VirtRange& r) {
    for (const spec::PlacedRegion& p : layout.regions) {
      if (spec.regions[p.index].maps_page_tables && p.range.contains(r)) return true;
    }
    return false;
  };
  std::size_t checked = 0;
  // The previous offending hit: where it ended, its finding, and the listed violation it went
  // to (none once the list is full). A hit continuing it with the same finding widens it, and
  // is neither counted again nor replayed, whether or not it made the list.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::optional<std::uint64_t> prev_next;  // first address after the previous offending hit
  bool prev_user = false;
  std::size_t prev_listed = kNone;
  for (const FlaggedPaths::Hit& h : hits) {
    const WalkResult w = walk(raw.state, raw.reader, h.range.first, raw.root);
    if (!w.translation) continue;
    ++checked;
    const Attributes& a = w.translation->attributes;
    const bool bad_user = a.user;
    const bool bad_write = a.writable && !allowed_writable(h.range);
    if (!bad_user && !bad_write) continue;
    const auto hit_next = h.range.end();
    if (prev_next && prev_user == bad_user && *prev_next == h.range.first.value()) {
      if (prev_listed != kNone) out.violations[prev_listed].range.last = h.range.last;
      prev_next = hit_next ? std::optional<std::uint64_t>(hit_next->value()) : std::nullopt;
      continue;
    }
    Violation v;
    v.rule = RuleId::kPageTableExposure;
    v.address = h.range.first;
    v.range = h.range;
    v.phys = w.translation->frame.value();
    std::ostringstream os;
    os << "page-table frames are " << (bad_user ? "user-accessible through " : "writable through ") << h.range.first
       << (bad_user ? "" : ", outside every region allowed to map page tables (maps_page_tables)");
    v.message = os.str();
    std::ostringstream r;
    r << a;
    v.rights = r.str();
    v.walk = replay_walk(raw, m, RuleId::kPageTableExposure, h.range.first);
    const std::size_t before = out.violations.size();
    add(out, std::move(v), max);
    prev_listed = out.violations.size() > before ? before : kNone;
    prev_user = bad_user;
    prev_next = hit_next ? std::optional<std::uint64_t>(hit_next->value()) : std::nullopt;
  }
  if (rr.status == Status::kHolds)
    rr.detail = std::to_string(checked) + " translations reach page-table frames, all supervisor-only and inside "
                "regions allowed to map tables";
}

// Rules `check_physical` cannot decide: each becomes `status` with `why`, unless already violated.
void mark_undecided(CheckResult& out, std::initializer_list<RuleId> ids, Status status, const std::string& why) {
  for (RuleId id : ids) {
    RuleResult& rr = rule(out, id);
    if (rr.status == Status::kViolated) continue;
    rr.status = status;
    rr.detail = why;
  }
}

}  // namespace

void check_physical(CheckResult& out, const MappingSet& m, const spec::Spec& spec, const spec::Layout& layout,
                    const RawContext* raw, std::size_t max) {
  check_canonical(out, m, max);
  if (!raw || !raw->space) {
    mark_undecided(out,
                   {RuleId::kReservedBits, RuleId::kRecursiveSlot, RuleId::kConflictingAliases,
                    RuleId::kPageTableExposure},
                   Status::kNotApplicable,
                   "needs raw memory: a " + m.format + " dump does not show entries, frames or tables");
    return;
  }
  check_recursive(out, spec, *raw, m, max);
  check_aliases(out, spec, *raw, m, max);
  check_table_exposure(out, spec, layout, *raw, m, max);
}

}  // namespace ptv::check
