#include "cli/run_limits.h"

#include <sys/resource.h>

namespace ptv::cli {

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::uint64_t g_limit_mib = 0;

}  // namespace

void limit_memory(std::uint64_t mib) {
  if (mib == 0 || kSanitized) return;
  rlimit rl{};
  if (getrlimit(RLIMIT_DATA, &rl) != 0) return;
  constexpr std::uint64_t kMaxMib = std::uint64_t{1} << 40;  // far beyond any machine; no shift overflow
  const rlim_t want = static_cast<rlim_t>(mib > kMaxMib ? kMaxMib : mib) << 20;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_DATA, &rl) == 0) g_limit_mib = mib;
}

std::uint64_t memory_limit_mib() { return g_limit_mib; }

}  // namespace ptv::cli
