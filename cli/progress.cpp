#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "verifier/base/printable.h"

namespace ptv::cli {

Progress::Progress(bool quiet) : enabled_(!quiet && isatty(STDERR_FILENO)) {}

Progress::~Progress() { clear(); }

void Progress::update(const std::string& what) {
  if (!enabled_) return;
  std::fprintf(stderr, "\r\033[K%.*s", 150, printable(what).c_str());
  std::fflush(stderr);
  shown_ = true;
}

void Progress::clear() {
  if (!shown_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace ptv::cli
