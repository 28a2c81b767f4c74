#include "verifier/checks/replay.h"

#include <sstream>

#include "verifier/report/text.h"

namespace ptv::check {

namespace {

WalkLevel level_of(const WalkStep& st, const PagingState& s) {
  WalkLevel l;
  l.level = std::string(level_name(st.level));
  l.table = st.table.value();
  l.index = st.index;
  l.entry_address = st.entry_address.value();
  l.raw = st.entry.raw();
  l.decoded = describe(st.entry, s);
  return l;
}

/// The entry whose bits decide the rule: for a right the translation has, the leaf (every level
/// grants it, and the leaf is where a fix belongs); for a right it lacks, the first level that
/// withholds it; for a fault, the faulting entry; for a mapping in a guard, the leaf.
void mark_deciding(std::vector<WalkLevel>& levels, const WalkResult& w, RuleId rule) {
  if (levels.empty()) return;
  auto leaf = [&](std::string bits) {
    levels.back().deciding = true;
    levels.back().deciding_bits = std::move(bits);
  };
  const Entry& e = w.path.back().entry;
  switch (rule) {
    case RuleId::kReservedBits:
      leaf("reserved " + describe_reserved(w.reserved_bits, e.level()));
      return;
    case RuleId::kUserKernelSplit:
      leaf("U/S=1");
      return;
    case RuleId::kWx: {
      // What grants the write: R/W=1 at every level, or (CR0.WP = 0) the supervisor whatever R/W
      // says; what grants the fetch: XD=0 at every level (or EFER.NXE = 0).
      const bool rw_all = w.path.back().rights.r_w;
      leaf(std::string(rw_all ? "R/W=1" : "R/W=0 but CR0.WP=0") + ", XD=0");
      return;
    }
    case RuleId::kPageTableExposure:
      leaf(w.path.back().rights.u_s ? "U/S=1" : w.path.back().rights.r_w ? "R/W=1" : "R/W=0 but CR0.WP=0");
      return;
    case RuleId::kSupervisorInUserHalf:
      for (std::size_t i = 0; i < w.path.size(); ++i)
        if (!w.path[i].entry.u_s()) {
          levels[i].deciding = true;
          levels[i].deciding_bits = "U/S=0";
          return;
        }
      return;
    default:
      leaf(e.p() ? "P=1" : "P=0");
  }
}

}  // namespace

std::vector<WalkLevel> replay_walk(const RawContext& raw, const MappingSet& m, RuleId rule, VirtAddr va) {
  const WalkResult w = walk(raw.state, raw.reader, va, raw.root);
  const Run* run = m.find(va);
  std::ostringstream why;
  // A field the mapping set leaves unknown (a processor fact the dump does not give) agrees
  // with anything; a known one must be the walker's.
  auto agrees = [](Tri t, bool b) { return t == Tri::kUnknown || t == tri(b); };
  if (w.outcome == WalkOutcome::kMapped) {
    const Attributes& a = w.translation->attributes;
    if (!run) {
      if (!raw.assumptions_matter) why << "the walker maps " << va << " but the mapping set has no run there";
    } else if (!agrees(run->writable, a.writable) || !agrees(run->user, a.user) || !agrees(run->executable, a.executable) ||
               !agrees(run->user_writable, a.user_writable) ||
               !agrees(run->supervisor_executable, a.supervisor_executable) ||
               (run->page_size && run->page_size != a.page_size())) {
      why << "the walker gives " << va << " the rights " << a << " but its run says otherwise";
    }
  } else if (run) {
    why << "the mapping set maps " << va << " but the walker says " << to_string(w.outcome);
  }
  if (!why.str().empty()) throw ReplayMismatch(why.str());
  std::vector<WalkLevel> levels;
  for (const WalkStep& st : w.path) levels.push_back(level_of(st, raw.state));
  mark_deciding(levels, w, rule);
  return levels;
}

std::string describe_violation(const spec::Spec& spec, const Instance& inst, const AttrClass& c) {
  const std::string region = inst.region == Instance::kNoRegion ? "" : spec.regions[inst.region].name;
  const std::string what = to_string(c);
  switch (inst.rule) {
    case RuleId::kNullGuard:
      return "mapped (" + what + ") below the null guard of " + format_size(spec.rules.null_guard);
    case RuleId::kUserKernelSplit: return "user-accessible translation (" + what + ") in the kernel half";
    case RuleId::kSupervisorInUserHalf: return "supervisor-only translation (" + what + ") in the user half";
    case RuleId::kWx: return "writable and executable (" + what + ")";
    case RuleId::kRegionRights:
      return "rights beyond what region " + region + " allows (" + to_string(spec.regions[inst.region].allowed) +
             "): " + what;
    case RuleId::kRegionRequiredRights:
      return "lacks rights region " + region + " requires (" + to_string(spec.regions[inst.region].required) +
             "): " + what;
    case RuleId::kRequiredMapped: return "not mapped, but region " + region + " must be mapped";
    case RuleId::kGuardUnmapped: return "mapped (" + what + ") inside a guard of " + region;
    case RuleId::kOutsideRegions: return "mapped (" + what + ") outside every region of the spec";
    case RuleId::kPageSize: return "page size not allowed in region " + region + ": " + what;
    case RuleId::kReservedBits:
      return c.kind == AttrClass::Kind::kFault ? "the walk faults on a reserved bit"
                                               : "the dump cannot show whether the walk faults on a reserved bit";
    case RuleId::kPageTableExposure:
      return c.user == Tri::kYes ? "a page-table frame is user-accessible here (" + what + ")"
                                 : "a page-table frame is writable here (" + what +
                                       "), outside every region allowed to map page tables (maps_page_tables)";
    default: return what;
  }
}


}  // namespace ptv::check
