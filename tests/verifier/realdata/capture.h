// Opening the real captures of PTV_SHARED_DIR/realdumps for tests. A test that needs one calls
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
#include <vector>

#include "models/paging_state.h"
#include "verifier/base/compressed.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/registers.h"

namespace ptv::test {

/// The captures of the shared folder (each also committed as a fixture).
inline const char* const kCaptures[] = {"linux-6.1-ptdump-4level-pti", "linux-6.1-4level-kaslr", "linux-6.1-5level",
                                        "linux-6.1-debsrc-ptdump-4level"};
/// Every committed fixture (tests/fixtures/<name>: a slice of a real core, QEMU's info tlb of the
/// same moment, registers and cpuinfo), the shared captures first. The others: Debian 6.1 and
/// 6.12 (trixie) kernels and flavours (cloud, rt), pti=off and on, nokaslr, 4- and 5-level,
/// 128 MiB to 1 GiB of RAM, and guests paused in user mode (one with two vCPUs).
inline const char* const kFixtures[] = {"linux-6.1-ptdump-4level-pti",
                                        "linux-6.1-4level-kaslr",
                                        "linux-6.1-5level",
                                        "linux-6.1-debsrc-ptdump-4level",
                                        "linux-6.1-4level-nokaslr-nopti",
                                        "linux-6.1-cloud-4level",
                                        "linux-6.1-rt-4level",
                                        "linux-6.1-5level-nopti",
                                        "linux-6.12-4level",
                                        "linux-6.12-5level-pti",
                                        "linux-6.1-4level-pti-user",
                                        "linux-6.1-4level-pti-user-smp2",
                                        "linux-6.1-4level-nopti-user"};

inline std::filesystem::path realdumps_dir() { return std::filesystem::path(PTV_SHARED_DIR) / "realdumps"; }

/// A core read as `ptverify check CORE --registers registers.txt --cpuinfo cpuinfo.txt` reads
/// it: `state` is the processor state, `root` the top-level table walked (for a guest paused in
/// user mode under PTI, the kernel copy below CR3's), `other_copy` the other PTI copy if any.
struct Capture {
  std::filesystem::path dir;
  std::unique_ptr<PhysMemory> core;  ///< the core's memory
  PagingState state;
  PhysAddr root;
  std::optional<PhysAddr> other_copy;
  std::vector<Fact> facts;
  /// The top-level tables to walk: the chosen one, then the other PTI copy.
  [[nodiscard]] std::vector<PhysAddr> roots() const {
    std::vector<PhysAddr> r{root};
    if (other_copy) r.push_back(*other_copy);
    return r;
  }
};

inline Capture open_core(const std::filesystem::path& dir, const std::string& core_name) {
  DumpOptions o;
  o.path = (dir / core_name).string();
  o.format = "elf-core";
  o.machine.registers_file = (dir / "registers.txt").string();
  o.machine.cpuinfo_file = (dir / "cpuinfo.txt").string();
  auto dump = open_raw_dump(o);
  REQUIRE_MESSAGE(dump.ok(), (dump.ok() ? "" : dump.error().message));
  const Machine& m = dump->machine;
  return Capture{dir, std::move(dump->memory), m.state, m.root, m.other_copy, m.facts};
}

/// The full core of PTV_SHARED_DIR/realdumps/<name>; nullopt (after a visible MESSAGE) when the
/// shared folder is not there.
inline std::optional<Capture> open_capture(const std::string& name) {
  const auto dir = realdumps_dir() / name;
  if (!std::filesystem::exists(dir / "core.elf.zst")) {
    MESSAGE("SKIPPED: real capture " << dir.string()
                                     << " not found (set PTV_SHARED_DIR to the folder holding realdumps/)");
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
