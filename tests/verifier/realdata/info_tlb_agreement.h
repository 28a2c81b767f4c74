// The agreement of ptverify's raw walk with QEMU's own page walker, `info tlb`, of the same
// paused moment: every leaf QEMU lists is a leaf of ours with the same frame and the same raw
// leaf bits, the numbers of leaves are equal, and the leaf runs the physical rules read map
// exactly the (frame, leaf bits) pairs QEMU lists. Used on the committed fixtures, the full real
// captures, and the guest `capture --boot` pauses in its end-to-end test.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture.h"
#include "models/leaf_run_oracle.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"

namespace ptv::test {

struct TlbLine {
  std::uint64_t va, pa;
  std::string flags;  // XGPDACTUW
};

inline std::vector<TlbLine> parse_info_tlb(const std::string& text) {
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

inline std::string leaf_flags(const Entry& e) {
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

inline void check_against_info_tlb(const test::Capture* cap, const char* name) {
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

}  // namespace ptv::test
