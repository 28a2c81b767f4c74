// `ptverify slice` end to end, and the paging-option precedence of cli/dump_options through it.
// Strategy: run the built binary (PTV_BINARY) on hand-built dumps; the PTVERIFY note of the
// slice it writes records the registers in effect, so reading that note back with ElfCore
// shows which source won: flags > --registers > the core's note, bit flags last, and the
// stderr note when a QEMU note leaves EFER unknown. Bad inputs must exit 2 with
// "ptverify: <file>: <what>".
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "models/paging_state.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

struct Run {
  int exit_code = -1;
  std::string err;
};

Run ptverify(const std::string& args) {
  const rawtest::TempFile err_file(std::vector<unsigned char>{});
  const std::string cmd = std::string(PTV_BINARY) + " " + args + " >/dev/null 2>" + err_file.path();
  const int status = std::system(cmd.c_str());
  std::ifstream in(err_file.path());
  std::stringstream ss;
  ss << in.rdbuf();
  return Run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, ss.str()};
}

// A 4-level tree in a raw image: PML4 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> PT 0x4000 -> 4 KiB
// page 0x6000; the PTI user copy at 0x2000 is the PDPT (any table will do for the walk).
// 0x5000 and 0x6000 are data.
std::vector<unsigned char> raw_tree() {
  rawtest::Bytes b;
  b.fill(0, 0x7000, 0);
  b.u64(0x1000, 0x2007).u64(0x2000, 0x3007).u64(0x3000, 0x4007).u64(0x4000, 0x6007);
  b.fill(0x5000, 0x1000, 0xee);
  return b.data();
}

CoreRegisters slice_registers(const std::string& path) {
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(path);
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  REQUIRE((*core)->registers().has_value());
  return *(*core)->registers();
}

const char* const kRegisters = "CPU#0\nCR0=80050033 CR2=0 CR3=0000000000001000 CR4=007506b0\nEFER=0000000000000d01\n";

TEST_CASE("slice of a raw image records the registers from --registers") {
  const rawtest::TempFile raw(raw_tree());
  const rawtest::TempFile regs{std::string(kRegisters)};
  const rawtest::TempFile out(std::vector<unsigned char>{});
  const Run r = ptverify("slice " + raw.path() + " --format raw --registers " + regs.path() + " -o " + out.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("4 page-table pages in 1 segment") != std::string::npos);
  const CoreRegisters n = slice_registers(out.path());
  CHECK(n.cr0 == 0x8005'0033);
  CHECK(n.cr3 == 0x1000);
  CHECK(n.cr4 == 0x75'06b0);
  CHECK(n.efer == std::optional<std::uint64_t>(0xd01));
  CHECK(n.maxphyaddr == std::nullopt);  // not given: recorded as not known, never as 52
  CHECK(n.pdpe1gb == std::nullopt);
  CHECK(n.flags == 0);
}

TEST_CASE("explicit flags win over --registers and bit flags apply last") {
  const rawtest::TempFile raw(raw_tree());
  const rawtest::TempFile regs{std::string(kRegisters)};
  const rawtest::TempFile out(std::vector<unsigned char>{});
  const Run r = ptverify("slice " + raw.path() + " --registers " + regs.path() +
                         " --cr3 0x2000 --cr4 000006a0 --no-nxe --no-wp --la57 --maxphyaddr 46 -o " + out.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const CoreRegisters n = slice_registers(out.path());
  CHECK(n.cr3 == 0x2000);
  CHECK(n.cr4 == (0x6a0 | kCr4La57));
  CHECK(n.cr0 == (0x8005'0033 & ~kCr0Wp));
  CHECK(n.efer == std::optional<std::uint64_t>(0xd01 & ~kEferNxe));
  CHECK(n.maxphyaddr == std::optional<unsigned>(46));
}

TEST_CASE("a slice needs no flags and --user-pgd slices both PTI roots") {
  const rawtest::TempFile raw(raw_tree());
  const rawtest::TempFile first(std::vector<unsigned char>{});
  const rawtest::TempFile second(std::vector<unsigned char>{});
  Run r = ptverify("slice " + raw.path() + " --cr3 1000 --efer d01 --user-pgd -o " + first.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("assuming EFER") == std::string::npos);
  CHECK(slice_registers(first.path()).flags == ptverify_note::kFlagUserPgd);
  r = ptverify("slice " + first.path() + " -o " + second.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const CoreRegisters n = slice_registers(second.path());
  CHECK(n.cr3 == 0x1000);
  CHECK(n.efer == std::optional<std::uint64_t>(0xd01));
  CHECK(n.flags == 0);
}

TEST_CASE("a core whose QEMU note has no EFER leaves NXE unknown and says so") {
  rawtest::Bytes b;
  rawtest::elf_header(b, 0x40, 2);
  const std::uint64_t end = rawtest::note(b, 0x100, "QEMU", 0, rawtest::qemu_cpu_state(0x8005'0033, 0x1000, 0x6b0));
  rawtest::phdr(b, 0x40, 0, rawtest::kPtNote, 0x100, 0, end - 0x100, end - 0x100);
  rawtest::phdr(b, 0x40, 1, rawtest::kPtLoad, 0x1000, 0, 0x7000, 0x7000);
  const std::vector<unsigned char> tree = raw_tree();
  for (std::size_t i = 0; i < tree.size(); ++i) b.u8(0x1000 + i, tree[i]);
  const rawtest::TempFile core(b.data());
  const rawtest::TempFile out(std::vector<unsigned char>{});
  const Run r = ptverify("slice " + core.path() + " -o " + out.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("EFER.NXE is not in the dump") != std::string::npos);
  const CoreRegisters n = slice_registers(out.path());
  CHECK(n.cr4 == 0x6b0);
  CHECK_FALSE(n.efer.has_value());
}

TEST_CASE("bad slice inputs exit 2 naming the file") {
  const rawtest::TempFile raw(raw_tree());
  const rawtest::TempFile garbage{std::string("hello\n")};
  const rawtest::TempFile out(std::vector<unsigned char>{});
  struct Row {
    std::string args;
    std::string error;
  };
  const Row rows[] = {
      {raw.path() + " -o " + out.path(), "ptverify: " + raw.path() + ": no CR3"},
      {raw.path() + " --cr3 0x100000 -o " + out.path(),
       "ptverify: " + raw.path() +
           ": CR3 = 0x100000 (from --cr3): the root table 0x100000 is outside the dumped memory"},
      {raw.path() + " --registers " + garbage.path() + " -o " + out.path(),
       "ptverify: " + garbage.path() + ": no CR3= value found"},
      {garbage.path() + " --format elf-core --cr3 0x1000 -o " + out.path(),
       "ptverify: " + garbage.path() + "+0x0: not an ELF file"},
      {raw.path() + " --cr3 0x6000 --user-pgd -o " + out.path(), "ptverify: " + raw.path() + ": --pti user"},
      {raw.path() + " --cr3 0x1000 --cr0 0x11 -o " + out.path(), "has PG clear: paging is off"},
      {raw.path() + " --cr3 nothex -o " + out.path(), "--cr3: 'nothex' is not a hexadecimal physical address"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.args);
    const Run r = ptverify("slice " + row.args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(row.error) != std::string::npos, r.err);
  }
}

}  // namespace
}  // namespace ptv

namespace ptv {
namespace {

TEST_CASE("a slice of a crash dump keeps VMCOREINFO and says its root is init_top_pgt, not a register") {
  const std::string dump = std::string(PTV_FIXTURES_DIR) + "/linux-6.1-kdump-4level-kaslr/core.slice.kdump-zlib";
  const rawtest::TempFile out;
  const Run s = ptverify("slice " + dump + " -o " + out.path());
  REQUIRE_MESSAGE(s.exit_code == 0, s.err);
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open(out.path());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  REQUIRE((*core)->registers().has_value());
  CHECK((*core)->registers()->cr3 == 0x07c1'0000);
  CHECK(((*core)->registers()->flags & ptverify_note::kFlagRootFromVmcoreinfo) != 0);
  REQUIRE((*core)->vmcoreinfo().has_value());
  CHECK((*core)->vmcoreinfo()->osrelease == "6.1.0-57-amd64");
  const Run m = ptverify("mappings " + out.path());
  CHECK(m.exit_code == 0);
  CHECK(m.err.find("init_top_pgt from VMCOREINFO when it was sliced") != std::string::npos);
  CHECK(m.err.find("master table") != std::string::npos);
}

}  // namespace
}  // namespace ptv
