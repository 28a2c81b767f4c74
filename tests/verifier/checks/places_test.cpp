// Where a finding is. Strategy: the bundled 4-level Linux spec placed at the kernel's documented
// no-KASLR bases (Documentation/arch/x86/x86_64/mm.rst) must name, address by address, the same
// area Linux's ptdump prints for it (its `---[ NAME ]---` markers, in their order); a global
// rule's violation gets the innermost region that contains it, a region rule's keeps its own;
// symbols fill the symbol and section of both ends.
#include "verifier/checks/places.h"

#include <doctest/doctest.h>

#include <string>

#include "verifier/spec/parse.h"

namespace ptv::check {
namespace {

spec::Spec linux_spec() {
  auto s = spec::load_spec(std::string(PTV_FIXTURES_DIR) + "/../../specs/linux-x86_64-4level.json");
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message));
  return std::move(*s);
}

CheckResult nokaslr_result() {
  CheckResult r;
  r.parameters = {{"page_offset_base", 0xffff'8880'0000'0000},
                  {"direct_map_size", 1ull << 40},
                  {"vmalloc_base", 0xffff'c900'0000'0000},
                  {"vmemmap_base", 0xffff'ea00'0000'0000},
                  {"kernel_text", 0xffff'ffff'8100'0000},
                  {"kernel_image_size", 32ull << 20},
                  {"fixaddr_start", 0xffff'ffff'ff57'9000},
                  {"vmap_stacks_start", 0xffff'c900'0000'0000},
                  {"vmap_stacks", 1},
                  {"kernel_phys", 16ull << 20}};
  return r;
}

TEST_CASE("places - the areas are ptdump's, in its order") {
  const spec::Spec spec = linux_spec();
  const auto layout = result_layout(nokaslr_result(), spec);
  REQUIRE(layout);
  const std::pair<std::uint64_t, const char*> expected[] = {
      {0x1000, "User Space"},
      {0xffff'8000'0000'0000, "Kernel Space"},
      {0xffff'8800'0000'1000, "LDT remap"},
      {0xffff'8880'0000'1000, "Low Kernel Mapping"},
      {0xffff'c900'0000'1000, "vmalloc() Area"},
      {0xffff'ea00'0000'1000, "Vmemmap"},
      {0xffff'fe00'0000'1000, "CPU entry Area"},
      {0xffff'ff00'0000'1000, "ESPfix Area"},
      {0xffff'ffef'0000'1000, "EFI Runtime Services"},
      {0xffff'ffff'8100'0000, "High Kernel Mapping"},
      {0xffff'ffff'c000'1000, "Modules"},
      {0xffff'ffff'ff00'0000, "End Modules"},
      {0xffff'ffff'ff57'9000, "Fixmap Area"},
  };
  for (const auto& [va, area] : expected) {
    CAPTURE(va);
    CHECK(linux_area(*layout, VirtAddr(va)) == area);
  }
}

TEST_CASE("places - a global rule's violation is named by its innermost region, a region rule's keeps its own") {
  const spec::Spec spec = linux_spec();
  CheckResult r = nokaslr_result();
  Violation global;
  global.rule = RuleId::kWx;
  global.address = VirtAddr(0xffff'c900'0000'1000);  // a vmap stack inside vmalloc
  global.range = VirtRange{global.address, VirtAddr(0xffff'c900'0000'1fff)};
  Violation regional = global;
  regional.rule = RuleId::kRegionRights;
  regional.region = "vmalloc";
  r.violations = {global, regional};
  name_regions(r, spec);
  CHECK(r.violations[0].region == "vmap-stacks");
  CHECK(r.violations[1].region == "vmalloc");

  // Without Linux's areas or symbols nothing more is said.
  locate_violations(r, spec, PlaceOptions{});
  CHECK(r.violations[0].first_place.empty());

  auto symbols = parse_kallsyms(
      "ffffc90000000000 t stack_a\nffffffff81000000 T _stext\nffffffff81000000 T _text\n"
      "ffffffff81200000 T _etext\nffffffff82000000 B _end\n",
      "k");
  REQUIRE(symbols.ok());
  r.violations[0].range = VirtRange{VirtAddr(0xffff'ffff'8100'0000), VirtAddr(0xffff'ffff'811f'ffff)};
  locate_violations(r, spec, PlaceOptions{&*symbols, true});
  CHECK(r.violations[0].first_place == Place{"_text", ".text", "High Kernel Mapping"});
  CHECK(r.violations[0].last_place == Place{"_text+0x1fffff", ".text", "High Kernel Mapping"});
  CHECK(r.violations[1].first_place == Place{"stack_a+0x1000", "", "vmalloc() Area"});
}

}  // namespace
}  // namespace ptv::check
