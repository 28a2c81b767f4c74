// The oracle's rules, from docs/spec-language.md §5.4 and §6 and docs/check.md "Rules": the
// canonical space is cut into elementary intervals on which the translation, the regions that
// govern and the page-table-frame status are constant; each rule is decided on each interval
// for every way the translation could be (one way when the walk read every table it needed).
#include "rule_oracle.h"

#include <algorithm>
#include <bitset>
#include <stdexcept>
#include <tuple>

namespace ptv::oracle {

namespace {

enum Rule : std::size_t {
  kCanonical,
  kNullGuard,
  kUserKernelSplit,
  kSupervisorInUserHalf,
  kWx,
  kRegionRights,
  kRegionRequiredRights,
  kRequiredMapped,
  kGuardUnmapped,
  kOutsideRegions,
  kPageSize,
  kReservedBits,
  kRecursiveSlot,
  kConflictingAliases,
  kPageTableExposure,
  kPhysicalLayout,
  kRuleCount
};
using Violated = std::bitset<kRuleCount>;

constexpr std::uint64_t kAll = ~std::uint64_t{0};
constexpr std::uint64_t kG = std::uint64_t{1} << 8;
constexpr std::uint64_t k4K = 0x1000, k2M = 0x20'0000, k1G = 0x4000'0000;

/// One way the translation of an address can be.
struct Outcome {
  bool mapped = false;  ///< a translation exists
  bool fault = false;   ///< the walk stops at a reserved bit (no translation)
  Rights rights;
  std::uint64_t size = 0;
  bool table_frame = false;  ///< the 4 KiB frame reached is a paging structure of the walk
  bool frame_known = true;   ///< mapped: the frame is the walk's (not below an unreadable table)
  std::uint64_t delta = 0;   ///< mapped, frame_known: VA - PA
};

/// Per region: the offset of its physical layout (PA = VA - offset), if it states one.
using Offsets = std::vector<std::optional<std::uint64_t>>;

/// What governs an address (spec-language.md §5.4).
struct Place {
  std::uint64_t a = 0;
  bool kernel_half = false;
  struct Governor {
    std::size_t region;
    bool guard;  ///< a is a guard address of this region
  };
  std::vector<Governor> governors;  ///< innermost regions covering a (two only when siblings overlap)
  bool vsyscall_excused = false;    ///< "the" vsyscall page governs a, under vsyscall-only
  bool may_map_tables = false;      ///< a governing region has maps_page_tables
  Violated excepted;                ///< rules an exception lifts here: a lies in an excepted region's extent
};

std::uint8_t rights_bits(const Rights& r) {
  std::uint8_t b = 0;
  if (r.user) b |= spec::Rights::kUser;
  if (r.writable) b |= spec::Rights::kWritable;
  if (r.executable) b |= spec::Rights::kExecutable;
  if (r.global) b |= spec::Rights::kGlobal;
  return b;
}

bool size_allowed(spec::PageSizes sizes, std::uint64_t size) {
  return (size == k4K && sizes.has(spec::PageSizes::k4K)) || (size == k2M && sizes.has(spec::PageSizes::k2M)) ||
         (size == k1G && sizes.has(spec::PageSizes::k1G));
}

/// The address rules one outcome breaks at one place.
Violated violations(const spec::Spec& spec, const Offsets& offsets, const Place& p, const Outcome& o) {
  const spec::Rules& rules = spec.rules;
  const Rights& r = o.rights;
  Violated v;
  v[kNullGuard] = o.mapped && p.a < rules.null_guard;
  v[kUserKernelSplit] = o.mapped && p.kernel_half && r.user &&
                        rules.user_in_kernel_half != spec::UserInKernelHalf::kAllowed && !p.vsyscall_excused;
  v[kSupervisorInUserHalf] =
      o.mapped && !p.kernel_half && !r.user && rules.supervisor_in_user_half == spec::Policy::kForbidden;
  v[kWx] = o.mapped && rules.wx == spec::Policy::kForbidden &&
           ((r.writable && r.supervisor_executable) || (r.user_writable && r.user_executable));
  for (const Place::Governor& g : p.governors) {
    const spec::Region& reg = spec.regions[g.region];
    if (g.guard) {
      v[kGuardUnmapped] = v[kGuardUnmapped] || o.mapped;
      continue;
    }
    const std::uint8_t have = rights_bits(r);
    v[kRegionRights] = v[kRegionRights] || (o.mapped && (have & ~reg.allowed.bits) != 0);
    v[kRegionRequiredRights] = v[kRegionRequiredRights] || (o.mapped && (reg.required.bits & ~have) != 0);
    v[kRequiredMapped] = v[kRequiredMapped] || (reg.must == spec::Must::kMapped && !o.mapped);
    v[kPageSize] = v[kPageSize] || (o.mapped && !size_allowed(reg.page_sizes, o.size));
    v[kPhysicalLayout] =
        v[kPhysicalLayout] || (o.mapped && offsets[g.region] && (!o.frame_known || o.delta != *offsets[g.region]));
  }
  v[kOutsideRegions] = o.mapped && p.governors.empty() && rules.outside_regions == spec::Policy::kForbidden;
  v[kReservedBits] = o.fault;
  v[kPageTableExposure] = o.mapped && o.table_frame && (r.user || (r.writable && !p.may_map_tables));
  return v;
}

/// Where `a` falls in a placed region: 0 outside its cover, 1 element (or a plain region), 2
/// an array's guard. An array's gaps are outside its cover (§5.3).
int cover(const spec::PlacedRegion& pr, bool is_array, std::uint64_t a) {
  if (!pr.range.contains(VirtAddr(a))) return 0;
  if (!is_array) return 1;
  const std::uint64_t off = a - pr.range.first.value();
  std::uint64_t i = pr.stride == 0 ? 0 : std::min(off / pr.stride, pr.count - 1);
  int found = 0;
  for (;; --i) {  // every element whose element-and-guard span could reach off (one, unless they overlap)
    const std::uint64_t in = off - i * pr.stride;
    if (in < pr.size) return 1;
    if (in < pr.size + pr.guard) found = 2;
    if (i == 0 || off - (i - 1) * pr.stride >= pr.size + pr.guard) break;
  }
  return found;
}

class Evaluator {
 public:
  Evaluator(const Machine& m, const spec::Layout& layout)
      : m_(m), layout_(layout), spec_(*layout.spec), w_(walk_machine(m)) {
    if ((spec_.rules.paging_mode == PagingMode::k5Level ? 5u : 4u) != m.levels)
      throw std::invalid_argument("the spec's paging_mode is not the machine's");
    const unsigned width = 12 + 9 * m.levels;
    lower_last_ = (std::uint64_t{1} << (width - 1)) - 1;
    upper_first_ = ~lower_last_;
    for (const spec::Region& r : spec_.regions) offsets_.push_back(offset_of(r));
    for (std::size_t i = 0; i < spec_.regions.size(); ++i) {
      const spec::Region& r = spec_.regions[i];
      if (r.kind == spec::RegionKind::kVsyscall && layout_.regions[i].range.size_or_zero() == k4K &&
          r.allowed.has(spec::Rights::kUser)) {
        vsyscall_ = i;
        break;
      }
    }
  }

  OracleResult run() {
    std::vector<std::vector<Interval>> must(kRuleCount), may(kRuleCount);
    for (const auto& [b, e] : elementary_intervals()) {
      const Place p = place(b);
      const std::vector<Outcome> ways = outcomes(b);
      Violated all, any;
      all.set();
      for (const Outcome& o : ways) {
        const Violated v = violations(spec_, offsets_, p, o) & ~p.excepted;
        all &= v;
        any |= v;
      }
      for (std::size_t r = 0; r < kRuleCount; ++r) {
        if (all[r])
          must[r].push_back({b, e});
        else if (any[r])
          may[r].push_back({b, e});
      }
    }
    recursive_slot(must[kRecursiveSlot], may[kRecursiveSlot]);
    if (spec_.rules.conflicting_aliases == spec::Policy::kForbidden)
      aliases(must[kConflictingAliases], may[kConflictingAliases]);

    OracleResult out;
    for (std::size_t r = 0; r < kRuleCount; ++r) {
      RuleAnswer a;
      a.rule = kRuleNames[r];
      a.must = normalize(must[r]);
      a.may = subtract(normalize(may[r]), a.must);
      a.status = !a.must.empty() ? Verdict::kViolated : !a.may.empty() ? Verdict::kUnknown : Verdict::kHolds;
      out.rules.push_back(std::move(a));
    }
    return out;
  }

 private:
  /// Cut points: every piece, every 4 KiB page mapping a table frame, every region's extent,
  /// element and guard, the null guard and the canonical halves.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> elementary_intervals() const {
    std::vector<std::uint64_t> cuts{0, lower_last_ + 1, upper_first_};
    auto cut = [&](std::uint64_t first, std::uint64_t last) {
      cuts.push_back(first);
      if (last != kAll) cuts.push_back(last + 1);
    };
    for (const Piece& p : w_.pieces) {
      cut(p.first, p.last);
      if (p.kind != Piece::Kind::kMapped) continue;
      for (auto it = w_.tables.lower_bound(p.frame); it != w_.tables.end() && *it - p.frame < p.size; ++it)
        cut(p.first + (*it - p.frame), p.first + (*it - p.frame) + (k4K - 1));
    }
    if (spec_.rules.null_guard > 0) cut(0, spec_.rules.null_guard - 1);
    for (const spec::PlacedRegion& pr : layout_.regions) {
      cut(pr.range.first.value(), pr.range.last.value());
      if (!spec_.regions[pr.index].is_array()) continue;
      for (std::uint64_t i = 0; i < pr.count; ++i) {
        const std::uint64_t s = pr.range.first.value() + i * pr.stride;
        cut(s, s + (pr.size - 1));
        if (pr.guard > 0) cut(s + pr.size, s + pr.size + (pr.guard - 1));
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      const std::uint64_t b = cuts[k], e = k + 1 < cuts.size() ? cuts[k + 1] - 1 : kAll;
      if (b > lower_last_ && b < upper_first_) continue;  // non-canonical: no walk happens
      out.emplace_back(b, e);
    }
    return out;
  }

  Place place(std::uint64_t a) const {
    Place p;
    p.a = a;
    p.kernel_half = a >= upper_first_;
    for (const spec::RuleException& e : spec_.exceptions)
      if (in_excepted(e, a)) p.excepted[rule_of(e)] = true;
    std::vector<std::pair<std::size_t, int>> covering;
    for (const spec::PlacedRegion& pr : layout_.regions)
      if (const int c = cover(pr, spec_.regions[pr.index].is_array(), a)) covering.emplace_back(pr.index, c);
    for (const auto& [r, c] : covering) {
      const bool has_covering_descendant = std::any_of(covering.begin(), covering.end(), [&, r = r](const auto& d) {
        return d.first != r && spec_.is_ancestor_or_self(r, d.first);
      });
      if (has_covering_descendant) continue;
      const spec::Region& reg = spec_.regions[r];
      const bool guard = reg.must == spec::Must::kUnmapped || reg.kind == spec::RegionKind::kGuard || c == 2;
      p.governors.push_back({r, guard});
      if (vsyscall_ == r && spec_.rules.user_in_kernel_half == spec::UserInKernelHalf::kVsyscallOnly)
        p.vsyscall_excused = true;
      if (reg.maps_page_tables) p.may_map_tables = true;
    }
    return p;
  }

  /// Every way the translation of `a` can be: one when the walk knows it.
  std::vector<Outcome> outcomes(std::uint64_t a) const {
    auto it = std::upper_bound(w_.pieces.begin(), w_.pieces.end(), a,
                               [](std::uint64_t v, const Piece& p) { return v < p.first; });
    if (it == w_.pieces.begin() || (--it)->last < a) return {Outcome{}};
    const Piece& p = *it;
    if (p.kind == Piece::Kind::kFault) return {Outcome{false, true, {}, 0, false, true, 0}};
    if (p.kind == Piece::Kind::kMapped) {
      Outcome o{
          true, false, effective_rights(p.acc, (p.raw & kG) != 0, m_.cpu), p.size, false, true, p.first - p.frame};
      const std::uint64_t frame = (p.frame + (a - p.first)) & ~(k4K - 1);
      o.table_frame = w_.tables.count(frame) != 0;
      if (o.table_frame || !w_.missing_upper_table) return {o};
      Outcome t = o;  // an unreadable table may point to tables anywhere, this frame too
      t.table_frame = true;
      return {o, t};
    }
    // An unreadable table: no translation, a fault, or any leaf its context allows.
    std::vector<Outcome> ways{Outcome{}, Outcome{false, true, {}, 0, false, true, 0}};
    std::vector<std::uint64_t> sizes{k4K};
    if (p.level >= 2) sizes.push_back(k2M);
    if (p.level >= 3 && m_.cpu.page_1gb) sizes.push_back(k1G);
    for (int us = 0; us <= (p.above.us ? 1 : 0); ++us)
      for (int rw = 0; rw <= (p.above.rw ? 1 : 0); ++rw)
        for (int xd = p.above.xd ? 1 : 0; xd <= (m_.cpu.efer_nxe ? 1 : 0); ++xd)
          for (int g = 0; g <= 1; ++g)
            for (std::uint64_t size : sizes)
              for (int tf = 0; tf <= 1; ++tf)
                ways.push_back(Outcome{true, false, effective_rights(Acc{rw != 0, us != 0, xd != 0}, g != 0, m_.cpu),
                                       size, tf != 0, false, 0});
    return ways;
  }

  /// The rule an exception names: its id's place in kRuleNames (the docs' table order).
  static std::size_t rule_of(const spec::RuleException& e) {
    const std::string_view id = spec::kCheckRuleIds.at(e.rule);
    for (std::size_t r = 0; r < kRuleCount; ++r)
      if (kRuleNames[r] == id) return r;
    throw std::invalid_argument("an exception names an unknown rule");
  }
  /// a lies in the extent (first to last byte, gaps and nested regions included) of the
  /// exception's region.
  bool in_excepted(const spec::RuleException& e, std::uint64_t a) const {
    const spec::PlacedRegion& pr = layout_.regions.at(e.region);
    return pr.range.first.value() <= a && a <= pr.range.last.value();
  }
  bool excepted_at(std::size_t rule, std::uint64_t a) const {
    for (const spec::RuleException& e : spec_.exceptions)
      if (rule_of(e) == rule && in_excepted(e, a)) return true;
    return false;
  }

  std::uint64_t slot_span() const { return std::uint64_t{1} << (12 + 9 * (m_.levels - 1)); }
  Interval slot(unsigned i) const {
    const std::uint64_t off = slot_span() * i;
    const std::uint64_t first = off > lower_last_ ? off | upper_first_ : off;
    return {first, first + (slot_span() - 1)};
  }

  void recursive_slot(std::vector<Interval>& must, std::vector<Interval>& may) const {
    const spec::RecursiveSlotRule& want = spec_.rules.recursive_slot;
    if (want.kind == spec::RecursiveSlotRule::Kind::kAny) return;
    if (w_.root_missing) {
      may.push_back({0, lower_last_});
      may.push_back({upper_first_, kAll});
      return;
    }
    // A slot is excused when its every address lies in a region excepted from the rule.
    auto excused = [&](const Interval& s) {
      for (const spec::RuleException& e : spec_.exceptions)
        if (rule_of(e) == kRecursiveSlot && in_excepted(e, s.first) && in_excepted(e, s.last)) return true;
      return false;
    };
    bool wanted_found = false;
    for (unsigned i : w_.recursive_slots) {
      if (want.kind == spec::RecursiveSlotRule::Kind::kIndex && i == want.index)
        wanted_found = true;
      else if (!excused(slot(i)))
        must.push_back(slot(i));
    }
    if (want.kind == spec::RecursiveSlotRule::Kind::kIndex && !wanted_found && !excused(slot(want.index)))
      must.push_back(slot(want.index));
  }

  // A translation is a (leaf entry, level, rights context) triple; its frames are 4 KiB frames.
  // Its address is that of its first piece (the lowest address it is reached at).
  struct Translation {
    std::uint64_t first, last;  // physical
    Rights r;
    std::uint64_t va;  // the virtual address of frame `first`
  };

  void aliases(std::vector<Interval>& must, std::vector<Interval>& may) const {
    std::map<std::tuple<std::uint64_t, unsigned, Acc>, Translation> unique;
    for (const Piece& p : w_.pieces)
      if (p.kind == Piece::Kind::kMapped)
        unique.emplace(
            std::make_tuple(p.entry_pa, p.level, p.above),
            Translation{p.frame, p.frame + (p.size - 1), effective_rights(p.acc, (p.raw & kG) != 0, m_.cpu), p.first});
    std::vector<Translation> ts;
    std::vector<std::uint64_t> cuts;
    for (const auto& [key, t] : unique) {
      ts.push_back(t);
      cuts.push_back(t.first);
      if (t.last != kAll) cuts.push_back(t.last + 1);
      // Where the translation enters or leaves an excepted region, in frames.
      for (const spec::RuleException& e : spec_.exceptions) {
        if (rule_of(e) != kConflictingAliases) continue;
        const VirtRange x = layout_.regions.at(e.region).range;
        const std::uint64_t va_last = t.va + (t.last - t.first);
        if (x.first.value() > t.va && x.first.value() <= va_last) cuts.push_back(t.first + (x.first.value() - t.va));
        if (x.last.value() >= t.va && x.last.value() < va_last) cuts.push_back(t.first + (x.last.value() + 1 - t.va));
      }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    // What an unreadable table could add: a leaf with any rights its context allows.
    bool can_w = false, can_sx = false, can_uw = false, can_ux = false;
    for (const Piece& p : w_.pieces) {
      if (p.kind != Piece::Kind::kUnknown) continue;
      const bool exec = !m_.cpu.efer_nxe || !p.above.xd;
      can_w = can_w || p.above.rw || !m_.cpu.cr0_wp;
      can_sx = can_sx || exec;
      can_uw = can_uw || (p.above.us && p.above.rw);
      can_ux = can_ux || (p.above.us && exec);
    }
    if ((can_w && can_sx) || (can_uw && can_ux)) {
      const std::uint64_t top = m_.cpu.maxphyaddr >= 64 ? kAll : (std::uint64_t{1} << m_.cpu.maxphyaddr) - 1;
      may.push_back({0, top});
    }
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      const std::uint64_t b = cuts[k], e = k + 1 < cuts.size() ? cuts[k + 1] - 1 : kAll;
      std::vector<std::size_t> sx, w, ux, uw;
      for (std::size_t i = 0; i < ts.size(); ++i) {
        if (ts[i].first > b || ts[i].last < b) continue;
        if (ts[i].r.supervisor_executable) sx.push_back(i);
        if (ts[i].r.writable) w.push_back(i);
        if (ts[i].r.user_executable) ux.push_back(i);
        if (ts[i].r.user_writable) uw.push_back(i);
      }
      // Two distinct translations, one from each list.
      auto pair = [](const std::vector<std::size_t>& x, const std::vector<std::size_t>& y) {
        return !x.empty() && !y.empty() && !(x.size() == 1 && y.size() == 1 && x[0] == y[0]);
      };
      // A pair is excused when either translation maps the frame in an excepted region.
      auto unexcused = [&](std::vector<std::size_t> v) {
        std::erase_if(v, [&](std::size_t i) { return excepted_at(kConflictingAliases, ts[i].va + (b - ts[i].first)); });
        return v;
      };
      if (pair(unexcused(sx), unexcused(w)) || pair(unexcused(ux), unexcused(uw)))
        must.push_back({b, e});
      else if ((can_w && !sx.empty()) || (can_sx && !w.empty()) || (can_uw && !ux.empty()) || (can_ux && !uw.empty()))
        may.push_back({b, e});
    }
  }

  /// PA = VA - offset: identity 0; linear, the expression's value (an ill-defined one is
  /// outside what the oracle judges).
  std::optional<std::uint64_t> offset_of(const spec::Region& r) const {
    if (r.physical == spec::PhysicalKind::kIdentity) return 0;
    if (r.physical != spec::PhysicalKind::kLinear) return std::nullopt;
    spec::ConcreteDomain d{layout_.parameters};
    const auto v = spec::eval_integer(d, *r.physical_offset->root);
    if (!v.ok) throw std::invalid_argument(r.physical_offset->path + " is not well-defined");
    return v.value;
  }

  const Machine& m_;
  const spec::Layout& layout_;
  const spec::Spec& spec_;
  const WalkOut w_;
  Offsets offsets_;
  std::uint64_t lower_last_ = 0, upper_first_ = 0;
  std::optional<std::size_t> vsyscall_;
};

}  // namespace

const RuleAnswer& OracleResult::at(std::string_view rule) const {
  for (const RuleAnswer& a : rules)
    if (a.rule == rule) return a;
  throw std::out_of_range("no rule named " + std::string(rule));
}

OracleResult evaluate(const Machine& m, const spec::Layout& layout) { return Evaluator(m, layout).run(); }

}  // namespace ptv::oracle
