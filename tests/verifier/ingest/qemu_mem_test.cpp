// The QEMU `info mem` reader. Strategy: the PTI capture's whole info mem first (rights known for
// user and write, unknown for execute, gaps known unmapped); then the traps: the empty output
// of QEMU 7.2 under 5-level paging is no information, the top range's end prints as 2^48, a
// merged range may cross the non-canonical hole, sizes go through addr_canonical; last, bad
// lines as FILE:LINE:COL errors.
#include "verifier/ingest/qemu_mem.h"

#include <doctest/doctest.h>

#include <string>

#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::must_fail;
using texttest::must_read;

MappingSet read(std::string_view text, const TextReadOptions& options = {}) {
  return must_read(&read_qemu_mem, text, "mem.txt", options);
}
std::string error_of(std::string_view text, const TextReadOptions& options = {}) {
  return must_fail(&read_qemu_mem, text, "mem.txt", options);
}

constexpr std::uint64_t kTop = ~std::uint64_t{0};

TEST_CASE("info mem - the PTI capture gives user and writable, never execute") {
  const MappingSet m = read(texttest::load_fixture("pti-info-mem.txt"));
  CHECK(m.format == "qemu-mem");
  CHECK(m.mode == PagingMode::k4Level);
  CHECK(m.runs.size() == 56);  // one run per line
  CHECK(m.unknown.empty());
  struct Row {
    std::uint64_t va;
    Tri user, writable;
  };
  const Row rows[] = {
      {0x40'0000, Tri::kYes, Tri::kNo},              // 0000000000400000-...420000 ur-
      {0x5e'2000, Tri::kYes, Tri::kYes},             // ...5e2000-...5e6000 urw
      {0xffff'9804'4000'0000, Tri::kNo, Tri::kYes},  // -rw
      {0xffff'ffff'8ea0'0000, Tri::kNo, Tri::kNo},   // -r-
  };
  for (const Row& row : rows) {
    CAPTURE(row.va);
    const Run* r = m.find(VirtAddr(row.va));
    REQUIRE(r != nullptr);
    CHECK(r->user == row.user);
    CHECK(r->writable == row.writable);
    CHECK(r->executable == Tri::kUnknown);
    CHECK_FALSE(r->page_size.has_value());
    CHECK_FALSE(r->phys.has_value());
  }
  CHECK(texttest::state_at(m, VirtAddr(0x42'0000)) == texttest::State::kUnmapped);
}

TEST_CASE("info mem - an empty output is no information, never nothing mapped") {
  for (const char* text : {"", "\n", "  \n\n"}) {
    const MappingSet m = read(text);
    CHECK(m.runs.empty());
    REQUIRE(m.unknown.size() == 1);
    CHECK(m.unknown[0].range == VirtRange{VirtAddr(0), VirtAddr(kTop)});
    CHECK(m.unknown[0].reason.find("5-level") != std::string::npos);
    CHECK(m.mode == PagingMode::k5Level);
  }
  TextReadOptions four;
  four.mode = PagingMode::k4Level;
  CHECK(read("", four).mode == PagingMode::k4Level);
}

TEST_CASE("info mem - a 5-level output is read but not believed: QEMU 7.2 prints it wrong") {
  // QEMU 7.2's mem_info_la57 tests the PDPTE/PDE present bit inverted; whatever it prints under
  // 5-level paging is not the tables, so every address stays unknown.
  const MappingSet m = read("ff00000000000000-ff00000000001000 0000000000001000 -rw\n");
  CHECK(m.mode == PagingMode::k5Level);
  CHECK(m.runs.empty());
  REQUIRE(m.unknown.size() == 1);
  CHECK(m.unknown[0].range == VirtRange{VirtAddr(0), VirtAddr(kTop)});
  CHECK(m.unknown[0].reason.find("not believed") != std::string::npos);
  // A malformed 5-level line is still an error.
  CHECK_FALSE(read_qemu_mem("ff00000000000000-ff00000000001000 0000000000002000 -rw\n", "m.txt", {}).ok());
}

TEST_CASE("info mem - the range reaching the top prints its end as 2^48 and means 2^64") {
  const MappingSet m = read("ffffffffff600000-0001000000000000 0000000000a00000 -r-\n");
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].range == VirtRange{VirtAddr(0xffff'ffff'ff60'0000), VirtAddr(kTop)});
  // Under 5-level paging the top prints as 2^57.
  const MappingSet five = read("ffffffffff600000-0200000000000000 0000000000a00000 -rw\n");
  CHECK(five.mode == PagingMode::k5Level);
  CHECK(five.runs[0].range.last == VirtAddr(kTop));
}

TEST_CASE("info mem - a range merged across the non-canonical hole becomes two runs") {
  // QEMU walks raw 48-bit addresses: the last user page and the first kernel page are adjacent
  // there, and it canonicalises start, end and size only when printing.
  const MappingSet m = read("00007ffffffff000-ffff800000001000 0000000000002000 urw\n");
  REQUIRE(m.runs.size() == 2);
  CHECK(m.runs[0].range == VirtRange{VirtAddr(0x7fff'ffff'f000), VirtAddr(0x7fff'ffff'ffff)});
  CHECK(m.runs[1].range == VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'8000'0000'0fff)});
  // A size with bit 47 set is printed sign-extended.
  const MappingSet big = read("0000000000000000-ffff800000000000 ffff800000000000 urw\n");
  REQUIRE(big.runs.size() == 1);
  CHECK(big.runs[0].range.last == VirtAddr(0x7fff'ffff'ffff));
}

TEST_CASE("info mem - bad lines are errors naming FILE LINE COL and what was expected") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"ffff980440000000-ffff980440099000 0000000000099000 -rx", "mem.txt:1:54: expected 'w' or '-', found 'x'"},
      {"ffff980440000000-ffff980440099000 0000000000099000 urw extra",
       "mem.txt:1:56: expected the end of the line, found 'extra'"},
      {"ffff980440000000-ffff980440099000 0000000000098000 -rw",
       "mem.txt:1:35: expected the size 0x0000000000099000 (end - start), found '0x0000000000098000'"},
      {"ffff980440099000-ffff980440000000 0000000000099000 -rw",
       "mem.txt:1:18: expected an end address above the start 0xffff980440099000, found '0xffff980440000000'"},
      {"ffff980440000000-ffff980440099000 0000000000099000 -rw\n"
       "ffff980440000000-ffff980440099000 0000000000099000 -r-",
       "mem.txt:2:1: expected a range starting at or above the end of line 1, found '0xffff980440000000'"},
      {"0000900000000000-0000900000001000 0000000000001000 urw",
       "mem.txt:1:1: expected 4-level addresses (the given paging mode), found "
       "'0x0000900000000000-0x0000900000001000'"},
      {"ffff7fffffffe000-ffff7ffffffff000 0000000000001000 urw",
       "mem.txt:1:1: expected 4-level addresses (the given paging mode), found "
       "'0xffff7fffffffe000-0xffff7ffffffff000'"},
      {"ffff980440000000 0000000000099000 -rw",
       "mem.txt:1:17: expected '-' and the end address, found ' 0000000000099000 -rw'"},
      {"ffff980440000000-ffff980440099000", "mem.txt:1:34: expected blanks, then the size, found end of line"},
  };
  TextReadOptions four;
  four.mode = PagingMode::k4Level;
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(error_of(row.text, four) == row.error);
  }
}

}  // namespace
}  // namespace ptv
