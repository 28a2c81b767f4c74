// A private directory for one test: made with mkdtemp under $TMPDIR (default /tmp) and removed
// with its contents at scope exit. ctest runs test cases as concurrent processes, and two builds
// may test on one machine at once, so no test writes to a fixed name under /tmp.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace ptv::test {

class ScratchDir {
 public:
  ScratchDir() {
    const char* env = std::getenv("TMPDIR");
    std::string pattern = std::string((env != nullptr && *env != '\0') ? env : "/tmp") + "/ptv-test-XXXXXX";
    const char* made = ::mkdtemp(pattern.data());
    REQUIRE_MESSAGE(made != nullptr, "cannot make a directory like " << pattern);
    path_ = made;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace ptv::test
