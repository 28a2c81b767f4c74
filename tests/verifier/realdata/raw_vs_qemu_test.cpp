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
#include "models/leaf_run_oracle.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"

using namespace ptv;

namespace {

struct TlbLine {
  std::uint64_t va, pa;
  std::string flags;  // XGPDACTUW
};

std::vector<TlbLine> parse_info_tlb(const std::string& text) {
  std::vector<TlbLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    unsigned long long va, pa;
    char flags[16];
    if (std::sscanf(line.c_str(), "%llx: %llx %15s", &va, &pa, flags) == 3) out.push_back({va, pa, flags});
  }
  return out;
}

std::string leaf_flags(const Entry& e) {
  // QEMU prints X G P D A C T U W from the leaf entry alone; P is PS (a large leaf).
  std::string s;
  s += e.xd_bit() ? 'X' : '-';
  s += (e.raw() & bits::kG) ? 'G' : '-';
  s += e.level() != Level::kPt ? 'P' : '-';
  s += (e.raw() & bits::kD) ? 'D' : '-';
  s += e.a() ? 'A' : '-';
  s += e.pcd() ? 'C' : '-';
  s += e.pwt() ? 'T' : '-';
  s += e.u_s() ? 'U' : '-';
  s += e.r_w() ? 'W' : '-';
  return s;
}

void check_against_info_tlb(const test::Capture* cap, const char* name) {
  const TableReader reader = cap->core->reader();
  const auto space = enumerate_address_space(cap->state, reader);
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, cap->state, "elf-core", name);
  CHECK_FALSE(m.validate().has_value());
  CHECK(m.unknown.empty());
  CHECK(m.faults.empty());

  const auto tlb = parse_info_tlb(test::read_capture_text(cap->dir, "info-tlb.txt"));
  REQUIRE(tlb.size() > 1000);
  std::size_t mismatches = 0;
  for (const TlbLine& t : tlb) {
    const WalkResult w = walk(cap->state, reader, VirtAddr(t.va));
    const bool ok = w.outcome == WalkOutcome::kMapped && w.translation->frame.value() == t.pa &&
                    leaf_flags(w.path.back().entry) == t.flags && w.path.back().entry.span() >= 0x1000;
    if (!ok && ++mismatches <= 5)
      FAIL_CHECK("info tlb line " << std::hex << t.va << ": " << t.pa << ' ' << t.flags << " but walk gives " << w);
    const Run* r = m.find(VirtAddr(t.va));
    if (!r || r->page_size != w.path.back().entry.span()) {
      if (++mismatches <= 5) FAIL_CHECK("no run of the right page size holds " << std::hex << t.va);
    }
  }
  CHECK(mismatches == 0);
  // Same number of leaves: every run holds size / page_size leaves.
  std::uint64_t leaves = 0;
  for (const Run& r : m.runs) leaves += r.range.size_or_zero() / *r.page_size;
  CHECK(leaves == tlb.size());

  // The leaf runs the physical rules read: every entry walks to itself, and together they map
  // exactly the (frame, leaf bits) pairs QEMU lists (as sets: ESPfix maps frames many times).
  const test::LeafRunAudit audit = test::audit_leaf_runs(*space, cap->state, reader);
  CHECK_MESSAGE(audit.mismatches == 0, audit.first_mismatch);
  CHECK(audit.runs < audit.leaves);  // real direct maps run over contiguous frames
  std::set<std::pair<std::uint64_t, std::string>> from_runs, from_tlb;
  for_each_leaf_run(*space, cap->state, reader, [&](const LeafRun& r) {
    for (unsigned k = 0; k < r.count; ++k) from_runs.insert({r.frame_at(k).value(), leaf_flags(r.entry_at(k))});
  });
  for (const TlbLine& t : tlb) from_tlb.insert({t.pa, t.flags});
  CHECK(from_runs.size() == from_tlb.size());
  CHECK(from_runs == from_tlb);
  MESSAGE(std::string(name) << ": " << audit.leaves << " leaf entries in " << audit.runs << " leaf runs");
}

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
    if (auto cap = test::open_capture(name)) check_against_info_tlb(&*cap, name);
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
    check_against_info_tlb(&cap, name);
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
