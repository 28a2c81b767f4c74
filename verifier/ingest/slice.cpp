#include "verifier/ingest/slice.h"

#include <algorithm>
#include <cstdio>
#include <initializer_list>

#include "models/format.h"
#include "verifier/base/output_file.h"
#include "verifier/ingest/elf_core.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

namespace {

constexpr std::uint64_t kPage = kPageBytes;
constexpr std::uint64_t kEhdrBytes = 64, kShdrBytes = 64, kPhdrBytes = 56;
constexpr std::uint64_t kPnXnum = 0xffff;
constexpr std::uint32_t kPtLoad = 1, kPtNote = 4, kPfR = 4;
// "PTVERIFY\0" is 9 bytes, padded to 12; the descriptor is 48 bytes (a multiple of 4).
constexpr std::uint64_t kNoteNameBytes = sizeof(ptverify_note::kName);
constexpr std::uint64_t kNoteBytes = 12 + ((kNoteNameBytes + 3) & ~std::uint64_t{3}) + ptverify_note::kDescBytes;
constexpr std::uint64_t kVmcoreinfoNameBytes = sizeof(kVmcoreinfoNoteName);  // "VMCOREINFO\0", padded to 12

std::uint64_t align4(std::uint64_t n) { return (n + 3) & ~std::uint64_t{3}; }

/// The bytes of the VMCOREINFO note carrying `text` (none when it is empty).
std::uint64_t vmcoreinfo_note_bytes(const std::string& text) {
  return text.empty() ? 0 : 12 + align4(kVmcoreinfoNameBytes) + align4(text.size());
}

/// A little-endian byte builder for the headers.
class Builder {
 public:
  void u8(std::uint8_t v) { bytes_.push_back(v); }
  void u16(std::uint16_t v) { le(v, 2); }
  void u32(std::uint32_t v) { le(v, 4); }
  void u64(std::uint64_t v) { le(v, 8); }
  void zeros(std::uint64_t n) { bytes_.insert(bytes_.end(), n, 0); }
  [[nodiscard]] std::uint64_t size() const { return bytes_.size(); }
  [[nodiscard]] const std::vector<unsigned char>& bytes() const { return bytes_; }

 private:
  void le(std::uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) bytes_.push_back(static_cast<unsigned char>(v >> (8 * i)));
  }
  std::vector<unsigned char> bytes_;
};

struct Run {
  PhysAddr start;
  std::uint64_t pages = 0;
};

void put_phdr(Builder& b, std::uint32_t type, std::uint64_t offset, std::uint64_t paddr, std::uint64_t size,
              std::uint64_t align) {
  b.u32(type);
  b.u32(kPfR);
  b.u64(offset);
  b.u64(paddr);  // p_vaddr: as QEMU does without paging, the physical address
  b.u64(paddr);  // p_paddr
  b.u64(size);   // p_filesz
  b.u64(size);   // p_memsz
  b.u64(align);
}

}  // namespace

namespace {

/// The chosen pages (sorted, unique) as runs of contiguous frames; each must be a whole 4 KiB
/// page of the dumped memory.
Expected<std::vector<Run>> page_runs(const PhysMemory& memory, const std::vector<PhysAddr>& pages) {
  std::vector<Run> runs;
  for (PhysAddr pa : pages) {
    if (!pa.is_aligned(kPage))
      return Error{memory.name() + ": cannot slice page " + hex(pa.value()) + ": not 4 KiB aligned"};
    if (!memory.read(pa, kPage))
      return Error{memory.name() + ": cannot slice page " + hex(pa.value()) + ": not in the dumped memory (" +
                   describe_ranges(memory.ranges()) + ")"};
    if (!runs.empty() && runs.back().start.checked_add(runs.back().pages * kPage) == pa) {
      ++runs.back().pages;
    } else {
      runs.push_back(Run{pa, 1});
    }
  }
  return runs;
}

/// Where the parts of the core go: the program headers after the ELF header (and, with more
/// than PN_XNUM of them, section header 0), then the note, then the page-aligned data.
struct SliceLayout {
  SliceLayout(std::size_t runs, std::uint64_t notes)
      : phnum(runs + 1),
        xnum(phnum >= kPnXnum),
        phoff(kEhdrBytes + (xnum ? kShdrBytes : 0)),
        note_offset(phoff + phnum * kPhdrBytes),
        note_bytes(notes),
        data_offset((note_offset + notes + kPage - 1) & ~(kPage - 1)) {}
  std::uint64_t phnum;
  bool xnum;
  std::uint64_t phoff, note_offset, note_bytes, data_offset;
};

/// ELF header [gABI "ELF Header"], plus section header 0 when the program headers overflow.
void put_ehdr(Builder& b, const SliceLayout& l) {
  for (std::uint8_t c : std::initializer_list<std::uint8_t>{0x7f, 0x45, 0x4c, 0x46}) b.u8(c);  // \x7f E L F
  b.u8(2);                                                                                     // EI_CLASS: ELFCLASS64
  b.u8(1);                                                                                     // EI_DATA: ELFDATA2LSB
  b.u8(1);                                                                                     // EI_VERSION
  b.zeros(9);
  b.u16(4);   // e_type: ET_CORE
  b.u16(62);  // e_machine: EM_X86_64
  b.u32(1);   // e_version
  b.u64(0);   // e_entry
  b.u64(l.phoff);
  b.u64(l.xnum ? kEhdrBytes : 0);  // e_shoff
  b.u32(0);                        // e_flags
  b.u16(static_cast<std::uint16_t>(kEhdrBytes));
  b.u16(static_cast<std::uint16_t>(kPhdrBytes));
  b.u16(static_cast<std::uint16_t>(l.xnum ? kPnXnum : l.phnum));
  b.u16(static_cast<std::uint16_t>(kShdrBytes));  // e_shentsize
  b.u16(l.xnum ? 1 : 0);                          // e_shnum
  b.u16(0);                                       // e_shstrndx: SHN_UNDEF
  if (l.xnum) {
    // Section header 0 (SHT_NULL) carrying the real program header count in sh_info.
    b.zeros(0x2c);
    b.u32(static_cast<std::uint32_t>(l.phnum));
    b.zeros(kShdrBytes - 0x30);
  }
}

/// The PTVERIFY note [elf_core.h, ptverify_note].
void put_note(Builder& b, const SliceRegisters& regs) {
  b.u32(static_cast<std::uint32_t>(kNoteNameBytes));
  b.u32(ptverify_note::kDescBytes);
  b.u32(ptverify_note::kType);
  for (char c : ptverify_note::kName) b.u8(static_cast<std::uint8_t>(c));
  b.zeros(((kNoteNameBytes + 3) & ~std::uint64_t{3}) - kNoteNameBytes);
  namespace note = ptverify_note;
  b.u32(note::kVersion);
  b.u32(note::kDescBytes);
  b.u64(regs.cr0.value_or(0));
  b.u64(regs.cr3);
  b.u64(regs.cr4.value_or(0));
  b.u64(regs.efer.value_or(0));
  b.u32(regs.maxphyaddr.value_or(0));
  b.u32(regs.flags);
  b.u32((regs.cr0 ? note::kKnownCr0 : 0) | (regs.cr4 ? note::kKnownCr4 : 0) | (regs.efer ? note::kKnownEfer : 0) |
        (regs.maxphyaddr ? note::kKnownMaxPhyAddr : 0) | (regs.pdpe1gb ? note::kKnownPdpe1gb : 0));
  b.u32(regs.pdpe1gb.value_or(false) ? note::kCpuPdpe1gb : 0);
  b.u32(regs.cpl.value_or(note::kUnknownCpl));
  b.u32(regs.vcpu.value_or(note::kUnknownVcpu));
}

/// The kernel's VMCOREINFO note, as the kernel writes it: name "VMCOREINFO", type 0, the text.
void put_vmcoreinfo_note(Builder& b, const std::string& text) {
  if (text.empty()) return;
  b.u32(static_cast<std::uint32_t>(kVmcoreinfoNameBytes));
  b.u32(static_cast<std::uint32_t>(text.size()));
  b.u32(0);
  for (char c : kVmcoreinfoNoteName) b.u8(static_cast<std::uint8_t>(c));
  b.zeros(align4(kVmcoreinfoNameBytes) - kVmcoreinfoNameBytes);
  for (char c : text) b.u8(static_cast<std::uint8_t>(c));
  b.zeros(align4(text.size()) - text.size());
}

}  // namespace

Expected<SliceSummary> write_slice(std::ostream& out, const PhysMemory& memory, std::vector<PhysAddr> pages,
                                   const SliceRegisters& regs) {
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  if (pages.empty()) return Error{memory.name() + ": nothing to slice: no pages were chosen"};
  Expected<std::vector<Run>> runs = page_runs(memory, pages);
  if (!runs) return runs.error();

  if (regs.vmcoreinfo.size() > kMaxVmcoreinfoBytes)
    return Error{memory.name() + ": the VMCOREINFO text to carry is " + std::to_string(regs.vmcoreinfo.size()) +
                 " bytes, more than a reader accepts"};
  const SliceLayout layout(runs->size(), kNoteBytes + vmcoreinfo_note_bytes(regs.vmcoreinfo));
  Builder b;
  put_ehdr(b, layout);
  put_phdr(b, kPtNote, layout.note_offset, 0, layout.note_bytes, 4);
  std::uint64_t offset = layout.data_offset;
  for (const Run& r : *runs) {
    put_phdr(b, kPtLoad, offset, r.start.value(), r.pages * kPage, kPage);
    offset += r.pages * kPage;
  }
  put_note(b, regs);
  put_vmcoreinfo_note(b, regs.vmcoreinfo);
  b.zeros(layout.data_offset - b.size());

  out.write(reinterpret_cast<const char*>(b.bytes().data()), static_cast<std::streamsize>(b.size()));
  for (PhysAddr pa : pages) {
    const std::span<const unsigned char> page = *memory.read(pa, kPage);
    out.write(reinterpret_cast<const char*>(page.data()), static_cast<std::streamsize>(page.size()));
  }
  out.flush();
  if (!out) return Error{"cannot write the slice of " + memory.name()};
  return SliceSummary{pages.size(), runs->size(), offset};
}

Expected<SliceSummary> write_slice_file(const std::string& path, const PhysMemory& memory, std::vector<PhysAddr> pages,
                                        const SliceRegisters& regs) {
  Expected<OutputFile> out = OutputFile::open(path);
  if (!out) return out.error();
  Expected<SliceSummary> summary = write_slice(out->stream(), memory, std::move(pages), regs);
  // A failed write is told with its path and reason (commit() cannot succeed after one); any
  // other failure leaves the temporary to the OutputFile, which removes it.
  if (!summary && out->stream()) return summary;
  if (std::optional<Error> err = out->commit()) return *err;
  return summary;
}

}  // namespace ptv
