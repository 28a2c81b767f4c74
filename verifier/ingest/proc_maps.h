// Linux /proc/PID/maps (fs/proc/task_mmu.c show_map_vma): the VMAs of one process.
//
//   00401000-00585000 r-xp 00001000 00:02 13                                 /bin/busybox
//   start-end         rwx+p/s offset dev inode                               path
//
// Not page tables but the layout the kernel intends for the user half, which is what a user
// holds against the user half of a spec (docs/formats.md, "Text formats: /proc/PID/maps"):
//   - one Run per accessible VMA (coalesced), with user = yes and writable / executable KNOWN
//     from the VMA's w and x (its intent: a page may not be populated yet);
//   - PROT_NONE VMAs ("---p", guard regions) and gaps between VMAs are not mapped: Linux
//     installs user translations only inside VMAs that allow access;
//   - the kernel half (including the [vsyscall] pseudo-VMA) is an UnknownRange "not described
//     by /proc/PID/maps";
//   - each VMA start becomes a Marker named by its path ("[heap]", "/bin/busybox", or
//     "[anonymous]"), so a finding can say which mapping it is in.
#pragma once

#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/ingest/text_format.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// Confidence 0..100 that `content` is a /proc/PID/maps listing.
int sniff_proc_maps(std::string_view content);

/// Parses /proc/PID/maps. The mode is options.mode, else 5-level when a VMA lies above the
/// 47-bit user half, else 4-level.
Expected<MappingSet> read_proc_maps(std::string_view content, const std::string& source,
                                    const TextReadOptions& options);

}  // namespace ptv
