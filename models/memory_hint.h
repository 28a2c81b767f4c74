// A memory hint, not semantics: ask Linux to back the 2 MiB-aligned part of a large, freshly
// reserved buffer with transparent huge pages (honoured in THP "madvise" mode). Filling the
// leaf list of a large dump (56 bytes per leaf, hundreds of MiB) otherwise takes one page
// fault per 4 KiB (bench/walk_scaling, 5 M leaves: 160 ms without the hint, 105 ms with it).
// Failure is harmless and ignored; elsewhere than Linux it does nothing.
#pragma once

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <cstddef>
#include <cstdint>

namespace ptv {

inline void advise_huge_pages([[maybe_unused]] const void* data, [[maybe_unused]] std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  if (bytes < 2 * kHuge) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

}  // namespace ptv
