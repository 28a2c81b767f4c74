#include "cli/run_limits.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "verifier/base/exit_codes.h"
#include "verifier/base/output_file.h"

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
bool g_margin_given = false;

// An allocation past the cap: the first time, the cap is raised by a margin before std::bad_alloc
// is thrown, so that the unwinding has memory to finish with (nlohmann::json's destructor, for
// one, allocates: without the margin a failed parse ended in std::terminate). The run then ends
// as "out of memory", exit 3 (run_selected).
void on_allocation_failure() {
  if (!g_margin_given) {
    g_margin_given = true;
    constexpr rlim_t kMargin = rlim_t{256} << 20;
    rlimit rl{};
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      rl.rlim_cur =
          rl.rlim_max == RLIM_INFINITY || rl.rlim_max - rl.rlim_cur > kMargin ? rl.rlim_cur + kMargin : rl.rlim_max;
      setrlimit(RLIMIT_DATA, &rl);
    }
  }
  throw std::bad_alloc();
}

// The watchdog's message, composed when it is armed: the handler may only write() and _exit().
char g_watchdog_message[256];
std::size_t g_watchdog_length = 0;

extern "C" void on_watchdog(int) {
  remove_pending_temporaries();
  const ssize_t ignored = write(STDERR_FILENO, g_watchdog_message, g_watchdog_length);
  (void)ignored;
  _exit(static_cast<int>(ExitCode::kUnknown));
}

itimerval timer_for(double seconds) {
  itimerval t{};
  const double whole = std::floor(seconds);
  t.it_value.tv_sec = static_cast<time_t>(whole);
  t.it_value.tv_usec = static_cast<suseconds_t>((seconds - whole) * 1e6);
  if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) t.it_value.tv_usec = 1;
  return t;
}

}  // namespace

void limit_memory(std::uint64_t mib) {
  if (mib == 0 || kSanitized) return;
  rlimit rl{};
  if (getrlimit(RLIMIT_DATA, &rl) != 0) return;
  constexpr std::uint64_t kMaxMib = std::uint64_t{1} << 40;  // far beyond any machine; no shift overflow
  const rlim_t want = static_cast<rlim_t>(mib > kMaxMib ? kMaxMib : mib) << 20;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
  if (setrlimit(RLIMIT_DATA, &rl) == 0) {
    g_limit_mib = mib;
    std::set_new_handler(on_allocation_failure);
  }
}

std::uint64_t memory_limit_mib() { return g_limit_mib; }

double time_watchdog_grace(double limit_seconds) { return std::clamp(limit_seconds / 10, 2.0, 60.0); }

void arm_time_watchdog(const char* command, double limit_seconds, bool cooperative) {
  if (!(limit_seconds > 0)) return;
  const double grace = cooperative ? time_watchdog_grace(limit_seconds) : 0;
  char wind_down[64] = "";
  if (grace > 0) std::snprintf(wind_down, sizeof wind_down, ", and %g s to wind down", grace);
  const int n = std::snprintf(g_watchdog_message, sizeof g_watchdog_message,
                              "ptverify: %s: the run did not end within its time limit (--time-limit %g s%s): "
                              "stopped without an answer (unknown)\n",
                              command, limit_seconds, wind_down);
  g_watchdog_length = n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof g_watchdog_message - 1);
  struct sigaction sa {};
  sa.sa_handler = on_watchdog;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
  const itimerval t = timer_for(limit_seconds + grace);
  setitimer(ITIMER_REAL, &t, nullptr);
}

void disarm_time_watchdog() {
  const itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
}

std::optional<std::chrono::steady_clock::time_point> deadline_after(double seconds) {
  if (seconds <= 0) return std::nullopt;
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace ptv::cli
