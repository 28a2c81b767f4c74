// The ptverify JSON mapping set. Strategy: round trips first: what every text reader makes of
// the real fixtures, and one hand-built set that uses every field (faults, tables, self
// references, a run reaching 2^64, strings that need escaping), must read back equal field for
// field; then the written form is pinned where the schema makes a choice (the 17-digit end,
// null for unknown); last, each kind of bad document is an error naming FILE and the JSON
// Pointer (or FILE:LINE:COL for a syntax error) and what was expected.
#include "verifier/ingest/mapping_json.h"

#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "verifier/ingest/proc_maps.h"
#include "verifier/ingest/ptdump.h"
#include "verifier/ingest/qemu_mem.h"
#include "verifier/ingest/qemu_tlb.h"
#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::must_fail;
using texttest::must_read;

std::string written(const MappingSet& m) {
  std::ostringstream os;
  write_mapping_set_json(m, os);
  return os.str();
}

void check_round_trip(const MappingSet& m) {
  const std::string json = written(m);
  const MappingSet back = must_read(&read_mapping_json, json, "rt.json");
  texttest::check_same_set(m, back);
  CHECK(written(back) == json);
}

MappingSet every_field() {
  MappingSet m;
  m.mode = PagingMode::k5Level;
  m.format = "elf-core";
  m.source = "dir/core \"quoted\".elf\n";
  Run a;
  a.range = VirtRange{VirtAddr(0x40'0000), VirtAddr(0x40'0fff)};
  a.phys = PhysAddr(0xdb5'b000);
  a.page_size = 4096;
  a.writable = Tri::kNo;
  a.user = Tri::kYes;
  a.executable = Tri::kUnknown;
  a.global = Tri::kNo;
  a.pkey = 15;
  a.pwt = false;
  a.pcd = true;
  a.pat = false;
  a.leaf_raw = 0x8000'0000'0db5'b025;
  a.provenance = Provenance{0, PhysAddr(0x1f'6000), 511, PhysAddr(0x1f'6ff8)};
  Run top;  // reaches 2^64, every optional empty
  top.range = VirtRange{VirtAddr(0xffff'ffff'ffe0'0000), VirtAddr(~std::uint64_t{0})};
  top.provenance.line = 42;
  m.runs = {a, top};
  m.unknown = {UnknownRange{VirtRange{VirtAddr(0x1000), VirtAddr(0x1fff)}, "elided \\ by \"ptdump\"\t\u00e9", {}}};
  m.faults = {FaultRange{VirtRange{VirtAddr(0x20'0000), VirtAddr(0x3f'ffff)}, PhysAddr(0x5000), Level::kPd,
                         0x0010'0000'0020'00e3, 0x0010'0000'0000'0000}};
  m.markers = {Marker{VirtAddr(0xffff'8880'0000'0000), "Low Kernel Mapping", 6}, Marker{VirtAddr(0), "", 0}};
  m.tables = {TableFrame{PhysAddr(0x1f'6000), Level::kPml5}, TableFrame{PhysAddr(0x7000), Level::kPt}};
  m.self_refs = {SelfReference{PhysAddr(0x1f'6ff0), Level::kPml5, 510, PhysAddr(0x1f'6000),
                               VirtRange{VirtAddr(0xfffe'0000'0000'0000), VirtAddr(0xfffe'ffff'ffff'ffff)}, true}};
  m.notes = {"one", "two \u2014 three"};
  return m;
}

TEST_CASE("json - every text reader's result on real fixtures reads back field for field") {
  TextReadOptions with_mem;
  const std::string mem = texttest::load_fixture("pti-info-mem.txt");
  with_mem.with_mem = mem;
  with_mem.with_mem_source = "pti-info-mem.txt";
  check_round_trip(must_read(&read_ptdump, texttest::load_fixture("pti-ptdump-kernel.txt"), "k.txt"));
  check_round_trip(must_read(&read_ptdump, texttest::load_fixture("debsrc-ptdump-kernel.txt"), "d.txt"));
  check_round_trip(must_read(&read_qemu_tlb, texttest::load_fixture("pti-info-tlb.txt.zst"), "t.txt", with_mem));
  check_round_trip(must_read(&read_qemu_tlb, texttest::load_fixture("5level-info-tlb-slice.txt"), "t5.txt"));
  check_round_trip(must_read(&read_qemu_mem, mem, "m.txt"));
  check_round_trip(must_read(&read_qemu_mem, "", "empty.txt"));
  check_round_trip(must_read(&read_proc_maps, texttest::load_fixture("pti-proc-1-maps.txt"), "maps"));
}

TEST_CASE("json - a set using every field reads back field for field") {
  check_round_trip(every_field());
  check_round_trip(MappingSet{});
}

TEST_CASE("json - the written form pins the schema's choices") {
  const std::string json = written(every_field());
  CHECK(json.starts_with("{\n  \"format_version\": 1,\n  \"mode\": \"5-level\",\n"));
  // The end of a range reaching the top of the address space is 2^64 in 17 hex digits.
  CHECK(json.find("\"start\": \"0xffffffffffe00000\", \"end\": \"0x10000000000000000\"") != std::string::npos);
  // Unknown rights and empty optionals are null; one mapping per line.
  CHECK(json.find("\"phys\": null, \"page_size\": null, \"writable\": null") != std::string::npos);
  CHECK(json.find("\n    {\"start\": \"0x0000000000400000\", \"end\": \"0x0000000000401000\"") != std::string::npos);
  CHECK(json.find("\"level\": \"PD\"") != std::string::npos);
  CHECK(json.find("\"provenance\": {\"table\": \"0x00000000001f6000\", \"index\": 511, \"entry\":") !=
        std::string::npos);
}

TEST_CASE("json - bytes that are not UTF-8 are written as U+FFFD") {
  MappingSet m;
  m.source = std::string("bad\xff\xc3(name");
  const MappingSet back = must_read(&read_mapping_json, written(m), "u.json");
  CHECK(back.claimed_source == "bad\xef\xbf\xbd\xef\xbf\xbd(name");
}

TEST_CASE("json - the origin a set names is its claim, never what was read") {
  const MappingSet m = must_read(&read_mapping_json,
                                 R"({"format_version": 1, "mode": "4-level", "source": "core.elf",
                                     "format": "elf-core", "mappings": []})",
                                 "claims.json");
  CHECK(m.format == "json");
  CHECK(m.source == "claims.json");
  CHECK(m.claimed_format == "elf-core");
  CHECK(m.claimed_source == "core.elf");
  CHECK(m.format_shown() == "json (says: elf-core, core.elf)");
  // Written back, the claim stays a claim: the file's own name is not written over it.
  CHECK(written(m).find("\"source\": \"core.elf\",\n  \"format\": \"elf-core\"") != std::string::npos);
}

TEST_CASE("json - a document from another tool needs only the required keys") {
  const MappingSet m = must_read(&read_mapping_json,
                                 R"({"format_version": 1, "mode": "4-level",
                                     "mappings": [{"start": "0x1000", "end": "0x3000", "writable": true}]})",
                                 "other.json");
  REQUIRE(m.runs.size() == 1);
  CHECK(m.runs[0].range == VirtRange{VirtAddr(0x1000), VirtAddr(0x2fff)});
  CHECK(m.runs[0].writable == Tri::kYes);
  CHECK(m.runs[0].user == Tri::kUnknown);
  CHECK(m.source == "other.json");
  CHECK(m.format == "json");
}

TEST_CASE("json - bad documents are errors naming the JSON Pointer and what was expected") {
  const std::string head = R"({"format_version": 1, "mode": "4-level", "mappings": [)";
  auto doc = [&](const std::string& mappings, const std::string& rest = "") {
    return head + mappings + "]" + rest + "}";
  };
  const std::string ok0 = R"({"start": "0x1000", "end": "0x2000"})";
  struct Row {
    std::string text;
    const char* error;
  };
  const Row rows[] = {
      {doc(ok0 + ", " + ok0 + R"(, {"start": 12, "end": "0x2000"})"),
       "j.json:/mappings/2/start: expected a hex string such as \"0x1000\", found 12"},
      {doc(R"({"start": "0x1000", "end": "0x1000"})"),
       "j.json:/mappings/0/end: expected an end above the start 0x0000000000001000, found \"0x1000\""},
      {doc(R"({"start": "0x1000", "end": "0x20000000000000000"})"),
       "j.json:/mappings/0/end: expected a hex string of at most 2^64, found \"0x20000000000000000\""},
      {doc(R"({"start": "0x10000000000000000", "end": "0x10000000000000000"})"),
       "j.json:/mappings/0/start: expected a hex string below 2^64, found \"0x10000000000000000\""},
      {doc(R"({"start": "0x1000", "end": "0x2000", "writeable": true})"),
       "j.json:/mappings/0/writeable: expected only the keys start, end, phys, page_size, writable, user, executable, "
       "user_writable, supervisor_executable, global, valid, page_table_frame, pkey, pwt, pcd, pat, leaf_raw, "
       "provenance, found true"},
      {doc(R"({"start": "0x1000", "end": "0x2000", "user": "yes"})"),
       "j.json:/mappings/0/user: expected true or false, found \"yes\""},
      {doc(R"({"start": "0x1000", "end": "0x2000", "page_size": 8192})"),
       "j.json:/mappings/0/page_size: expected 4096, 2097152, 1073741824 or null, found 8192"},
      {doc(R"({"start": "0x1000", "end": "0x2000", "pkey": 16})"),
       "j.json:/mappings/0/pkey: expected an integer at most 15, found 16"},
      {doc(R"({"start": "0x1000", "end": "0x2000", "provenance": {"line": -1}})"),
       "j.json:/mappings/0/provenance/line: expected a non-negative integer, found -1"},
      {doc(R"({"start": "0x1000", "end": "0x3000"}, {"start": "0x2000", "end": "0x4000"})"),
       "j.json:/mappings/1/start: expected a start above the end of element 0 (elements sorted and disjoint), found "
       "\"0x0000000000002000\""},
      {doc(ok0,
           R"(, "faults": [{"start": "0x1000", "end": "0x2000", "entry": "0x0", "level": "PDE", "raw": "0x0", "reserved": "0x0"}])"),
       "j.json:/faults/0/level: expected a level name: \"PT\", \"PD\", \"PDPT\", \"PML4\" or \"PML5\", found \"PDE\""},
      {doc(ok0, R"(, "unknown": [{"start": "0x1000", "end": "0x2000"}])"),
       "j.json: expected a consistent mapping set, found: an unknown range overlaps a run"},
      {R"({"format_version": 2, "mode": "4-level", "mappings": []})",
       "j.json:/format_version: expected 1 (the only version this reader knows), found 2"},
      {R"({"format_version": 1, "mode": "4level", "mappings": []})",
       "j.json:/mode: expected \"4-level\" or \"5-level\", found \"4level\""},
      {R"({"format_version": 1, "mode": "4-level"})",
       "j.json:/mappings: expected an array of mappings (the key is required), found nothing"},
      {R"({"format_version": 1, "mode": "4-level", "mappings": {}})", "j.json:/mappings: expected an array, found {}"},
      {R"([1, 2])", "j.json:/: expected an object, found [1,2]"},
      {"{\"format_version\": 1,\n \"mode\": \"4-level\",\n \"mappings\": [}",
       "j.json:3:15: expected valid JSON (syntax error while parsing value - unexpected '}'; expected '[', '{', or a "
       "literal), found '}'"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(must_fail(&read_mapping_json, row.text, "j.json") == row.error);
  }
  TextReadOptions five;
  five.mode = PagingMode::k5Level;
  CHECK(must_fail(&read_mapping_json, doc(ok0), "j.json", five) ==
        "j.json:/mode: expected \"5-level\" (the given paging mode), found \"4-level\"");
}

// Regression (fuzz_mapping_json, tests/fuzz/regressions/fuzz_mapping_json/number-overflow): a
// number past a double is not a parse_error but nlohmann's out_of_range.406, which used to
// escape the reader and terminate the process.
TEST_CASE("json - a number too large for a double is an error naming the file, not a crash") {
  CHECK(must_fail(&read_mapping_json, "5e400", "j.json") ==
        "j.json: [json.exception.out_of_range.406] number overflow parsing '5e400'");
  CHECK(
      must_fail(&read_mapping_json, R"({"format_version": 1, "mode": "4-level", "mappings": [], "x": 1e999})", "j.json")
          .starts_with("j.json: [json.exception.out_of_range.406]"));
}

TEST_CASE("json - sniffing") {
  CHECK(sniff_mapping_json(written(every_field())) >= 90);
  CHECK(sniff_mapping_json("  {\"mappings\": []}") >= 50);
  CHECK(sniff_mapping_json("[1]") == 0);
  CHECK(sniff_mapping_json("") == 0);
}

}  // namespace
}  // namespace ptv
