// libFuzzer harness: the input as an ELF core (ElfCore::from_file over a memfd mapping), then
// the walk over its tables from the registers its notes give (a core without notes is walked
// from its lowest physical address, with 4-level paging and NXE, so the walker still sees the
// hostile tables).
// Invariants: errors name the file first; registers from a note have MAXPHYADDR in 32..52; the
// walk invariants of fuzz_memory.h.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_memory.h"
#include "verifier/ingest/elf_core.h"

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
  PagingState state;
  if (const auto& regs = c.registers()) {
    const unsigned m = regs->maxphyaddr.value_or(kMaxPhysAddrArchitectural);
    fuzz::require(m >= 32 && m <= 52, "a note's MAXPHYADDR is within 32..52", std::to_string(m));
    state = PagingState::from_registers(regs->cr0.value_or(kCr0Pg | kCr0Wp | 1), regs->cr3, regs->cr4.value_or(kCr4Pae),
                                        regs->efer.value_or(kEferNxe | kEferLma | kEferLme), m);
  } else {
    const std::uint64_t root = c.ranges().empty() ? 0 : c.ranges().front().start.value();
    state = PagingState::from_registers(kCr0Pg | kCr0Wp | 1, root, kCr4Pae | kCr4Pge, kEferNxe | kEferLma | kEferLme);
  }
  fuzz::fuzz_walk(c, state);
  return 0;
}
