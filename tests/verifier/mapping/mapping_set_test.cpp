// MappingSet::validate() checks every part of the invariant its header states: each kind of
// range sorted, disjoint and well-formed, and every address in at most one of run, unknown and
// fault. Strategy: start from a valid set with one of each, then break one clause at a time.
#include "verifier/mapping/mapping_set.h"

#include <doctest/doctest.h>

using namespace ptv;

namespace {

VirtRange range(std::uint64_t first, std::uint64_t last) { return VirtRange{VirtAddr(first), VirtAddr(last)}; }

MappingSet valid() {
  MappingSet m;
  Run r;
  r.range = range(0x1000, 0x1fff);
  m.runs.push_back(r);
  UnknownRange u;
  u.range = range(0x4000, 0x4fff);
  m.unknown.push_back(u);
  FaultRange f;
  f.range = range(0x8000, 0x8fff);
  m.faults.push_back(f);
  return m;
}

}  // namespace

TEST_CASE("mapping set: validate() accepts a set whose runs, unknown and fault ranges are apart") {
  CHECK_FALSE(valid().validate());
}

TEST_CASE("mapping set: validate() names each broken clause of the invariant") {
  {
    MappingSet m = valid();
    m.unknown.front().range = range(0x4fff, 0x4000);
    CHECK(m.validate() == "an unknown range ends before it starts");
  }
  {
    MappingSet m = valid();
    m.faults.front().range = range(0x8fff, 0x8000);
    CHECK(m.validate() == "a fault range ends before it starts");
  }
  {
    MappingSet m = valid();
    m.unknown.front().range = range(0x1800, 0x4fff);
    CHECK(m.validate() == "an unknown range overlaps a run");
  }
  {
    MappingSet m = valid();
    m.faults.front().range = range(0x1000, 0x1000);
    CHECK(m.validate() == "a fault range overlaps a run");
  }
  {
    MappingSet m = valid();
    m.faults.front().range = range(0x4800, 0x8fff);
    CHECK(m.validate() == "a fault range overlaps an unknown range");
  }
  {
    MappingSet m = valid();
    m.runs.push_back(m.runs.front());
    REQUIRE(m.validate());
    CHECK(m.validate()->find("overlap or are out of order") != std::string::npos);
  }
}
