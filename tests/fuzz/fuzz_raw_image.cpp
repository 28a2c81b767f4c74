// libFuzzer harness: a raw physical-memory image (RawImage::from_file) walked from registers
// taken from the input itself. Layout of the input (little-endian, missing bytes read as 0):
//
//   0x00  u64 CR3
//   0x08  u64 CR4    (bit 12 LA57 selects 5-level paging)
//   0x10  u64 EFER   (bit 11 NXE)
//   0x18  u8  MAXPHYADDR selector: 32 + (byte % 21)
//   0x19  the image: file offset = physical address
//
// Invariants: errors name the file first; the walk invariants of fuzz_memory.h.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "fuzz_memory.h"
#include "verifier/ingest/raw_image.h"

namespace {

constexpr std::size_t kHeaderBytes = 0x19;

std::uint64_t le64(const std::uint8_t* p, std::size_t avail) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < std::min<std::size_t>(8, avail); ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  auto field = [&](std::size_t off) { return off < size ? le64(data + off, size - off) : 0; };
  const std::uint64_t cr3 = field(0x00), cr4 = field(0x08), efer = field(0x10);
  const unsigned maxphyaddr = 32 + (size > 0x18 ? data[0x18] % 21 : 20);
  const std::size_t image = size > kHeaderBytes ? size - kHeaderBytes : 0;

  const std::string name = "fuzz.raw";
  auto raw = RawImage::from_file(fuzz::map_bytes(data + (size - image), image, name));
  if (!raw.ok()) {
    fuzz::check_error(raw.error(), name);
    return 0;
  }
  fuzz::require((*raw)->bytes_held() == image, "a raw image holds the whole file");
  const PagingState state = PagingState::from_registers(kCr0Pg | kCr0Wp | 1, cr3, cr4 | kCr4Pae, efer, maxphyaddr);
  fuzz::fuzz_walk(**raw, state);
  return 0;
}
