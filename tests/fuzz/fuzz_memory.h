// The shared body of the raw-memory harnesses (ELF core, raw image): fuzz bytes as a mapped
// file, and the walk over whatever tables they hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "models/expected.h"
#include "models/paging_state.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/phys_memory.h"

namespace ptv::fuzz {

/// The bytes as a MappedFile called `name` (an anonymous memfd, so the reader sees a real
/// mapping, as it does for a dump on disk).
MappedFile map_bytes(const std::uint8_t* data, std::size_t size, const std::string& name);

/// Checks the memory's ranges (sorted, disjoint, non-empty, readable), then enumerates the
/// address space from the state's root and checks the result:
///   - runs are sorted, disjoint and canonical;
///   - enumerate and the single-address walk agree: the first and last address of each run
///     (up to a cap) walk to the run's outcome, the first one to the run's physical address;
///     the address just before a run and just after it walk to the neighbour's outcome;
///   - the mapping set made from it passes check_mapping_set.
void fuzz_walk(const PhysMemory& memory, const PagingState& state);

}  // namespace ptv::fuzz
