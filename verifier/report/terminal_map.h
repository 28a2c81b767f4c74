// The address space drawn in a terminal, the way the project's sketch draws it:
//
//   ┌──────────────────────────────────────────────┐ 0xffffffffffffffff
//   │ top-hole                 2M  must be unmapped │
//   ├──────────────────────────────────────────────┤ 0xffffffffffe00000
//   │ fixmap-unused-top     8188K  must be unmapped │
//   ├──────────────────────────────────────────────┤ 0xffffffffff601000
//   ...
//   └──────────────────────────────────────────────┘ 0x0000000000000000
//
// One box per AddressMap box, top to bottom from the highest address; the address on each box
// line is the first address of the box above it (the top line: the last address of the space).
// Inside a box: its name (and the regions it is nested in), its size and rule, the mapped runs
// summarised by rights and page size ("-rw- 2M x812": 812 pages of 2 MiB), unknown and faulting
// ranges ("??"), and the violations overlapping it ("!! wx: 1 violation at 0x..."). The
// non-canonical hole is one hatched box.
//
// Heights are on a log scale of the size: scale_lines() lines, or more when the text needs
// them, so a 4 KiB guard and a 64 TiB direct map are both visible.
#pragma once

#include <ostream>

#include "verifier/report/address_map.h"

namespace ptv {

struct TerminalMapOptions {
  unsigned width = 100;  ///< columns of the whole drawing, addresses included (at least 60)
  bool ascii = false;    ///< +-| instead of Unicode box drawing, 'x' for '×'
  bool colour = false;   ///< ANSI colour; without it the output holds no escape sequence
};

/// Lines a box of this range gets from its size alone: 1 + (log2(size) - 12) / 6, at least 1
/// (4 KiB: 1, 2 MiB: 2, 1 GiB: 4, 512 GiB: 5, 64 TiB: 6, the non-canonical hole: 9).
[[nodiscard]] unsigned scale_lines(const VirtRange& r);

/// Writes a header (dump, where the names come from, the check's summary line and parameters),
/// the boxes, and a legend. Every line is at most `width` columns (each code point one column).
void write_terminal_map(const AddressMap& map, const TerminalMapOptions& options, std::ostream& os);

}  // namespace ptv
