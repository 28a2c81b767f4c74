// `ptverify slice DUMP [paging options] -o OUT.elf`: a small ELF core holding only the
// page-table frames reachable from the root (and from the other PTI copy, when there is one) and the paging
// registers in a PTVERIFY note, so that `ptverify mappings OUT.elf` needs no flags and a
// page-table bug ships as a reproducer of kilobytes. [verifier/ingest/slice.h]
#pragma once

#include <string>

#include "cli/commands.h"
#include "cli/dump_options.h"
#include "verifier/ingest/load_dump.h"

namespace CLI {
class App;
}

namespace ptv::cli {

struct SliceOptions {
  /// The full dump (ELF core or raw image, maybe compressed): path, format (auto, elf-core,
  /// raw) and the machine options.
  DumpOptions dump;
  std::string output;  ///< -o: the slice to write
  /// --keep-pages: a file of further physical pages to keep (hex addresses, one per line), e.g.
  /// the kernel data makedumpfile reads to convert the slice into a kdump file.
  std::string keep_pages;
};

Command setup_slice(CLI::App& app);
/// Returns an ExitCode: kOk, or kBadInput with `ptverify: <file>: <what>` on stderr.
int run_slice(const SliceOptions& opts);

}  // namespace ptv::cli
