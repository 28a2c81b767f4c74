// Strategy: the bundled Linux specs must describe what a real Debian 6.1 kernel does. For each
// capture in PTV_SHARED_DIR/realdumps/, the KASLR parameters are read off the capture (page_offset_base
// and the other bases from the first translation of each randomised area in info-tlb.txt, _text
// from kallsyms-selected.txt, FIXADDR_START from the ptdump markers), they must satisfy the spec's
// domains and constraints, and then every present leaf of info-tlb.txt must land in a region that
// may be mapped and allows the rights its leaf entry grants (U, W, !NX, G). Linux's upper-level
// entries carry U and RW, so a leaf's bits are what its translation gets in the kernel half.
// This is a concrete check only; holding a dump against a spec symbolically is `check`'s job.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "verifier/spec/concrete.h"
#include "verifier/spec/parse.h"

using namespace ptv;
using namespace ptv::spec;

namespace {

constexpr std::uint64_t kTiB = std::uint64_t{1} << 40;

struct Capture {
  const char* dir;
  const char* spec;
  std::map<std::string, std::uint64_t> parameters;
};

// Read off each capture (see the strategy comment). The kernel stacks' run starts at
// vmalloc_base, which holds a 16 KiB stack followed by an unmapped page in every capture.
const Capture kCaptures[] = {
    {"linux-6.1-4level-kaslr",
     "linux-x86_64-4level.json",
     {{"page_offset_base", 0xffff'8c47'0000'0000},
      {"direct_map_size", 11 * kTiB},
      {"vmalloc_base", 0xffff'd098'0000'0000},
      {"vmemmap_base", 0xffff'f310'c000'0000},
      {"kernel_text", 0xffff'ffff'b900'0000},
      {"kernel_image_size", 0x360'0000},
      {"kernel_phys", 0x100'0000},  // frames are not read here: any admissible value
      {"fixaddr_start", 0xffff'ffff'ff57'9000},
      {"vmap_stacks_start", 0xffff'd098'0000'0000},
      {"vmap_stacks", 1}}},
    {"linux-6.1-5level",
     "linux-x86_64-5level.json",
     {{"page_offset_base", 0xff1f'558d'8000'0000},
      {"direct_map_size", 11 * kTiB},
      {"vmalloc_base", 0xff67'45a7'4000'0000},
      {"vmemmap_base", 0xffd5'a977'8000'0000},
      {"kernel_text", 0xffff'ffff'9c60'0000},
      {"kernel_image_size", 0x360'0000},
      {"kernel_phys", 0x100'0000},  // frames are not read here: any admissible value
      {"fixaddr_start", 0xffff'ffff'ff57'9000},
      {"vmap_stacks_start", 0xff67'45a7'4000'0000},
      {"vmap_stacks", 1}}},
    {"linux-6.1-debsrc-ptdump-4level",
     "linux-x86_64-4level.json",
     {{"page_offset_base", 0xffff'8cdd'4000'0000},
      {"direct_map_size", 11 * kTiB},
      {"vmalloc_base", 0xffff'd2b3'8000'0000},
      {"vmemmap_base", 0xffff'fc65'c000'0000},
      {"kernel_text", 0xffff'ffff'ad60'0000},
      {"kernel_image_size", 0x320'0000},
      {"kernel_phys", 0x100'0000},  // frames are not read here: any admissible value
      {"fixaddr_start", 0xffff'ffff'ff57'9000},
      {"vmap_stacks_start", 0xffff'd2b3'8000'0000},
      {"vmap_stacks", 1}}},
    // A custom 6.1 build with CONFIG_RANDOMIZE_MEMORY_PHYSICAL_PADDING=0 and no loaded modules.
    {"linux-6.1-ptdump-4level-pti",
     "linux-x86_64-4level.json",
     {{"page_offset_base", 0xffff'9804'4000'0000},
      {"direct_map_size", 1 * kTiB},
      {"vmalloc_base", 0xffff'ae7f'c000'0000},
      {"vmemmap_base", 0xffff'edbb'c000'0000},
      {"kernel_text", 0xffff'ffff'8ea0'0000},
      {"kernel_image_size", 0xc0'0000},
      {"kernel_phys", 0x100'0000},  // frames are not read here: any admissible value
      {"fixaddr_start", 0xffff'ffff'ff57'c000},
      {"vmap_stacks_start", 0xffff'ae7f'c000'0000},
      {"vmap_stacks", 4}}},
};

std::filesystem::path repo() { return std::filesystem::path(PTV_FIXTURES_DIR).parent_path().parent_path(); }

// info tlb flags (QEMU print_pte): X(NX) G P(PS) D A C(PCD) T(PWT) U W.
struct Leaf {
  std::uint64_t va = 0;
  bool nx = false, global = false, large = false, user = false, writable = false;
};

std::vector<Leaf> read_info_tlb(const std::filesystem::path& file) {
  std::vector<Leaf> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::string va, pa, flags;
    if (!(ss >> va >> pa >> flags) || flags.size() != 9) continue;
    va.pop_back();  // the ':'
    out.push_back(Leaf{std::stoull(va, nullptr, 16), flags[0] == 'X', flags[1] == 'G', flags[2] == 'P', flags[7] == 'U',
                       flags[8] == 'W'});
  }
  return out;
}

// The region whose rules govern va: the innermost one, or an array's parent in a stride gap.
std::optional<std::size_t> governing(const Layout& layout, VirtAddr va, bool& in_guard) {
  in_guard = false;
  std::optional<std::size_t> r = layout.innermost(va);
  if (!r || !layout.spec->regions[*r].is_array()) return r;
  const auto [part, index] = layout.regions[*r].part_at(va);
  (void)index;
  if (part == PlacedRegion::Part::kGuard) in_guard = true;
  if (part == PlacedRegion::Part::kGap) return layout.spec->regions[*r].parent;
  return r;
}

}  // namespace

TEST_CASE("spec linux captures: every real leaf lands in a region that allows it") {
  const std::filesystem::path shared = PTV_SHARED_DIR;
  if (!std::filesystem::exists(shared / "realdumps")) {
    MESSAGE("skipped: " << (shared / "realdumps").string() << " is absent");
    return;
  }
  for (const Capture& c : kCaptures) {
    const std::string capture = c.dir;
    CAPTURE(capture);
    Expected<Spec> spec = load_spec(repo() / "specs" / c.spec);
    REQUIRE(spec.ok());
    Expected<ParameterValues> values = parameter_values(*spec, c.parameters);
    REQUIRE(values.ok());
    Expected<Layout> layout = evaluate_layout(*spec, *values);
    if (!layout) FAIL(layout.error().message);
    const std::vector<Leaf> leaves = read_info_tlb(shared / "realdumps" / c.dir / "info-tlb.txt");
    CHECK(leaves.size() > 1000);
    std::vector<std::string> problems;
    for (const Leaf& l : leaves) {
      std::vector<std::uint64_t> probes{l.va};
      if (l.large) probes.push_back(l.va + (std::uint64_t{2} << 20) - 1);
      for (std::uint64_t va : probes) {
        bool in_guard = false;
        const std::optional<std::size_t> r = governing(*layout, VirtAddr(va), in_guard);
        std::ostringstream where;
        where << std::hex << "0x" << va << " ";
        if (!r) {
          problems.push_back(where.str() + "is in no region");
          continue;
        }
        const Region& reg = spec->regions[*r];
        if (reg.must == Must::kUnmapped || in_guard)
          problems.push_back(where.str() + "is mapped in " + reg.name + ", which must stay unmapped");
        if (l.user && !reg.allowed.has(Rights::kUser))
          problems.push_back(where.str() + "is user-accessible in " + reg.name);
        if (l.writable && !reg.allowed.has(Rights::kWritable))
          problems.push_back(where.str() + "is writable in " + reg.name);
        if (!l.nx && !reg.allowed.has(Rights::kExecutable))
          problems.push_back(where.str() + "is executable in " + reg.name);
        if (l.global && !reg.allowed.has(Rights::kGlobal)) problems.push_back(where.str() + "is global in " + reg.name);
      }
    }
    if (problems.size() > 10) problems.resize(10);
    CAPTURE(problems.size());
    for (const std::string& p : problems) MESSAGE(p);
    CHECK(problems.empty());
  }
}
