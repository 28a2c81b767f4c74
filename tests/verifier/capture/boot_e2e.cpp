// Strategy: `ptverify capture --boot` end to end on a real Debian kernel under QEMU (TCG, PTI on): the
// binary boots it with its generated busybox initramfs, pauses it, dumps it and runs `check
// --check auto`. Then the captured moment is held to QEMU's own walk of the same moment (its
// `info tlb`, saved by the capture: the agreement the real-data tests require of every committed
// capture), for the full core and for its slice, and the verdict of `--check auto` must be the
// verdict of `ptverify check` typed by hand on the same core with the same spec.
//
// A test executable of its own, run as one CTest test: it exits 77 (skipped, visibly) when QEMU
// or the kernel is not there. The kernel is PTV_TEST_KERNEL: a vmlinuz, or a folder holding
// boot/vmlinuz-* (what `make kernel` unpacks into the build folder).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "verifier/realdata/info_tlb_agreement.h"

namespace fs = std::filesystem;
using namespace ptv;

namespace {

bool g_skipped = false;

void skip(const std::string& why) {
  MESSAGE("SKIPPED: " << why);
  g_skipped = true;
}

std::optional<fs::path> find_kernel() {
  const char* env = std::getenv("PTV_TEST_KERNEL");
  if (!env || !*env) return std::nullopt;
  const fs::path p(env);
  if (fs::is_regular_file(p)) return p;
  std::error_code ec;
  for (const fs::path& d : {p / "boot", p})
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().filename().string().starts_with("vmlinuz-")) return e.path();
  return std::nullopt;
}

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The "ptverify check: VERDICT - ..." line without its trailing run time (", 1.05 s").
std::string verdict_line(const std::string& out) {
  const std::size_t at = out.find("ptverify check: ");
  if (at == std::string::npos) return {};
  std::string line = out.substr(at, out.find('\n', at) - at);
  if (const std::size_t comma = line.rfind(", "); comma != std::string::npos && line.ends_with(" s")) line.erase(comma);
  return line;
}

}  // namespace

TEST_CASE("capture --boot: a real kernel under TCG, captured, agrees with QEMU's info tlb, and --check auto is check") {
  const std::optional<fs::path> kernel = find_kernel();
  if (!kernel) {
    skip("no kernel: set PTV_TEST_KERNEL (CMake cache variable) to a vmlinuz or to the folder `make kernel` fills");
    return;
  }
  if (run("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
    skip("qemu-system-x86_64 is not installed (Debian package qemu-system-x86)");
    return;
  }
  const fs::path dir = fs::current_path() / "capture-boot-e2e";
  fs::remove_all(dir);
  const std::string bin = PTV_BINARY;
  const int code = run(quote(bin) + " capture --boot " + quote(kernel->string()) +
                       " --memory 256M --append pti=on --slice --check auto --timeout 180 -o " + quote(dir.string()) +
                       " > " + quote(dir.string() + ".out") + " 2> " + quote(dir.string() + ".err"));
  const std::string out = read_file(dir.string() + ".out");
  const std::string err = read_file(dir.string() + ".err");
  INFO("capture's stdout:\n" << out << "\ncapture's stderr:\n" << err);
  REQUIRE(code >= 0);
  REQUIRE(code <= 3);  // 0 holds, 1 violated, 3 unknown: a verdict, whichever it is
  for (const char* f : {"core.elf", "core.slice.elf", "registers.txt", "registers-all.txt", "info-tlb.txt",
                        "info-mem.txt", "cpuinfo.txt", "serial.log", "capture.json", "initramfs.cpio.gz"}) {
    CAPTURE(f);
    CHECK(fs::exists(dir / f));
  }
  const nlohmann::ordered_json manifest = nlohmann::ordered_json::parse(read_file(dir / "capture.json"));
  CHECK(manifest["kernel_mode"] == true);
  CHECK(manifest["paging"] == "4-level");
  CHECK(manifest["qemu"]["version"].get<std::string>().size() >= 5);
  CHECK(manifest["kernel_command_line"].get<std::string>().starts_with("console=ttyS0 panic=-1"));
  CHECK(err.find("the guest is ready") != std::string::npos);

  // The captured moment against QEMU's own walk of it: the full core, then its slice.
  {
    const test::Capture cap = test::open_core(dir, "core.elf");
    test::check_against_info_tlb(&cap, "capture --boot core.elf");
  }
  {
    const test::Capture cap = test::open_core(dir, "core.slice.elf");
    test::check_against_info_tlb(&cap, "capture --boot core.slice.elf");
  }

  // --check auto gave the verdict `ptverify check` gives by hand on the same core and spec.
  const fs::path manual = dir / "manual-check.out";
  const int manual_code = run(quote(bin) + " check " + quote((dir / "core.elf").string()) + " --spec " +
                              quote(PTV_SOURCE_DIR "/specs/linux-x86_64-4level.json") + " --registers " +
                              quote((dir / "registers.txt").string()) + " --cpuinfo " +
                              quote((dir / "cpuinfo.txt").string()) + " > " + quote(manual.string()) + " 2>/dev/null");
  const std::string by_hand = read_file(manual);
  INFO("ptverify check by hand:\n" << by_hand);
  CHECK(manual_code == code);
  CHECK_FALSE(verdict_line(by_hand).empty());
  CHECK(verdict_line(out) == verdict_line(by_hand));

  // The cores are the guest's RAM: not kept in the build folder once compared (the small files
  // stay for a look at what was captured).
  fs::remove(dir / "core.elf");
}

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  return result == 0 && g_skipped ? 77 : result;
}
