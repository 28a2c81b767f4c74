// The terminal map (verifier/report/terminal_map.h). Strategy: first the contract of the
// drawing at every width (no line wider than asked, ASCII only with --ascii, no escape sequence
// without colour, colour only decorating), then the log scale of box heights, then the sketch's
// shape on the hand-built sample (map_samples.h): boundary addresses on the box lines, the hole
// once, runs, unknown ranges and violations inside the right boxes. The real captures are
// pinned byte for byte by the CLI golden tests (tests/cli/map.cmake.in).
#include "verifier/report/terminal_map.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "verifier/report/map_samples.h"

namespace ptv {
namespace {

using namespace maptest;

std::string draw(const AddressMap& map, unsigned width, bool ascii, bool colour) {
  std::ostringstream os;
  write_terminal_map(map, TerminalMapOptions{width, ascii, colour}, os);
  return os.str();
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

std::string strip_sgr(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\033' && i + 1 < s.size() && s[i + 1] == '[') {
      i = s.find('m', i);
      REQUIRE(i != std::string::npos);
      continue;
    }
    out += s[i];
  }
  return out;
}

/// The index of the first line from `from` on containing `needle`, or lines.size().
std::size_t find_line(const std::vector<std::string>& ls, const std::string& needle, std::size_t from = 0) {
  for (std::size_t i = from; i < ls.size(); ++i)
    if (ls[i].find(needle) != std::string::npos) return i;
  return ls.size();
}

struct Sample {
  spec::Spec spec = sample_spec();
  spec::Layout layout = sample_layout(spec);
  MappingSet mappings = sample_mappings();
  check::CheckResult check = sample_check();
  AddressMap map = build_address_map(mappings, &layout, &check);
};

TEST_CASE("terminal map: every line fits the width, ASCII mode is ASCII, colour only decorates") {
  const Sample s;
  for (unsigned width : {60u, 80u, 100u, 137u}) {
    for (bool ascii : {false, true}) {
      CAPTURE(width);
      CAPTURE(ascii);
      const std::string plain = draw(s.map, width, ascii, false);
      CHECK(plain.find('\033') == std::string::npos);
      for (const std::string& l : lines(plain)) CHECK(code_points(l) <= width);
      if (ascii)
        for (const char c : plain) CHECK(static_cast<unsigned char>(c) < 0x80);
      CHECK(strip_sgr(draw(s.map, width, ascii, true)) == plain);
    }
  }
  // Box lines span the whole width, the address column included.
  for (const std::string& l : lines(draw(s.map, 100, true, false)))
    if (l.starts_with("+-")) CHECK(l.size() == 100);
}

TEST_CASE("terminal map: box heights follow the log scale of the size") {
  struct Row {
    std::uint64_t size;
    unsigned lines;
  };
  const Row rows[] = {{4096, 1},         {64 << 10, 1},    {2 << 20, 2},   {1 << 30, 4},
                      {512ull << 30, 5}, {64ull << 40, 6}, {1ull << 63, 9}};
  for (const Row& r : rows) {
    CAPTURE(r.size);
    CHECK(scale_lines(VirtRange::from_size(VirtAddr(0), r.size)) == r.lines);
  }
  CHECK(scale_lines(VirtRange::from_size(VirtAddr(0), 1)) == 1);

  // In the drawing: the 4K null guard gets one line, the user half's 128T box at least six.
  const Sample s;
  const std::vector<std::string> ls = lines(draw(s.map, 100, true, false));
  const std::size_t guard = find_line(ls, "| null-guard");
  REQUIRE(guard < ls.size());
  CHECK(ls[guard - 1].starts_with("+-"));
  CHECK(ls[guard + 1].starts_with("+-"));
  const std::size_t user = find_line(ls, "| user ");
  REQUIRE(user < ls.size());
  std::size_t height = 0;
  while (!ls[user + height].starts_with("+-")) ++height;
  CHECK(height >= 6);
}

TEST_CASE("terminal map: the sketch's shape - boundary addresses, the hole once, runs and violations in their boxes") {
  const Sample s;
  const std::string out = draw(s.map, 100, true, false);
  const std::vector<std::string> ls = lines(out);
  // The first box line carries the last address of the space; the last one 0.
  const std::size_t top = find_line(ls, "+-");
  REQUIRE(top < ls.size());
  CHECK(ls[top].ends_with("+ 0xffffffffffffffff"));
  CHECK(find_line(ls, "+ 0x0000000000000000") == find_line(ls, "| null-guard") + 1);
  // The line below a box is its first address.
  std::size_t below = find_line(ls, "| dmap");
  while (below < ls.size() && !ls[below].starts_with("+-")) ++below;
  REQUIRE(below < ls.size());
  CHECK(ls[below].ends_with(" 0xffff888000000000"));
  // The hole: one box, one label.
  std::size_t holes = 0;
  for (const std::string& l : ls) holes += l.find("non-canonical hole") != std::string::npos;
  CHECK(holes == 1);
  // Names, nesting, rules and runs.
  CHECK(ls[find_line(ls, "| dmap")].find("in window") != std::string::npos);
  CHECK(ls[find_line(ls, "| dmap")].find("1T  allows -rw-") != std::string::npos);
  const std::size_t dmap = find_line(ls, "| dmap");
  CHECK(find_line(ls, "2 runs, 6M mapped:   -rw- 2M x2   -r-- 4K x512", dmap) == dmap + 1);
  CHECK(find_line(ls, "!! wx: 1 violation at 0xffff897fffe00000 (2056K)", dmap) == dmap + 2);
  // The window box above dmap holds the rest of the crossing run and the same violation.
  const std::size_t window = find_line(ls, "| window");
  CHECK(ls[window + 1].find("1 run, 8K mapped:   -r-- 4K x2") != std::string::npos);
  CHECK(ls[window + 2].find("!! wx: 1 violation at 0xffff897fffe00000") != std::string::npos);
  CHECK(find_line(ls, "?? 1 unknown range, 8T: not walked") < ls.size());
  CHECK(find_line(ls, "array: 4 x 16K + 4K guard, stride 32K") == find_line(ls, "| stacks") + 1);
  CHECK(out.starts_with("ptverify map: captures/sample <core>.elf\n"));
  CHECK(out.find("regions of spec map-test (specs/map-test.json)") != std::string::npos);
  CHECK(out.find("parameters: base=0xffff888000000000") != std::string::npos);
  // Unicode by default.
  const std::string unicode = draw(s.map, 100, false, false);
  CHECK(unicode.find("┌") != std::string::npos);
  CHECK(unicode.find("-rw- 2M ×2") != std::string::npos);
}

}  // namespace
}  // namespace ptv
