// The VMCOREINFO note reader. Strategy: the real note of a Debian 6.1 kernel (KASLR, a negative
// phys_base; tests/fixtures/linux-6.1-kdump-4level-kaslr/vmcoreinfo.txt, as QEMU's
// `-device vmcoreinfo` put it into the ELF core) must give its values and the kernel's
// top-level table at the physical address __pa_symbol(init_top_pgt) names; then the printf
// formats one by one (%lx, %ld with its sign and range, %d); then garbage, each kind an error
// naming the place, and every prefix and byte mutation of the real note parsed without a crash.
#include "verifier/ingest/vmcoreinfo.h"

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace ptv {
namespace {

std::string real_note() {
  std::ifstream in(std::string(PTV_FIXTURES_DIR) + "/linux-6.1-kdump-4level-kaslr/vmcoreinfo.txt", std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_CASE("vmcoreinfo - the real note of a KASLR kernel gives its values") {
  const std::string text = real_note();
  Expected<Vmcoreinfo> v = parse_vmcoreinfo(text, "vmcoreinfo.txt");
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().message));
  CHECK(v->osrelease == "6.1.0-57-amd64");
  CHECK(v->page_size == std::optional<std::uint64_t>(4096));
  CHECK(v->init_top_pgt_va == std::optional<std::uint64_t>(0xffff'ffff'a6a1'0000));
  CHECK(v->phys_base == std::optional<std::uint64_t>(static_cast<std::uint64_t>(-517996544LL)));
  CHECK(v->kernel_offset == std::optional<std::uint64_t>(0x2400'0000));
  CHECK(v->kernel_image_size == std::optional<std::uint64_t>(1'073'741'824));
  CHECK(v->sme_mask == std::optional<std::uint64_t>(0));
  CHECK(v->l5 == std::optional<bool>(false));
  CHECK(v->raw.at("SYMBOL(swapper_pg_dir)") == "ffffffffa6a10000");
  CHECK(v->raw.at("OFFSET(page.flags)") == "0");
  CHECK(v->raw.size() == 109);
}

TEST_CASE("vmcoreinfo - the kernel root is init_top_pgt minus __START_KERNEL_map plus phys_base") {
  Expected<Vmcoreinfo> v = parse_vmcoreinfo(real_note(), "vmcoreinfo.txt");
  REQUIRE(v.ok());
  // 0xffffffffa6a10000 - 0xffffffff80000000 = 0x26a10000; phys_base = -0x1ee00000.
  CHECK(kernel_root(*v) == std::optional<PhysAddr>(PhysAddr(0x07c1'0000)));

  Vmcoreinfo info;
  CHECK_FALSE(kernel_root(info).has_value());
  info.init_top_pgt_va = 0xffff'ffff'8260'a000;
  CHECK_FALSE(kernel_root(info).has_value());  // no phys_base
  info.phys_base = 0;
  CHECK(kernel_root(info) == std::optional<PhysAddr>(PhysAddr(0x0260'a000)));
  info.phys_base = 0x1000'0000;
  CHECK(kernel_root(info) == std::optional<PhysAddr>(PhysAddr(0x1260'a000)));
  info.init_top_pgt_va = 0xffff'8880'0000'0000;  // a direct-map address, not the kernel image
  CHECK_FALSE(kernel_root(info).has_value());
  info.init_top_pgt_va = 0xffff'ffff'8260'a008;  // not a table's address
  CHECK_FALSE(kernel_root(info).has_value());
}

TEST_CASE("vmcoreinfo - NUMBER is a signed long in decimal, SYMBOL and KERNELOFFSET are hex") {
  auto one = [](const std::string& line) { return parse_vmcoreinfo(line + "\n", "n"); };
  CHECK(one("NUMBER(phys_base)=0")->phys_base == std::optional<std::uint64_t>(0));
  CHECK(one("NUMBER(phys_base)=-1")->phys_base == std::optional<std::uint64_t>(~std::uint64_t{0}));
  CHECK(one("NUMBER(phys_base)=9223372036854775807")->phys_base == std::optional<std::uint64_t>(0x7fff'ffff'ffff'ffff));
  CHECK(one("NUMBER(phys_base)=-9223372036854775808")->phys_base ==
        std::optional<std::uint64_t>(0x8000'0000'0000'0000));
  CHECK_FALSE(one("NUMBER(phys_base)=9223372036854775808").ok());
  CHECK_FALSE(one("NUMBER(phys_base)=-9223372036854775809").ok());
  CHECK_FALSE(one("NUMBER(phys_base)=0x1000").ok());
  CHECK_FALSE(one("NUMBER(phys_base)=").ok());
  CHECK_FALSE(one("NUMBER(phys_base)=-").ok());
  CHECK(one("NUMBER(sme_mask)=140737488355328")->sme_mask == std::optional<std::uint64_t>(0x8000'0000'0000));
  CHECK(one("SYMBOL(init_top_pgt)=FFFFFFFF8260A000")->init_top_pgt_va ==
        std::optional<std::uint64_t>(0xffff'ffff'8260'a000));
  CHECK_FALSE(one("SYMBOL(init_top_pgt)=0xffffffff8260a000").ok());
  CHECK_FALSE(one("SYMBOL(init_top_pgt)=1ffffffff8260a000").ok());  // 17 digits
  CHECK(one("KERNELOFFSET=0")->kernel_offset == std::optional<std::uint64_t>(0));
  CHECK(one("NUMBER(pgtable_l5_enabled)=1")->l5 == std::optional<bool>(true));
  CHECK_FALSE(one("NUMBER(pgtable_l5_enabled)=2").ok());
  // swapper_pg_dir stands in for init_top_pgt; when both are given they must agree.
  CHECK(one("SYMBOL(swapper_pg_dir)=ffffffff8260a000")->init_top_pgt_va ==
        std::optional<std::uint64_t>(0xffff'ffff'8260'a000));
  CHECK_FALSE(
      parse_vmcoreinfo("SYMBOL(swapper_pg_dir)=ffffffff8260a000\nSYMBOL(init_top_pgt)=ffffffff8260b000\n", "n").ok());
  // Keys ptverify does not use are kept as text, whatever their value.
  CHECK(one("CRASHTIME=1700000000")->raw.at("CRASHTIME") == "1700000000");
  CHECK(one("BUILD-ID=6a2b4ac7")->raw.at("BUILD-ID") == "6a2b4ac7");
}

TEST_CASE("vmcoreinfo - padding, empty lines and CRLF are accepted, an empty note says nothing") {
  Expected<Vmcoreinfo> v = parse_vmcoreinfo(std::string("PAGESIZE=4096\r\n\nOSRELEASE=x\0\0\0", 31), "n");
  REQUIRE(v.ok());
  CHECK(v->page_size == std::optional<std::uint64_t>(4096));
  CHECK(v->osrelease == "x");
  Expected<Vmcoreinfo> empty = parse_vmcoreinfo("", "n");
  REQUIRE(empty.ok());
  CHECK(empty->raw.empty());
  CHECK_FALSE(kernel_root(*empty).has_value());
  // The same key twice with the same value is harmless; with another value it is ambiguous.
  CHECK(parse_vmcoreinfo("PAGESIZE=4096\nPAGESIZE=4096\n", "n").ok());
  CHECK_FALSE(parse_vmcoreinfo("PAGESIZE=4096\nPAGESIZE=8192\n", "n").ok());
}

TEST_CASE("vmcoreinfo - errors name the file, the offset and the line") {
  Expected<Vmcoreinfo> a = parse_vmcoreinfo("PAGESIZE=4096\nnot a pair\n", "core.elf", 0x520);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message == "core.elf+0x52e: VMCOREINFO line 2: expected KEY=VALUE, found 'not a pair'");
  Expected<Vmcoreinfo> b = parse_vmcoreinfo("PAGESIZE=4096\nNUMBER(phys_base)=12ab\n", "vmcore");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message ==
        "vmcore: VMCOREINFO line 2 (byte 32 of the note): NUMBER(phys_base): expected a signed decimal long (%ld), "
        "found '12ab'");
  Expected<Vmcoreinfo> c = parse_vmcoreinfo(std::string("A=1\nB=\x01\n", 8), "f", 0x10);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message ==
        "f+0x16: VMCOREINFO line 2: expected text, found the control byte 0x1 (not a VMCOREINFO note?)");
  Expected<Vmcoreinfo> d = parse_vmcoreinfo(std::string(kMaxVmcoreinfoBytes + 1, 'A'), "f", 0x10);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().message.find("f+0x10: VMCOREINFO: 65537 bytes of text, more than 65536") == 0);
}

TEST_CASE("vmcoreinfo - every prefix and single-byte mutation of the real note parses or fails cleanly") {
  const std::string text = real_note();
  // A prefix that ends at a line end is a shorter note; any other may fail, but never crashes.
  for (std::size_t n = 0; n <= text.size(); ++n) {
    const Expected<Vmcoreinfo> v = parse_vmcoreinfo(std::string_view(text).substr(0, n), "p");
    if (n == 0 || text[n - 1] == '\n') CHECK(v.ok());
  }
  const char bytes[] = {'\0', '\n', '=', '-', 'x', '\x7f', '\xff', '0'};
  for (std::size_t i = 0; i < text.size(); i += 7)
    for (char b : bytes) {
      std::string m = text;
      m[i] = b;
      Expected<Vmcoreinfo> v = parse_vmcoreinfo(m, "m");
      if (!v.ok()) CHECK(v.error().message.rfind("m: VMCOREINFO", 0) == 0);
    }
}

}  // namespace
}  // namespace ptv
