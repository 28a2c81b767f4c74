// Real captures (PTV_SHARED_DIR/realdumps), the truth for the readers. Strategy: open each
// zstd-compressed QEMU core through the decompress-to-$TMPDIR path, check that the QEMU
// note's CR0/CR3/CR4 equal the same moment's `info registers`, that the CR3 table (and the
// PTI user copy after it) is readable, and, on the small ptdump-4level-pti capture, that a
// slice of the tables reached from both PTI roots walks to the same address space as the
// full core. Skips visibly when the shared folder is absent.
#include <doctest/doctest.h>

#include <filesystem>

#include "models/walk.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/raw_ingest_test_util.h"
#include "verifier/ingest/registers.h"
#include "verifier/ingest/slice.h"

namespace ptv {
namespace {

namespace fs = std::filesystem;

const fs::path kRealdumps = fs::path(PTV_SHARED_DIR) / "realdumps";

std::unique_ptr<ElfCore> open_core(const fs::path& dir) {
  Expected<std::unique_ptr<ElfCore>> core = ElfCore::open((dir / "core.elf.zst").string());
  REQUIRE_MESSAGE(core.ok(), (core.ok() ? "" : core.error().message));
  return std::move(core).value();
}

TEST_CASE("the QEMU note of every real core agrees with its info registers") {
  if (!fs::exists(kRealdumps)) {
    MESSAGE("SKIPPED: the full captures are not there, PTV_SHARED_DIR (" << kRealdumps.string() << ")");
    return;
  }
  for (const char* name : {"linux-6.1-ptdump-4level-pti", "linux-6.1-4level-kaslr", "linux-6.1-5level",
                           "linux-6.1-debsrc-ptdump-4level"}) {
    const fs::path dir = kRealdumps / name;
    if (!fs::exists(dir / "core.elf.zst")) {
      MESSAGE("SKIPPED: " << dir.string() << " not found");
      continue;
    }
    const std::string capture = name;
    CAPTURE(capture);
    const std::unique_ptr<ElfCore> core = open_core(dir);
    Expected<ControlRegisters> regs = read_info_registers((dir / "registers.txt").string());
    REQUIRE(regs.ok());
    REQUIRE(core->registers().has_value());
    const CoreRegisters& note = *core->registers();
    CHECK(note.source == CoreRegisters::Source::kQemuNote);
    CHECK(regs->cr0 == note.cr0);
    CHECK(regs->cr3 == note.cr3);
    CHECK(regs->cr4 == note.cr4);
    CHECK_FALSE(note.efer.has_value());
    CHECK(core->qemu_cpus().size() == 1);
    CHECK(core->warnings().empty());
    const PhysAddr root(note.cr3 & ~std::uint64_t{0xfff});
    CHECK(core->table(root).has_value());
    CHECK(core->table(PhysAddr(root.value() + 0x1000)).has_value());  // pti=on: the user copy
    CHECK(core->ranges().front().start == PhysAddr(0));
    CHECK(core->ranges().back() == PhysRange{PhysAddr(0xfffc'0000), 0x4'0000});  // the BIOS ROM
  }
}

TEST_CASE("the ptdump-4level-pti core holds the ranges readelf shows") {
  const fs::path dir = kRealdumps / "linux-6.1-ptdump-4level-pti";
  if (!fs::exists(dir / "core.elf.zst")) {
    MESSAGE("SKIPPED: the full captures are not there, PTV_SHARED_DIR (" << dir.string() << ")");
    return;
  }
  const std::unique_ptr<ElfCore> core = open_core(dir);
  const std::vector<PhysRange> expected{{PhysAddr(0x0), 0xa'0000},
                                        {PhysAddr(0xc'0000), 0xff4'0000},
                                        {PhysAddr(0xfd00'0000), 0x100'0000},
                                        {PhysAddr(0xfffc'0000), 0x4'0000}};
  CHECK(std::vector<PhysRange>(core->ranges().begin(), core->ranges().end()) == expected);
  CHECK(core->registers()->cr3 == 0x1f'6000);
  // e_phoff 0xc0, 5 program headers, PT_NOTE at 0x1d8 = 0xc0 + 5 * 56: the CORE note (0x164
  // bytes with its header), then the QEMU note's header; its descriptor starts 0x178 in.
  CHECK(core->registers()->desc_offset == 0x350);
}

TEST_CASE("a slice of the real ptdump-4level-pti core walks like the full core from both PTI roots") {
  const fs::path dir = kRealdumps / "linux-6.1-ptdump-4level-pti";
  if (!fs::exists(dir / "core.elf.zst")) {
    MESSAGE("SKIPPED: the full captures are not there, PTV_SHARED_DIR (" << dir.string() << ")");
    return;
  }
  const std::unique_ptr<ElfCore> core = open_core(dir);
  Expected<unsigned> maxphy = read_cpuinfo_maxphyaddr((dir / "cpuinfo.txt").string());
  REQUIRE(maxphy.ok());
  Expected<PagingState> state = read_registers_file((dir / "registers.txt").string(), *maxphy);
  REQUIRE(state.ok());
  const PhysAddr roots[] = {state->root_table(), PhysAddr(state->root_table().value() + 0x1000)};

  std::vector<PhysAddr> pages;
  std::vector<AddressSpace> full;
  for (PhysAddr root : roots) {
    Expected<AddressSpace> space = enumerate_address_space(*state, core->reader(), root);
    REQUIRE_MESSAGE(space.ok(), (space.ok() ? "" : space.error().message));
    for (const ReachedTable& t : space->tables) pages.push_back(t.pa);
    full.push_back(std::move(space).value());
  }
  const rawtest::TempFile out(std::vector<unsigned char>{});
  SliceRegisters regs;
  regs.cr0 = 0x8005'0033;
  regs.cr3 = state->cr3;
  regs.cr4 = 0x75'06b0;
  regs.efer = 0xd01;
  regs.maxphyaddr = *maxphy;
  Expected<SliceSummary> s = write_slice_file(out.path(), *core, pages, regs);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  MESSAGE("slice of " << dir.filename().string() << ": " << s->pages << " pages, " << s->segments << " segments, "
                      << s->bytes << " bytes");
  CHECK(s->bytes < 4u << 20);

  Expected<std::unique_ptr<ElfCore>> sliced = ElfCore::open(out.path());
  REQUIRE(sliced.ok());
  CHECK((*sliced)->registers()->source == CoreRegisters::Source::kPtverifyNote);
  for (std::size_t k = 0; k < 2; ++k) {
    CAPTURE(k);
    Expected<AddressSpace> again = enumerate_address_space(*state, (*sliced)->reader(), roots[k]);
    REQUIRE(again.ok());
    REQUIRE(again->runs.size() == full[k].runs.size());
    std::size_t differing = 0;
    for (std::size_t i = 0; i < again->runs.size(); ++i) {
      const AddressRun& x = full[k].runs[i];
      const AddressRun& y = again->runs[i];
      if (!(x.range == y.range && x.kind == y.kind && x.phys == y.phys && x.attributes == y.attributes)) ++differing;
    }
    CHECK(differing == 0);
  }
}

}  // namespace
}  // namespace ptv
