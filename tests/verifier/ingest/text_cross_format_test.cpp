// Cross-format agreement on real captures. ptdump, info tlb and info mem describe the same page
// tables through different windows, so wherever two of them both know something (mapped or
// not, a right yes or no, a page size) they must agree. Strategy: read each capture's files
// with their own readers (lower layers tested in their own files), then compare pairwise over
// the addresses both describe with texttest::disagreements(). The only differences allowed are
// the real ones explained in docs/formats.md ("What the real captures show"), pinned here
// range by range: ptdump was printed by `cat` shortly before the pause, so its user half is
// another process's, and one kernel stack was vmalloc'd in between. Then, stronger: ptdump and
// info tlb both print the leaf's bits, so over the kernel half they must know exactly the same
// rights (not just not contradict). The PTI capture is committed as fixtures; the Debian-config
// and the Debian-kernel captures need PTV_SHARED_DIR (skipped visibly without it).
#include <doctest/doctest.h>

#include <string>

#include "verifier/ingest/ptdump.h"
#include "verifier/ingest/qemu_mem.h"
#include "verifier/ingest/qemu_tlb.h"
#include "verifier/ingest/text_test_util.h"

namespace ptv {
namespace {

using texttest::Disagreement;
using texttest::disagreements;
using texttest::must_read;

const VirtRange kAll{VirtAddr(0), VirtAddr(~std::uint64_t{0})};

/// Ranges inside `window` where both sets map and what they know of a leaf-level fact differs
/// in any way (one knows and the other does not, or they know different things).
std::vector<Disagreement> knowledge_differences(const MappingSet& a, const MappingSet& b, VirtRange window) {
  std::vector<Disagreement> out;
  for (const Run& ra : a.runs) {
    const auto part = ra.range.intersect(window);
    if (!part) continue;
    for (VirtAddr at = part->first;;) {
      const Run* rb = b.find(at);
      VirtAddr last = part->last;
      if (rb) {
        last = std::min(last, rb->range.last);
        std::string what;
        if (ra.user != rb->user) what += " user";
        if (ra.writable != rb->writable) what += " writable";
        if (ra.executable != rb->executable) what += " executable";
        if (ra.global != rb->global) what += " global";
        if (ra.pwt != rb->pwt || ra.pcd != rb->pcd) what += " pwt/pcd";
        if (!what.empty()) out.push_back({VirtRange{at, last}, what});
      } else {
        // Skip to the next run of b (or the end of this part).
        auto next = std::upper_bound(b.runs.begin(), b.runs.end(), at,
                                     [](VirtAddr x, const Run& r) { return x < r.range.first; });
        if (next != b.runs.end() && next->range.first <= part->last) last = VirtAddr(next->range.first.value() - 1);
      }
      if (last >= part->last) break;
      at = VirtAddr(last.value() + 1);
    }
  }
  return out;
}

struct Expected1 {
  std::uint64_t first, last;
  const char* what;
};

void check_only(const std::vector<Disagreement>& got, std::initializer_list<Expected1> allowed) {
  CAPTURE(texttest::describe(got));
  REQUIRE(got.size() == allowed.size());
  std::size_t i = 0;
  for (const Expected1& e : allowed) {
    CHECK(got[i].range == VirtRange{VirtAddr(e.first), VirtAddr(e.last)});
    CHECK(got[i].what == e.what);
    ++i;
  }
}

// The PTI capture (linux-6.1-ptdump-4level-pti), committed under tests/fixtures/text/.
struct PtiCapture {
  std::string tlb_text = texttest::load_fixture("pti-info-tlb.txt.zst");
  std::string mem_text = texttest::load_fixture("pti-info-mem.txt");
  MappingSet tlb = must_read(&read_qemu_tlb, tlb_text, "info-tlb.txt");
  MappingSet mem = must_read(&read_qemu_mem, mem_text, "info-mem.txt");
  MappingSet tlb_mem = [this] {
    TextReadOptions o;
    o.with_mem = mem_text;
    o.with_mem_source = "info-mem.txt";
    return must_read(&read_qemu_tlb, tlb_text, "info-tlb.txt", o);
  }();
  MappingSet kernel = must_read(&read_ptdump, texttest::load_fixture("pti-ptdump-kernel.txt"), "kernel");
  MappingSet current_kernel =
      must_read(&read_ptdump, texttest::load_fixture("pti-ptdump-current_kernel.txt"), "current_kernel");
  MappingSet current_user =
      must_read(&read_ptdump, texttest::load_fixture("pti-ptdump-current_user.txt"), "current_user");
};

// A 16 KiB vmalloc'd kernel stack that exists at the pause but not when ptdump ran (a process
// forked after `cat`): info tlb maps it, ptdump's vmalloc area has a blank line there.
constexpr std::uint64_t kLateStack = 0xffff'ae7f'c00a'4000;

TEST_CASE("cross - PTI capture - info tlb and info mem of the same moment agree everywhere") {
  const PtiCapture c;
  CHECK(disagreements(c.tlb, c.mem, kAll).empty());
  CHECK(disagreements(c.tlb_mem, c.mem, kAll).empty());
  // Both list every page: mapped in one exactly where mapped in the other.
  for (const Run& r : c.mem.runs) CHECK(texttest::state_at(c.tlb, r.range.first) == texttest::State::kMapped);
}

TEST_CASE("cross - PTI capture - ptdump kernel agrees with info tlb and info mem on the kernel half") {
  const PtiCapture c;
  check_only(disagreements(c.kernel, c.tlb_mem, texttest::kernel_half_4level()),
             {{kLateStack, kLateStack + 0x3fff, "coverage: qemu-tlb maps, ptdump does not"}});
  check_only(disagreements(c.kernel, c.mem, texttest::kernel_half_4level()),
             {{kLateStack, kLateStack + 0x3fff, "coverage: qemu-mem maps, ptdump does not"}});
  // Leaf bits either way: over the kernel half ptdump and info tlb know exactly the same rights.
  CHECK(texttest::describe(knowledge_differences(c.kernel, c.tlb, texttest::kernel_half_4level())) == "");
  CHECK(texttest::describe(knowledge_differences(c.tlb, c.kernel, texttest::kernel_half_4level())) == "");
}

TEST_CASE("cross - PTI capture - ptdump current_kernel differs from the paused process only in its user half") {
  const PtiCapture c;
  check_only(disagreements(c.current_kernel, c.tlb_mem, texttest::kernel_half_4level()),
             {{kLateStack, kLateStack + 0x3fff, "coverage: qemu-tlb maps, ptdump does not"}});
  // The user halves are two processes running the same static busybox: the image agrees where
  // both faulted pages in; `cat` touched 0x580000-0x584fff, the paused one did not; heap,
  // stack and vDSO sit at other (randomised) addresses.
  check_only(disagreements(c.current_kernel, c.tlb_mem, texttest::user_half_4level()),
             {{0x58'0000, 0x58'4fff, "coverage: ptdump maps, qemu-tlb does not"},
              {0x22c'0000, 0x22c'1fff, "coverage: ptdump maps, qemu-tlb does not"},
              {0x1a10'3000, 0x1a10'4fff, "coverage: qemu-tlb maps, ptdump does not"},
              {0x7ffc'a59e'3000, 0x7ffc'a59e'5fff, "coverage: ptdump maps, qemu-tlb does not"},
              {0x7ffc'a59e'e000, 0x7ffc'a59e'efff, "coverage: ptdump maps, qemu-tlb does not"},
              {0x7fff'8e1e'b000, 0x7fff'8e1e'dfff, "coverage: qemu-tlb maps, ptdump does not"},
              {0x7fff'8e1f'7000, 0x7fff'8e1f'7fff, "coverage: qemu-tlb maps, ptdump does not"}});
  // Within the busybox image both know the same leaf bits wherever both map.
  const VirtRange image{VirtAddr(0x40'0000), VirtAddr(0x5e'bfff)};
  CHECK(texttest::describe(knowledge_differences(c.current_kernel, c.tlb, image)) == "");
}

TEST_CASE("cross - PTI capture - the PTI user copy maps a subset of the kernel half with the same rights") {
  const PtiCapture c;
  for (const Disagreement& d : disagreements(c.current_user, c.kernel, texttest::kernel_half_4level())) {
    CAPTURE(d.range);
    if (d.what == "page size") {
      // cpu_tss_rw at its direct-map address: a 4K PTE in the user copy, inside a 2M page of
      // the kernel's direct map.
      CHECK(d.range == VirtRange{VirtAddr(0xffff'9804'4f80'6000), VirtAddr(0xffff'9804'4f80'6fff)});
    } else {
      CHECK(d.what == "coverage: ptdump maps, ptdump does not");  // kernel maps, the user copy does not
      CHECK(c.kernel.find(d.range.first) != nullptr);
    }
  }
}

TEST_CASE("cross - Debian-config capture - ptdump agrees with info tlb and info mem on the whole kernel half") {
  const std::string dir = "linux-6.1-debsrc-ptdump-4level/";
  PTV_CAPTURE_OR_SKIP(tlb_text, dir + "info-tlb.txt");
  PTV_CAPTURE_OR_SKIP(mem_text, dir + "info-mem.txt");
  PTV_CAPTURE_OR_SKIP(kernel_text, dir + "ptdump-kernel.txt");
  PTV_CAPTURE_OR_SKIP(ck_text, dir + "ptdump-current_kernel.txt");
  TextReadOptions o;
  o.with_mem = *mem_text;
  o.with_mem_source = "info-mem.txt";
  const MappingSet tlb = must_read(&read_qemu_tlb, *tlb_text, "info-tlb.txt");
  const MappingSet tlb_mem = must_read(&read_qemu_tlb, *tlb_text, "info-tlb.txt", o);
  const MappingSet mem = must_read(&read_qemu_mem, *mem_text, "info-mem.txt");
  const MappingSet kernel = must_read(&read_ptdump, *kernel_text, "kernel");
  const MappingSet ck = must_read(&read_ptdump, *ck_text, "current_kernel");
  CHECK(disagreements(tlb, mem, kAll).empty());
  // The ESPfix elision is unknown in ptdump, so it cannot disagree; everything else matches.
  CHECK(texttest::describe(disagreements(kernel, tlb_mem, texttest::kernel_half_4level())) == "");
  CHECK(texttest::describe(disagreements(ck, tlb_mem, texttest::kernel_half_4level())) == "");
  CHECK(texttest::describe(knowledge_differences(kernel, tlb, texttest::kernel_half_4level())) == "");
  // The user halves are other processes': they differ, but only there.
  for (const Disagreement& d : disagreements(ck, tlb_mem, kAll)) {
    CAPTURE(d.range);
    CHECK(d.range.last <= lower_half_last(PagingMode::k4Level));
    CHECK(d.what.starts_with("coverage"));
  }
}

TEST_CASE("cross - Debian-kernel captures - info tlb and info mem agree, and an empty 5-level info mem knows nothing") {
  {
    const std::string dir = "linux-6.1-4level-kaslr/";
    PTV_CAPTURE_OR_SKIP(tlb_text, dir + "info-tlb.txt");
    PTV_CAPTURE_OR_SKIP(mem_text, dir + "info-mem.txt");
    const MappingSet tlb = must_read(&read_qemu_tlb, *tlb_text, "info-tlb.txt");
    const MappingSet mem = must_read(&read_qemu_mem, *mem_text, "info-mem.txt");
    CHECK(tlb.mode == PagingMode::k4Level);
    CHECK(texttest::describe(disagreements(tlb, mem, kAll)) == "");
  }
  {
    const std::string dir = "linux-6.1-5level/";
    PTV_CAPTURE_OR_SKIP(tlb_text, dir + "info-tlb.txt");
    PTV_CAPTURE_OR_SKIP(mem_text, dir + "info-mem.txt");
    const MappingSet tlb = must_read(&read_qemu_tlb, *tlb_text, "info-tlb.txt");
    const MappingSet mem = must_read(&read_qemu_mem, *mem_text, "info-mem.txt");
    CHECK(tlb.mode == PagingMode::k5Level);
    CHECK(mem_text->empty());
    CHECK(mem.runs.empty());
    CHECK(disagreements(tlb, mem, kAll).empty());
    TextReadOptions o;
    o.with_mem = *mem_text;
    const MappingSet completed = must_read(&read_qemu_tlb, *tlb_text, "info-tlb.txt", o);
    CHECK(completed.runs.size() == tlb.runs.size());
    CHECK(knowledge_differences(completed, tlb, kAll).empty());
  }
}

}  // namespace
}  // namespace ptv
