#include "verifier/checks/physical.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <sstream>

#include "models/format.h"
#include "verifier/checks/check_steps.h"
#include "verifier/checks/replay.h"

namespace ptv::check {

namespace {

using detail::rule_result;

void add(CheckResult& out, Violation v, std::size_t max) {
  RuleResult& rr = rule_result(out, v.rule);
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
    v.message =
        "the dump claims a translation for non-canonical addresses (line " + std::to_string(r.provenance.line) + ")";
    add(out, std::move(v), max);
  }
  RuleResult& rr = rule_result(out, RuleId::kCanonical);
  if (rr.status == Status::kHolds)
    rr.detail = m.tables.empty() ? "every run of the dump is canonical"
                                 : "translations from a walk are canonical by construction";
}

/// The extents of the regions the spec excepts from `rule` (§6.1), placed.
std::vector<VirtRange> excepted_extents(const spec::Spec& spec, const spec::Layout& layout, RuleId rule) {
  std::vector<VirtRange> out;
  for (const spec::RuleException& e : spec.exceptions)
    if (e.rule == static_cast<std::size_t>(rule)) out.push_back(layout.regions[e.region].range);
  return out;
}

bool inside_one(const std::vector<VirtRange>& extents, const VirtRange& r) {
  return std::any_of(extents.begin(), extents.end(), [&](const VirtRange& x) { return x.contains(r); });
}

void check_recursive(CheckResult& out, const spec::Spec& spec, const spec::Layout& layout, const RawContext& raw,
                     const MappingSet& m, std::size_t max) {
  // §6.1: a slot (one that should not be there, or the one the spec names and misses) whose
  // whole address range lies in an excepted region is excused.
  const std::vector<VirtRange> excepted = excepted_extents(spec, layout, RuleId::kRecursiveSlot);
  const auto& refs = raw.space->ancestor_refs;
  const spec::RecursiveSlotRule& want = spec.rules.recursive_slot;
  RuleResult& rr = rule_result(out, RuleId::kRecursiveSlot);
  std::size_t slots = 0;
  bool found_wanted = false;
  for (const AncestorReference& a : refs) {
    if (!a.recursive_slot) continue;
    ++slots;
    const bool ok = want.kind == spec::RecursiveSlotRule::Kind::kAny ||
                    (want.kind == spec::RecursiveSlotRule::Kind::kIndex && a.index == want.index);
    if (want.kind == spec::RecursiveSlotRule::Kind::kIndex && a.index == want.index) found_wanted = true;
    if (ok || inside_one(excepted, a.range)) continue;
    Violation v;
    v.rule = RuleId::kRecursiveSlot;
    v.address = a.range.first;
    v.range = a.range;
    v.phys = a.entry_address.value();
    std::ostringstream os;
    os << "top-level entry " << a.index << " at " << a.entry_address << " points back to the root table " << a.target
       << " (a recursive slot the spec does not allow here)";
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
    if (!inside_one(excepted, v.range)) add(out, std::move(v), max);
  }
  if (rr.status == Status::kHolds) rr.detail = std::to_string(slots) + " recursive slot(s) found, as the spec allows";
}

// Executable runs are few in any kernel that keeps W^X; they are held, sorted by frame, and
// the writable runs stream past them. `seq` numbers runs in walk order: each (leaf entry,
// rights context) is in exactly one run, so equal numbers mean the same translation.
struct Exec {
  LeafRun run;
  std::size_t seq;
};

/// Frames some other translation writes in the way that matters (see check_aliases), with one
/// writable run that does it.
struct Aliased {
  std::uint64_t first, last;  ///< physical, inclusive
  LeafRun w;
};

/// The executable runs, sorted by frame.
std::vector<Exec> executable_runs(const RawContext& raw) {
  std::vector<Exec> x;
  std::size_t seq = 0;
  for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& r) {
    if (r.attributes.executable) x.push_back({r, seq});
    ++seq;
  });
  std::stable_sort(x.begin(), x.end(), [](const Exec& a, const Exec& b) { return a.run.frame < b.run.frame; });
  return x;
}

struct AliasedFrames {
  std::vector<std::vector<Aliased>> of;  ///< per executable run of `x`, in its order
  std::size_t runs = 0;                  ///< leaf runs walked
};

/// The frames of [lo, hi] (physical, inclusive) that the run maps into one of `extents`
/// (virtual): the run maps frame p at first_va + (p - frame).
void excused_frames(const LeafRun& run, std::uint64_t lo, std::uint64_t hi, const std::vector<VirtRange>& extents,
                    std::vector<std::pair<std::uint64_t, std::uint64_t>>& out) {
  const std::uint64_t shift = run.first_va.value() - run.frame.value();  // va = pa + shift (mod 2^64)
  const std::uint64_t va_lo = lo + shift, va_hi = hi + shift;
  for (const VirtRange& x : extents) {
    const std::uint64_t a = std::max(va_lo, x.first.value()), b = std::min(va_hi, x.last.value());
    if (a <= b) out.emplace_back(a - shift, b - shift);
  }
}

/// [lo, hi] less the frames at which the alias of runs x and w is excused (§6.1: one of the two
/// translations maps the frame at an address in an excepted region's extent), as intervals.
std::vector<std::pair<std::uint64_t, std::uint64_t>> unexcused(const LeafRun& x, const LeafRun& w, std::uint64_t lo,
                                                               std::uint64_t hi,
                                                               const std::vector<VirtRange>& extents) {
  if (extents.empty()) return {{lo, hi}};
  std::vector<std::pair<std::uint64_t, std::uint64_t>> cut;
  excused_frames(x, lo, hi, extents, cut);
  excused_frames(w, lo, hi, extents, cut);
  std::sort(cut.begin(), cut.end());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  std::uint64_t next = lo;  // the first frame byte not yet placed
  bool done = false;
  for (const auto& [a, b] : cut) {
    if (done || b < next) continue;
    if (a > next) out.emplace_back(next, a - 1);
    if (b >= hi)
      done = true;
    else
      next = b + 1;
  }
  if (!done) out.emplace_back(next, hi);
  return out;
}

/// For each executable run of `x`, its aliased frames (less those the exceptions excuse).
AliasedFrames aliased_frames(const RawContext& raw, const std::vector<Exec>& x,
                             const std::vector<VirtRange>& excepted) {
  std::vector<std::uint64_t> max_last(x.size());  // max frame_last() of x[0..i]
  for (std::size_t i = 0; i < x.size(); ++i) max_last[i] = std::max(i ? max_last[i - 1] : 0, x[i].run.frame_last());
  std::vector<std::vector<Aliased>> found(x.size());
  std::size_t seq = 0;
  for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& w) {
    const std::size_t w_seq = seq++;
    if (!w.attributes.writable) return;
    const std::uint64_t a = w.frame.value(), b = w.frame_last();
    // The executable runs starting at or below b; those ending at or above a overlap.
    std::size_t j = static_cast<std::size_t>(
        std::upper_bound(x.begin(), x.end(), b,
                         [](std::uint64_t v, const Exec& e) { return v < e.run.frame.value(); }) -
        x.begin());
    while (j-- > 0 && max_last[j] >= a) {
      const Exec& e = x[j];
      if (e.seq == w_seq || e.run.frame_last() < a) continue;
      const Attributes& xa = e.run.attributes;
      const bool supervisor_hole = xa.supervisor_executable;  // any writer
      const bool user_hole = xa.user && xa.executable && w.attributes.user_writable;
      if (!supervisor_hole && !user_hole) continue;
      for (const auto& [lo, hi] :
           unexcused(e.run, w, std::max(a, e.run.frame.value()), std::min(b, e.run.frame_last()), excepted))
        found[j].push_back({lo, hi, w});
    }
  });
  return {std::move(found), seq};
}

/// The violation of frames [head.first, last] of the executable run xr, aliased by head.w.
Violation alias_violation(const LeafRun& xr, const Aliased& head, std::uint64_t last) {
  auto va_of = [&](std::uint64_t pa) { return VirtAddr(xr.first_va.value() + (pa - xr.frame.value())); };
  const LeafRun& w = head.w;
  const auto kx = static_cast<unsigned>((head.first - xr.frame.value()) / xr.page_size());
  const auto kw = static_cast<unsigned>((head.first - w.frame.value()) / w.page_size());
  const VirtAddr w_va(w.first_va.value() + (head.first - w.frame.value()));
  Violation v;
  v.rule = RuleId::kConflictingAliases;
  v.address = va_of(head.first);
  v.range = VirtRange{va_of(head.first), va_of(last)};
  v.phys = head.first;
  const bool supervisor = xr.attributes.supervisor_executable;
  std::ostringstream os;
  os << "frame " << PhysAddr(head.first) << " is " << (supervisor ? "executable" : "user-executable") << " at "
     << v.address << " and " << (supervisor ? "writable" : "user-writable") << " at " << w_va << " (leaf entries "
     << xr.entry_address(kx) << " and " << w.entry_address(kw) << ")";
  constexpr std::uint64_t k4K = page_size(Level::kPt);
  if (last > head.first + (k4K - 1)) os << "; so are the next " << (last - head.first + 1) / k4K - 1 << " 4 KiB frames";
  v.message = os.str();
  v.rights.alias = supervisor ? AliasKind::kSupervisor : AliasKind::kUser;
  return v;
}

/// One violation per maximal interval of aliased frames of an executable run, in walk order.
void add_alias_violations(CheckResult& out, const RawContext& raw, const MappingSet& m, const std::vector<Exec>& x,
                          std::vector<std::vector<Aliased>>& found, std::size_t max) {
  std::vector<std::size_t> hits;
  for (std::size_t j = 0; j < x.size(); ++j)
    if (!found[j].empty()) hits.push_back(j);
  std::sort(hits.begin(), hits.end(), [&](std::size_t p, std::size_t q) { return x[p].seq < x[q].seq; });
  for (std::size_t j : hits) {
    std::vector<Aliased>& f = found[j];
    std::sort(f.begin(), f.end(), [](const Aliased& p, const Aliased& q) { return p.first < q.first; });
    std::size_t k = 0;
    while (k < f.size()) {
      const Aliased& head = f[k];
      std::uint64_t last = head.last;
      while (k + 1 < f.size() && f[k + 1].first <= last + 1) last = std::max(last, f[++k].last);
      ++k;
      Violation v = alias_violation(x[j].run, head, last);
      if (out.violations.size() < max) v.walk = replay_walk(raw, m, RuleId::kConflictingAliases, v.address);
      add(out, std::move(v), max);
    }
  }
}

/// Tables outside the dump could hold leaves of any rights their entries above allow: whether
/// an alias with one of them, or between two of them, cannot be ruled out.
bool aliases_possible_outside(const RawContext& raw, const MappingSet& m) {
  bool can_w = false, can_sx = false, can_uw = false, can_ux = false;
  for (const UnknownRange& u : m.unknown) {
    can_w = can_w || u.writable != Tri::kNo;
    can_sx = can_sx || u.supervisor_executable != Tri::kNo;
    can_uw = can_uw || u.user_writable != Tri::kNo;
    can_ux = can_ux || (u.user != Tri::kNo && u.executable != Tri::kNo);
  }
  bool any_w = false, any_sx = false, any_uw = false, any_ux = false;
  if (can_w || can_sx || can_uw || can_ux)
    for_each_leaf_run(*raw.space, raw.state, raw.reader, [&](const LeafRun& l) {
      any_w = any_w || l.attributes.writable;
      any_sx = any_sx || l.attributes.supervisor_executable;
      any_uw = any_uw || l.attributes.user_writable;
      any_ux = any_ux || (l.attributes.user && l.attributes.executable);
    });
  return (can_w && (can_sx || any_sx)) || (can_sx && any_w) || (can_uw && (can_ux || any_ux)) || (can_ux && any_uw);
}

// [SDM 3A §4.6; docs/spec-language.md §6] Rights are per translation: a frame that one
// translation lets the supervisor execute and another lets anyone write can be written and then
// run in kernel mode; a frame that user mode may execute through one translation and write
// through another is a user-mode W^X hole. A frame user mode executes and only the supervisor
// writes is how the kernel fills page caches (with SMEP the supervisor cannot run it), not a
// hole. A translation is a (leaf entry, rights context) pair: the one leaf run that is writable
// and executable itself is the wx rule's.
void check_aliases(CheckResult& out, const spec::Spec& spec, const spec::Layout& layout, const RawContext& raw,
                   const MappingSet& m, std::size_t max) {
  RuleResult& rr = rule_result(out, RuleId::kConflictingAliases);
  if (spec.rules.conflicting_aliases == spec::Policy::kAllowed) {
    rr.detail = "allowed by the spec";
    return;
  }
  const std::vector<Exec> x = executable_runs(raw);
  AliasedFrames found = aliased_frames(raw, x, excepted_extents(spec, layout, RuleId::kConflictingAliases));
  add_alias_violations(out, raw, m, x, found.of, max);
  if (rr.status != Status::kHolds) return;
  if (aliases_possible_outside(raw, m)) {
    rr.status = Status::kUnknown;
    rr.detail =
        "no alias among the tables held, but tables outside the dump could map a frame that one "
        "translation writes and another executes";
    return;
  }
  rr.detail =
      "no frame is executable through one translation and writable (by a privilege that matters) through "
      "another, across " +
      decimal(raw.space->leaf_uses) + " leaf entries (" + decimal(found.runs) + " runs of contiguous frames)";
}

// Rules `check_physical` cannot decide: each becomes `status` with `why`, unless already violated.
void mark_undecided(CheckResult& out, std::initializer_list<RuleId> ids, Status status, const std::string& why) {
  for (RuleId id : ids) {
    RuleResult& rr = rule_result(out, id);
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
    mark_undecided(out, {RuleId::kRecursiveSlot, RuleId::kConflictingAliases, RuleId::kPageTableExposure},
                   Status::kNotApplicable,
                   "needs raw memory: a " + m.format + " dump does not show entries, frames or tables");
    return;
  }
  if (raw->assumptions_matter) {
    mark_undecided(out, {RuleId::kRecursiveSlot, RuleId::kConflictingAliases}, Status::kUnknown,
                   "the dump's translations depend on processor facts it does not give (see the assumptions): the "
                   "walk this rule reads is one of several possible");
    return;
  }
  check_recursive(out, spec, layout, *raw, m, max);
  check_aliases(out, spec, layout, *raw, m, max);
}

}  // namespace ptv::check
