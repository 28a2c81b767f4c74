#include "verifier/checks/physical_layout.h"

#include <algorithm>
#include <sstream>

#include "models/format.h"
#include "verifier/checks/domains.h"
#include "verifier/checks/replay.h"
#include "verifier/smt/solver.h"

namespace ptv::check::detail {

namespace {

/// Walks at most this many pages per check run; a region mapped with more pages is unknown.
constexpr std::uint64_t kMaxPages = std::uint64_t{1} << 24;

bool has_layout(const spec::Region& r) { return r.physical != spec::PhysicalKind::kAny; }

/// Where region i's governance can change near a: its extent's ends and those of the regions
/// nested in it, the element bounds of any array among them that holds a, and the extents of
/// the regions excepted from physical-layout.
std::vector<std::uint64_t> governance_boundaries(const spec::Spec& spec, std::size_t i,
                                                 const std::vector<ConcreteTerms>& terms, std::uint64_t a) {
  std::vector<std::uint64_t> b;
  for (std::size_t c = 0; c < terms.size(); ++c) {
    if (!spec.is_ancestor_or_self(i, c)) continue;
    const ConcreteTerms& t = terms[c];
    b.push_back(t.start);
    if (t.last != ~std::uint64_t{0}) b.push_back(t.last + 1);
    if (t.is_array && t.stride != 0 && a >= t.start && a <= t.last) {
      const std::uint64_t k = (a - t.start) / t.stride;
      const std::uint64_t e = t.start + k * t.stride;
      for (std::uint64_t x : {e, e + t.size, e + t.size + t.guard, e + t.stride}) b.push_back(x);
    }
  }
  for (const spec::RuleException& e : spec.exceptions) {  // §6.1: where an exception begins or ends
    if (e.rule != static_cast<std::size_t>(RuleId::kPhysicalLayout)) continue;
    b.push_back(terms[e.region].start);
    if (terms[e.region].last != ~std::uint64_t{0}) b.push_back(terms[e.region].last + 1);
  }
  return b;
}

VirtRange clamp(VirtRange r, const std::vector<std::uint64_t>& boundaries, std::uint64_t a) {
  for (std::uint64_t x : boundaries) {
    if (x <= a && x > r.first.value()) r.first = VirtAddr(x);
    if (x > a && x - 1 < r.last.value()) r.last = VirtAddr(x - 1);
  }
  return r;
}

std::vector<VirtRange> merged(std::vector<VirtRange> v) {
  std::sort(v.begin(), v.end(), [](const VirtRange& x, const VirtRange& y) { return x.first < y.first; });
  std::vector<VirtRange> out;
  for (const VirtRange& r : v) {
    if (!out.empty() && out.back().last.value() != ~std::uint64_t{0} && out.back().last.value() + 1 >= r.first.value())
      out.back().last = std::max(out.back().last, r.last);
    else
      out.push_back(r);
  }
  return out;
}

/// One region's question: is some address it governs in one of `ranges`? A solver over one
/// symbolic address, with the region bounds as numerals.
class GovernedSearch {
 public:
  GovernedSearch(const CheckInputs& in, const std::vector<ConcreteTerms>& cterms, std::size_t region,
                 const std::vector<VirtRange>& ranges)
      : in_(in), a_(ctx_.bv_const("va", 64)), s_(ctx_, solver_options(in.options, Query::kSearch)) {
    TermOps d{&ctx_};
    const std::vector<SymTerms> terms = numeral_terms(ctx_, cterms);
    smt::Expr in_ranges = ctx_.bool_val(false);
    for (const VirtRange& r : ranges) in_ranges = in_ranges || (a_.uge(r.first.value()) && a_.ule(r.last.value()));
    s_.add(in_ranges);
    s_.add(in_governed_element(d, in.spec, terms, region, a_));
    s_.add(!excepted(d, in.spec, RuleId::kPhysicalLayout, a_, terms));  // §6.1
  }
  /// An address, or empty (none); throws LimitReached; `unknown` set when the solver gave up.
  std::optional<std::uint64_t> next(const std::string& name, std::optional<std::string>& unknown) {
    const smt::CheckResult r = check_within_limits(s_, name, in_.options);
    if (r.is_unsat()) return std::nullopt;
    if (!r.is_sat()) {
      unknown = unknown_detail(r, in_.options);
      return std::nullopt;
    }
    return r.model()->eval(a_).value_or(0);
  }
  void exclude(const VirtRange& r) { s_.add(!(a_.uge(r.first.value()) && a_.ule(r.last.value()))); }

 private:
  const CheckInputs& in_;
  smt::Context ctx_;
  smt::Expr a_;
  smt::Solver s_;
};

/// The stretches of `scan` whose delta is not `offset`, less `skip`.
std::vector<FrameStretch> off_stretches(const FrameScan& scan, std::uint64_t offset,
                                        const std::vector<VirtRange>& skip) {
  std::vector<FrameStretch> out;
  for (const FrameStretch& s : scan.stretches) {
    if (s.delta == offset) continue;
    if (std::any_of(skip.begin(), skip.end(), [&](const VirtRange& k) { return k.contains(s.range); })) continue;
    out.push_back(s);
  }
  return out;
}

std::vector<VirtRange> ranges_of(const std::vector<FrameStretch>& v) {
  std::vector<VirtRange> out;
  for (const FrameStretch& s : v) out.push_back(s.range);
  return out;
}

const FrameStretch* stretch_at(const std::vector<FrameStretch>& v, std::uint64_t a) {
  for (const FrameStretch& s : v)
    if (s.range.contains(VirtAddr(a))) return &s;
  return nullptr;
}

std::string layout_words(const spec::Region& r, std::uint64_t offset) {
  if (r.physical == spec::PhysicalKind::kIdentity) return "identity: PA = VA";
  return "linear: PA = VA - " + hex(offset) + " (" + r.physical_offset->text + ")";
}

}  // namespace

std::optional<std::uint64_t> physical_offset(const spec::Spec& spec, const spec::ParameterValues& values,
                                             std::size_t region, std::string* why) {
  const spec::Region& r = spec.regions[region];
  if (r.physical == spec::PhysicalKind::kIdentity) return 0;
  if (r.physical != spec::PhysicalKind::kLinear || !r.physical_offset) return std::nullopt;
  ConcreteDomain d{values};
  const spec::CheckedValue<ConcreteDomain> v = spec::eval_integer(d, *r.physical_offset->root);
  if (!v.ok) {
    if (why)
      *why = r.physical_offset->path + ": the offset is not well-defined for " + spec::format_parameters(spec, values);
    return std::nullopt;
  }
  return v.value;
}

FrameScan scan_frames(const RawContext& raw, VirtRange within) {
  FrameScan out;
  const std::vector<AddressRun>& runs = raw.space->runs;
  // The first run that ends at or after within.first.
  auto it = std::lower_bound(runs.begin(), runs.end(), within.first,
                             [](const AddressRun& r, VirtAddr v) { return r.range.last < v; });
  for (; it != runs.end() && it->range.first <= within.last; ++it) {
    const VirtAddr lo = std::max(it->range.first, within.first);
    const VirtAddr hi = std::min(it->range.last, within.last);
    if (it->kind == AddressRun::Kind::kUnreadable) {
      out.unknown.push_back({lo, hi});
      continue;
    }
    if (it->kind != AddressRun::Kind::kMapped) continue;
    std::uint64_t va = lo.value();
    for (;;) {
      if (++out.pages > kMaxPages) return out;
      const WalkResult w = walk(raw.state, raw.reader, VirtAddr(va), raw.root);
      if (w.outcome != WalkOutcome::kMapped)
        throw Inconsistency("the address space maps " + hex16(va) + " but the walker says " + to_string(w.outcome));
      const std::uint64_t ps = w.translation->attributes.page_size();
      const std::uint64_t page = va & ~(ps - 1);
      const std::uint64_t delta = page - w.translation->frame.value();
      const std::uint64_t end = std::min(page + (ps - 1), hi.value());
      if (!out.stretches.empty() && out.stretches.back().delta == delta &&
          out.stretches.back().range.last.value() + 1 == va)
        out.stretches.back().range.last = VirtAddr(end);
      else
        out.stretches.push_back({VirtRange{VirtAddr(va), VirtAddr(end)}, delta});
      if (end == hi.value()) break;
      va = end + 1;
    }
  }
  return out;
}

std::optional<PhysicalBreak> find_physical_break(const CheckInputs& in, const spec::Layout& layout,
                                                 const std::vector<VirtRange>& skip) {
  if (!in.raw || !in.raw->space) return std::nullopt;
  const std::vector<ConcreteTerms> cterms = concrete_terms(in.spec, layout);
  for (std::size_t i = 0; i < in.spec.regions.size(); ++i) {
    if (!has_layout(in.spec.regions[i])) continue;
    const std::optional<std::uint64_t> offset = physical_offset(in.spec, layout.parameters, i);
    if (!offset) continue;
    const FrameScan scan = scan_frames(*in.raw, layout.regions[i].range);
    if (scan.pages > kMaxPages) continue;
    const std::vector<FrameStretch> off = off_stretches(scan, *offset, skip);
    if (off.empty()) continue;
    GovernedSearch g(in, cterms, i, ranges_of(off));
    std::optional<std::string> unknown;
    const std::optional<std::uint64_t> a = g.next("infer-physical-" + in.spec.regions[i].name, unknown);
    if (!a) continue;
    if (const FrameStretch* s = stretch_at(off, *a)) return PhysicalBreak{i, *s};
  }
  return std::nullopt;
}

smt::Expr physical_witness(smt::Context& ctx, const spec::Spec& spec, spec::SymbolicDomain domain,
                           const std::vector<SymTerms>& terms, const PhysicalBreak& b, const std::string& var) {
  const spec::Region& r = spec.regions[b.region];
  smt::Expr offset_is = ctx.bool_val(b.stretch.delta == 0);
  if (r.physical == spec::PhysicalKind::kLinear) {
    const auto off = spec::eval_integer(domain, *r.physical_offset->root);
    offset_is = off.ok && off.value.term == ctx.bv_val(b.stretch.delta, 64);
  }
  InferenceDomain id{{&ctx}};
  const smt::Expr x = ctx.bv_const(var, 64);
  const smt::Expr lo = ctx.bv_val(b.stretch.range.first.value(), 64), hi = ctx.bv_val(b.stretch.range.last.value(), 64);
  const smt::Expr governed =
      in_governed_element(id, spec, terms, b.region, x) && !excepted(id, spec, RuleId::kPhysicalLayout, x, terms);
  return forall(x, (x.uge(lo) && x.ule(hi) && governed).implies(offset_is));
}

void check_physical_layout(CheckResult& out, const CheckInputs& in, const spec::Layout& layout) {
  RuleResult& rr = rule_result(out, RuleId::kPhysicalLayout);
  const spec::Spec& spec = in.spec;
  std::size_t with_layout = 0;
  for (const spec::Region& r : spec.regions)
    if (has_layout(r)) ++with_layout;
  if (!in.raw || !in.raw->space) {
    rr.status = Status::kNotApplicable;
    rr.detail = "needs raw memory: a " + in.mappings.format + " dump does not show frames";
    return;
  }
  if (with_layout == 0) {
    rr.detail = "no region states a physical layout";
    return;
  }
  if (in.raw->assumptions_matter) {
    rr.status = Status::kUnknown;
    rr.detail =
        "the dump's translations depend on processor facts it does not give (see the assumptions): the walk this rule "
        "reads is one of several possible";
    return;
  }
  const auto t0 = Clock::now();
  const std::vector<ConcreteTerms> cterms = concrete_terms(spec, layout);
  ConcreteDomain cd{layout.parameters};
  std::uint64_t pages = 0;
  try {
    for (std::size_t i = 0; i < spec.regions.size(); ++i) {
      const spec::Region& region = spec.regions[i];
      if (!has_layout(region)) continue;
      std::string why;
      const std::optional<std::uint64_t> offset = physical_offset(spec, layout.parameters, i, &why);
      if (!offset) {
        mark_unknown(rr, why);
        continue;
      }
      const FrameScan scan = scan_frames(*in.raw, layout.regions[i].range);
      pages += scan.pages;
      if (scan.pages > kMaxPages) {
        mark_unknown(rr, "region " + region.name + " maps more than " + decimal(kMaxPages) + " pages: not walked");
        continue;
      }
      const std::vector<FrameStretch> off = off_stretches(scan, *offset, {});
      const std::string name = "physical-layout." + region.name;
      // Violations: addresses the region governs whose frame is off its layout.
      if (!off.empty()) {
        const std::vector<VirtRange> off_ranges = merged(ranges_of(off));
        GovernedSearch g(in, cterms, i, off_ranges);
        std::optional<std::string> gave_up;
        for (std::size_t round = 0;; ++round) {
          const std::optional<std::uint64_t> a = g.next(name + "-" + std::to_string(round), gave_up);
          out.queries += 1;
          if (!a) break;
          const FrameStretch* s = stretch_at(off, *a);
          if (!s || !in_governed_element(cd, spec, cterms, i, *a) ||
              excepted(cd, spec, RuleId::kPhysicalLayout, *a, cterms))
            throw Inconsistency("the solver's counterexample " + hex16(*a) + " for " + name +
                                " does not replay on the walk");
          const auto range_of = [&](const VirtRange& r) {
            for (const VirtRange& m : off_ranges)
              if (m.contains(r)) return m;
            return r;
          };
          const VirtRange range = clamp(range_of(s->range), governance_boundaries(spec, i, cterms, *a), *a);
          g.exclude(range);
          rr.status = Status::kViolated;
          ++rr.violations;
          if (out.violations.size() >= in.options.max_violations) {
            out.complete = false;
            rr.detail = "the violation list is full (--max-violations " + std::to_string(in.options.max_violations) +
                        "): at least " + decimal(rr.violations) + " violation(s), not all listed";
            break;
          }
          const std::uint64_t first = range.first.value();
          const FrameStretch* fs = stretch_at(off, first);
          const WalkResult w = walk(in.raw->state, in.raw->reader, VirtAddr(first), in.raw->root);
          if (!fs || w.outcome != WalkOutcome::kMapped || w.translation->pa.value() == first - *offset)
            throw Inconsistency("the walk of " + hex16(first) + " does not break " + name);
          Violation v;
          v.rule = RuleId::kPhysicalLayout;
          v.region = region.name;
          v.address = VirtAddr(first);
          v.range = range;
          v.phys = w.translation->pa.value();
          std::ostringstream os;
          os << "the page at " << hex16(first - (first & (w.translation->attributes.page_size() - 1))) << " maps frame "
             << w.translation->frame << ": " << hex16(first) << " translates to " << w.translation->pa
             << ", but region " << region.name << " is " << layout_words(region, *offset) << ", which gives "
             << hex16(first - *offset);
          v.message = os.str();
          v.rights.seen = class_at(in.mappings, v.address);
          v.walk = replay_walk(*in.raw, in.mappings, RuleId::kPhysicalLayout, v.address);
          out.violations.push_back(std::move(v));
        }
        if (gave_up) mark_unknown(rr, *gave_up + " while searching " + name);
      }
      // Below a table outside the dump, a frame could be anything.
      if (!scan.unknown.empty()) {
        GovernedSearch g(in, cterms, i, merged(scan.unknown));
        std::optional<std::string> gave_up;
        const std::optional<std::uint64_t> a = g.next(name + "-unknown", gave_up);
        out.queries += 1;
        if (a)
          mark_unknown(rr, "cannot tell at " + hex16(*a) + ": its table is outside the dump, so its frame is unknown");
        if (gave_up) mark_unknown(rr, *gave_up + " while searching " + name);
      }
    }
  } catch (const LimitReached& e) {
    mark_unknown(rr, "not decided: " + e.what);
  }
  rr.seconds += since(t0);
  if (rr.status == Status::kHolds)
    rr.detail = "every mapped address of the " + std::to_string(with_layout) +
                " region(s) with a physical layout translates as it says (" + decimal(pages) + " pages walked)";
}

}  // namespace ptv::check::detail
