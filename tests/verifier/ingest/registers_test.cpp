// The `info registers` and cpuinfo readers. Strategy: the syntax of one register value first
// (what --cr3 and friends accept too, after an optional 0x); then a verbatim excerpt of a real
// capture (linux-6.1-ptdump-4level-pti/registers.txt) must give its CR0/CR3/CR4/EFER and the
// paging state they mean; then each kind of bad text (garbage, a garbled value, a register
// twice, a missing register) must be an error naming FILE:LINE:COL or FILE and what is wrong.
#include "verifier/ingest/registers.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

// Lines 1-24 of linux-6.1-ptdump-4level-pti/registers.txt (QEMU 7.2, TCG, -cpu max,-la57).
constexpr const char* kRealRegisters =
    "\n"
    "CPU#0\n"
    "RAX=0000000000000000 RBX=ffffffff8f212600 RCX=000000000001cf60 RDX=0000000000000000\n"
    "RSI=0000000000000046 RDI=00000000000031b4 RBP=0000000000000000 RSP=ffffffff8f203ed8\n"
    "R8 =0000000000000000 R9 =ffff98044f81e3c0 R10=0000000000000001 R11=ffff98044f81e400\n"
    "RIP=ffffffff8eba2c8b RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
    "CS =0010 0000000000000000 ffffffff 00af9b00 DPL=0 CS64 [-RA]\n"
    "GDT=     fffffe0000001000 0000007f\n"
    "CR0=80050033 CR2=00000000005794a9 CR3=00000000001f6000 CR4=007506b0\n"
    "DR0=0000000000000000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
    "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
    "EFER=0000000000000d01\n"
    "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n";

TEST_CASE("a register value is 1 to 16 hex digits with no prefix") {
  CHECK(parse_register_hex("1f6000") == std::optional<std::uint64_t>(0x1f'6000));
  CHECK(parse_register_hex("FFFFFFFFFFFFFFFF") == std::optional<std::uint64_t>(~std::uint64_t{0}));
  CHECK_FALSE(parse_register_hex("").has_value());
  CHECK_FALSE(parse_register_hex("0x1f6000").has_value());
  CHECK_FALSE(parse_register_hex("00000000000000001").has_value());  // 17 digits
  CHECK_FALSE(parse_register_hex("1f6g").has_value());
}

TEST_CASE("a real info registers text gives CR0 CR3 CR4 and EFER") {
  Expected<ControlRegisters> r = parse_info_registers(kRealRegisters, "registers.txt");
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  CHECK(r->cr0 == std::optional<std::uint64_t>(0x8005'0033));
  CHECK(r->cr3 == std::optional<std::uint64_t>(0x1f'6000));
  CHECK(r->cr4 == std::optional<std::uint64_t>(0x75'06b0));
  CHECK(r->efer == std::optional<std::uint64_t>(0xd01));

  Expected<PagingState> s = to_paging_state(*r, "registers.txt", 40);
  REQUIRE(s.ok());
  CHECK(s->root_table() == PhysAddr(0x1f'6000));
  CHECK(s->mode() == PagingMode::k4Level);
  CHECK(s->cr0_wp);
  CHECK(s->efer_nxe);
  CHECK(s->cr4_smep);
  CHECK(s->cr4_smap);
  CHECK(s->cr4_pke);
  CHECK_FALSE(s->cr4_pcide);
  CHECK(s->maxphyaddr == 40);
}

TEST_CASE("only the first vCPU block is read and CRLF line ends are accepted") {
  const std::string text =
      "CPU#0\r\nCR0=80050033 CR2=0 CR3=0000000000001000 CR4=00001020\r\nEFER=0000000000000d01\r\n"
      "CPU#1\r\nCR0=80050033 CR2=0 CR3=0000000000009000 CR4=00001020\r\nEFER=0000000000000d01\r\n";
  Expected<ControlRegisters> r = parse_info_registers(text, "smp.txt");
  REQUIRE(r.ok());
  CHECK(r->cr3 == std::optional<std::uint64_t>(0x1000));
  Expected<PagingState> s = to_paging_state(*r, "smp.txt");
  REQUIRE(s.ok());
  CHECK(s->mode() == PagingMode::k5Level);
}

struct BadText {
  const char* what;
  const char* text;
  const char* error;
};

const BadText kBad[] = {
    {"garbage", "hello\nworld\n", "regs.txt: no CR3= value found: not a QEMU `info registers` dump"},
    {"empty", "", "regs.txt: no CR3= value found"},
    {"garbled CR3", "CPU#0\nCR0=80050033 CR2=0 CR3=00000000001g6000 CR4=007506b0\n",
     "regs.txt:2:24: expected 1 to 16 hex digits after CR3=, found '00000000001g6000'"},
    {"empty EFER", "CR3=1000\nEFER=\n", "regs.txt:2:6: expected 1 to 16 hex digits after EFER=, found ''"},
    {"too long", "CR3=00000000000000001000\n", "regs.txt:1:5: expected 1 to 16 hex digits after CR3="},
    {"CR3 twice", "CR3=1000\n\nCR3=2000\n", "regs.txt:3:1: CR3 given twice for one vCPU (first on line 1)"},
};

TEST_CASE("bad info registers texts are errors naming file line and column") {
  for (const BadText& row : kBad) {
    const std::string what = row.what;
    CAPTURE(what);
    Expected<ControlRegisters> r = parse_info_registers(row.text, "regs.txt");
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.error().message.starts_with(row.error), r.error().message);
  }
}

TEST_CASE("a register missing from the text is named when a paging state is asked for") {
  Expected<ControlRegisters> r = parse_info_registers("CR0=80050033 CR3=1000\n", "regs.txt");
  REQUIRE(r.ok());
  Expected<PagingState> s = to_paging_state(*r, "regs.txt");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.starts_with("regs.txt: no value for CR4, EFER"));
}

TEST_CASE("read_registers_file reads a file and names it in errors") {
  const rawtest::TempFile good{std::string(kRealRegisters)};
  Expected<PagingState> s = read_registers_file(good.path(), 40);
  REQUIRE(s.ok());
  CHECK(s->cr3 == 0x1f'6000);
  const rawtest::TempFile bad(
      std::string("\x7f"
                  "ELF\x02\x01\x01"));
  Expected<PagingState> e = read_registers_file(bad.path());
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().message.starts_with(bad.path() + ": no CR3="));
  CHECK_FALSE(read_registers_file("/nonexistent/registers.txt").ok());
}

TEST_CASE("cpuinfo address sizes give MAXPHYADDR") {
  const char* text =
      "processor\t: 0\nmodel name\t: QEMU TCG CPU version 2.5+\n"
      "address sizes\t: 40 bits physical, 48 bits virtual\n"
      "address sizes\t: 46 bits physical, 57 bits virtual\n";
  Expected<unsigned> m = parse_cpuinfo_maxphyaddr(text, "cpuinfo.txt");
  REQUIRE(m.ok());
  CHECK(*m == 40);
}

TEST_CASE("bad cpuinfo texts are errors naming the file") {
  CHECK(parse_cpuinfo_maxphyaddr("flags: fpu\n", "c.txt").error().message ==
        "c.txt: no 'address sizes' line: not a /proc/cpuinfo text");
  CHECK(parse_cpuinfo_maxphyaddr("address sizes\t: many bits physical\n", "c.txt").error().message ==
        "c.txt:1:17: expected 'N bits physical', found 'many bits physical'");
  CHECK(parse_cpuinfo_maxphyaddr("address sizes : 64 bits physical, 48 bits virtual\n", "c.txt").error().message ==
        "c.txt:1:17: physical address width 64 is outside 32..52");
  CHECK(parse_cpuinfo_maxphyaddr("address sizes = 40 bits physical\n", "c.txt").error().message ==
        "c.txt:1:15: expected ':' after 'address sizes', found '= 40 bits physical'");
}

TEST_CASE("the real captures registers and cpuinfo parse") {
  const std::filesystem::path dir = std::filesystem::path(PTV_SHARED_DIR) / "realdumps";
  if (!std::filesystem::exists(dir)) {
    MESSAGE("SKIPPED: the full captures are not there, PTV_SHARED_DIR (" << dir.string() << ")");
    return;
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!std::filesystem::exists(entry.path() / "registers.txt")) continue;
    CAPTURE(entry.path().string());
    Expected<unsigned> m = read_cpuinfo_maxphyaddr((entry.path() / "cpuinfo.txt").string());
    REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
    CHECK(*m == 40);
    Expected<PagingState> s = read_registers_file((entry.path() / "registers.txt").string(), *m);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
    CHECK(s->efer_nxe);
    CHECK(s->root_table().is_aligned(4096));
  }
}

}  // namespace
}  // namespace ptv
