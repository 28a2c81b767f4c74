// QEMU HMP `info tlb` (target/i386/monitor.c print_pte): one line per present leaf entry,
// the leaf's OWN bits only (upper levels are not folded in).
//
//   ffff980440200000: 0000000000200000 X-PDA---W
//   virtual address   physical address X G P D A C T U W  (XD, G, PS, D, A, PCD, PWT, U/S, R/W)
//
// What the reader takes (docs/formats.md, "Text formats: QEMU info tlb"):
//   - pages coalesced into runs of equal attributes; phys is the run's first frame;
//   - page size: 4K without P; with P, 2M or 1G from the alignment of the address and the
//     frame and from the next line (a 1G leaf would cover it); when nothing settles it, the
//     first 2M are mapped with an unknown page size and the rest of the gigabyte is unknown;
//   - rights from the leaf: U=0, W=0 and X set are certain (user, writable, executable = no);
//     U=1, W=1 and X clear leave the effective right unknown (an upper level may decide);
//     G, PCD and PWT are the leaf's own bits, known; PAT and protection keys are not shown;
//   - with TextReadOptions::with_mem (an `info mem` of the same moment), user and writable
//     become known wherever info mem lists the page (it ANDs U/S and R/W over every level);
//     a page one lists and the other does not is an error (lenient: a warning).
// Addresses between lines are known not mapped (QEMU lists every present leaf).
#pragma once

#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// Confidence 0..100 that `content` is `info tlb` output.
int sniff_qemu_tlb(std::string_view content);

/// Parses `info tlb` output (and options.with_mem, if given). The mode is options.mode, else
/// 5-level when an address is canonical only with 57 bits, else 4-level.
Expected<MappingSet> read_qemu_tlb(std::string_view content, const std::string& source, const TextReadOptions& options);

}  // namespace ptv
