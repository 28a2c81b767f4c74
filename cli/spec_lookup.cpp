#include "cli/spec_lookup.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <set>
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

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
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
  const std::string file = given.ends_with(".json") ? given : given + ".json";
  const std::vector<fs::path> dirs = bundled_spec_dirs();
  for (const fs::path& dir : dirs)
    if (is_file(dir / file)) return dir / file;
  std::set<std::string> names;
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".json") names.insert(e.path().stem().string());
  }
  std::string message = given + ": no such spec file, and no bundled spec has that name";
  if (names.empty()) return Error{message + " (no bundled specs are installed: give the spec's path)"};
  message += "; the bundled specs are:";
  for (const std::string& n : names) message += ' ' + n;
  return Error{message + " (in " + dirs.front().string() + ")"};
}

Expected<spec::Spec> load_spec_named(const std::string& given) {
  Expected<fs::path> path = resolve_spec(given);
  if (!path) return path.error();
  return spec::load_spec(*path);
}

}  // namespace ptv::cli
