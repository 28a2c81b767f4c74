// What every benchmark needs: wall-clock timing, the median of repeats (the machine is shared,
// so single runs are noisy), CSV output for bench/plot.py, and running a scenario in a forked
// child to read its own peak RSS (so that scenarios cannot mask each other's peaks).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace ptv::bench {

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

/// Requires: !v.empty(). The middle value (the mean of the two middle ones for an even count).
inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// The median wall time in milliseconds of `reps` calls of `body`.
inline double median_ms(int reps, const std::function<void()>& body) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    body();
    t.push_back(ms_since(t0));
  }
  return median(t);
}

/// A CSV file with a header row; each row() is one line. Values are written as given (numbers
/// unquoted, names free of commas). An empty path writes nothing.
class CsvWriter {
 public:
  CsvWriter(const std::string& path, const std::vector<std::string>& header) {
    if (path.empty()) return;
    out_.open(path);
    if (!out_) std::cerr << "bench: cannot write " << path << '\n';
    row(header);
  }
  void row(const std::vector<std::string>& cells) {
    if (!out_.is_open()) return;
    for (std::size_t i = 0; i < cells.size(); ++i) out_ << (i ? "," : "") << cells[i];
    out_ << '\n';
    out_.flush();
  }

 private:
  std::ofstream out_;
};

/// "12.34": a number for a CSV cell or a table, with `digits` after the point.
inline std::string fixed(double v, int digits = 2) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

struct ChildResult {
  bool ok = false;       ///< exited with status 0
  std::string output;    ///< what the body returned
  long max_rss_kib = 0;  ///< the child's own peak resident set (ru_maxrss of wait4)
};

/// Runs `body` in a forked child and returns its result string and peak RSS. The caller should
/// hold little memory when forking: the child starts with the parent's resident pages.
inline ChildResult run_in_child(const std::function<std::string()>& body) {
  std::cout.flush();
  std::cerr.flush();
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid < 0) return {};
  if (pid == 0) {
    close(fds[0]);
    int status = 0;
    std::string out;
    try {
      out = body();
    } catch (const std::exception& e) {
      out = std::string("error: ") + e.what();
      status = 1;
    }
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    _exit(status);
  }
  close(fds[1]);
  ChildResult r;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) r.output.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) == pid) {
    r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    r.max_rss_kib = ru.ru_maxrss;  // Linux: kilobytes
  }
  return r;
}

/// Where the benchmarks write their scratch images: $TMPDIR, else /tmp.
inline std::string default_tmp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

}  // namespace ptv::bench
