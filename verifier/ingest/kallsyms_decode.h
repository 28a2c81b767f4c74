// The kernel's own symbol table, decoded from its memory: a dump whose VMCOREINFO lists the
// compressed kallsyms tables (SYMBOL(kallsyms_names), kallsyms_token_table, kallsyms_token_index,
// kallsyms_offsets, kallsyms_relative_base, kallsyms_num_syms, as kernel/crash_core.c writes
// them in the kernels that have it, Debian's 6.1 among them) names every address without a symbol
// file, when the dump holds the kernel image's pages (a full vmcore, /proc/kcore; not a slice).
//
// The tables [kernel/kallsyms.c, scripts/kallsyms.c]: kallsyms_num_syms (u32) symbols; for
// each, in kallsyms_names, a length byte (with bit 7 set, a second byte holds length bits 7..14)
// and that many token numbers; token t is the NUL-terminated string at
// kallsyms_token_table[kallsyms_token_index[t]] (u16 index); the expanded string's first byte is
// the type letter, the rest the name. Addresses are kallsyms_offsets[i] (s32) against
// kallsyms_relative_base (u64): with CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP), an offset
// >= 0 is the address itself and a negative one is base - 1 - offset; without it, base +
// (u32) offset. Which of the two the kernel used is not in VMCOREINFO: the one that puts the
// decoded _stext at VMCOREINFO's SYMBOL(_stext) is taken, and neither is an error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/expected.h"
#include "verifier/ingest/symbols.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

/// `len` bytes of kernel virtual memory at `va` (len at most 4 KiB, within one page), or why
/// they cannot be read.
using ReadKernelPage = std::function<Expected<std::vector<unsigned char>>(std::uint64_t va, std::size_t len)>;

/// Empty when VMCOREINFO does not list the tables. Errors: a table the dump does not hold, or
/// tables that do not decode (a count, length or token out of bounds; no reading of the offsets
/// agrees with SYMBOL(_stext)). `where` names the dump in the table's source.
[[nodiscard]] Expected<std::optional<SymbolTable>> decode_kallsyms(const Vmcoreinfo& info, const ReadKernelPage& read,
                                                                   const std::string& where);

}  // namespace ptv
