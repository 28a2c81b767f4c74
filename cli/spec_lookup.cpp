#include "cli/spec_lookup.h"

#include <unistd.h>

#include <array>
#include <system_error>

#include "verifier/spec/parse.h"

namespace ptv::cli {

namespace fs = std::filesystem;

namespace {

/// The running binary's folder (through /proc/self/exe), or empty.
fs::path binary_dir() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return {};
  return fs::path(std::string(buf.data(), static_cast<std::size_t>(n))).parent_path();
}

bool exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(fs::symlink_status(p, ec));
}

}  // namespace

std::vector<fs::path> bundled_spec_dirs() {
  std::vector<fs::path> dirs;
  std::error_code ec;
  if (const fs::path bin = binary_dir(); !bin.empty()) {
    const fs::path installed = bin.parent_path() / "share" / "ptverify" / "specs";
    if (fs::is_directory(installed, ec)) dirs.push_back(installed.lexically_normal());
  }
  if (fs::is_directory(PTV_SPECS_DIR, ec)) dirs.emplace_back(PTV_SPECS_DIR);
  return dirs;
}

Expected<fs::path> resolve_spec(const std::string& given) {
  // Whatever is at that path (a directory too) is the user's: its reader says what is wrong.
  if (given.find('/') != std::string::npos || exists(given)) return fs::path(given);
  return spec::find_bundled_spec(given, bundled_spec_dirs());
}

spec::SpecSearch spec_search() { return spec::SpecSearch{bundled_spec_dirs()}; }

Expected<spec::Spec> load_spec_named(const std::string& given) {
  Expected<fs::path> path = resolve_spec(given);
  if (!path) return path.error();
  return spec::load_spec(*path, spec_search());
}

}  // namespace ptv::cli
