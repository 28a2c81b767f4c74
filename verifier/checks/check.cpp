#include "verifier/checks/check.h"

#include <algorithm>
#include <utility>

#include "models/format.h"
#include "verifier/checks/baseline.h"
#include "verifier/checks/check_steps.h"
#include "verifier/checks/infer.h"
#include "verifier/checks/physical.h"
#include "verifier/checks/physical_layout.h"
#include "verifier/checks/places.h"
#include "verifier/checks/predicates.h"
#include "verifier/checks/replay.h"
#include "verifier/checks/search.h"
#include "verifier/mapping/address_trie.h"
#include "verifier/mapping/table_frames.h"
#include "verifier/smt/solver.h"

namespace ptv::check {

std::vector<std::size_t> vsyscall_candidates(const spec::Spec& spec) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < spec.regions.size(); ++i)
    if (spec.regions[i].kind == spec::RegionKind::kVsyscall && spec.regions[i].allowed.has(spec::Rights::kUser))
      out.push_back(i);
  return out;
}

std::optional<RawContext> raw_context(const LoadedDump& d) {
  if (!d.raw || !d.space) return std::nullopt;
  const Machine& m = d.raw->machine;
  return RawContext{m.state, d.raw->memory->reader(), m.root, d.space.get(), d.assumptions_matter};
}

std::vector<Instance> instances(const spec::Spec& spec) {
  std::vector<Instance> out;
  for (const RuleInfo& r : kRules) {
    switch (r.id) {
      case RuleId::kRegionRights:
      case RuleId::kRegionRequiredRights:
      case RuleId::kRequiredMapped:
      case RuleId::kGuardUnmapped:
      case RuleId::kPageSize:
        for (std::size_t i = 0; i < spec.regions.size(); ++i) out.push_back({r.id, i});
        break;
      default:
        out.push_back({r.id, Instance::kNoRegion});
    }
  }
  return out;
}

std::string problem(const CheckOutcome& o) {
  if (const auto* b = std::get_if<BadInput>(&o)) return b->message;
  if (const auto* e = std::get_if<InternalError>(&o)) return e->message;
  return {};
}

namespace {

using namespace detail;

/// Where a run limit stopped the run: while inferring the parameters (nothing decided), or
/// during the address search (some rules decided).
enum class Stopped { kInference, kSearch };

/// The rules decided over the tables and frames after the address search when there is raw
/// memory (check_physical, check_physical_layout); only physical-layout depends on the layout.
bool decided_over_tables(RuleId r) {
  return r == RuleId::kCanonical || r == RuleId::kRecursiveSlot || r == RuleId::kConflictingAliases ||
         r == RuleId::kPhysicalLayout;
}

/// page-table-exposure reads which pages map a table frame: a raw walk's set not yet marked
/// (load_dump marks it when asked) is marked here, on a copy. Empty: `given` is marked already.
std::optional<MappingSet> with_table_frames_marked(const MappingSet& given, const RawContext* raw) {
  if (!raw || !raw->space || std::none_of(given.runs.begin(), given.runs.end(), [](const Run& r) {
        return r.page_table_frame == Tri::kUnknown;
      }))
    return std::nullopt;
  MappingSet marked = given;
  mark_table_frames(marked, *raw->space, raw->state, raw->reader, raw->root.value_or(raw->state.root_table()));
  return marked;
}

/// Every rule holds until the steps decide otherwise; each lists the facts its verdict rests on.
CheckResult new_result(const MappingSet& m, const spec::Spec& spec) {
  CheckResult out;
  out.dump = m.source;
  out.dump_format = m.format_shown();
  out.spec = spec.file;
  set_spec_locations(out, spec);
  out.mode = m.mode;
  for (const RuleInfo& r : kRules) out.rules.push_back(RuleResult{r.id, Status::kHolds, {}, 0, 0, {}, {}});
  for (const std::string& n : m.notes) out.notes.push_back(n);
  out.facts = m.facts;
  for (RuleResult& r : out.rules)
    for (FactId id : rule_facts(r.rule))
      if (find_fact(m.facts, id)) r.uses.push_back(id);
  return out;
}

/// The rules not decided when the run reached `limit` become unknown. `search`: the address
/// search that was stopped (null when inference was).
void stop(CheckResult& out, const CheckInputs& in, Stopped stopped, const std::string& limit,
          const AddressSearch* search) {
  out.complete = false;
  out.limit_reached = limit;
  const std::string why = "not decided: " + limit;
  out.notes.push_back("the run reached its " + limit + " " +
                      (stopped == Stopped::kInference ? "while inferring the parameters" : "while searching") +
                      ": the rules not decided by then are unknown");
  for (RuleResult& r : out.rules) {
    const bool decided = search && search->searched(r.rule) && (!decided_over_tables(r.rule) || !in.raw);
    if (decided || r.status == Status::kNotApplicable) continue;
    if (r.status == Status::kViolated)
      r.detail += (r.detail.empty() ? "" : "; ") + std::string("search stopped by the " + limit + ": at least ") +
                  decimal(r.violations) + " violation(s)";
    else
      mark_unknown(r, why);
  }
}

/// Step 3 and 4 with the parameters inferred: the address search, then the rules over tables
/// and frames. Returns the InternalError that ends the run, if any.
std::optional<CheckOutcome> check_with(const CheckInputs& in, const Inferred& inferred, CheckResult& out) {
  const spec::ParameterValues& values = *inferred.values;
  for (std::size_t i = 0; i < values.size(); ++i) {
    Parameter p{in.spec.parameters[i].name, values[i]};
    if (auto it = in.options.parameter_origins.find(p.name); it != in.options.parameter_origins.end()) {
      p.source = ParameterSource::kRead;
      p.origin = it->second;
    } else if (in.options.fixed_parameters.contains(p.name)) {
      p.source = ParameterSource::kGiven;
    } else if (const spec::Parameter& d = in.spec.parameters[i];
               d.values.size() == 1 || (d.values.empty() && d.min == d.max)) {
      p.source = ParameterSource::kGiven;
      p.origin = "the spec admits no other value";
    } else if (i < inferred.ranges.size()) {
      p.admissible = inferred.ranges[i];
    }
    out.parameters.push_back(std::move(p));
  }
  const auto layout = spec::evaluate_layout(in.spec, values);
  if (!layout.ok())
    return InternalError{"parameter values chosen by the solver do not place every region: " + layout.error().message};
  std::optional<Timings::Scope> phase;
  phase.emplace(in.options.timings, "address search");
  AddressSearch search(in, *layout);
  std::optional<std::string> limit;
  try {
    search.run(out);
  } catch (const LimitReached& e) {
    limit = e.what;
  }
  // The physical rules are decided by one pass over the leaf entries, bounded by the dump's
  // size; past the time limit they are left undecided like the rest.
  phase.emplace(in.options.timings, "physical rules");
  if (!limit || !in.raw) {
    check_physical(out, in.mappings, in.spec, *layout, in.raw, in.options.max_violations);
    check_physical_layout(out, in, *layout);
  }
  phase.reset();
  // Pinned parameters were not searched: they are admissible when the rules that depend on
  // the layout hold under them.
  if (inferred.pinned)
    for (const Violation& v : out.violations)
      if (!decided_over_tables(v.rule) || v.rule == RuleId::kPhysicalLayout) out.parameters_admissible = false;
  if (inferred.partial)
    for (RuleResult& r : out.rules)
      if (r.status == Status::kHolds) mark_unknown(r, "holds for the candidate parameters only");
  if (limit) stop(out, in, Stopped::kSearch, *limit, &search);
  return std::nullopt;
}

/// Steps 2 to 4 (check.h). Returns the BadInput or InternalError that ends the run, if any;
/// throws Inconsistency or ReplayMismatch.
std::optional<CheckOutcome> decide(const CheckInputs& in, CheckResult& out) {
  ParameterInference inference(in);
  std::optional<std::variant<Inferred, BadInput>> inferred;
  std::optional<std::string> limit;
  try {
    const Timings::Scope phase(in.options.timings, "parameter inference");
    inferred = inference.run();
  } catch (const LimitReached& e) {
    limit = e.what;
  }
  out.queries += inference.queries();
  out.notes.insert(out.notes.end(), inference.notes().begin(), inference.notes().end());
  if (!inference.admissible()) out.parameters_admissible = false;
  if (limit) {
    stop(out, in, Stopped::kInference, *limit, nullptr);
    return std::nullopt;
  }
  if (const auto* bad = std::get_if<BadInput>(&*inferred)) return *bad;
  const Inferred& found = std::get<Inferred>(*inferred);
  if (!found.values) {
    for (RuleResult& r : out.rules) mark_unknown(r, "parameter inference did not finish");
    return std::nullopt;
  }
  return check_with(in, found, out);
}

/// Violations in address order with their fingerprints; a rule that would hold only under an
/// assumed paging mode is unknown; the others that hold say so.
void finish(CheckResult& out, const MappingSet& m) {
  std::sort(out.violations.begin(), out.violations.end(),
            [](const Violation& a, const Violation& b) { return a.range.first < b.range.first; });
  for (Violation& v : out.violations) v.fingerprint = make_fingerprint(v);
  // Facts whose other values the mapping set does not carry as unknowns: the paging mode the
  // walk needed one of. A rule that would hold on it is unknown unless the user states it.
  for (const Fact& f : m.facts) {
    if (f.source != FactSource::kAssumed || !f.matters || f.id != FactId::kPagingMode) continue;
    for (RuleResult& r : out.rules)
      if (r.status == Status::kHolds && std::find(r.uses.begin(), r.uses.end(), f.id) != r.uses.end())
        mark_unknown(
            r, "holds only if " + std::string(fact_name(f.id)) + " is " + f.value + " (assumed: " + f.origin + ")");
  }
  for (RuleResult& r : out.rules)
    if (r.status == Status::kHolds && r.detail.empty()) r.detail = "proved for every address";
}

/// A rule the spec excepts somewhere says where and why in its detail (§6.1): "holds (except
/// in direct-map: REASON)".
void note_exceptions(CheckResult& out, const spec::Spec& spec) {
  for (RuleResult& r : out.rules) {
    std::string where;
    for (const spec::RuleException* e : spec.exceptions_to(static_cast<std::size_t>(r.rule))) {
      r.exceptions.push_back(RuleExceptionNote{spec.regions[e->region].name, e->reason});
      where += (where.empty() ? "except in " : "; except in ") + spec.regions[e->region].name + ": " + e->reason;
    }
    if (where.empty()) continue;
    if (r.status == Status::kHolds)
      r.detail = "holds (" + where + ")" + (r.detail.empty() ? "" : "; " + r.detail);
    else
      r.detail += (r.detail.empty() ? "" : " ") + std::string("(") + where + ")";
  }
}

}  // namespace

CheckOutcome run_check(const MappingSet& given, const spec::Spec& spec, const RawContext* raw,
                       const CheckOptions& opts) {
  const auto t0 = Clock::now();
  std::optional<Timings::Scope> phase;
  phase.emplace(opts.timings, "mark table frames");
  const std::optional<MappingSet> marked = with_table_frames_marked(given, raw);
  const MappingSet& m = marked ? *marked : given;
  if (spec.rules.paging_mode != m.mode)
    return BadInput{spec.file + " is a spec for " + std::string(to_string(spec.rules.paging_mode)) + " paging, but " +
                    m.source + " is a " + std::string(to_string(m.mode)) + " dump"};
  phase.emplace(opts.timings, "trie");
  const auto trie = AddressTrie::build(m);
  if (!trie.ok()) return BadInput{trie.error().message};
  phase.reset();
  if (opts.emit_smt2_dir)
    if (auto err = smt::make_emit_smt2_dir(*opts.emit_smt2_dir)) return BadInput{err->message};
  CheckResult out = new_result(m, spec);
  try {
    if (std::optional<CheckOutcome> failed = decide(CheckInputs{m, spec, raw, opts, *trie}, out))
      return std::move(*failed);
  } catch (const Inconsistency& e) {
    return InternalError{e.what()};
  } catch (const ReplayMismatch& e) {
    return InternalError{e.what()};
  }
  const Timings::Scope finishing(opts.timings, "finish");
  finish(out, m);
  note_exceptions(out, spec);
  name_regions(out, spec);
  out.seconds = since(t0);
  return out;
}

}  // namespace ptv::check
