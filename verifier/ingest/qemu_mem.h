// QEMU HMP `info mem` (target/i386/monitor.c mem_print): merged ranges with rights combined
// across all levels.
//
//   ffff980440000000-ffff980440099000 0000000000099000 -rw
//   start            end (exclusive)  size             u r w
//
// What the reader takes (docs/formats.md, "Text formats: QEMU info mem"): one Run per line
// with user and writable KNOWN (U/S and R/W ANDed over every level); executable unknown (QEMU
// ignores XD here); no page size, no physical address. Addresses between lines are known not
// mapped. An EMPTY output is no information at all: QEMU 7.2 prints nothing under 5-level
// paging (mem_info_la57 tests the present bit inverted), so the whole space becomes an
// UnknownRange, never "nothing mapped".
#pragma once

#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// Confidence 0..100 that `content` is `info mem` output (0 for empty content, which any
/// format could be).
int sniff_qemu_mem(std::string_view content);

/// Parses `info mem` output. The mode is options.mode, else 5-level when an address is
/// canonical only with 57 bits (or the output is empty), else 4-level.
Expected<MappingSet> read_qemu_mem(std::string_view content, const std::string& source, const TextReadOptions& options);

}  // namespace ptv
