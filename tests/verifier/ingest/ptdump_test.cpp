// The Linux ptdump reader. Strategy: real files first (the small PTI capture's kernel file, the
// Debian-config capture's kernel file with its ESPfix elision) and what they must give; then
// one TEST_CASE per trap of the format (wrapped end, sizes, elision, lagging markers, dmesg
// prefixes, 5-level and pre-5.6 level names, the PAT column, leaf-only rights as a table of
// real lines); then each kind of bad input must be an error naming FILE:LINE:COL and what was
// expected.
#include "verifier/ingest/ptdump.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::must_fail;
using texttest::must_read;

MappingSet read(std::string_view text, const TextReadOptions& options = {}) {
  return must_read(&read_ptdump, text, "t.txt", options);
}
std::string error_of(std::string_view text, const TextReadOptions& options = {}) {
  return must_fail(&read_ptdump, text, "t.txt", options);
}

constexpr std::uint64_t kTop = ~std::uint64_t{0};

TEST_CASE("ptdump - the PTI capture's kernel file loads line for line") {
  const std::string text = texttest::load_fixture("pti-ptdump-kernel.txt");
  const MappingSet m = read(text);
  CHECK(m.format == "ptdump");
  CHECK(m.mode == PagingMode::k4Level);
  // 53 present lines of 119; none merged, even where two neighbours print the same flags.
  CHECK(m.runs.size() == 53);
  CHECK(m.runs.front().range == VirtRange{VirtAddr(0xffff'9804'4000'0000), VirtAddr(0xffff'9804'4009'8fff)});
  CHECK(m.runs.front().provenance.line == 7);
  CHECK(m.runs.back().range == VirtRange{VirtAddr(0xffff'ffff'ff5f'c000), VirtAddr(0xffff'ffff'ff5f'dfff)});
  // Nothing is unknown but the hypervisor guard hole, which ptdump does not walk.
  REQUIRE(m.unknown.size() == 1);
  CHECK(m.unknown[0].range == VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'87ff'ffff'ffff)});
  CHECK(m.unknown[0].reason.find("guard hole") != std::string::npos);
  // The user half of init_mm is empty: known, not unknown.
  CHECK(texttest::state_at(m, VirtAddr(0x40'0000)) == texttest::State::kUnmapped);
}

TEST_CASE("ptdump - markers are kept with their line and the address of the line after them") {
  const MappingSet m = read(texttest::load_fixture("pti-ptdump-kernel.txt"));
  REQUIRE(m.markers.size() == 10);
  struct Row {
    const char* name;
    std::uint64_t line;
    std::uint64_t address;
  };
  const Row rows[] = {
      {"User Space", 1, 0x0},
      // Markers lag: the first line after "Kernel Space" starts at the end of the user-half line.
      {"Kernel Space", 3, 0xffff'8800'0000'0000},
      {"Low Kernel Mapping", 6, 0xffff'9804'4000'0000},
      {"vmalloc() Area", 26, 0xffff'ae7f'c000'0000},
      {"Vmemmap", 73, 0xffff'edbb'c000'0000},
      {"CPU entry Area", 78, 0xffff'fe00'0000'0000},
      {"High Kernel Mapping", 95, 0xffff'ffff'8000'0000},
      {"Modules", 110, 0xffff'ffff'c000'0000},
      {"End Modules", 112, 0xffff'ffff'ff00'0000},
      {"Fixmap Area", 115, 0xffff'ffff'ff57'c000},
  };
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    CAPTURE(rows[i].name);
    CHECK(m.markers[i].name == rows[i].name);
    CHECK(m.markers[i].line == rows[i].line);
    CHECK(m.markers[i].address == VirtAddr(rows[i].address));
  }
}

TEST_CASE("ptdump - rights are the leaf's where the leaf decides and unknown elsewhere") {
  struct Row {
    const char* line;  // a real line of the captures
    Tri user, writable, executable, global;
    std::optional<bool> pwt, pcd, pat;
    std::uint64_t page_size;
  };
  const Row rows[] = {
      {"0xffff98044d200000-0xffff98044d600000           4M     ro         PSE         NX pmd",  //
       Tri::kNo, Tri::kNo, Tri::kNo, Tri::kNo, false, false, false, 2u << 20},
      {"0x0000000000401000-0x0000000000420000         124K USR ro                     x  pte",  //
       Tri::kUnknown, Tri::kNo, Tri::kUnknown, Tri::kNo, false, false, false, 4096},
      {"0x00000000005e2000-0x00000000005e6000          16K USR RW                     NX pte",  //
       Tri::kUnknown, Tri::kUnknown, Tri::kNo, Tri::kNo, false, false, false, 4096},
      {"0xffffffffff5fc000-0xffffffffff5fe000           8K     RW PWT PCD             NX pte",  //
       Tri::kNo, Tri::kUnknown, Tri::kNo, Tri::kNo, true, true, false, 4096},
      {"0xffffffff8ec00000-0xffffffff8ee00000           2M     ro         PSE     GLB x  pmd",  //
       Tri::kNo, Tri::kNo, Tri::kUnknown, Tri::kYes, false, false, false, 2u << 20},
      {"0xffffd2b38000b000-0xffffd2b38000c000           4K     RW     PCD             NX pte",  //
       Tri::kNo, Tri::kUnknown, Tri::kNo, Tri::kNo, false, true, false, 4096},
  };
  for (const Row& row : rows) {
    CAPTURE(row.line);
    const MappingSet m = read(row.line);
    REQUIRE(m.runs.size() == 1);
    const Run& r = m.runs[0];
    CHECK(r.user == row.user);
    CHECK(r.writable == row.writable);
    CHECK(r.executable == row.executable);
    CHECK(r.global == row.global);
    CHECK(r.pwt == row.pwt);
    CHECK(r.pcd == row.pcd);
    CHECK(r.pat == row.pat);
    CHECK(r.page_size == row.page_size);
    CHECK_FALSE(r.phys.has_value());
    CHECK_FALSE(r.leaf_raw.has_value());
  }
}

TEST_CASE("ptdump - the PAT token sets pat and a kernel without the PAT column leaves it unknown") {
  // PAT at a pte is bit 7, at pmd/pud bit 12: the token means the same either way.
  CHECK(read("0xffffc90000000000-0xffffc90000001000           4K     RW         PAT         NX pte").runs[0].pat ==
        true);
  // Pre-PAT-column layout: 26 flag characters instead of 30.
  const MappingSet old = read("0xffffffff81000000-0xffffffff81600000           6M     ro         PSE GLB x  pmd");
  CHECK_FALSE(old.runs[0].pat.has_value());
  CHECK(old.runs[0].global == Tri::kYes);
}

TEST_CASE("ptdump - an end of 0x0000000000000000 means 2^64") {
  const MappingSet hole = read("0xffffffffff800000-0x0000000000000000           8M                               pmd");
  CHECK(hole.runs.empty());
  REQUIRE(hole.unknown.size() == 1);  // only what comes before the excerpt
  CHECK(hole.unknown[0].range.last == VirtAddr(0xffff'ffff'ff7f'ffff));
  const MappingSet mapped =
      read("0xffffffffffe00000-0x0000000000000000           2M     RW         PSE         NX pmd");
  REQUIRE(mapped.runs.size() == 1);
  CHECK(mapped.runs[0].range.last == VirtAddr(kTop));
  CHECK_FALSE(mapped.runs[0].range.end().has_value());
}

TEST_CASE("ptdump - sizes must match the addresses, including the huge hole sizes") {
  // The real user-half line crossing the non-canonical hole, and a 4-level top-level hole.
  CHECK(read("0x0000000000000000-0xffff880000000000    16777096T                               pgd").runs.empty());
  CHECK(read("0x00007ffe00000000-0xffff880000000000   17179615240G                               pud").runs.empty());
  const std::string e =
      error_of("0xffff980440000000-0xffff980440099000         613K     RW                     NX pte");
  CHECK(e == "t.txt:1:47: expected the size 612K (end - start = 0x0000000000099000), found '613K'");
  CHECK(error_of("0xffff980440000000-0xffff980440099000         612Q     RW                     NX pte") ==
        "t.txt:1:47: expected a size such as '4K' or '2M', found '612Q'");
}

TEST_CASE("ptdump - an elided range is unknown from the end of the line before to the start of the line after") {
  const MappingSet m = read(texttest::load_fixture("debsrc-ptdump-kernel.txt"));
  const texttest::State elided = texttest::state_at(m, VirtAddr(0xffff'ff40'0000'0000));
  CHECK(elided == texttest::State::kUnknown);
  const UnknownRange* u = texttest::find_unknown(m, VirtAddr(0xffff'ff40'0000'0000));
  REQUIRE(u != nullptr);
  CHECK(u->range == VirtRange{VirtAddr(0xffff'ff33'0007'f000), VirtAddr(0xffff'ffee'ffff'ffff)});
  CHECK(u->reason.starts_with("elided by ptdump"));
  CHECK(u->reason.find("131058") != std::string::npos);
  CHECK(u->provenance.line == 219);
  // The ESPfix pages printed before the elision are runs; the EFI marker after it is kept.
  CHECK(m.find(VirtAddr(0xffff'ff33'0000'f000)) != nullptr);
  bool efi = false;
  for (const Marker& mk : m.markers)
    efi |= mk.name == "EFI Runtime Services" && mk.address == VirtAddr(0xffff'ffef'0000'0000);
  CHECK(efi);
}

TEST_CASE("ptdump - an elision at the end of the text is unknown up to 2^64") {
  const MappingSet m = read(
      "0xffffff3300070000-0xffffff330007f000          60K                               pte\n"
      "... 131058 entries skipped ... \n");
  REQUIRE(m.unknown.size() == 2);
  CHECK(m.unknown[1].range == VirtRange{VirtAddr(0xffff'ff33'0007'f000), VirtAddr(kTop)});
  CHECK(m.unknown[1].reason.starts_with("elided by ptdump"));
}

TEST_CASE("ptdump - the dmesg variant gives the same set as the debugfs text") {
  const std::string plain =
      "---[ High Kernel Mapping ]---\n"
      "0xffffffff80000000-0xffffffff8ea00000         234M                               pmd\n"
      "0xffffffff8ea00000-0xffffffff8ec00000           2M     ro         PSE         x  pmd\n";
  const std::string dmesg =
      "[    0.947100] Freeing unused kernel image (initmem) memory: 2728K\r\n"
      "[    0.947197] ---[ High Kernel Mapping ]---\r\n"
      "[    0.947201] 0xffffffff80000000-0xffffffff8ea00000         234M                               pmd\r\n"
      "[    0.947250] x86/mm: Checked W+X mappings: passed, no W+X pages found.\r\n"
      "<6>[    0.947300] 0xffffffff8ea00000-0xffffffff8ec00000           2M     ro         PSE         x  pmd\r\n";
  const MappingSet a = read(plain);
  const MappingSet b = read(dmesg);
  REQUIRE(a.runs.size() == 1);
  REQUIRE(b.runs.size() == 1);
  CHECK(a.runs[0].range == b.runs[0].range);
  CHECK(a.runs[0].same_attributes(b.runs[0]));
  CHECK(b.runs[0].provenance.line == 5);
  REQUIRE(b.markers.size() == 1);
  CHECK(b.markers[0].line == 2);
  CHECK(b.markers[0].address == VirtAddr(0xffff'ffff'8000'0000));
  bool noted = false;
  for (const std::string& n : b.notes) noted |= n.find("2 other kernel messages") != std::string::npos;
  CHECK(noted);
}

TEST_CASE("ptdump - a p4d line or a 57-bit address means 5-level, a 512 GiB pgd boundary means 4-level") {
  const std::string five =
      "---[ Kernel Space ]---\n"
      "0xff10000000000000-0xff11000000000000         256T                               pgd\n"
      "---[ Low Kernel Mapping ]---\n"
      "0xff11000000000000-0xff11000040000000           1G     RW         PSE         NX pud\n"
      "0xff11000040000000-0xff11008000000000         511G                               p4d\n";
  const MappingSet m = read(five);
  CHECK(m.mode == PagingMode::k5Level);
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].page_size == std::uint64_t{1} << 30);

  // The 4-level capture's own lines prove 4-level.
  CHECK(read("0xffff880000000000-0xffff980000000000          16T                               pgd").mode ==
        PagingMode::k4Level);

  // A given mode that the text contradicts is an error.
  TextReadOptions four;
  four.mode = PagingMode::k4Level;
  CHECK(error_of(five, four).starts_with("t.txt:4:1: expected 4-level content (the given paging mode)"));
}

TEST_CASE("ptdump - pre-5.6 level names are accepted") {
  const MappingSet m = read(
      "0xffffffff80000000-0xffffffff81000000          16M                               cr3\n"
      "0xffffffff81000000-0xffffffff81200000           2M     ro         PSE     GLB x  pmd\n");
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].page_size == std::uint64_t{2} << 20);
}

TEST_CASE("ptdump - an unknown flag is an error, and with lenient a warning that makes absent flags unknown") {
  const std::string line = "0xffff98044d200000-0xffff98044d600000           4M     ro         PSE     ENC NX pmd";
  CHECK(error_of(line) ==
        "t.txt:1:75: expected a flag (USR RW ro PWT PCD PSE PAT GLB NX x) or the level name, "
        "found 'ENC'");
  std::ostringstream warnings;
  TextReadOptions lenient;
  lenient.lenient = true;
  lenient.warnings = &warnings;
  const MappingSet m = read(line, lenient);
  CHECK(warnings.str().starts_with("t.txt:1:75: warning: unknown flag 'ENC' skipped"));
  REQUIRE(m.runs.size() == 1);
  // The skipped token could have been any flag: what its absence would have told is unknown.
  CHECK(m.runs[0].user == Tri::kUnknown);
  CHECK(m.runs[0].global == Tri::kUnknown);
  CHECK_FALSE(m.runs[0].pwt.has_value());
  // What the printed tokens tell stays certain.
  CHECK(m.runs[0].writable == Tri::kNo);
  CHECK(m.runs[0].executable == Tri::kNo);
}

TEST_CASE("ptdump - a text that covers part of the space leaves the rest unknown") {
  const MappingSet m = read(
      "0xfffffe0000000000-0xfffffe0000002000           8K     ro                 GLB NX pte\n"
      "0xfffffe0000002000-0xfffffe0000003000           4K     RW                 GLB NX pte\n");
  REQUIRE(m.unknown.size() == 2);
  CHECK(m.unknown[0].range == VirtRange{VirtAddr(0), VirtAddr(0xffff'fdff'ffff'ffff)});
  CHECK(m.unknown[1].range == VirtRange{VirtAddr(0xffff'fe00'0000'3000), VirtAddr(kTop)});
  CHECK(m.unknown[0].reason.starts_with("not in this ptdump text"));
}

TEST_CASE("ptdump - an empty file is no information") {
  for (const char* text : {"", "\n", "---[ User Space ]---\n"}) {
    const MappingSet m = read(text);
    REQUIRE(m.unknown.size() == 1);
    CHECK(m.unknown[0].range == VirtRange{VirtAddr(0), VirtAddr(kTop)});
  }
}

TEST_CASE("ptdump - bad lines are errors naming FILE LINE COL and what was expected") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"0000000000400000: 000000000db5b000 X---A--U-",
       "t.txt:1:1: expected an address range '0x...-0x...', a marker '---[ ... ]---' or '... N entries skipped ...', "
       "found '0000000000400000:'"},
      // A line cut inside its end address.
      {"0xffff98044d200000-0xffff98044d6",
       "t.txt:1:20: expected an end address above the start 0xffff98044d200000, found '0xffff98044d6'"},
      {"0xffff98044d200000", "t.txt:1:19: expected '-0x' and the end address, found end of line"},
      {"0xffff98044d200000-0xffff98044d600000           4M",
       "t.txt:1:51: expected flags and a level name (pgd, p4d, pud, pmd, pte), found end of line"},
      {"0xffff98044d200000-0xffff98044d600000           4M     ro         PSE         NX",
       "t.txt:1:79: expected a level name (pgd, p4d, pud, pmd or pte), found 'NX'"},
      {"0xffff98044d600000-0xffff98044d200000           4M     ro         PSE         NX pmd",
       "t.txt:1:20: expected an end address above the start 0xffff98044d600000, found '0xffff98044d200000'"},
      {"0xffff98044d200000-0xffff98044d600000           4M     ro         PSE     RW  NX pmd",
       "t.txt:1:82: expected either 'RW' or 'ro', not both, found 'pmd'"},
      {"0xffff98044d200000-0xffff98044d600000           4M     PSE  pmd",
       "t.txt:1:61: expected 'RW' or 'ro' among the flags of a present entry, found 'pmd'"},
      {"---[ Kernel Space ]-", "t.txt:1:21: expected ']---' closing the marker, found end of line"},
      {"... many entries skipped ...", "t.txt:1:5: expected the number of skipped entries, found 'many'"},
      {"[    0.9] 0x0", "t.txt:1:14: expected '-0x' and the end address, found end of line"},
      {"0x-0x1000", "t.txt:1:3: expected 1 to 16 hex digits of the start address, found '-0x1000'"},
      {"[oops] 0x0", "t.txt:1:2: expected a dmesg timestamp such as '[    0.947197]', found 'oops]'"},
      {"0xffff98044d200000-0xffff98044d600000           4M     ro         PSE         NX pmd\n"
       "0xffff98044d800000-0xffff98044d801000           4K     ro                     NX pte",
       "t.txt:2:1: expected a range starting at 0xffff98044d600000, where line 1 ends, found '0xffff98044d800000'"},
      {"0xffff98044d201000-0xffff98044d601000           4M     ro         PSE         NX pmd",
       "t.txt:1:1: expected a range aligned to the 2M pages of its level, found '0xffff98044d201000'"},
      {"0x0000800000000000-0x0000800000001000           4K     ro                     NX pte\n"
       "0x0000800000001000-0xffff800000000000   18014123631575036K                               pgd",
       "t.txt:1:1: expected content of one paging mode: line 2 has a pgd line off a 256 TiB boundary (4-level), so no "
       "p4d line or 57-bit mapped address, found '0x0000800000000000'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(error_of(row.text) == row.error);
  }
}

}  // namespace
}  // namespace ptv
