// A memory hint, not semantics: ask Linux to back the 2 MiB-aligned part of a large, freshly
// reserved buffer with transparent huge pages (honoured in THP "madvise" mode). Filling the
// run lists of a walk with a million runs (88 MB of AddressRun, 150 MB of Run) otherwise takes
// one page fault, and the kernel zeroing a page, per 4 KiB (measured in docs/performance.md).
// Failure is harmless and ignored; elsewhere than Linux it does nothing.
#pragma once

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include <cstddef>
#include <cstdint>
#include <vector>

#include "models/walk.h"

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

/// Reserves room for `n` elements in an empty `v` and asks for huge pages for it before any
/// element touches the memory (advice given after the first touch comes too late for those
/// pages). Requires: v is empty.
template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

/// The default enumeration limits, with each run buffer of the walk asking for huge pages.
inline EnumerateLimits hinted_enumerate_limits() {
  EnumerateLimits limits;
  limits.fresh_buffer = &advise_huge_pages;
  return limits;
}

}  // namespace ptv
