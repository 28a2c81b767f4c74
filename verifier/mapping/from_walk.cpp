#include "verifier/mapping/from_walk.h"

#include <algorithm>
#include <sstream>

#include "verifier/base/memory_hint.h"

namespace ptv {

namespace {

/// A mapped run: the walk's effective attributes, with the leaf entry as provenance.
Run mapped_run(const AddressRun& r, const PagingState& state, const Provenance& p) {
  Run run;
  run.range = r.range;
  run.phys = r.phys;
  run.page_size = r.attributes.page_size();
  run.writable = tri(r.attributes.writable);
  run.user = tri(r.attributes.user);
  run.executable = tri(r.attributes.executable);
  run.user_writable = tri(r.attributes.user_writable);
  run.supervisor_executable = tri(r.attributes.supervisor_executable);
  run.global = tri(r.attributes.global);
  run.valid = Tri::kYes;  // the walk completed: no reserved bit on the way
  if (pkey_applies(r.attributes.user, state.cr4_pke, state.cr4_pks)) run.pkey = r.attributes.pkey;
  run.pwt = r.attributes.pwt;
  run.pcd = r.attributes.pcd;
  run.pat = r.attributes.pat;
  run.leaf_raw = r.entry.raw();
  run.provenance = p;
  return run;
}

/// A run under a table outside the dumped memory: unknown, bounded by what the entries above
/// the missing table already decide (models/rights.h).
UnknownRange unreadable_range(const AddressRun& r, const PagingState& state, const Provenance& p) {
  std::ostringstream os;
  os << "the " << level_name(child_level(r.entry.level())) << " table " << r.missing_table << " referenced by the "
     << level_name(r.entry.level()) << " entry at " << r.entry_address << " is outside the dumped memory";
  UnknownRange u{r.range, os.str(), p};
  const AccumulatedRights& c = r.context;
  const Tri exec_bits = !state.efer_nxe ? Tri::kYes : c.xd ? Tri::kNo : Tri::kUnknown;
  const TriRights bound = effective_rights(c.r_w ? Tri::kUnknown : Tri::kNo, c.u_s ? Tri::kUnknown : Tri::kNo,
                                           exec_bits, {tri(state.cr0_wp), tri(state.cr4_smep)});
  u.writable = bound.writable;
  u.user = bound.user;
  u.executable = bound.executable;
  u.user_writable = bound.user_writable;
  u.supervisor_executable = bound.supervisor_executable;
  u.global = state.cr4_pge ? Tri::kUnknown : Tri::kNo;
  const Level missing = child_level(r.entry.level());
  u.max_page_size = missing == Level::kPt                      ? page_size(Level::kPt)
                    : missing == Level::kPd || !state.page_1gb ? page_size(Level::kPd)
                                                               : page_size(Level::kPdpt);
  u.may_hold_tables = missing != Level::kPt;
  return u;
}

}  // namespace

MappingSet to_mapping_set(const AddressSpace& space, const PagingState& state, std::string format, std::string source,
                          std::optional<PhysAddr> root) {
  MappingSet m;
  m.mode = space.mode;
  m.format = std::move(format);
  m.source = std::move(source);
  const auto mapped = std::count_if(space.runs.begin(), space.runs.end(),
                                    [](const AddressRun& r) { return r.kind == AddressRun::Kind::kMapped; });
  reserve_huge(m.runs, static_cast<std::size_t>(mapped));  // a million runs: 150 MB
  for (const AddressRun& r : space.runs) {
    Provenance p;
    p.entry = r.entry_address;
    p.table = r.entry_address.align_down(kTableBytes);
    p.index = static_cast<unsigned>((r.entry_address.value() & (kTableBytes - 1)) / kEntryBytes);
    switch (r.kind) {
      case AddressRun::Kind::kMapped:
        m.runs.push_back(mapped_run(r, state, p));
        break;
      case AddressRun::Kind::kReserved:
        m.faults.push_back(FaultRange{r.range, r.entry_address, r.entry.level(), r.entry.raw(), r.reserved_bits});
        break;
      case AddressRun::Kind::kUnreadable:
        m.unknown.push_back(unreadable_range(r, state, p));
        break;
    }
  }
  m.tables = space.tables;
  m.self_refs = space.ancestor_refs;
  std::ostringstream note;
  note << "raw walk from " << root.value_or(state.root_table()) << " (" << to_string(space.mode)
       << "): effective rights combined over every level";
  m.notes.push_back(note.str());
  return m;
}

}  // namespace ptv
