// Strategy: QEMU's own page walker is an independent implementation. For every real capture in
// PTV_SHARED_DIR/realdumps, walk the ELF core from CR3 and require (1) page-for-page agreement with
// `info tlb`: every leaf QEMU lists is a leaf of ours with the same frame and the same raw leaf
// bits, and the number of leaves is the same; (2) range-for-range agreement with `info mem`,
// whose u/w rights are combined across levels like ours; (3) the mapping set's invariant.
// Skips visibly when PTV_SHARED_DIR is absent; tests/verifier/ingest/slice fixtures cover the clone.
#include <doctest/doctest.h>

#include <cinttypes>
#include <cstdio>
#include <set>
#include <sstream>

#include "capture.h"
#include "info_tlb_agreement.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"

using namespace ptv;

namespace {

void check_against_info_mem(const test::Capture* cap, const char* name) {
  const std::string mem = test::read_capture_text(cap->dir, "info-mem.txt");
  if (cap->state.cr4_la57) {
    // QEMU 7.2's mem_info_la57 tests PG_PRESENT inverted and prints nothing: a QEMU gap.
    CHECK(mem.empty());
    return;
  }
  const auto space = enumerate_address_space(cap->state, cap->core->reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap->state, "elf-core", name);
  // Project runs onto (user, writable) and merge, as QEMU's mem_print does.
  std::ostringstream ours;
  std::uint64_t start = 0, end = 0;
  int prot = -1;
  auto flush = [&] {
    if (prot >= 0) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%016" PRIx64 "-%016" PRIx64 " %016" PRIx64 " %cr%c\n", start, end, end - start,
                    (prot & 2) ? 'u' : '-', (prot & 1) ? 'w' : '-');
      ours << buf;
    }
  };
  for (const Run& r : m.runs) {
    const int p = (r.writable == Tri::kYes ? 1 : 0) | (r.user == Tri::kYes ? 2 : 0);
    const std::uint64_t s = r.range.first.value();
    const std::uint64_t e = r.range.last.value() + 1;  // wraps to 0 at the top, as QEMU prints it
    if (prot == p && s == end) {
      end = e;
      continue;
    }
    flush();
    start = s;
    end = e;
    prot = p;
  }
  flush();
  const std::string o = ours.str();
  CHECK(o.size() == mem.size());
  CHECK(o == mem);
}

}  // namespace

TEST_CASE("real captures: the raw walk of the full core agrees with QEMU info tlb page for page") {
  for (const char* name : test::kCaptures) {
    CAPTURE(name);
    if (auto cap = test::open_capture(name)) test::check_against_info_tlb(&*cap, name);
  }
}

TEST_CASE("real captures: the raw walk of the full core agrees with QEMU info mem range for range") {
  for (const char* name : test::kCaptures) {
    CAPTURE(name);
    if (auto cap = test::open_capture(name)) check_against_info_mem(&*cap, name);
  }
}

TEST_CASE("committed slices: the walk of each sliced real core agrees with QEMU info tlb page for page") {
  for (const char* name : test::kFixtures) {
    CAPTURE(name);
    const test::Capture cap = test::open_fixture(name);
    test::check_against_info_tlb(&cap, name);
  }
}

TEST_CASE("committed slices: the walk of each sliced real core agrees with QEMU info mem range for range") {
  for (const char* name : test::kCaptures) {
    CAPTURE(name);
    const test::Capture cap = test::open_fixture(name);
    check_against_info_mem(&cap, name);
  }
}

TEST_CASE("real captures: a slice walks to the same mapping set as its full core, kernel and user PGD") {
  for (const char* name : test::kCaptures) {
    CAPTURE(name);
    auto full = test::open_capture(name);
    if (!full) continue;
    const test::Capture slice = test::open_fixture(name);
    for (PhysAddr root : full->roots()) {
      const auto a = enumerate_address_space(full->state, full->core->reader(), root);
      const auto b = enumerate_address_space(slice.state, slice.core->reader(), root);
      REQUIRE(a.ok());
      REQUIRE(b.ok());
      REQUIRE(a->runs.size() == b->runs.size());
      for (std::size_t i = 0; i < a->runs.size(); ++i) {
        CHECK(a->runs[i].range == b->runs[i].range);
        CHECK(a->runs[i].attributes == b->runs[i].attributes);
        CHECK(a->runs[i].phys == b->runs[i].phys);
        CHECK(a->runs[i].entry == b->runs[i].entry);
      }
      CHECK(a->tables.size() == b->tables.size());
    }
  }
}
