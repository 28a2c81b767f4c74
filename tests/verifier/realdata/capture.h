// Opening the real captures of ../shared/realdumps for tests. A test that needs one calls
// open_capture(); when the shared folder is absent (a user's clone) it gets nullopt and skips
// visibly with a doctest MESSAGE, never silently.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "models/paging_state.h"
#include "verifier/ingest/compressed.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/registers.h"

namespace ptv::test {

inline const char* const kCaptures[] = {"linux-6.1-ptdump-4level-pti", "linux-6.1-4level-kaslr", "linux-6.1-5level",
                                        "linux-6.1-debsrc-ptdump-4level"};

inline std::filesystem::path realdumps_dir() { return std::filesystem::path(PTV_SHARED_DIR) / "realdumps"; }

struct Capture {
  std::filesystem::path dir;
  std::unique_ptr<ElfCore> core;
  PagingState state;
};

inline Capture open_core(const std::filesystem::path& dir, const std::string& core_name) {
  auto file = open_mapped_maybe_compressed((dir / core_name).string());
  REQUIRE_MESSAGE(file.ok(), (file.ok() ? "" : file.error().message));
  auto core = ElfCore::from_file(std::move(file.value()));
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  const auto maxphy = read_cpuinfo_maxphyaddr((dir / "cpuinfo.txt").string());
  REQUIRE(maxphy.ok());
  const auto state = read_registers_file((dir / "registers.txt").string(), *maxphy);
  REQUIRE_MESSAGE(state.ok(), (state.ok() ? "" : state.error().message));
  return Capture{dir, std::move(core.value()), *state};
}

/// The full core of ../shared/realdumps/<name>; nullopt (after a visible MESSAGE) when the
/// shared folder is not there.
inline std::optional<Capture> open_capture(const std::string& name) {
  const auto dir = realdumps_dir() / name;
  if (!std::filesystem::exists(dir / "core.elf.zst")) {
    MESSAGE("SKIPPED: real capture " << dir.string() << " not found (no ../shared beside the clone)");
    return std::nullopt;
  }
  return open_core(dir, "core.elf.zst");
}

/// The committed slice of the same capture (tests/fixtures/<name>): page tables only.
inline Capture open_fixture(const std::string& name) {
  return open_core(std::filesystem::path(PTV_FIXTURES_DIR) / name, "core.slice.elf.zst");
}

/// A text file of a capture or fixture, decompressed when it ends in .zst; CRs removed.
inline std::string read_capture_text(const std::filesystem::path& dir, const std::string& name) {
  auto p = dir / name;
  if (!std::filesystem::exists(p)) p += ".zst";
  auto t = read_whole_file(p.string());
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  std::string s = std::move(t.value());
  std::erase(s, '\r');  // QEMU's HMP output was saved with CRLF line endings
  return s;
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ptv::test
