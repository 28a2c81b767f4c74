// libFuzzer harness: the input as a kernel core (KernelCore::from_file over a memfd mapping, the
// in-memory form of the pread reader), sniffed first as --format auto sniffs it, then opened as
// `ptverify walk /proc/kcore` opens it (open_raw_dump: the root from its VMCOREINFO note) and
// walked. A core without VMCOREINFO is given its lowest physical address as CR3.
// Invariants: errors name the file first; a kind ptverify does not read has a message; the ranges
// are sorted and disjoint; the walk invariants of fuzz_memory.h.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_memory.h"
#include "verifier/ingest/kernel_core.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/sniff.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string name = "fuzz.kcore";
  MappedFile bytes = fuzz::map_bytes(data, size, name);
  const SniffResult s = sniff_dump(bytes.bytes(), bytes.size());
  const bool readable = s.kind == DumpKind::kElfCore || s.kind == DumpKind::kKernelCore ||
                        s.kind == DumpKind::kKdumpCompressed || s.kind == DumpKind::kKdumpFlattened ||
                        s.kind == DumpKind::kOther;
  fuzz::require(readable == sniff_message(s).empty(), "a kind ptverify does not read has a message", to_string(s.kind));
  auto core = KernelCore::from_file(std::move(bytes));
  if (!core.ok()) {
    fuzz::check_error(core.error(), name);
    return 0;
  }
  const KernelCore& c = **core;
  for (std::size_t i = 1; i < c.ranges().size(); ++i)
    fuzz::require(c.ranges()[i - 1].last() < c.ranges()[i].start, "kernel core ranges are sorted and disjoint", "");
  DumpOptions opts;
  if (c.vmcoreinfo().empty()) opts.machine.cr3 = c.ranges().front().start.value();
  auto dump = open_raw_dump(fuzz::map_bytes(data, size, name), opts);
  if (!dump.ok()) {
    fuzz::check_error(dump.error(), name);
    return 0;
  }
  fuzz::fuzz_walk(*dump->memory, dump->machine.state);
  return 0;
}
