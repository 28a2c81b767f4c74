// libFuzzer harness: the input as an ELF core (ElfCore::from_file over a memfd mapping), then
// opened as `ptverify walk` opens it (open_raw_dump: the registers its notes give, every other
// fact settled by the library) and walked from the top-level table chosen. A core without notes
// is given its lowest physical address as CR3, so the walker still sees the hostile tables.
// Invariants: errors name the file first; registers from a note have MAXPHYADDR in 32..52; the
// walk invariants of fuzz_memory.h.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_memory.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/load_dump.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string name = "fuzz.elf";
  auto core = ElfCore::from_file(fuzz::map_bytes(data, size, name));
  if (!core.ok()) {
    fuzz::check_error(core.error(), name);
    return 0;
  }
  const ElfCore& c = **core;
  for (const std::string& w : c.warnings()) fuzz::require(w.starts_with(name), "a core warning names the file", w);
  DumpOptions opts;
  opts.format = "elf-core";
  if (const auto& regs = c.registers()) {
    const unsigned m = regs->maxphyaddr.value_or(kMaxPhysAddrArchitectural);
    fuzz::require(m >= 32 && m <= 52, "a note's MAXPHYADDR is within 32..52", std::to_string(m));
  } else {
    opts.machine.cr3 = c.ranges().empty() ? 0 : c.ranges().front().start.value();
  }
  auto dump = open_raw_dump(fuzz::map_bytes(data, size, name), opts);
  if (!dump.ok()) {
    fuzz::check_error(dump.error(), name);
    return 0;
  }
  fuzz::fuzz_walk(*dump->memory, dump->machine.state);
  return 0;
}
