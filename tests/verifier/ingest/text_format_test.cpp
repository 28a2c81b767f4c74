// The text-format registry and auto-detection. Strategy: every committed real fixture must
// sniff to its own format with the highest confidence and load through read_text_dump("auto");
// then every file of the real captures whose kind is known by name (skips visibly without
// PTV_SHARED_DIR); then the errors: a file given as the wrong format names the format it looks
// like, empty or unrecognisable content asks for --format, an unknown name lists the known;
// last, the one check of every reader's output: a set breaking the MappingSet invariant is an
// internal error naming the reader and the file, never bad input.
#include "verifier/ingest/text_format.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "verifier/ingest/mapping_json.h"
#include "verifier/ingest/ptdump.h"
#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

/// The format the registry's sniffers rank first, and its confidence.
std::pair<std::string, int> best_format(std::string_view content) {
  std::pair<std::string, int> best{"", 0};
  for (const TextFormat& f : text_formats()) {
    const int c = f.sniff(content);
    CHECK(c >= 0);
    CHECK(c <= 100);
    if (c > best.second) best = {std::string(f.name), c};
  }
  return best;
}

TEST_CASE("text formats - the registry has one entry per format, found by name") {
  std::vector<std::string> names;
  for (const TextFormat& f : text_formats()) {
    names.emplace_back(f.name);
    CHECK(find_text_format(f.name) == &f);
    CHECK_FALSE(f.description.empty());
  }
  CHECK(names == std::vector<std::string>{"ptdump", "qemu-tlb", "qemu-mem", "proc-maps", "json"});
  CHECK(find_text_format("auto") == nullptr);
  CHECK(find_text_format("elf-core") == nullptr);
}

TEST_CASE("text formats - every real fixture sniffs to its format and loads with auto") {
  const MappingSet json_source =
      texttest::must_read(&read_ptdump, texttest::load_fixture("pti-ptdump-kernel.txt"), "k");
  std::ostringstream json;
  write_mapping_set_json(json_source, json);
  struct Row {
    std::string content;
    const char* format;
  };
  const Row rows[] = {
      {texttest::load_fixture("pti-ptdump-kernel.txt"), "ptdump"},
      {texttest::load_fixture("pti-ptdump-current_kernel.txt"), "ptdump"},
      {texttest::load_fixture("pti-ptdump-current_user.txt"), "ptdump"},
      {texttest::load_fixture("debsrc-ptdump-kernel.txt"), "ptdump"},
      {texttest::load_fixture("pti-info-tlb.txt.zst"), "qemu-tlb"},
      {texttest::load_fixture("5level-info-tlb-slice.txt"), "qemu-tlb"},
      {texttest::load_fixture("pti-info-mem.txt"), "qemu-mem"},
      {texttest::load_fixture("pti-proc-1-maps.txt"), "proc-maps"},
      {json.str(), "json"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.format);
    const auto [name, confidence] = best_format(row.content);
    CHECK(name == row.format);
    CHECK(confidence >= 90);
    auto m = read_text_dump(row.content, "f", "auto", {});
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
    CHECK(m->format == row.format);
  }
}

TEST_CASE("text formats - every text file of the real captures sniffs to its kind") {
  const std::filesystem::path root = std::filesystem::path(PTV_SHARED_DIR) / "realdumps";
  if (!std::filesystem::exists(root)) {
    MESSAGE("SKIPPED: " << root.string() << " not found");
    return;
  }
  struct Kind {
    const char* prefix;
    const char* format;
  };
  const Kind kinds[] = {
      {"ptdump-", "ptdump"}, {"info-tlb", "qemu-tlb"}, {"info-mem", "qemu-mem"}, {"proc-", "proc-maps"}};
  int seen = 0;
  for (const auto& dir : std::filesystem::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      const std::string name = file.path().filename().string();
      if (file.path().extension() != ".txt" || file.file_size() == 0) continue;
      CAPTURE(file.path().string());
      const auto content = texttest::load_capture(dir.path().filename().string() + "/" + name);
      REQUIRE(content.has_value());
      const auto [best, confidence] = best_format(*content);
      const Kind* kind = nullptr;
      for (const Kind& k : kinds)
        if (name.starts_with(k.prefix)) kind = &k;
      if (kind) {
        CHECK(best == kind->format);
        CHECK(confidence >= 90);
        auto m = read_text_dump(*content, name, "auto", {});
        CHECK_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
        ++seen;
      } else {
        // registers, dmesg, cpuinfo, kernel configs...: never taken for a dump.
        CHECK(confidence < kMinSniffConfidence);
      }
    }
  }
  CHECK(seen >= 20);
}

TEST_CASE("text formats - a file given as the wrong format names the format it looks like") {
  const std::string tlb = texttest::load_fixture("pti-info-tlb.txt.zst");
  auto m = read_text_dump(tlb, "info-tlb.txt", "ptdump", {});
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message ==
        "info-tlb.txt:1:1: expected an address range '0x...-0x...', a marker '---[ ... ]---' or '... N entries "
        "skipped ...', found '0000000000400000:'; this looks like QEMU monitor `info tlb` (--format qemu-tlb)");
  const std::string ptdump = texttest::load_fixture("pti-ptdump-kernel.txt");
  auto as_mem = read_text_dump(ptdump, "k.txt", "qemu-mem", {});
  REQUIRE_FALSE(as_mem.ok());
  CHECK(
      as_mem.error().message.ends_with("; this looks like Linux ptdump (debugfs page_tables/*, kernel_page_tables, "
                                       "or the dmesg variant) (--format ptdump)"));
  const std::string maps = texttest::load_fixture("pti-proc-1-maps.txt");
  auto as_tlb = read_text_dump(maps, "maps", "qemu-tlb", {});
  REQUIRE_FALSE(as_tlb.ok());
  CHECK(as_tlb.error().message.find("(--format proc-maps)") != std::string::npos);
}

TEST_CASE("text formats - auto-detection refuses what it cannot tell") {
  auto empty = read_text_dump("\n", "efi.txt", "auto", {});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().message.starts_with("efi.txt: empty input: nothing to detect the format from; give --format"));
  auto prose = read_text_dump("CR0=80050033 CR2=00000000005794a9\n", "registers.txt", "auto", {});
  REQUIRE_FALSE(prose.ok());
  CHECK(
      prose.error().message.starts_with("registers.txt: cannot detect the format (known: ptdump, qemu-tlb, qemu-mem, "
                                        "proc-maps, json)"));
  auto unknown = read_text_dump("x", "f", "kdump", {});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message == "unknown format 'kdump' (known: auto, ptdump, qemu-tlb, qemu-mem, proc-maps, json)");
  // An explicit format wins over what the content looks like, and the empty info mem is read.
  auto mem = read_text_dump("", "info-mem.txt", "qemu-mem", {});
  REQUIRE(mem.ok());
  CHECK(mem->format == "qemu-mem");
  CHECK(mem->mappings.unknown.size() == 1);
}

TEST_CASE("text formats - a failed automatic read says which format it was read as") {
  // Starts like ptdump, then breaks: still ptdump, and the error says it was detected.
  const std::string text =
      "---[ User Space ]---\n"
      "0x0000000000000000-0xffff880000000000    16777096T                               pgd\n"
      "0xffff880000000000-0xffff980000000000          16T                               pgx\n";
  auto m = read_text_dump(text, "k.txt", "auto", {});
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message ==
        "k.txt:3:82: expected a level name (pgd, p4d, pud, pmd or pte), found 'pgx' (read as ptdump, detected "
        "automatically)");
}

TEST_CASE("text formats - a reader's set that breaks the mapping-set invariant is an internal error") {
  // Two overlapping runs, as a broken reader could return them.
  MappingSet broken;
  Run a;
  a.range = VirtRange::from_size(VirtAddr(0x40'0000), 0x2000);
  Run b = a;
  b.range = VirtRange::from_size(VirtAddr(0x40'1000), 0x1000);
  broken.runs = {a, b};
  REQUIRE(broken.validate().has_value());
  const std::optional<Error> e = check_reader_output(broken, "ptdump", "k.txt");
  REQUIRE(e.has_value());
  CHECK(e->internal);
  CHECK(e->message ==
        "k.txt: internal error: the ptdump reader broke the mapping-set invariant: " + *broken.validate());

  MappingSet fine;
  fine.runs = {a};
  CHECK_FALSE(check_reader_output(fine, "ptdump", "k.txt").has_value());
}

TEST_CASE("text formats - bad input is never reported as an internal error") {
  auto m = read_text_dump("x", "f", "kdump", {});
  REQUIRE_FALSE(m.ok());
  CHECK_FALSE(m.error().internal);
  const std::string tlb = texttest::load_fixture("pti-info-tlb.txt.zst");
  auto wrong = read_text_dump(tlb, "info-tlb.txt", "ptdump", {});
  REQUIRE_FALSE(wrong.ok());
  CHECK_FALSE(wrong.error().internal);
}

}  // namespace
}  // namespace ptv
