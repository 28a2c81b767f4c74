// Strategy: the trie is a compressed view of the mapping set, so test it against the set
// itself: on hand-made sets (uniform ranges, the canonical hole, the top page) and on every
// committed real slice, the class looked up in the trie must equal the class of the run,
// unknown or fault range holding the address, at every run boundary and at random addresses;
// and its size must follow the runs, not the pages (ESPfix collapses).
#include "verifier/mapping/address_trie.h"

#include <doctest/doctest.h>

#include <random>

#include "../realdata/capture.h"
#include "models/walk.h"
#include "verifier/mapping/from_walk.h"

using namespace ptv;

namespace {

AttrClass expected_class(const MappingSet& m, VirtAddr va) {
  AttrClass c;
  if (!is_canonical(va, m.mode)) return c;
  if (const Run* r = m.find(va)) {
    c.kind = AttrClass::Kind::kMapped;
    c.writable = r->writable;
    c.user = r->user;
    c.executable = r->executable;
    c.user_writable = r->user_writable;
    c.supervisor_executable = r->supervisor_executable;
    c.global = r->global;
    c.valid = r->valid;
    c.page_table_frame = r->page_table_frame;
    c.page_size = r->page_size.value_or(0);
    return c;
  }
  for (const auto& u : m.unknown)
    if (u.range.contains(va)) c = class_of(u);
  for (const auto& f : m.faults)
    if (f.range.contains(va)) c.kind = AttrClass::Kind::kFault;
  return c;
}

Run run(std::uint64_t first, std::uint64_t last, bool w, bool x) {
  Run r;
  r.range = VirtRange{VirtAddr(first), VirtAddr(last)};
  r.writable = tri(w);
  r.user = Tri::kNo;
  r.executable = tri(x);
  r.global = Tri::kNo;
  r.page_size = 4096;
  return r;
}

void check_against_set(const MappingSet& m, const AddressTrie& t) {
  std::vector<VirtAddr> probes;
  for (const Run& r : m.runs) {
    probes.push_back(r.range.first);
    probes.push_back(r.range.last);
    if (auto e = r.range.end()) probes.push_back(*e);
    if (r.range.first.value() >= 0x1000) probes.push_back(VirtAddr(r.range.first.value() - 0x1000));
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) probes.push_back(canonicalize(rng(), m.mode));
  for (VirtAddr va : probes) {
    const AttrClass want = expected_class(m, va);
    const AttrClass got = t.classes()[t.lookup(va)];
    if (!(want == got)) FAIL_CHECK(va << ": trie says " << to_string(got) << ", set says " << to_string(want));
    const VirtRange cr = t.class_range(va);
    if (is_canonical(va, m.mode)) {
      CHECK(cr.contains(va));
      CHECK(t.lookup(cr.first) == t.lookup(va));
      CHECK(t.lookup(cr.last) == t.lookup(va));
    }
  }
}

}  // namespace

TEST_CASE("trie: a uniform range of ten million pages is one segment per level it spans") {
  MappingSet m;
  m.mode = PagingMode::k4Level;
  m.runs.push_back(run(0x4000'0000, 0x4000'0000 + 10'000'000ull * 4096 - 1, true, false));
  const auto t = AddressTrie::build(m);
  REQUIRE(t.ok());
  CHECK(t->node_count() <= 8);
  CHECK(t->segment_count() <= 16);
  check_against_set(m, *t);
}

TEST_CASE("trie: runs at the top page, across the upper half and by the canonical hole") {
  MappingSet m;
  m.mode = PagingMode::k4Level;
  m.runs.push_back(run(0x0000'7fff'ffff'f000, 0x0000'7fff'ffff'ffff, true, true));
  m.runs.push_back(run(0xffff'8000'0000'0000, 0xffff'8000'0020'0fff, false, true));
  m.runs.push_back(run(0xffff'ffff'ffff'f000, 0xffff'ffff'ffff'ffff, true, false));
  const auto t = AddressTrie::build(m);
  REQUIRE(t.ok());
  check_against_set(m, *t);
  CHECK(t->class_range(VirtAddr(0x0000'7fff'ffff'f123)) ==
        VirtRange{VirtAddr(0x0000'7fff'ffff'f000), VirtAddr(0x0000'7fff'ffff'ffff)});
}

TEST_CASE("trie: unaligned ranges are an error naming the source") {
  MappingSet m;
  m.source = "x.json";
  m.runs.push_back(run(0x1000, 0x1800, true, true));
  const auto t = AddressTrie::build(m);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find("x.json") != std::string::npos);
}

TEST_CASE("trie: every committed real slice, class for class, and ESPfix collapses") {
  for (const char* name : test::kFixtures) {
    CAPTURE(name);
    const test::Capture cap = test::open_fixture(name);
    for (PhysAddr root : cap.roots()) {
      const auto space = enumerate_address_space(cap.state, cap.core->reader(), root);
      REQUIRE(space.ok());
      const MappingSet m = to_mapping_set(*space, cap.state, "elf-core", name);
      const auto t = AddressTrie::build(m);
      REQUIRE(t.ok());
      check_against_set(m, *t);
      // Tens of thousands of runs (ESPfix alone has 65,536), but few distinct table shapes.
      MESSAGE(std::string(name) << ": " << m.runs.size() << " runs -> " << t->node_count() << " trie nodes, "
                                << t->segment_count() << " segments, " << t->classes().size() << " classes");
      CHECK(t->node_count() < 400);
    }
  }
}
