// A one-line progress report on stderr for long work (decompressing a core, walking, solving):
// shown only when stderr is a terminal and --quiet is not given, redrawn in place, and erased
// when the work ends, so logs and pipes never see it.
#pragma once

#include <string>

namespace ptv::cli {

class Progress {
 public:
  /// Enabled iff !quiet and stderr is a terminal.
  explicit Progress(bool quiet);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(const std::string& what);
  void clear();
  [[nodiscard]] bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool shown_ = false;
};

}  // namespace ptv::cli
