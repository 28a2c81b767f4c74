// Fuzz-ish robustness of every text reader. Strategy: a fixed-seed generator feeds each reader
// (and auto-detection) random bytes, random printable lines, every prefix of real lines, and
// real files with bytes flipped, replaced or deleted; each read must either succeed with a
// mapping set that passes validate() or fail with a message that starts with the file name.
// Nothing may crash or hang; under the sanitizer build this is where overflows would show.
#include <doctest/doctest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "verifier/ingest/text_format.h"
#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

/// xorshift64*: deterministic across platforms.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545'f491'4f6c'dd1dULL;
  }
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(next() % n) : 0; }

 private:
  std::uint64_t s_;
};

/// Reads `content` with every reader and with auto; checks the outcome is a value or an error.
void read_all_ways(std::string_view content, bool lenient) {
  std::ostringstream warnings;
  TextReadOptions options;
  options.lenient = lenient;
  options.warnings = &warnings;
  auto check = [&](const Expected<MappingSet>& r) {
    if (r.ok()) {
      const auto broken = r->validate();
      CHECK_MESSAGE(!broken, broken.value_or(""));
    } else {
      CHECK_MESSAGE(r.error().message.starts_with("fz"), r.error().message);
    }
  };
  for (const TextFormat& f : text_formats()) {
    const int c = f.sniff(content);
    CHECK((c >= 0 && c <= 100));
    check(f.read(content, "fz", options));
  }
  const Expected<TextDump> automatic = read_text_dump(content, "fz", "auto", options);
  if (automatic.ok())
    check(automatic->mappings);
  else
    check(automatic.error());
}

/// Real lines of every format, the material for truncation and mutation.
const std::vector<std::string>& real_lines() {
  static const std::vector<std::string> lines = {
      "---[ Low Kernel Mapping ]---",
      "0xffff98044d200000-0xffff98044d600000           4M     ro         PSE         NX pmd",
      "0xffffffffff5fc000-0xffffffffff5fe000           8K     RW PWT PCD             NX pte",
      "0xffffffffff800000-0x0000000000000000           8M                               pmd",
      "0x00007ffe00000000-0xffff880000000000   17179615240G                               pud",
      "... 131058 entries skipped ... ",
      "[    0.947197] 0xffffffff8ea00000-0xffffffff8ec00000           2M     ro         PSE         x  pmd",
      "ffff980440200000: 0000000000200000 X-PDA---W",
      "ffd5a97780000000: 0000000007a00000 X-PDA---W",
      "0000000000400000: 000000000db5b000 X---A--U-",
      "ffff98044db5f000-ffff98044ffdf000 0000000002480000 -rw",
      "0000000000400000-0000000000420000 0000000000020000 ur-",
      "00401000-00585000 r-xp 00001000 00:02 13                                 /bin/busybox",
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
      R"({"format_version": 1, "mode": "4-level", "mappings": [{"start": "0x1000", "end": "0x2000", "user": true}]})",
  };
  return lines;
}

TEST_CASE("fuzz - random bytes never crash a reader") {
  Rng rng(0x5eed'0001);
  for (int i = 0; i < 300; ++i) {
    std::string s(rng.below(200), '\0');
    for (char& c : s) c = static_cast<char>(rng.next() & 0xff);
    CAPTURE(i);
    read_all_ways(s, i % 2 == 0);
  }
}

TEST_CASE("fuzz - random lines of format characters never crash a reader") {
  static constexpr std::string_view kAlphabet = "0123456789abcdefxX-: \t\n[].{}\"PGDACTUWurwpsNRoKMGTE";
  Rng rng(0x5eed'0002);
  for (int i = 0; i < 500; ++i) {
    std::string s(rng.below(300), ' ');
    for (char& c : s) c = kAlphabet[rng.below(kAlphabet.size())];
    CAPTURE(s);
    read_all_ways(s, i % 2 == 0);
  }
}

TEST_CASE("fuzz - every prefix of a real line is a value or an error") {
  for (const std::string& line : real_lines()) {
    for (std::size_t n = 0; n <= line.size(); ++n) {
      CAPTURE(line.substr(0, n));
      read_all_ways(line.substr(0, n), false);
      read_all_ways(line.substr(0, n) + "\n" + line, true);
    }
  }
}

TEST_CASE("fuzz - real files with bytes flipped, replaced or deleted") {
  const std::vector<std::string> files = {
      texttest::load_fixture("pti-ptdump-current_user.txt"),
      texttest::load_fixture("pti-info-mem.txt"),
      texttest::load_fixture("pti-proc-1-maps.txt"),
      texttest::load_fixture("5level-info-tlb-slice.txt").substr(0, 3000),
  };
  Rng rng(0x5eed'0003);
  for (const std::string& original : files) {
    for (int i = 0; i < 60; ++i) {
      std::string s = original;
      const int edits = 1 + static_cast<int>(rng.below(4));
      for (int e = 0; e < edits && !s.empty(); ++e) {
        const std::size_t at = rng.below(s.size());
        switch (rng.below(3)) {
          case 0:
            s[at] = static_cast<char>(s[at] ^ (1 << rng.below(8)));
            break;
          case 1:
            s[at] = "0fx- \n:"[rng.below(7)];
            break;
          default:
            s.erase(at, 1 + rng.below(20));
            break;
        }
      }
      CAPTURE(i);
      read_all_ways(s, i % 2 == 0);
    }
  }
}

}  // namespace
}  // namespace ptv
