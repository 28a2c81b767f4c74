// Loading any dump into a MappingSet: raw memory (ELF core, raw image) is walked from the
// top-level table the machine's facts choose; text dumps (ptdump, QEMU info tlb / info mem,
// /proc/PID/maps, ptverify JSON) are parsed. `format` "auto" decides from the content.
//
// Every set carries its facts (verifier/mapping/facts.h). A raw dump whose processor facts are
// not all known is walked under both values of the unknown ones and the two readings merged
// (verifier/mapping/merge.h): what differs is unknown. A text format's rights are the entry
// bits it shows, made effective with the CPU facts the user gave (CR0.WP, CR4.SMEP), and its
// translations are `valid` only when the user confirms that no entry sets a reserved bit
// (--assume-no-reserved): a text format cannot show one.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "models/expected.h"
#include "models/walk.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/machine.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/ingest/vmcoreinfo.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

/// What the user gave about one dump: the file, its format, and where the processor state comes
/// from. Every subcommand that reads a dump fills one from its flags (cli/load_dump.h), and
/// tests fill one to load a dump the way the command line does; which register source wins,
/// what an unstated fact becomes, which PTI copy is walked and whether the paging mode fits are
/// decided by load_dump / open_raw_dump (through verifier/ingest/machine.h), never by a caller.
struct DumpOptions {
  std::string path;  ///< the dump file (gzip and zstd are decompressed transparently)
  /// "auto" (what the content is decides, verifier/ingest/sniff.h: an ELF core, a kernel core such
  /// as /proc/kcore, a kdump-compressed or flattened dump, a recognised file ptverify does not read
  /// (an error saying what it is), then the text readers' sniffing, else a raw image when CR3 is
  /// given and the file is plainly one), "elf-core", "kdump" (libkdumpfile: kdump_file.h), "raw"
  /// (any file, as raw memory), or a text format name (text_formats()).
  std::string format = "auto";
  MachineOptions machine;           ///< --registers, --cpuinfo, --cr3/--cr0/--cr4/--efer, bits, --pti, --cpu
  bool lenient = false;             ///< text: report and skip unknown flag tokens
  std::string with_mem;             ///< info tlb: an `info mem` file of the same moment
  bool assume_no_reserved = false;  ///< text: the user confirms no entry sets a reserved bit
  bool mark_table_frames = false;   ///< raw: set Run::page_table_frame (check needs it)
  /// Short descriptions of the current step (for a progress line); may be empty.
  std::function<void(const std::string&)> progress;
  /// Lenient text warnings; null means std::cerr.
  std::ostream* warnings = nullptr;
};

/// Raw memory with the machine it is read under.
struct RawDump {
  std::unique_ptr<PhysMemory> memory;
  Machine machine;
  std::optional<Vmcoreinfo> vmcoreinfo;  ///< the dump's VMCOREINFO note, when it carries one
  /// A kernel core (/proc/kcore, an ELF /proc/vmcore): the direct map's base, p_vaddr - p_paddr
  /// of its RAM segments (Linux's page_offset_base); empty for other dumps.
  std::optional<std::uint64_t> direct_map_base;
};

struct LoadedDump {
  MappingSet mappings;
  std::optional<RawDump> raw;                 ///< set for raw memory: the walker can replay against it
  std::shared_ptr<const AddressSpace> space;  ///< raw memory: the walk the mapping set came from
  std::string format_chosen;                  ///< what --format auto chose, and why (for stderr)
  /// Raw memory: some assumed processor fact changes this dump's translations or rights (the
  /// two walks differ), so the rules decided over the raw walk itself cannot be decided.
  bool assumptions_matter = false;
};

/// Raw memory only (walk, slice): opens opts.path as opts.format, which must be "auto" (the
/// content decides, as for load_dump), "elf-core", "kdump" or "raw", and settles the machine from
/// opts.machine and the dump's notes. Only the raw-memory fields of `opts` are used.
Expected<RawDump> open_raw_dump(const DumpOptions& opts);
/// The same over memory already mapped (tests and fuzzers over in-memory bytes); opts.path is
/// not read.
Expected<RawDump> open_raw_dump(MappedFile file, const DumpOptions& opts);

/// Any dump, in any format. Errors name the file and where; an error with Error::internal set
/// is ptverify's own fault (a reader broke the mapping-set invariant), not the input's.
Expected<LoadedDump> load_dump(const DumpOptions& opts);

/// The mapping set of a raw dump (both walks when assumed facts could matter, merged), with its
/// facts; `mark` sets Run::page_table_frame.
Expected<LoadedDump> map_raw_dump(RawDump dump, const std::string& format, const std::string& source, bool mark,
                                  const std::function<void(const std::string&)>& progress = {});

}  // namespace ptv
