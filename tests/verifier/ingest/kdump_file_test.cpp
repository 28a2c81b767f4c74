// Crash dumps. Strategy: first the flattened container on hand-made bytes (records out of order
// and overlapping, as makedumpfile writes them; each kind of damage an error naming its offset);
// then the signatures; then libkdumpfile's refusal of what is not a dump. The real formats
// (kdump-compressed with zlib and lzo, flattened, ELF vmcores, filtered) are made by makedumpfile
// from a committed slice at test time and compared with the ELF slice (tests/kdump/), and the
// full captures are compared when PTV_SHARED_DIR holds them (kdump_real_test.cpp).
#include "verifier/ingest/kdump_file.h"

#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "verifier/ingest/flattened.h"
#include "verifier/ingest/load_dump.h"
#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

MappedFile in_memory(const std::vector<unsigned char>& bytes, const char* name = "flat.dump") {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  REQUIRE(fd >= 0);
  rawtest::write_all(fd, bytes);
  Expected<MappedFile> m = MappedFile::from_fd(fd, name);
  ::close(fd);
  REQUIRE(m.ok());
  return std::move(m).value();
}

/// Big-endian writes at absolute offsets (the flattened format's fields).
class Flat {
 public:
  Flat() {
    const char sig[] = "makedumpfile";
    for (std::size_t i = 0; i < sizeof sig - 1; ++i) bytes_.push_back(static_cast<unsigned char>(sig[i]));
    bytes_.resize(4096, 0);
    be(0x10, 1);  // type
    be(0x18, 1);  // version
  }
  Flat& record(std::uint64_t offset, const std::string& data) {
    const std::uint64_t at = bytes_.size();
    bytes_.resize(at + 16);
    be(at, offset);
    be(at + 8, data.size());
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    return *this;
  }
  Flat& end() {
    const std::uint64_t at = bytes_.size();
    bytes_.resize(at + 16);
    be(at, ~std::uint64_t{0});
    be(at + 8, ~std::uint64_t{0});
    return *this;
  }
  void be(std::uint64_t at, std::uint64_t v) {
    for (unsigned i = 0; i < 8; ++i) bytes_[at + i] = static_cast<unsigned char>(v >> (56 - 8 * i));
  }
  [[nodiscard]] const std::vector<unsigned char>& bytes() const { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
};

std::string contents(int fd) {
  std::string out;
  char buf[256];
  ssize_t n = 0;
  off_t at = 0;
  while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
    out.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  return out;
}

TEST_CASE("kdump flattened: records are written at their offsets, later ones over earlier ones") {
  Flat f;
  f.record(4, "EFGH").record(0, "ABCD").record(2, "xy").end();
  const MappedFile m = in_memory(f.bytes());
  CHECK(has_flattened_signature(m.bytes()));
  Expected<OwnedFd> fd = reassemble_flattened(m);
  REQUIRE_MESSAGE(fd.ok(), (fd.ok() ? "" : fd.error().message));
  CHECK(contents(fd->get()) == "ABxyEFGH");
}

TEST_CASE("kdump flattened: damage is an error naming the file and the record's offset") {
  struct Row {
    const char* what;
    std::vector<unsigned char> bytes;
    std::string error;
  };
  Flat no_end;
  no_end.record(0, "ABCD");
  Flat past_end;
  past_end.record(0, "ABCD");
  std::vector<unsigned char> cut = past_end.bytes();
  cut.resize(cut.size() - 2);
  Flat negative;
  negative.record(0x8000'0000'0000'0000, "A").end();
  Flat huge;
  huge.record(std::uint64_t{1} << 40, "A").end();
  Flat version;
  version.be(0x18, 2);
  version.end();
  const Row rows[] = {
      {"no end record", no_end.bytes(),
       "flat.dump+0x1014: flattened file ends after 1 records without its end record (truncated? makedumpfile -R "
       "refuses it too)"},
      {"data past the end", cut,
       "flat.dump+0x1000: flattened record 0: 4 bytes of data run past the end of the file (size 0x1012)"},
      {"negative offset", negative.bytes(),
       "flat.dump+0x1000: flattened record 0: negative offset or size (0x8000000000000000, 0x1)"},
      {"past 1 TiB", huge.bytes(),
       "flat.dump+0x1000: flattened record 0: bytes [0x10000000000, +0x1) reach past 1 TiB (the limit for dumps)"},
      {"version", version.bytes(), "flat.dump+0x18: flattened header version 2, expected 1"},
      {"short header", std::vector<unsigned char>{'m', 'a', 'k', 'e', 'd', 'u', 'm', 'p', 'f', 'i', 'l', 'e', 0},
       "flat.dump+0x0: flattened header truncated: the file has 13 bytes, 4096 needed"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    Expected<OwnedFd> fd = reassemble_flattened(in_memory(row.bytes));
    REQUIRE_FALSE(fd.ok());
    CHECK(fd.error().message == row.error);
  }
}

TEST_CASE("kdump: the signatures, and libkdumpfile's refusal of what is not a dump") {
  const std::string kdump = "KDUMP   \x06";
  const std::string diskdump = "DISKDUMP";
  CHECK(has_kdump_signature(ByteView({reinterpret_cast<const unsigned char*>(kdump.data()), kdump.size()})));
  CHECK(has_kdump_signature(ByteView({reinterpret_cast<const unsigned char*>(diskdump.data()), diskdump.size()})));
  CHECK_FALSE(has_kdump_signature(ByteView({reinterpret_cast<const unsigned char*>(kdump.data()), 5})));
  // A KDUMP signature followed by garbage: libkdumpfile's own message, with the file's name.
  std::vector<unsigned char> garbage(kdump.begin(), kdump.end());
  garbage.resize(8192, 0xa5);
  Expected<std::unique_ptr<KdumpFile>> k = KdumpFile::open(in_memory(garbage, "garbage.kdump"));
  REQUIRE_FALSE(k.ok());
  CHECK(k.error().message.rfind("garbage.kdump: libkdumpfile: ", 0) == 0);
  // A flattened file whose content is not a dump.
  Flat f;
  f.record(0, "not a dump at all").end();
  Expected<std::unique_ptr<KdumpFile>> g = KdumpFile::open(in_memory(f.bytes()));
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().message.find("(after reassembling the flattened format)") != std::string::npos);
}

// --- The committed real samples: one paused Debian 6.1 kernel, as makedumpfile wrote it from the
// slice (tests/fixtures/README.md, "Crash dumps") -------------------------------------------------

std::string sample(const std::string& name) {
  return std::string(PTV_FIXTURES_DIR) + "/linux-6.1-kdump-4level-kaslr/" + name;
}

/// The capture's registers as flags; `with_cr3` adds CR3 (else VMCOREINFO decides the root).
DumpOptions options(const std::string& path, bool with_cr3) {
  DumpOptions o;
  o.path = path;
  o.machine.cr0 = 0x8005'0033;
  o.machine.cr4 = 0x75'0ef0;
  o.machine.efer = 0xd01;
  if (with_cr3) o.machine.cr3 = 0x2a2'0000;
  return o;
}

LoadedDump loaded(const DumpOptions& o) {
  Expected<LoadedDump> d = load_dump(o);
  REQUIRE_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message));
  return std::move(d).value();
}

std::vector<Run> kernel_half(const std::vector<Run>& runs) {
  std::vector<Run> out;
  for (const Run& r : runs)
    if (r.range.first.value() >= 0xffff'8000'0000'0000) out.push_back(r);
  return out;
}

TEST_CASE("kdump samples: zlib, lzo, flattened and ELF vmcore give the ELF slice's mapping set from the same CR3") {
  const LoadedDump slice = loaded(options(sample("core.slice.elf.zst"), true));
  REQUIRE(slice.mappings.runs.size() > 60'000);
  for (const char* name : {"core.slice.kdump-zlib", "core.slice.kdump-lzo.zst", "core.slice.kdump-zlib-flat",
                           "core.slice.vmcore-elf.zst"}) {
    CAPTURE(name);
    const LoadedDump d = loaded(options(sample(name), true));
    CHECK(d.mappings.runs == slice.mappings.runs);
    CHECK(d.mappings.unknown == slice.mappings.unknown);
    CHECK(d.mappings.faults == slice.mappings.faults);
  }
}

TEST_CASE("kdump samples: without CR3 the walk starts at init_top_pgt from VMCOREINFO, kernel half as from CR3") {
  const LoadedDump slice = loaded(options(sample("core.slice.elf.zst"), true));
  for (const char* name : {"core.slice.kdump-zlib", "core.slice.kdump-lzo.zst", "core.slice.kdump-zlib-flat"}) {
    CAPTURE(name);
    const LoadedDump d = loaded(options(sample(name), false));
    CHECK(d.format_chosen.rfind("format kdump", 0) == 0);
    REQUIRE(d.raw.has_value());
    CHECK(d.raw->machine.root == PhysAddr(0x07c1'0000));  // __pa_symbol(init_top_pgt)
    const Fact* top = find_fact(d.mappings.facts, FactId::kTopTable);
    REQUIRE(top != nullptr);
    CHECK(top->source == FactSource::kDump);
    CHECK(top->value.find("init_top_pgt") != std::string::npos);
    CHECK(top->value.find("from VMCOREINFO") != std::string::npos);
    CHECK(top->value.find("not a process's") != std::string::npos);
    CHECK(top->origin.find("SYMBOL(init_top_pgt)=ffffffffa6a10000, NUMBER(phys_base)=-517996544") != std::string::npos);
    CHECK(kernel_half(d.mappings.runs) == kernel_half(slice.mappings.runs));
    // init_mm's user half maps nothing.
    CHECK(d.mappings.runs.front().range.first.value() >= 0xffff'8000'0000'0000);
  }
}

TEST_CASE("kdump samples: a page the file does not hold is not read, so a table there is outside the dump") {
  Expected<MappedFile> file = MappedFile::open(sample("core.slice.kdump-zlib"));
  REQUIRE(file.ok());
  Expected<std::unique_ptr<KdumpFile>> k = KdumpFile::open(std::move(file).value());
  REQUIRE_MESSAGE(k.ok(), (k.ok() ? "" : k.error().message));
  const KdumpFile& kd = **k;
  CHECK(kd.format() == "diskdump (Compressed KDUMP)");
  REQUIRE(kd.vmcoreinfo().has_value());
  CHECK(kernel_root(*kd.vmcoreinfo()) == std::optional<PhysAddr>(PhysAddr(0x07c1'0000)));
  // The slice's pages are held; RAM it left out (here 0x5000000) is not: the page map has a
  // hole there, read() answers nothing, and the walker's TableReader sees no table.
  CHECK(kd.table(PhysAddr(0x07c1'0000)).has_value());
  CHECK_FALSE(kd.read(PhysAddr(0x0500'0000), 8).has_value());
  CHECK_FALSE(kd.reader()(PhysAddr(0x0500'0000)).has_value());
  for (const PhysRange& r : kd.ranges()) CHECK_FALSE(r.contains(PhysAddr(0x0500'0000), 1));
  CHECK(kd.read_failures().empty());
  CHECK(kd.bytes_held() == 197 * 4096);
}

TEST_CASE("kdump samples: with no CR0, CR4 or EFER given, their bits stay assumed, the mode comes from VMCOREINFO") {
  DumpOptions o;
  o.path = sample("core.slice.kdump-zlib");
  const LoadedDump d = loaded(o);
  const Fact* mode = find_fact(d.mappings.facts, FactId::kPagingMode);
  REQUIRE(mode != nullptr);
  CHECK(mode->source == FactSource::kDump);
  CHECK(mode->value == "4-level");
  CHECK(mode->origin.find("NUMBER(pgtable_l5_enabled)=0") != std::string::npos);
  for (FactId id : {FactId::kWp, FactId::kSmep, FactId::kNxe}) {
    const Fact* f = find_fact(d.mappings.facts, id);
    REQUIRE(f != nullptr);
    CHECK(f->source == FactSource::kAssumed);
  }
  CHECK(d.assumptions_matter);
}

}  // namespace
}  // namespace ptv
