// libFuzzer harness: the input as a saved QEMU `info registers` (parse_info_registers, then
// to_paging_state) and as a /proc/cpuinfo text (parse_cpuinfo_maxphyaddr).
// Invariants: errors name their source first; a paging state's CR3 is the one parsed and its
// mode follows CR4.LA57; MAXPHYADDR is within 32..52.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "verifier/ingest/registers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string_view text = fuzz::as_text(data, size);
  const std::string source = "fuzz-registers.txt";
  const Expected<ControlRegisters> regs = parse_info_registers(text, source);
  if (!regs.ok()) {
    fuzz::check_error(regs.error(), source);
  } else {
    fuzz::require(regs->cr3.has_value(), "info registers without CR3 is an error");
    const Expected<PagingState> state = to_paging_state(*regs, source);
    if (!state.ok()) {
      fuzz::check_error(state.error(), source);
    } else {
      fuzz::require(state->cr3 == *regs->cr3, "the paging state keeps CR3");
      fuzz::require(state->cr4_la57 == ((*regs->cr4 & kCr4La57) != 0), "LA57 comes from CR4");
    }
  }
  const std::string cpuinfo = "fuzz-cpuinfo.txt";
  const Expected<unsigned> m = parse_cpuinfo_maxphyaddr(text, cpuinfo);
  if (!m.ok()) {
    fuzz::check_error(m.error(), cpuinfo);
  } else {
    fuzz::require(*m >= 32 && *m <= 52, "MAXPHYADDR is within 32..52", std::to_string(*m));
  }
  return 0;
}
