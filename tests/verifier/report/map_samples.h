// A small hand-built address space shared by the map tests: a spec with a nested region and an
// array, a mapping set whose runs sit inside, across and outside its regions, an unknown range,
// and a check result with one violation crossing a region boundary.
//
//   box (drawing order)   range                                        what is in it
//   (no region)           0xffffc9000001d000 .. 0xffffffffffffffff
//   stacks (array)        0xffffc90000000000 .. 0xffffc9000001cfff      -rw- 4K run
//   (no region)           0xffffc00000000000 .. 0xffffc8ffffffffff
//   window                0xffff898000000000 .. 0xffffbfffffffffff      8K of the crossing run
//   dmap (in window)      0xffff888000000000 .. 0xffff897fffffffff      -rw- 2M x2, 2M of the crossing run
//   window                0xffff880000000000 .. 0xffff887fffffffff
//   (no region)           0xffff800000000000 .. 0xffff87ffffffffff      unknown range
//   non-canonical hole    0x0000800000000000 .. 0xffff7fffffffffff
//   user                  0x0000000000001000 .. 0x00007fffffffffff      urw- 4K x2
//   null-guard            0x0000000000000000 .. 0x0000000000000fff
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "verifier/checks/result.h"
#include "verifier/mapping/mapping_set.h"
#include "verifier/report/address_map.h"
#include "verifier/spec/concrete.h"
#include "verifier/spec/parse.h"

namespace ptv::maptest {

inline constexpr std::uint64_t kDmap = 0xffff'8880'0000'0000;
inline constexpr std::uint64_t kCross = 0xffff'897f'ffe0'0000;  // a run from dmap's last 2M into window

inline const char* kSpecText = R"({
  "name": "map-test",
  "rules": {"paging_mode": 4},
  "parameters": {"base": {"min": "0xffff888000000000", "max": "0xffff888000000000"}},
  "regions": [
    {"name": "null-guard", "kind": "guard", "half": "user", "start": 0, "end": "4 * KiB", "must": "unmapped"},
    {"name": "user", "kind": "mmap", "half": "user", "start": "4 * KiB", "end": "0x0000800000000000",
     "must": "may-be-mapped", "rights": {"allowed": ["user", "writable"], "required": ["user"]}},
    {"name": "window", "kind": "other", "half": "kernel", "start": "0xffff880000000000", "end": "0xffffc00000000000",
     "must": "unmapped"},
    {"name": "dmap", "kind": "direct-map", "half": "kernel", "start": "base", "size": "1 * TiB",
     "must": "may-be-mapped", "rights": {"allowed": ["writable"]}, "nested_in": "window"}
  ],
  "arrays": [
    {"name": "stacks", "kind": "stack", "half": "kernel", "start": "0xffffc90000000000", "count": 4,
     "size": "16 * KiB", "guard": "4 * KiB", "stride": "32 * KiB", "must": "may-be-mapped",
     "rights": {"allowed": ["writable"]}}
  ]
})";

inline spec::Spec sample_spec() {
  auto s = spec::parse_spec(kSpecText, "specs/map-test.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return *s;
}

inline spec::Layout sample_layout(const spec::Spec& s) {
  auto l = spec::evaluate_layout(s, {kDmap});
  REQUIRE_MESSAGE(l.ok(), (l.ok() ? "" : l.error().message));
  return *l;
}

inline Run run(std::uint64_t first, std::uint64_t size, bool user, bool writable, bool executable, std::uint64_t page) {
  Run r;
  r.range = VirtRange::from_size(VirtAddr(first), size);
  r.user = tri(user);
  r.writable = tri(writable);
  r.executable = tri(executable);
  r.user_writable = tri(user && writable);
  r.supervisor_executable = tri(executable && !user);  // CR4.SMEP on
  r.valid = Tri::kYes;
  r.global = Tri::kNo;
  r.page_size = page;
  return r;
}

inline MappingSet sample_mappings() {
  MappingSet m;
  m.format = "elf-core";
  m.source = "captures/sample <core>.elf";
  m.runs = {run(0x40'0000, 0x2000, true, true, false, 4096), run(kDmap, 4u << 20, false, true, false, 2u << 20),
            run(kCross, (2u << 20) + 0x2000, false, false, false, 4096),
            run(0xffff'c900'0000'0000, 0x4000, false, true, false, 4096)};
  m.unknown = {
      UnknownRange{VirtRange{VirtAddr(0xffff'8000'0000'0000), VirtAddr(0xffff'87ff'ffff'ffff)}, "not walked", {}}};
  REQUIRE(!m.validate());
  return m;
}

/// One wx violation over the run that crosses from dmap into window.
inline check::CheckResult sample_check() {
  check::CheckResult r;
  r.dump = "captures/sample <core>.elf";
  r.dump_format = "elf-core";
  r.spec = "specs/map-test.json";
  r.mode = PagingMode::k4Level;
  for (const check::RuleInfo& info : check::kRules)
    r.rules.push_back(check::RuleResult{info.id, check::Status::kHolds, "proved for every address", 0, 0.001, {}, {}});
  r.rules[static_cast<std::size_t>(check::RuleId::kWx)].status = check::Status::kViolated;
  r.rules[static_cast<std::size_t>(check::RuleId::kWx)].violations = 1;
  r.complete = true;
  r.parameters = {{"base", kDmap}};
  check::Violation v;
  v.rule = check::RuleId::kWx;
  v.region = "dmap";
  v.address = VirtAddr(kCross);
  v.range = VirtRange::from_size(VirtAddr(kCross), (2u << 20) + 0x2000);
  v.rights.text = "-rwx 4K";
  v.message = "writable and executable <&> \"quoted\"";
  //                         level   table      index entry address  raw entry
  v.walk = {check::WalkLevel{Level::kPml4, 0x1000, 275, 0x1898, 0x2063, "P RW A table=P0x2000", false, "", {}},
            check::WalkLevel{Level::kPdpt, 0x2000, 5, 0x2028, 0x3063, "P RW A table=P0x3000", false, "", {}},
            check::WalkLevel{Level::kPd, 0x3000, 511, 0x3ff8, 0x4063, "P RW A table=P0x4000", false, "", {}},
            check::WalkLevel{Level::kPt, 0x4000, 0, 0x4000, 0x5063, "P RW A D page=P0x5000", true, "R/W=1, XD=0", {}}};
  v.fingerprint = "wx:dmap:0xffff897fffe00000-0xffff898000002000";
  r.violations = {v};
  return r;
}

/// Every box is non-empty, the boxes tile [0, 2^64) from the top down, and exactly one is the
/// non-canonical hole of `mode`, exactly between the halves.
inline void check_partition(const AddressMap& map, PagingMode mode) {
  REQUIRE_FALSE(map.boxes.empty());
  CHECK(map.boxes.front().range.last.value() == ~std::uint64_t{0});
  CHECK(map.boxes.back().range.first.value() == 0);
  std::size_t holes = 0;
  for (std::size_t i = 0; i < map.boxes.size(); ++i) {
    const MapBox& b = map.boxes[i];
    CHECK(b.range.first <= b.range.last);
    if (i + 1 < map.boxes.size()) CHECK(map.boxes[i + 1].range.last.value() + 1 == b.range.first.value());
    if (b.kind == BoxKind::kNonCanonical) {
      ++holes;
      CHECK(b.range.first.value() == lower_half_last(mode).value() + 1);
      CHECK(b.range.last.value() == upper_half_first(mode).value() - 1);
    }
  }
  CHECK(holes == 1);
}

}  // namespace ptv::maptest
