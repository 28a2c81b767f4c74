// Strategy: the raw walk's runs as a mapping set (verifier/mapping/from_walk.h), on hand-built
// tables where a run's recorded leaf, provenance or protection key could be wrong: each run must
// name the leaf entry its own first page is translated through, and carry a protection key only
// when one applies.
#include "verifier/mapping/from_walk.h"

#include <doctest/doctest.h>

#include "models/table_builder.h"
#include "models/walk.h"

using namespace ptv;

TEST_CASE("from walk: a run split at the canonical hole names its upper half's own leaf and provenance") {
  // Identical 1 GiB leaves over contiguous frames in PML4 slots 255 (the lower half's last GiB)
  // and 256 (the upper half's first): one run in the walk's offset space, two canonical runs.
  test::TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const std::uint64_t flags = bits::kRW | bits::kXd;
  tb.map(root, PagingMode::k4Level, VirtAddr(0x0000'7fff'c000'0000), PhysAddr(0x4000'0000), Level::kPdpt, flags);
  tb.map(root, PagingMode::k4Level, VirtAddr(0xffff'8000'0000'0000), PhysAddr(0x8000'0000), Level::kPdpt, flags);
  PagingState s;
  s.cr3 = root.value();
  const auto space = enumerate_address_space(s, tb.reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, s, "elf-core", "hand-built");
  REQUIRE(m.runs.size() == 2);
  const Run& lower = m.runs[0];
  const Run& upper = m.runs[1];
  CHECK(lower.range == VirtRange::from_size(VirtAddr(0x0000'7fff'c000'0000), 1ull << 30));
  CHECK(upper.range == VirtRange::from_size(VirtAddr(0xffff'8000'0000'0000), 1ull << 30));
  const PhysAddr upper_pdpt(tb.get(root, 256) & bits::kAddress);
  CHECK(upper.phys == PhysAddr(0x8000'0000));
  CHECK(upper.leaf_raw == tb.get(upper_pdpt, 0));
  CHECK(upper.provenance.table == upper_pdpt);
  CHECK(upper.provenance.index == 0u);
  CHECK(upper.provenance.entry == upper_pdpt);
  const PhysAddr lower_pdpt(tb.get(root, 255) & bits::kAddress);
  CHECK(lower.provenance.entry == PhysAddr(lower_pdpt.value() + 8 * 511));
}

TEST_CASE("from walk: a protection key is shown and splits runs only when CR4.PKE or PKS makes it apply") {
  // Two adjacent user pages with keys 15 and 3: one run and no key without PKE; two runs with
  // their keys with PKE; and a supervisor page's key only with PKS.
  test::TableBuilder tb;
  const PhysAddr root = tb.alloc();
  const std::uint64_t user = bits::kRW | bits::kUS | bits::kXd;
  tb.map(root, PagingMode::k4Level, VirtAddr(0x40'0000), PhysAddr(0x10'0000), Level::kPt,
         user | (15ull << bits::kPkShift));
  tb.map(root, PagingMode::k4Level, VirtAddr(0x40'1000), PhysAddr(0x10'1000), Level::kPt,
         user | (3ull << bits::kPkShift));
  PagingState s;
  s.cr3 = root.value();
  auto runs = [&](const PagingState& st) {
    const auto space = enumerate_address_space(st, tb.reader());
    REQUIRE(space.ok());
    return to_mapping_set(*space, st, "elf-core", "hand-built").runs;
  };
  const auto off = runs(s);
  REQUIRE(off.size() == 1);
  CHECK_FALSE(off[0].pkey.has_value());
  s.cr4_pks = true;  // supervisor keys do not apply to user pages
  CHECK(runs(s).size() == 1);
  s.cr4_pke = true;
  const auto on = runs(s);
  REQUIRE(on.size() == 2);
  CHECK(on[0].pkey == 15u);
  CHECK(on[1].pkey == 3u);
}

TEST_CASE("from walk: rights are told per privilege, a user page the supervisor may write shows sw") {
  // CR0.WP = 0: a user page read-only at an upper level is not writable by user mode, only by the
  // supervisor; it must not print as "urw".
  CHECK(rights_text(Tri::kYes, Tri::kYes, Tri::kYes, Tri::kNo, Tri::kNo) == "ur-x sw");
  CHECK(rights_text(Tri::kYes, Tri::kYes, Tri::kNo, Tri::kYes, Tri::kNo) == "urw-");
  // No SMEP: the supervisor may also run a user page.
  CHECK(rights_text(Tri::kYes, Tri::kNo, Tri::kYes, Tri::kNo, Tri::kYes) == "ur-x sx");
  CHECK(rights_text(Tri::kNo, Tri::kYes, Tri::kYes, Tri::kNo, Tri::kYes) == "-rwx");
  CHECK(rights_text(Tri::kYes, Tri::kUnknown, Tri::kUnknown, Tri::kUnknown, Tri::kUnknown) == "ur?? sw? sx?");
  // From a walk: the same page under WP = 0.
  test::TableBuilder tb;
  const PhysAddr root = tb.alloc();
  tb.map(root, PagingMode::k4Level, VirtAddr(0x40'0000), PhysAddr(0x10'0000), Level::kPt, bits::kRW | bits::kUS,
         bits::kUS);  // the tables above clear R/W
  PagingState s;
  s.cr3 = root.value();
  s.cr0_wp = false;
  s.cr4_smep = true;
  const auto space = enumerate_address_space(s, tb.reader());
  REQUIRE(space.ok());
  const MappingSet m = to_mapping_set(*space, s, "elf-core", "hand-built");
  REQUIRE(m.runs.size() == 1);
  CHECK(rights_text(m.runs[0]) == "ur-x sw");
}
