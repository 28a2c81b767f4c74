// Linux ptdump text (arch/x86/mm/dump_pagetables.c): the debugfs files
// /sys/kernel/debug/page_tables/{kernel,current_kernel,current_user,efi}, the older
// kernel_page_tables, and the same lines in dmesg with "[    0.947197] " prefixes.
//
//   ---[ Kernel Space ]---
//   0xffff8cdd40200000-0xffff8cdd41000000          14M     RW         PSE         NX pmd
//   ... 131058 entries skipped ...
//
// What the reader takes (docs/formats.md, "Text formats: Linux ptdump"):
//   - one Run per present line, line for line (never merged: ptdump splits where the
//     effective rights change, which it does not print);
//   - rights from the LEAF flags ptdump prints: no USR, ro and NX are certain (user, writable,
//     executable = no); USR, RW and x are unknown (an upper level may still clear U/S or R/W
//     or set XD); GLB, PWT, PCD and PAT are the leaf's own bits, known;
//   - page size from the level name (pte 4K, pmd 2M, pud 1G); no physical addresses;
//   - markers as MappingSet::markers (hints; a marker's address is the start of the line
//     after it, since markers lag);
//   - unknown ranges: "... N entries skipped ..." (elided, never unmapped), the hypervisor guard
//     hole that ptdump does not walk, and whatever the text does not cover.
#pragma once

#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// Confidence 0..100 that `content` is ptdump text (looks at the first lines only).
int sniff_ptdump(std::string_view content);

/// Parses ptdump text. The paging mode is options.mode, else 5-level when a p4d line or an
/// address canonical only under 5-level paging is present, else 4-level.
Expected<MappingSet> read_ptdump(std::string_view content, const std::string& source, const TextReadOptions& options);

}  // namespace ptv
