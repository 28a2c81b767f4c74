// Which virtual addresses of a raw walk reach a page-table frame: the input of the
// page-table-exposure rule, which then is a rule about addresses like any other (so the
// innermost region decides, and parameter inference sees it).
#pragma once

#include <cstddef>

#include "models/walk.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

struct TableFrameMarks {
  std::size_t translations = 0;  ///< leaf translations that map a table frame (their 4 KiB pages)
  bool complete = true;          ///< false when more than `cap` were found: every run is unknown
};

/// Sets Run::page_table_frame on every run of `m` (the mapping set of `space`, walked from `root`
/// under `state` through `reader`): yes on the 4 KiB pages whose frame holds one of the walk's
/// paging structures (at any level) and whose translation can write it or reach it from user
/// mode, no elsewhere (a supervisor read-only mapping of a table is of no concern to any rule);
/// runs are split at those pages. Every virtual
/// address is found, also those that reach a leaf through tables shared by several parents: a
/// second walk descends only into the tables whose subtree holds a leaf mapping a table frame.
/// More than `cap` such translations (hostile tables can make 2^36 of them) leave every run's
/// field unknown, in bounded time.
TableFrameMarks mark_table_frames(MappingSet& m, const AddressSpace& space, const PagingState& state,
                                  const TableReader& reader, PhysAddr root, std::size_t cap = 100'000);

}  // namespace ptv
