// libFuzzer harness: the input as a text dump of any format (auto-detection picks the reader), read strictly and
// leniently. Invariants: fuzz_text.h and fuzz_check.h.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "fuzz_text.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ptv::fuzz::fuzz_text_format(ptv::fuzz::as_text(data, size), "auto");
  return 0;
}
