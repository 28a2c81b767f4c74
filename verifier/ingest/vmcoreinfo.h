// VMCOREINFO: the text note a Linux kernel prepares for crash dumps (kdump's /proc/vmcore, the
// "KDUMP" diskdump header, QEMU's `-device vmcoreinfo` in dump-guest-memory) so that a tool can
// read the dump without the kernel's symbols. One `KEY=VALUE` per line, written by the kernel's
// vmcoreinfo_append_str() with a fixed printf format per kind of key:
//
//   OSRELEASE=6.1.0-57-amd64             %s
//   PAGESIZE=4096                        %ld
//   SYMBOL(init_top_pgt)=ffffffffa6a10000  %lx, no "0x"  (the symbol's virtual address)
//   NUMBER(phys_base)=-517996544         %ld: a signed long, may be negative
//   NUMBER(pgtable_l5_enabled)=0         %d (x86_64: 1 when the kernel runs 5-level paging)
//   KERNELOFFSET=24000000                %lx (the KASLR displacement of the kernel image)
//   SIZE(page)=64  OFFSET(page.flags)=0  LENGTH(node_data)=1024   %lu
//   CONFIG_X86_PAE=y  CRASHTIME=...      other keys, kept as text
//
// The x86_64 keys are written by arch_crash_save_vmcoreinfo (phys_base, init_top_pgt,
// pgtable_l5_enabled, KERNELOFFSET, KERNEL_IMAGE_SIZE, sme_mask), the generic ones by the
// kernel's crash_save_vmcoreinfo_init (OSRELEASE, PAGESIZE, SYMBOL(swapper_pg_dir), ...).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "models/address.h"
#include "models/expected.h"

namespace ptv {

/// The name of the ELF note (and of the makedumpfile header field) that carries the text.
inline constexpr char kVmcoreinfoNoteName[] = "VMCOREINFO";
/// x86_64's __START_KERNEL_map: the virtual address where the kernel image's mapping of
/// physical address phys_base begins (arch/x86/include/asm/page_64_types.h).
inline constexpr std::uint64_t kStartKernelMap = 0xffff'ffff'8000'0000;
/// The most text parse_vmcoreinfo accepts. The kernel keeps the note in one page
/// (VMCOREINFO_BYTES); 64 KiB leaves room for any kernel without trusting a dump's size field.
inline constexpr std::size_t kMaxVmcoreinfoBytes = 64 * 1024;

/// What the note says that ptverify uses, each empty when the note does not say it, and every
/// key as written in `raw`.
struct Vmcoreinfo {
  std::map<std::string, std::string> raw;          ///< every KEY=VALUE line, as text
  std::optional<std::uint64_t> init_top_pgt_va;    ///< SYMBOL(init_top_pgt), else SYMBOL(swapper_pg_dir)
  std::optional<std::uint64_t> phys_base;          ///< NUMBER(phys_base), two's complement of the signed value
  std::optional<std::uint64_t> kernel_offset;      ///< KERNELOFFSET
  std::optional<std::uint64_t> sme_mask;           ///< NUMBER(sme_mask): AMD SME's C-bit in entries, 0 without SME
  std::optional<std::uint64_t> kernel_image_size;  ///< NUMBER(KERNEL_IMAGE_SIZE)
  std::optional<std::uint64_t> page_size;          ///< PAGESIZE
  std::optional<bool> l5;                          ///< NUMBER(pgtable_l5_enabled)
  std::string osrelease;                           ///< OSRELEASE, empty when absent
  std::string text;                                ///< the whole note as read, NUL padding removed
};

/// Parses the note's text (NUL padding at its end is ignored). Bounded by kMaxVmcoreinfoBytes;
/// never reads outside `text`. Errors name where and what:
///   `WHERE+0xOFFSET: VMCOREINFO line N: expected KEY=VALUE, found '...'`
/// with OFFSET = text_offset + the line's byte offset when text_offset is given (the file offset
/// of the text's first byte), else `WHERE: VMCOREINFO line N (byte K of the note): ...`. A line
/// without '=', an empty key, a NUL or control byte inside the text, a key used by ptverify
/// whose value does not have the kernel's format (hex for SYMBOL() and KERNELOFFSET, signed
/// decimal for NUMBER(), 0 or 1 for pgtable_l5_enabled), a key given twice with different
/// values, or init_top_pgt and swapper_pg_dir naming different addresses is an error.
Expected<Vmcoreinfo> parse_vmcoreinfo(std::string_view text, const std::string& where,
                                      std::optional<std::uint64_t> text_offset = std::nullopt);

/// The physical address of the kernel's top-level page table (init_top_pgt, which x86_64 also
/// calls swapper_pg_dir): init_top_pgt - __START_KERNEL_map + phys_base, modulo 2^64, as the
/// kernel's __pa_symbol computes it. Empty when the note lacks either value, when init_top_pgt
/// is below __START_KERNEL_map (then it is not a kernel-image address), or when the result is
/// not 4 KiB aligned.
[[nodiscard]] std::optional<PhysAddr> kernel_root(const Vmcoreinfo& info);

/// A value printed with %lx (SYMBOL(), KERNELOFFSET): 1 to 16 hex digits, no prefix (the kernel
/// prints none); empty for anything else.
[[nodiscard]] std::optional<std::uint64_t> vmcoreinfo_hex(std::string_view s);

}  // namespace ptv
