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
#include "verifier/ingest/machine.h"
#include "verifier/base/mapped_file.h"
#include "verifier/ingest/phys_memory.h"
#include "verifier/mapping/mapping_set.h"

namespace ptv {

struct LoadOptions {
  MachineOptions machine;       ///< raw dumps: where CR3 and the processor state come from
  std::string format = "auto";  ///< auto, elf-core, raw, or a text format name
  bool lenient = false;         ///< text: report and skip unknown flag tokens
  std::string with_mem;         ///< info tlb: an `info mem` file of the same moment
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

/// Raw memory only: opens the core or image and settles the machine. `elf` empty: sniff.
Expected<RawDump> open_raw_dump(MappedFile file, const MachineOptions& opts, std::optional<bool> elf = std::nullopt);
Expected<RawDump> open_raw_dump(const std::string& path, const MachineOptions& opts,
                                std::optional<bool> elf = std::nullopt);

/// Any dump. Errors name the file and where.
Expected<LoadedDump> load_dump(const std::string& path, const LoadOptions& opts);

/// The mapping set of a raw dump (both walks when assumed facts could matter, merged), with its
/// facts; `mark` sets Run::page_table_frame.
Expected<LoadedDump> map_raw_dump(RawDump dump, const std::string& format, const std::string& source, bool mark,
                                  const std::function<void(const std::string&)>& progress = {});

}  // namespace ptv
