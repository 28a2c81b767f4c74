// The QEMU `info tlb` reader. Strategy: real lines first (the PTI capture's whole info tlb, a
// slice of the 5-level capture's), then the leaf-only rights as a table of real flag columns,
// then the PS-leaf size decision (alignment, frame, next line, undecidable), coalescing, and
// completion with `info mem` of the same moment (the capture's own pair must agree; a forged
// disagreement must be an error naming both files); last, bad lines as FILE:LINE:COL errors.
#include "verifier/ingest/qemu_tlb.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::must_fail;
using texttest::must_read;

MappingSet read(std::string_view text, const TextReadOptions& options = {}) {
  return must_read(&read_qemu_tlb, text, "tlb.txt", options);
}
std::string error_of(std::string_view text, const TextReadOptions& options = {}) {
  return must_fail(&read_qemu_tlb, text, "tlb.txt", options);
}

constexpr std::uint64_t k2M = std::uint64_t{2} << 20;

TEST_CASE("info tlb - the PTI capture loads, with pages coalesced into runs") {
  const std::string text = texttest::load_fixture("pti-info-tlb.txt.zst");
  const MappingSet m = read(text);
  CHECK(m.format == "qemu-tlb");
  CHECK(m.mode == PagingMode::k4Level);
  CHECK(m.unknown.empty());  // every PS leaf there is settled as 2M
  // Line 1 is the NX page of busybox's ELF header; lines 2.. its text, one run.
  const Run* hdr = m.find(VirtAddr(0x40'0000));
  const Run* txt = m.find(VirtAddr(0x40'1000));
  REQUIRE(hdr != nullptr);
  REQUIRE(txt != nullptr);
  CHECK(hdr->range == VirtRange{VirtAddr(0x40'0000), VirtAddr(0x40'0fff)});
  CHECK(txt->range.first == VirtAddr(0x40'1000));
  CHECK(txt->phys == PhysAddr(0xf82'9000));  // the run's first frame
  CHECK(txt->provenance.line == 2);
  CHECK(m.runs.size() < 3570);
  // The direct map's 2M pages.
  const Run* big = m.find(VirtAddr(0xffff'9804'4020'0000));
  REQUIRE(big != nullptr);
  CHECK(big->page_size == k2M);
  // Between lines nothing is mapped, and that is known.
  CHECK(texttest::state_at(m, VirtAddr(0x42'0000)) == texttest::State::kUnmapped);
}

TEST_CASE("info tlb - rights are certain where the leaf denies and unknown where it allows") {
  struct Row {
    const char* line;  // real lines of the PTI capture
    Tri user, writable, executable, global;
    bool pcd, pwt;
  };
  const Row rows[] = {
      {"0000000000400000: 000000000db5b000 X---A--U-", Tri::kUnknown, Tri::kNo, Tri::kNo, Tri::kNo, false, false},
      {"0000000000401000: 000000000f829000 ----A--U-", Tri::kUnknown, Tri::kNo, Tri::kUnknown, Tri::kNo, false, false},
      {"00000000005eb000: 000000000d9df000 X--DA--UW", Tri::kUnknown, Tri::kUnknown, Tri::kNo, Tri::kNo, false, false},
      {"ffff980440000000: 0000000000000000 X--DA---W", Tri::kNo, Tri::kUnknown, Tri::kNo, Tri::kNo, false, false},
      {"ffffffff8f000000: 000000000d800000 X--DA----", Tri::kNo, Tri::kNo, Tri::kNo, Tri::kNo, false, false},
      {"fffffe0000000000: 0000000003313000 XG-DA----", Tri::kNo, Tri::kNo, Tri::kNo, Tri::kYes, false, false},
      {"ffffffffff5fc000: 00000000fec00000 X--DACT-W", Tri::kNo, Tri::kUnknown, Tri::kNo, Tri::kNo, true, true},
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
    CHECK(r.pcd == row.pcd);
    CHECK(r.pwt == row.pwt);
    CHECK(r.page_size == 4096u);
    CHECK_FALSE(r.pat.has_value());  // QEMU masks the PTE PAT bit; bit 12 of a large leaf is not shown
    CHECK_FALSE(r.pkey.has_value());
    CHECK_FALSE(r.leaf_raw.has_value());
  }
}

TEST_CASE("info tlb - a PS leaf is 2M or 1G as alignment, frame and the next line decide") {
  // Not 1G-aligned: 2M (real line).
  CHECK(read("ffff980440200000: 0000000000200000 X-PDA---W").runs[0].page_size == k2M);
  // 1G-aligned address, frame not 1G-aligned: 2M (real line of the 5-level capture).
  const MappingSet five = read("ffd5a97780000000: 0000000007a00000 X-PDA---W");
  CHECK(five.mode == PagingMode::k5Level);
  CHECK(five.runs[0].page_size == k2M);
  // Everything 1G-aligned, and the next line inside the gigabyte: 2M.
  const MappingSet two = read(
      "ffff888000000000: 0000000000000000 X-PDA---W\n"
      "ffff888000200000: 0000000000200000 X-PDA---W\n");
  REQUIRE(two.runs.size() == 1);
  CHECK(two.runs[0].range == VirtRange::from_size(VirtAddr(0xffff'8880'0000'0000), 2 * k2M));
  CHECK(two.runs[0].page_size == k2M);
  CHECK(two.unknown.empty());
  // Nothing settles it: the first 2M are mapped, size unknown; the rest of the gigabyte unknown.
  const MappingSet open = read(
      "ffff888000000000: 0000000040000000 X-PDA---W\n"
      "ffff888040000000: 0000000080000000 X-PDA---W\n");
  REQUIRE(open.runs.size() == 2);
  CHECK(open.runs[0].range == VirtRange::from_size(VirtAddr(0xffff'8880'0000'0000), k2M));
  CHECK_FALSE(open.runs[0].page_size.has_value());
  REQUIRE(open.unknown.size() == 2);
  CHECK(open.unknown[0].range == VirtRange{VirtAddr(0xffff'8880'0020'0000), VirtAddr(0xffff'8880'3fff'ffff)});
  CHECK(open.unknown[0].reason.find("1 GiB page or a 2 MiB page") != std::string::npos);
  CHECK(open.unknown[0].provenance.line == 1);
}

TEST_CASE("info tlb - the 5-level capture's slice is 5-level and canonical at 57 bits") {
  const MappingSet m = read(texttest::load_fixture("5level-info-tlb-slice.txt"));
  CHECK(m.mode == PagingMode::k5Level);
  CHECK(m.find(VirtAddr(0xff1f'55d6'c000'0000)) == nullptr);  // slices leave gaps: known unmapped
  bool any_ff1f = false;
  for (const Run& r : m.runs) any_ff1f |= (r.range.first.value() >> 48) == 0xff1f;
  CHECK(any_ff1f);
  TextReadOptions four;
  four.mode = PagingMode::k4Level;
  CHECK(error_of(texttest::load_fixture("5level-info-tlb-slice.txt"), four)
            .find("expected a 4-level canonical address (the given paging mode)") != std::string::npos);
}

TEST_CASE("info tlb - only neighbouring pages with the same attributes coalesce") {
  const MappingSet m = read(
      "0000000000401000: 000000000f829000 ----A--U-\n"
      "0000000000402000: 000000000ffd2000 ----A--U-\n"    // same: joins (frames need not follow)
      "0000000000403000: 000000000f82a000 -G--A--U-\n"    // global differs: new run
      "0000000000405000: 000000000ffd0000 -G--A--U-\n");  // a gap: new run
  REQUIRE(m.runs.size() == 3);
  CHECK(m.runs[0].range == VirtRange{VirtAddr(0x40'1000), VirtAddr(0x40'2fff)});
  CHECK(m.runs[1].range == VirtRange{VirtAddr(0x40'3000), VirtAddr(0x40'3fff)});
  CHECK(m.runs[2].provenance.line == 4);
}

TEST_CASE("info tlb - info mem of the same moment fills in user and writable") {
  const std::string tlb = texttest::load_fixture("pti-info-tlb.txt.zst");
  const std::string mem = texttest::load_fixture("pti-info-mem.txt");
  TextReadOptions with_mem;
  with_mem.with_mem = mem;
  with_mem.with_mem_source = "mem.txt";
  const MappingSet m = read(tlb, with_mem);
  const Run* text = m.find(VirtAddr(0x40'1000));
  REQUIRE(text != nullptr);
  CHECK(text->user == Tri::kYes);
  CHECK(text->writable == Tri::kNo);
  CHECK(text->executable == Tri::kUnknown);  // neither tells XD in the upper levels
  const Run* direct = m.find(VirtAddr(0xffff'9804'4000'0000));
  REQUIRE(direct != nullptr);
  CHECK(direct->user == Tri::kNo);
  CHECK(direct->writable == Tri::kYes);
  // Every page is listed by both: no right stays unknown but execute.
  for (const Run& r : m.runs) {
    CAPTURE(r.range);
    CHECK(r.user != Tri::kUnknown);
    CHECK(r.writable != Tri::kUnknown);
  }
  // A frame inside a completed run is still its own page's.
  CHECK(m.runs.size() >= read(tlb).runs.size());
}

TEST_CASE("info tlb - info tlb and info mem that disagree are an error naming both files") {
  const std::string tlb =
      "ffff980440000000: 0000000000000000 X--DA---W\n"
      "ffff980440001000: 0000000000001000 X--DA---W\n";
  TextReadOptions opt;
  opt.with_mem_source = "mem.txt";
  const std::string user_mem = "ffff980440000000-ffff980440002000 0000000000002000 urw\n";
  opt.with_mem = user_mem;
  CHECK(error_of(tlb, opt) ==
        "tlb.txt:1: info tlb and info mem (mem.txt:1) disagree: info mem says user ('u') at 0xffff980440000000 but "
        "the leaf has U=0");
  const std::string short_mem = "ffff980440000000-ffff980440001000 0000000000001000 -rw\n";
  opt.with_mem = short_mem;
  CHECK(error_of(tlb, opt) ==
        "tlb.txt:2: info tlb and info mem (mem.txt) disagree: info tlb maps 0xffff980440001000 but info mem lists "
        "nothing there");
  const std::string long_mem = "ffff980440000000-ffff980440003000 0000000000003000 -rw\n";
  opt.with_mem = long_mem;
  CHECK(error_of(tlb, opt).find("info mem maps 0xffff980440000000-0xffff980440003000 but info tlb lists no page") !=
        std::string::npos);
  // Lenient: a warning, and info tlb's own (leaf) rights are kept where they disagree.
  std::ostringstream warnings;
  opt.lenient = true;
  opt.warnings = &warnings;
  opt.with_mem = user_mem;
  const MappingSet m = read(tlb, opt);
  CHECK(warnings.str().find("disagree") != std::string::npos);
  CHECK(m.runs[0].user == Tri::kNo);
  // An empty info mem (5-level QEMU 7.2) completes nothing and contradicts nothing.
  opt.lenient = false;
  opt.with_mem = std::string_view();
  CHECK(read(tlb, opt).runs[0].writable == Tri::kUnknown);
}

TEST_CASE("info tlb - info mem over an undecided 1G or 2M leaf is no contradiction") {
  // info mem maps the whole gigabyte; info tlb could only say the first 2M for sure.
  TextReadOptions opt;
  const std::string mem = "ffff888000000000-ffff888040000000 0000000040000000 -rw\n";
  opt.with_mem = mem;
  const MappingSet m = read("ffff888000000000: 0000000040000000 X-PDA---W\n", opt);
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].writable == Tri::kYes);
  CHECK(m.runs[0].user == Tri::kNo);
  REQUIRE(m.unknown.size() == 1);
}

TEST_CASE("info tlb - an empty output is no information") {
  const MappingSet m = read("");
  REQUIRE(m.unknown.size() == 1);
  CHECK(m.unknown[0].range == VirtRange{VirtAddr(0), VirtAddr(~std::uint64_t{0})});
}

TEST_CASE("info tlb - bad lines are errors naming FILE LINE COL and what was expected") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"0x0000000000000000-0x0000000000400000 4M pmd",
       "tlb.txt:1:2: expected ':' after the virtual address, found 'x0000000000000000-0x0000000000400000'"},
      {"0000000000400000: 000000000db5b000 X---A--Q-", "tlb.txt:1:43: expected 'U' or '-', found 'Q'"},
      {"0000000000400000: 000000000db5b000 X---A--U",
       "tlb.txt:1:36: expected nine flag characters such as 'X-PDA---W', found 'X---A--U'"},
      {"0000000000400000: 000000000db5b000",
       "tlb.txt:1:35: expected a blank, then the flags XGPDACTUW, found end of line"},
      {"0000000000400800: 000000000db5b000 X---A--U-",
       "tlb.txt:1:1: expected an address aligned to its 4K page, found '0x0000000000400800'"},
      {"ffff980440300000: 0000000000200000 X-PDA---W",
       "tlb.txt:1:1: expected an address aligned to its 2M page, found '0xffff980440300000'"},
      {"0000000000401000: 000000000f829000 ----A--U-\n0000000000400000: 000000000db5b000 X---A--U-",
       "tlb.txt:2:1: expected an address at or above 0x0000000000402000 (QEMU lists pages in address order), found "
       "'0x0000000000400000'"},
      {"PG disabled",
       "tlb.txt:1:1: expected pages of `info tlb` (paging is disabled: no translation), found 'PG disabled'"},
      {"00000000004000000: 000000000db5b000 X---A--U-",
       "tlb.txt:1:1: expected 16 hex digits of the virtual address, found '00000000004000000:'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(error_of(row.text) == row.error);
  }
  // Lenient: an unknown letter makes what it tells unknown; the PS column is never guessed.
  TextReadOptions lenient;
  lenient.lenient = true;
  std::ostringstream warnings;
  lenient.warnings = &warnings;
  const MappingSet m = read("0000000000400000: 000000000db5b000 X---A--?-", lenient);
  CHECK(m.runs[0].user == Tri::kUnknown);
  CHECK(warnings.str().starts_with("tlb.txt:1:43: warning: unknown flag '?' skipped"));
  CHECK(error_of("0000000000400000: 000000000db5b000 X-?-A--U-", lenient) ==
        "tlb.txt:1:38: expected 'P' or '-', found '?'");
}

}  // namespace
}  // namespace ptv
