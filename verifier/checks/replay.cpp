#include "verifier/checks/replay.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

#include "models/format.h"

namespace ptv::check {

namespace {

WalkLevel level_of(const WalkStep& st, const PagingState& s) {
  WalkLevel l;
  l.level = st.level;
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
    } else if (!agrees(run->writable, a.writable) || !agrees(run->user, a.user) ||
               !agrees(run->executable, a.executable) || !agrees(run->user_writable, a.user_writable) ||
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
    case RuleId::kUserKernelSplit:
      return "user-accessible translation (" + what + ") in the kernel half";
    case RuleId::kSupervisorInUserHalf:
      return "supervisor-only translation (" + what + ") in the user half";
    case RuleId::kWx:
      return "writable and executable (" + what + ")";
    case RuleId::kRegionRights:
      return "rights beyond what region " + region + " allows (" + to_string(spec.regions[inst.region].allowed) +
             "): " + what;
    case RuleId::kRegionRequiredRights:
      return "lacks rights region " + region + " requires (" + to_string(spec.regions[inst.region].required) +
             "): " + what;
    case RuleId::kRequiredMapped:
      return "not mapped, but region " + region + " must be mapped";
    case RuleId::kGuardUnmapped:
      return "mapped (" + what + ") inside a guard of " + region;
    case RuleId::kOutsideRegions:
      return "mapped (" + what + ") outside every region of the spec";
    case RuleId::kPageSize:
      return "page size not allowed in region " + region + ": " + what;
    case RuleId::kReservedBits:
      return c.kind == AttrClass::Kind::kFault ? "the walk faults on a reserved bit"
                                               : "the dump cannot show whether the walk faults on a reserved bit";
    case RuleId::kPageTableExposure:
      return c.user == Tri::kYes ? "a page-table frame is user-accessible here (" + what + ")"
                                 : "a page-table frame is writable here (" + what +
                                       "), outside every region allowed to map page tables (maps_page_tables)";
    default:
      return what;
  }
}

}  // namespace ptv::check

namespace ptv::check {

namespace {

/// A fact's value as a Boolean: known 1 / 0 (or yes / no), else unknown.
std::optional<bool> fact_bool(const std::vector<Fact>& facts, FactId id) {
  const Fact* f = find_fact(facts, id);
  if (!f || f->source == FactSource::kAssumed || f->source == FactSource::kBlind) return std::nullopt;
  if (f->value == "1" || f->value == "yes") return true;
  if (f->value == "0" || f->value == "no") return false;
  return std::nullopt;
}

/// The walk of v.address over the saved walk's own entries.
WalkResult saved_walk(const Violation& v, const PagingState& s) {
  std::map<std::uint64_t, std::array<unsigned char, kTableBytes>> tables;
  for (const WalkLevel& l : v.walk) {
    auto& t = tables.try_emplace(l.entry_address & ~(kTableBytes - 1)).first->second;
    std::memcpy(t.data() + (l.entry_address & (kTableBytes - kEntryBytes)), &l.raw, sizeof l.raw);
  }
  const TableReader read = [&](PhysAddr a) -> std::optional<TableView> {
    const auto it = tables.find(a.value());
    if (it == tables.end()) return std::nullopt;
    return TableView(it->second.data());
  };
  return walk(s, read, v.address, PhysAddr(v.walk.front().table));
}

/// The saved walk's first disagreement with `out`, the walk of the same address over its own
/// entries (saved_walk).
std::optional<std::string> walk_disagreement(const Violation& v, const PagingState& s, const WalkResult& out) {
  for (std::size_t k = 0; k < v.walk.size(); ++k) {
    const WalkLevel& l = v.walk[k];
    const std::string at = "walk level " + std::to_string(k) + " (" + std::string(level_name(l)) + ")";
    if (k >= out.path.size())
      return at + ": the walk of " + hex16(v.address.value()) + " over the saved entries ends after " +
             std::to_string(out.path.size()) + " level(s) (" + std::string(to_string(out.outcome)) + ")";
    const WalkLevel want = level_of(out.path[k], s);
    if (l.level != want.level)
      return at + ": the level here is " + std::string(level_name(want)) + ", not " + std::string(level_name(l));
    if (l.table != want.table) return at + ": the table here is " + hex16(want.table) + ", not " + hex16(l.table);
    if (l.index != want.index || l.entry_address != want.entry_address)
      return at + ": the entry for " + hex16(v.address.value()) + " is index " + std::to_string(want.index) + " at " +
             hex16(want.entry_address) + ", not index " + std::to_string(l.index) + " at " + hex16(l.entry_address);
    if (l.decoded != want.decoded)
      return at + ": the raw entry " + hex16(l.raw) + " decodes as \"" + want.decoded + "\", not \"" + l.decoded + "\"";
  }
  if (out.path.size() != v.walk.size())
    return "the walk of " + hex16(v.address.value()) + " over the saved entries has " +
           std::to_string(out.path.size()) + " levels, the report " + std::to_string(v.walk.size());
  return std::nullopt;
}

/// Whether the walk's outcome is what v.rule claims; empty when it is.
std::optional<std::string> rule_disagreement(const Violation& v, const WalkResult& w) {
  const std::string rule(rule_info(v.rule).name);
  const Attributes* a = w.translation ? &w.translation->attributes : nullptr;
  const auto no = [&](const std::string& what) {
    return "the saved entries do not make " + hex16(v.address.value()) + " " + what + ", as " + rule + " claims";
  };
  switch (v.rule) {
    case RuleId::kReservedBits:
      if (w.outcome != WalkOutcome::kReservedBit) return no("fault on a reserved bit");
      break;
    case RuleId::kWx:
      if (!a || !((a->writable && a->supervisor_executable) || (a->user_writable && a->user && a->executable)))
        return no("writable and executable by one privilege");
      break;
    case RuleId::kUserKernelSplit:
      if (!a || !a->user) return no("user-accessible");
      break;
    case RuleId::kSupervisorInUserHalf:
      if (!a || a->user) return no("supervisor-only");
      break;
    case RuleId::kPageTableExposure:
      if (!a || !(a->user || a->writable)) return no("user-accessible or writable");
      break;
    case RuleId::kNullGuard:
    case RuleId::kGuardUnmapped:
    case RuleId::kOutsideRegions:
    case RuleId::kPageSize:
    case RuleId::kConflictingAliases:
    case RuleId::kPhysicalLayout:
      if (!a) return no("mapped");
      break;
    default:
      break;
  }
  return std::nullopt;
}

}  // namespace

namespace {

/// The processor states the report's facts allow: a known fact as read, an unknown one both
/// ways (MAXPHYADDR: every width). The first is the facts' own reading, for the message.
std::vector<PagingState> allowed_states(PagingMode mode, const std::vector<Fact>& facts) {
  std::vector<PagingState> states;
  const std::optional<bool> wp = fact_bool(facts, FactId::kWp), smep = fact_bool(facts, FactId::kSmep),
                            nxe = fact_bool(facts, FactId::kNxe), p1g = fact_bool(facts, FactId::kPage1G);
  std::vector<unsigned> widths;
  if (const Fact* f = find_fact(facts, FactId::kMaxPhyAddr); f && fact_known(*f)) {
    const unsigned bits = static_cast<unsigned>(std::strtoul(f->value.c_str(), nullptr, 10));
    if (bits >= 32 && bits <= 52) widths.push_back(bits);
  }
  if (widths.empty())
    for (unsigned m = 52; m >= 32; --m) widths.push_back(m);
  const auto both = [](std::optional<bool> b) { return b ? std::vector<bool>{*b} : std::vector<bool>{true, false}; };
  // Protection keys: "PKE 1, PKS 0" when read; unknown (or a report without facts): both ways.
  const Fact* pk = find_fact(facts, FactId::kPke);
  const bool pk_known = pk && fact_known(*pk) && pk->value.find("PKE ") != std::string::npos;
  const std::vector<bool> pkes =
      pk_known ? std::vector<bool>{pk->value.find("PKE 1") != std::string::npos} : std::vector<bool>{true, false};
  const std::vector<bool> pkss =
      pk_known ? std::vector<bool>{pk->value.find("PKS 1") != std::string::npos} : std::vector<bool>{true, false};
  for (unsigned m : widths)
    for (bool w : both(wp))
      for (bool se : both(smep))
        for (bool nx : both(nxe))
          for (bool g : both(p1g))
            for (bool pke : pkes)
              for (bool pks : pkss) {
                PagingState s;
                s.cr4_la57 = mode == PagingMode::k5Level;
                s.cr0_wp = w;
                s.cr4_smep = se;
                s.efer_nxe = nx;
                s.page_1gb = g;
                s.maxphyaddr = m;
                s.cr4_pke = pke;
                s.cr4_pks = pks;
                states.push_back(s);
              }
  return states;
}

/// Whether the entry marked as deciding, and its bits, are check's marking of walk `w`; empty
/// when they are.
std::optional<std::string> marking_disagreement(const Violation& v, const PagingState& s, const WalkResult& w) {
  std::vector<WalkLevel> marked;
  for (const WalkStep& st : w.path) marked.push_back(level_of(st, s));
  mark_deciding(marked, w, v.rule);
  for (std::size_t k = 0; k < marked.size(); ++k)
    if (marked[k].deciding != v.walk[k].deciding || marked[k].deciding_bits != v.walk[k].deciding_bits)
      return "walk level " + std::to_string(k) + " (" + std::string(level_name(v.walk[k])) + "): the entry deciding " +
             std::string(rule_info(v.rule).name) + " is " +
             (marked[k].deciding ? "this one, by \"" + marked[k].deciding_bits + "\"" : std::string("another")) +
             ", not as saved";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_saved_walk(const Violation& v, PagingMode mode, const std::vector<Fact>& facts,
                                            bool check_marking) {
  if (v.walk.empty()) return std::nullopt;
  std::optional<std::string> first;
  for (const PagingState& s : allowed_states(mode, facts)) {
    const WalkResult w = saved_walk(v, s);
    std::optional<std::string> why = walk_disagreement(v, s, w);
    if (!why) why = rule_disagreement(v, w);
    if (!why && check_marking) why = marking_disagreement(v, s, w);
    if (!why) return std::nullopt;
    if (!first) first = why;
  }
  return first;
}

}  // namespace ptv::check
