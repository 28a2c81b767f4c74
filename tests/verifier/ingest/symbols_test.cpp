// The kernel's symbol tables. Strategy: the real kallsyms lines saved with the KASLR capture
// (tests/fixtures/linux-6.1-4level-kaslr/kallsyms-selected.txt: the image's section boundaries
// and a few variables) must name addresses inside each section with the right symbol and
// section, and nothing past _end; the same lines moved back by the KASLR offset, read as a
// System.map with that offset, must give the same answers; module symbols carry their module;
// the kernel's VMCOREINFO SYMBOL() lines pin but name nothing; malformed lines are errors naming
// file, line and column.
#include "verifier/ingest/symbols.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace ptv {
namespace {

std::string fixture(const std::string& rel) {
  std::ifstream in(std::string(PTV_FIXTURES_DIR) + "/" + rel, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// _text of the KASLR capture, and its offset from the link-time 0xffffffff81000000.
constexpr std::uint64_t kText = 0xffff'ffff'b900'0000;
constexpr std::uint64_t kOffset = kText - 0xffff'ffff'8100'0000;

void check_kaslr_capture_names(const SymbolTable& t) {
  CHECK(t.by_name("_stext") == std::optional<std::uint64_t>(kText));
  // startup_64, _stext and _text share one address: the function's name is the one shown.
  CHECK(t.lookup(kText).symbol == "startup_64");
  CHECK(t.lookup(kText).section == ".text");
  CHECK(t.lookup(kText + 0x1234).symbol == "startup_64+0x1234");
  CHECK(t.lookup(0xffff'ffff'b9c0'0090).symbol == "entry_SYSCALL_64+0x10");
  CHECK(t.lookup(0xffff'ffff'ba41'5740).symbol == "page_offset_base");
  CHECK(t.lookup(0xffff'ffff'ba41'5740).section == ".rodata");
  CHECK(t.lookup(0xffff'ffff'baa1'0008).section == ".data");
  CHECK(t.lookup(0xffff'ffff'bb08'0000).section == "__init");
  CHECK(t.lookup(0xffff'ffff'bb31'0000).section == ".bss");
  // Between _etext and __start_rodata: padding of the image, still named by the last symbol.
  CHECK(t.lookup(0xffff'ffff'b9f0'0000).section == "image padding");
  // _end and past it: no symbol, no section; below the image (the direct map) neither.
  CHECK(t.lookup(0xffff'ffff'bc43'0000).symbol.empty());
  CHECK(t.lookup(0xffff'ffff'bc43'0000).section.empty());
  CHECK(t.lookup(0xffff'8880'0000'0000).symbol.empty());
  CHECK(t.lookup(0x1000).symbol.empty());
}

TEST_CASE("symbols - a real kallsyms names symbols and sections of the KASLR image") {
  auto t = parse_kallsyms(fixture("linux-6.1-4level-kaslr/kallsyms-selected.txt"), "kallsyms-selected.txt");
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  check_kaslr_capture_names(*t);
  // The per-CPU symbols (absolute, at 0) name no address.
  CHECK(t->by_name("__per_cpu_start") == std::optional<std::uint64_t>(0));
}

TEST_CASE("symbols - a System.map moved by the KASLR offset gives the same names") {
  // The capture's kallsyms lines at their link-time addresses, as System.map holds them.
  std::istringstream in(fixture("linux-6.1-4level-kaslr/kallsyms-selected.txt"));
  std::ostringstream map;
  for (std::string line; std::getline(in, line);) {
    std::uint64_t a = std::stoull(line.substr(0, 16), nullptr, 16);
    if (a >= kStartKernelMap) a -= kOffset;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(a));
    map << buf << line.substr(16) << '\n';
  }
  auto t = parse_system_map(map.str(), "System.map", kOffset);
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  check_kaslr_capture_names(*t);
  CHECK(t->source.find("moved by the KASLR offset 0x38000000") != std::string::npos);
}

TEST_CASE("symbols - module symbols carry their module and end with the module's last symbol") {
  const std::string text =
      "ffffffff81000000 T _text\n"
      "ffffffff81000000 T _stext\n"
      "ffffffff81200000 T _etext\n"
      "ffffffff82000000 B _end\n"
      "ffffffffc0001000 t e1000_probe\t[e1000]\n"
      "ffffffffc0001200 t e1000_remove\t[e1000]\n"
      "ffffffffc0005000 T ext4_fill_super\t[ext4]\n";
  auto t = parse_kallsyms(text, "k");
  REQUIRE(t.ok());
  CHECK(t->lookup(0xffff'ffff'c000'1010).symbol == "e1000_probe+0x10 [e1000]");
  CHECK(t->lookup(0xffff'ffff'c000'1010).section.empty());
  // The last symbol of a module: its end is not known, so nothing past it is named.
  CHECK(t->lookup(0xffff'ffff'c000'1210).symbol.empty());
  CHECK(t->lookup(0xffff'ffff'c000'5010).symbol.empty());
  // Between _end and the first module: nothing.
  CHECK(t->lookup(0xffff'ffff'a000'0000).symbol.empty());
}

TEST_CASE("symbols - the kernel's VMCOREINFO symbols pin but name no range") {
  Vmcoreinfo info;
  info.raw["SYMBOL(_stext)"] = "ffffffffa5000000";
  info.raw["SYMBOL(mem_section)"] = "ffff8b09cffd7000";
  info.raw["OSRELEASE"] = "6.1.0-57-amd64";
  const SymbolTable t = vmcoreinfo_symbols(info, "core");
  CHECK(t.by_name("_stext") == std::optional<std::uint64_t>(0xffff'ffff'a500'0000));
  CHECK(t.lookup(0xffff'ffff'a500'0010).symbol.empty());
  CHECK(t.lookup(0xffff'8b09'cffd'7000).symbol.empty());
}

TEST_CASE("symbols - bad lines are errors naming file, line and column") {
  auto bad = [](const std::string& text) {
    auto t = parse_kallsyms(text, "k.txt");
    REQUIRE_FALSE(t.ok());
    return t.error().message;
  };
  CHECK(bad("ffffffff81000000 T _text\nzzzz T x\n").starts_with("k.txt:2:1: expected a hexadecimal address"));
  CHECK(bad("ffffffff81000000 T\n").starts_with("k.txt:1:"));
  CHECK(bad("ffffffff81000000 TT x\n").starts_with("k.txt:1:18: expected a symbol type letter"));
  CHECK(bad("ffffffff81000000 T x y\n").starts_with("k.txt:1:22: expected end of line or [MODULE]"));
  CHECK(bad("") == "k.txt: no symbols (an empty file?)");
  // Read without privilege: every address is 0.
  CHECK(bad("0000000000000000 T _text\n0000000000000000 T _stext\n").find("save /proc/kallsyms as root") !=
        std::string::npos);
  // Debian's stand-in, as its linux-image packages install it.
  auto debian = parse_system_map("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n",
                                 "System.map-6.1.0-57-amd64", 0);
  REQUIRE_FALSE(debian.ok());
  CHECK(debian.error().message.find("linux-image-VERSION-dbg") != std::string::npos);
  auto map = parse_system_map("ffffffff81000000 T x [mod]\n", "System.map", 0);
  REQUIRE_FALSE(map.ok());
  CHECK(map.error().message.starts_with("System.map:1:22: expected end of line"));
}

}  // namespace
}  // namespace ptv
