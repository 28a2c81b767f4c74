// The /proc/PID/maps reader. Strategy: the PTI capture's /proc/1/maps first: VMAs become runs
// with user = yes and w/x known, gaps are known unmapped, the kernel half (with [vsyscall]) is
// unknown, and every VMA start is a marker named by its path; then PROT_NONE guards, paths
// with spaces, 5-level detection; last, bad lines as FILE:LINE:COL errors.
#include "verifier/ingest/proc_maps.h"

#include <doctest/doctest.h>

#include <string>

#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::must_fail;
using texttest::must_read;

MappingSet read(std::string_view text, const TextReadOptions& options = {}) {
  return must_read(&read_proc_maps, text, "maps", options);
}

TEST_CASE("proc maps - the PTI capture's /proc/1/maps gives the intended user half") {
  const MappingSet m = read(texttest::load_fixture("pti-proc-1-maps.txt"));
  CHECK(m.format == "proc-maps");
  CHECK(m.mode == PagingMode::k4Level);
  struct Row {
    std::uint64_t va;
    Tri writable, executable;
  };
  const Row rows[] = {
      {0x40'0000, Tri::kNo, Tri::kNo},          // r--p /bin/busybox
      {0x40'1000, Tri::kNo, Tri::kYes},         // r-xp /bin/busybox
      {0x5e'2000, Tri::kYes, Tri::kNo},         // rw-p /bin/busybox
      {0x6e4'2000, Tri::kYes, Tri::kNo},        // [heap]
      {0x7ffd'afbf'd000, Tri::kNo, Tri::kYes},  // [vdso]
  };
  for (const Row& row : rows) {
    CAPTURE(row.va);
    const Run* r = m.find(VirtAddr(row.va));
    REQUIRE(r != nullptr);
    CHECK(r->user == Tri::kYes);
    CHECK(r->writable == row.writable);
    CHECK(r->executable == row.executable);
    CHECK_FALSE(r->page_size.has_value());
  }
  // Neighbouring VMAs with equal rights coalesce: busybox's two r--p VMAs are one run.
  CHECK(m.find(VirtAddr(0x58'5000))->range == VirtRange{VirtAddr(0x58'5000), VirtAddr(0x5e'1fff)});
  // A gap between VMAs: no user translation can exist there.
  CHECK(texttest::state_at(m, VirtAddr(0)) == texttest::State::kUnmapped);
  CHECK(texttest::state_at(m, VirtAddr(0x1000'0000)) == texttest::State::kUnmapped);
  // The kernel half, [vsyscall] included, is not described.
  const UnknownRange* k = texttest::find_unknown(m, VirtAddr(0xffff'ffff'ff60'0000));
  REQUIRE(k != nullptr);
  CHECK(k->reason.find("not described by /proc/PID/maps") != std::string::npos);
  CHECK(k->range == texttest::kernel_half_4level());
  // One marker per VMA, named by its path, at its start, with its line.
  REQUIRE(m.markers.size() == 11);
  CHECK(m.markers[0].name == "/bin/busybox");
  CHECK(m.markers[5].name == "[anonymous]");
  CHECK(m.markers[6].name == "[heap]");
  CHECK(m.markers[6].address == VirtAddr(0x6e4'2000));
  CHECK(m.markers[6].line == 7);
  CHECK(m.markers[10].name == "[vsyscall]");
}

TEST_CASE("proc maps - a PROT_NONE VMA is a guard, not a mapping, and paths may hold spaces") {
  const MappingSet m = read(
      "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
      "7f0000001000-7f0000005000 rw-s 00000000 00:05 4242                       /memfd:my buffer (deleted)\n");
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].range.first == VirtAddr(0x7f00'0000'1000));
  CHECK(texttest::state_at(m, VirtAddr(0x7f00'0000'0000)) == texttest::State::kUnmapped);
  REQUIRE(m.markers.size() == 2);
  CHECK(m.markers[1].name == "/memfd:my buffer (deleted)");
}

TEST_CASE("proc maps - a VMA above 47 bits means 5-level") {
  const MappingSet m = read("7fff0000000000-7fff0000001000 rw-p 00000000 00:00 0\n");
  CHECK(m.mode == PagingMode::k5Level);
  CHECK(m.unknown[0].range.first == upper_half_first(PagingMode::k5Level));
}

TEST_CASE("proc maps - bad lines are errors naming FILE LINE COL and what was expected") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"00400000-00401000 r--x 00000000 00:02 13 /bin/busybox",
       "maps:1:22: expected 'p' (private) or 's' (shared), found 'x'"},
      {"00400000-00401000 rw 00000000 00:02 13",
       "maps:1:19: expected four permission characters such as 'r-xp', found 'rw'"},
      {"00400000-00401000 r--p 00000000 0002 13",
       "maps:1:33: expected the device as 'major:minor' in hex, found '0002'"},
      {"00400000-00401000 r--p 00000000 00:02 x13", "maps:1:39: expected the decimal inode number, found 'x13'"},
      {"00401000-00400000 r--p 00000000 00:02 13",
       "maps:1:10: expected an end address above the start, found '00400000'"},
      {"00400000-00402000 r--p 00000000 00:02 13\n00401000-00403000 r--p 00000000 00:02 13",
       "maps:2:1: expected a VMA starting at or above 0x0000000000402000 (the end of line 1), found "
       "'0x0000000000401000'"},
      {"7ffffffff000-800000001000 r--p 00000000 00:00 0",
       "maps:1:1: expected a VMA inside the canonical 4-level space, found '0x00007ffffffff000'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(must_fail(&read_proc_maps, row.text, "maps") == row.error);
  }
}

}  // namespace
}  // namespace ptv
