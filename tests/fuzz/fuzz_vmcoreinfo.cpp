// libFuzzer harness: the input as the text of a VMCOREINFO note (parse_vmcoreinfo), then the
// kernel root it names (kernel_root).
// Invariants: errors name their source first; a parsed note keeps every KEY=VALUE it read, its
// typed values agree with their raw text, and a kernel root is a 4 KiB-aligned address computed
// as init_top_pgt - __START_KERNEL_map + phys_base.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "verifier/ingest/vmcoreinfo.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ptv;
  const std::string_view text = fuzz::as_text(data, size);
  const std::string source = "fuzz-vmcoreinfo";
  const Expected<Vmcoreinfo> info = parse_vmcoreinfo(text, source);
  if (!info.ok()) {
    fuzz::check_error(info.error(), source);
    return 0;
  }
  fuzz::require(info->l5.has_value() == info->raw.contains("NUMBER(pgtable_l5_enabled)"),
                "pgtable_l5_enabled is read when present");
  fuzz::require(info->phys_base.has_value() == info->raw.contains("NUMBER(phys_base)"),
                "phys_base is read when present");
  if (const std::optional<PhysAddr> root = kernel_root(*info)) {
    fuzz::require(root->value() % 4096 == 0, "the kernel root is a table address");
    fuzz::require(*info->init_top_pgt_va >= kStartKernelMap, "the kernel root comes from a kernel-image address");
    fuzz::require(root->value() == *info->init_top_pgt_va - kStartKernelMap + *info->phys_base,
                  "the kernel root is __pa_symbol(init_top_pgt)");
  }
  return 0;
}
