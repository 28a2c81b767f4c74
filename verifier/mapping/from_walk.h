// The raw walker's AddressSpace as a MappingSet: runs with known rights, unreadable tables as
// unknown ranges, reserved-bit entries as fault ranges, plus the table frames and self
// references that later checks need.
#pragma once

#include <string>

#include "models/walk.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// `root` is the table the walk started from (the PTI user copy with --user-pgd), for the notes.
MappingSet to_mapping_set(const AddressSpace& space, const PagingState& state, std::string format, std::string source,
                          std::optional<PhysAddr> root = std::nullopt);

}  // namespace ptv
