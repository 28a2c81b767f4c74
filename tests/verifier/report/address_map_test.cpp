// The address map's boxes (verifier/report/address_map.h). Strategy: first the invariant every
// drawing relies on (the boxes tile [0, 2^64) from the top down, the non-canonical hole exactly
// once) for each way of naming boxes and both paging modes; then what each box says, row by
// row against the hand-built sample (map_samples.h): names and nesting, runs clipped at box
// edges, unknown ranges, and violations attached to every box they overlap.
#include "verifier/report/address_map.h"

#include <doctest/doctest.h>

#include "verifier/checks/places.h"
#include "verifier/report/map_samples.h"

namespace ptv {
namespace {

using namespace maptest;

TEST_CASE("address map: the boxes tile the 64-bit space, the non-canonical hole once") {
  const spec::Spec s = sample_spec();
  const spec::Layout layout = sample_layout(s);
  const MappingSet m = sample_mappings();
  const check::CheckResult c = sample_check();
  SUBCASE("spec regions") { check_partition(build_address_map(m, &layout, &c), PagingMode::k4Level); }
  SUBCASE("canonical halves, 4-level and 5-level") {
    for (PagingMode mode : {PagingMode::k4Level, PagingMode::k5Level}) {
      MappingSet empty;
      empty.mode = mode;
      const AddressMap map = build_address_map(empty, nullptr, nullptr);
      check_partition(map, mode);
      REQUIRE(map.boxes.size() == 3);
      CHECK(map.labels == MapLabels::kHalves);
      CHECK(map.boxes[0].name == "upper half (kernel)");
      CHECK(map.boxes[2].name == "lower half (user)");
    }
  }
  SUBCASE("ptdump markers, one of them inside the hole") {
    MappingSet mk = m;
    mk.markers = {Marker{VirtAddr(0xffff'8880'0000'0000), "Low Kernel Mapping", 6},
                  Marker{VirtAddr(0), "User Space", 1}, Marker{VirtAddr(0x1234'0000'0000'0000), "in the hole", 3},
                  Marker{VirtAddr(0xffff'c900'0000'0000), "vmalloc() Area", 9}};
    const AddressMap map = build_address_map(mk, nullptr, nullptr);
    check_partition(map, PagingMode::k4Level);
    CHECK(map.labels == MapLabels::kMarkers);
    struct Row {
      std::uint64_t first;
      BoxKind kind;
      const char* name;
    };
    // A marker names the addresses up to the next marker, never across the hole; the part of
    // the upper half below its first marker is named by the half.
    const Row rows[] = {
        {0xffff'c900'0000'0000, BoxKind::kMarker, "vmalloc() Area"},
        {0xffff'8880'0000'0000, BoxKind::kMarker, "Low Kernel Mapping"},
        {0xffff'8000'0000'0000, BoxKind::kHalf, "upper half (kernel)"},
        {0x0000'8000'0000'0000, BoxKind::kNonCanonical, "non-canonical hole"},
        {0, BoxKind::kMarker, "User Space"},
    };
    REQUIRE(map.boxes.size() == std::size(rows));
    for (std::size_t i = 0; i < std::size(rows); ++i) {
      CAPTURE(i);
      CHECK(map.boxes[i].range.first.value() == rows[i].first);
      CHECK(map.boxes[i].kind == rows[i].kind);
      CHECK(map.boxes[i].name == rows[i].name);
    }
  }
}

TEST_CASE("address map: spec regions name boxes, the innermost region decides, nesting cuts the parent") {
  const spec::Spec s = sample_spec();
  const spec::Layout layout = sample_layout(s);
  const MappingSet m = sample_mappings();
  const check::CheckResult c = sample_check();
  const AddressMap map = build_address_map(m, &layout, &c);
  CHECK(map.labels == MapLabels::kSpec);
  CHECK(map.spec_name == "map-test");
  struct Row {
    std::uint64_t first, last;
    BoxKind kind;
    const char* name;
    std::size_t parents;
  };
  const Row rows[] = {
      {0xffff'c900'0001'd000, 0xffff'ffff'ffff'ffff, BoxKind::kNoRegion, "(no region)", 0},
      // The array's extent ends with its last element's guard: 3 * 32K + 16K + 4K.
      {0xffff'c900'0000'0000, 0xffff'c900'0001'cfff, BoxKind::kRegion, "stacks", 0},
      {0xffff'c000'0000'0000, 0xffff'c8ff'ffff'ffff, BoxKind::kNoRegion, "(no region)", 0},
      {0xffff'8980'0000'0000, 0xffff'bfff'ffff'ffff, BoxKind::kRegion, "window", 0},
      {0xffff'8880'0000'0000, 0xffff'897f'ffff'ffff, BoxKind::kRegion, "dmap", 1},
      {0xffff'8800'0000'0000, 0xffff'887f'ffff'ffff, BoxKind::kRegion, "window", 0},
      {0xffff'8000'0000'0000, 0xffff'87ff'ffff'ffff, BoxKind::kNoRegion, "(no region)", 0},
      {0x0000'8000'0000'0000, 0xffff'7fff'ffff'ffff, BoxKind::kNonCanonical, "non-canonical hole", 0},
      {0x0000'0000'0000'1000, 0x0000'7fff'ffff'ffff, BoxKind::kRegion, "user", 0},
      {0x0000'0000'0000'0000, 0x0000'0000'0000'0fff, BoxKind::kRegion, "null-guard", 0},
  };
  REQUIRE(map.boxes.size() == std::size(rows));
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    CAPTURE(i);
    const MapBox& b = map.boxes[i];
    CHECK(b.range.first.value() == rows[i].first);
    CHECK(b.range.last.value() == rows[i].last);
    CHECK(b.kind == rows[i].kind);
    CHECK(b.name == rows[i].name);
    CHECK(b.parents.size() == rows[i].parents);
  }
  CHECK(map.boxes[4].parents == std::vector<std::string>{"window"});
  CHECK(rule_text(map.boxes[4]) == "allows -rw-");
  CHECK(rule_text(map.boxes[9]) == "must be unmapped");
  CHECK(rule_text(map.boxes[8]) == "allows urw-");
  CHECK(map.boxes[1].shape == "4 x 16K + 4K guard, stride 32K");
  CHECK(map.boxes[0].shape.empty());
  CHECK(map.box_at(VirtAddr(kDmap + 5)) == 4);
  CHECK(map.box_at(VirtAddr(0)) == 9);
  CHECK(map.box_at(VirtAddr(~std::uint64_t{0})) == 0);
}

TEST_CASE("address map: runs are summarised per box, clipped at its edges, by rights and page size") {
  const spec::Spec s = sample_spec();
  const spec::Layout layout = sample_layout(s);
  const MappingSet m = sample_mappings();
  const AddressMap map = build_address_map(m, &layout, nullptr);
  const MapBox& dmap = map.boxes[4];
  CHECK(dmap.runs() == 2);
  CHECK(dmap.mapped == (4u << 20) + (2u << 20));
  REQUIRE(dmap.groups.size() == 2);
  // Largest first: the 2M pages, then the part of the crossing 4K run inside dmap.
  CHECK(dmap.groups[0].rights == "-rw-");
  CHECK(dmap.groups[0].page_size == 2u << 20);
  CHECK(dmap.groups[0].pages == 2);
  CHECK(dmap.groups[1].rights == "-r--");
  CHECK(dmap.groups[1].pages == 512);
  const MapBox& window = map.boxes[3];
  CHECK(window.runs() == 1);
  CHECK(window.mapped == 0x2000);
  REQUIRE(window.groups.size() == 1);
  CHECK(window.groups[0].pages == 2);
  CHECK(map.boxes[8].groups.at(0).rights == "urw-");
  CHECK(map.boxes[0].runs() == 0);
  CHECK(map.boxes[0].mapped == 0);
  CHECK(map.boxes[6].unknown_ranges == 1);
  CHECK(map.boxes[6].unknown_bytes == 8ull << 40);
  CHECK(map.boxes[6].unknown_reason == "not walked");
  CHECK(map.boxes[7].runs() == 0);
}

TEST_CASE("address map: a violation is attached to every box its range overlaps") {
  const spec::Spec s = sample_spec();
  const spec::Layout layout = sample_layout(s);
  const MappingSet m = sample_mappings();
  const check::CheckResult c = sample_check();
  const AddressMap map = build_address_map(m, &layout, &c);
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    CAPTURE(map.boxes[i].name);
    if (i == 3 || i == 4)
      CHECK(map.boxes[i].violations == std::vector<std::size_t>{0});
    else
      CHECK(map.boxes[i].violations.empty());
  }
}

TEST_CASE("address map: result_layout places the regions with the parameters a check reported") {
  const spec::Spec s = sample_spec();
  check::CheckResult c = sample_check();
  auto layout = check::result_layout(c, s);
  REQUIRE(layout.ok());
  CHECK(layout->regions[3].range.first.value() == kDmap);
  c.parameters = {};
  CHECK_FALSE(check::result_layout(c, s).ok());
}

TEST_CASE("address map: sizes for people and log2 of a range") {
  CHECK(human_size(0) == "0");
  CHECK(human_size(4096) == "4K");
  CHECK(human_size(64ull << 40) == "64T");
  CHECK(human_size(8188ull << 10) == "8188K");
  CHECK(human_size((1ull << 47) - (64ull << 10)) == "~128.0T");
  CHECK(log2_size(VirtRange::from_size(VirtAddr(0), 4096)) == 12);
  CHECK(log2_size(VirtRange::from_size(VirtAddr(0), 4097)) == 12);
  CHECK(log2_size(VirtRange{VirtAddr(0), VirtAddr(~std::uint64_t{0})}) == 64);
}

}  // namespace
}  // namespace ptv
