// Loading any dump into a MappingSet: raw memory (ELF core, raw image) is walked from CR3;
// text dumps (ptdump, QEMU info tlb / info mem, /proc/PID/maps, ptverify JSON) are parsed.
// `--format auto` (the default) decides from the content and says on stderr what it chose.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cli/dump_options.h"
#include "models/expected.h"
#include "models/walk.h"
#include "verifier/mapping/mapping_set.h"

namespace CLI {
class App;
}

namespace ptv::cli {

struct LoadOptions {
  DumpOptions paging;           ///< raw dumps: where CR3 and the paging state come from
  std::string format = "auto";  ///< auto, elf-core, raw, or a text format name
  bool lenient = false;         ///< text: report and skip unknown flag tokens
  std::string with_mem;         ///< info tlb: an `info mem` file of the same moment
  bool quiet = false;           ///< do not say on stderr which format was chosen
};

/// Binds the paging options and --format, --lenient, --with-mem onto a subcommand.
void add_load_options(CLI::App& app, LoadOptions& opts);

struct LoadedDump {
  MappingSet mappings;
  std::optional<RawDump> raw;  ///< set for raw memory: the walker can replay against it
  std::shared_ptr<const AddressSpace> space;  ///< raw memory: the walk the mapping set came from
};

Expected<LoadedDump> load_dump(const std::string& path, const LoadOptions& opts);

}  // namespace ptv::cli
