// libFuzzer harness: the input as a QEMU `info tlb` text dump, read strictly and leniently.
// When the input holds a form feed (\f), the text after it is the `info mem` of the same
// moment (--with-mem), so the combination of the two readers is fuzzed as well.
// Invariants: fuzz_text.h and fuzz_check.h.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fuzz_check.h"
#include "fuzz_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = ptv::fuzz::as_text(data, size);
  const std::size_t ff = text.find('\f');
  if (ff == std::string_view::npos) {
    ptv::fuzz::fuzz_text_format(text, "qemu-tlb");
  } else {
    ptv::fuzz::fuzz_text_format(text.substr(0, ff), "qemu-tlb", text.substr(ff + 1));
  }
  return 0;
}
