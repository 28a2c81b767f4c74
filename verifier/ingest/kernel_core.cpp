#include "verifier/ingest/kernel_core.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <string_view>

#include "models/format.h"
#include "models/paging_mode.h"
#include "verifier/ingest/sniff.h"
#include "verifier/ingest/vmcoreinfo.h"

namespace ptv {

namespace {

// The kernel image mapping (from vmcoreinfo.h's kStartKernelMap) repeats pages of the direct map.
// ELF64 [gABI], as in elf_core.cpp.
constexpr std::uint64_t kEhdrBytes = 64, kPhdrBytes = 56;
constexpr std::uint64_t kEPhoff = 0x20, kEPhnum = 0x38;
constexpr std::uint64_t kPType = 0x00, kPOffset = 0x08, kPVaddr = 0x10, kPPaddr = 0x18, kPFilesz = 0x20;
constexpr std::uint32_t kPtLoad = 1, kPtNote = 4;
constexpr std::uint16_t kPnXnum = 0xffff;
// p_paddr of a segment that has no physical address (vmalloc, modules, vmemmap).
constexpr std::uint64_t kNoPhysical = ~std::uint64_t{0};
// Bounds on what the headers may make us read: the kernel writes one PT_LOAD per kclist entry
// (a few per RAM range) and a note segment of a few KiB.
// statfs f_type of procfs (PROC_SUPER_MAGIC, include/uapi/linux/magic.h).
constexpr long kProcSuperMagic = 0x9fa0;
constexpr std::uint64_t kMaxSegments = 1u << 16, kMaxNoteBytes = 1u << 20;

std::string os_error(const std::string& path, const char* what, int err) {
  return path + ": " + what + ": " + std::strerror(err);
}

struct ParseError {
  Error error;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& name, const KernelCore::FileRead& read) : name_(name), read_(read) {}

  std::vector<unsigned char> bytes(std::uint64_t offset, std::uint64_t len, const std::string& what) const {
    std::vector<unsigned char> out(len);
    if (!read_(offset, out)) fail(offset, what + " (" + std::to_string(len) + " bytes) cannot be read");
    return out;
  }
  [[noreturn]] void fail(std::uint64_t offset, const std::string& what) const {
    throw ParseError{error_at(name_, offset, what)};
  }

 private:
  const std::string& name_;
  const KernelCore::FileRead& read_;
};

std::uint64_t align4(std::uint64_t n) { return (n + 3) & ~std::uint64_t{3}; }

struct Load {
  std::uint64_t index, vaddr, paddr, offset, size;
};

}  // namespace

Expected<std::unique_ptr<KernelCore>> KernelCore::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if ((err == EPERM || err == EACCES) && path == "/proc/kcore")
      return Error{os_error(path, "cannot open", err) + " (reading /proc/kcore needs root: CAP_SYS_RAWIO)"};
    return Error{os_error(path, "cannot open", err)};
  }
  auto owner = std::shared_ptr<void>(new int(fd), [](void* p) {
    ::close(*static_cast<int*>(p));
    delete static_cast<int*>(p);
  });
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{os_error(path, "cannot stat", errno)};
  if (!S_ISREG(st.st_mode)) return Error{path + ": not a regular file"};
  FileRead read = [fd](std::uint64_t offset, std::span<unsigned char> out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const std::uint64_t at = offset + done;
      if (at < offset || at > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) return false;
      const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  };
  Expected<std::unique_ptr<KernelCore>> core = parse(path, std::move(read), static_cast<std::uint64_t>(st.st_size));
  if (!core) return core;
  (*core)->keep_ = std::move(owner);
  struct statfs fs {};
  (*core)->live_ = ::fstatfs(fd, &fs) == 0 && fs.f_type == kProcSuperMagic;
  return core;
}

Expected<KernelCoreMachine> kernel_core_machine(const KernelCore& core, const MachineOptions& opts) {
  KernelCoreMachine k{std::nullopt, core.notes()};
  const std::string& name = core.name();
  if (const std::optional<std::uint64_t> base = core.direct_map_base())
    k.notes.push_back("direct map at " + hex(*base) + " (p_vaddr - p_paddr of the RAM segments)");
  if (core.live())
    k.notes.push_back(name +
                      " is the memory of the running machine: its page tables can change while they are read. "
                      "Each table is read once and kept, so the walk is consistent with itself, but the tables are "
                      "not one instant's: pages mapped and unmapped during the run (vmalloc, modules, user memory) "
                      "may differ from any moment's. Slice it (ptverify slice) to keep what was read.");
  if (core.vmcoreinfo().empty()) {
    if (!opts.cr3 && opts.registers_file.empty())
      return Error{name +
                   ": a kernel core without a VMCOREINFO note: its top-level table is not known; give --cr3 "
                   "(the physical address of init_top_pgt)"};
    return k;
  }
  Expected<Vmcoreinfo> info = parse_vmcoreinfo(core.vmcoreinfo(), name, core.vmcoreinfo_offset());
  if (!info) return info.error();
  k.vmcoreinfo = std::move(info).value();
  return k;
}

bool is_kernel_core_file(const std::string& path) {
  if (path == "/proc/kcore") return true;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return false;
  const FdCloser guard(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::vector<unsigned char> head(kSniffHeadBytes);
  std::size_t got = 0;
  while (got < head.size()) {
    const ssize_t n = ::pread(fd, head.data() + got, head.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  head.resize(got);
  return sniff_dump(ByteView(head), static_cast<std::uint64_t>(st.st_size)).kind == DumpKind::kKernelCore;
}

Expected<std::unique_ptr<KernelCore>> KernelCore::from_file(MappedFile file) {
  auto owner = std::make_shared<MappedFile>(std::move(file));
  const ByteView view = owner->bytes();
  FileRead read = [view](std::uint64_t offset, std::span<unsigned char> out) {
    const std::optional<ByteView> b = view.sub(offset, out.size());
    if (!b) return false;
    std::copy(b->span().begin(), b->span().end(), out.begin());
    return true;
  };
  Expected<std::unique_ptr<KernelCore>> core = parse(owner->name(), std::move(read), owner->size());
  if (core) (*core)->keep_ = std::move(owner);
  return core;
}

Expected<std::unique_ptr<KernelCore>> KernelCore::parse(std::string name, FileRead read, std::uint64_t file_size) {
  std::unique_ptr<KernelCore> core(new KernelCore());
  core->name_ = std::move(name);
  core->read_ = std::move(read);
  const HeaderParser p(core->name_, core->read_);
  try {
    const std::vector<unsigned char> ehdr_bytes = p.bytes(0, kEhdrBytes, "the ELF header");
    const ByteView ehdr(ehdr_bytes);
    const SniffResult kind = sniff_dump(ehdr, file_size);
    if (kind.kind != DumpKind::kElfCore && kind.kind != DumpKind::kKernelCore)
      p.fail(0, sniff_message(kind).empty() ? "not an ELF core" : sniff_message(kind));
    const std::uint64_t phoff = *ehdr.u64(kEPhoff);
    const std::uint64_t count = *ehdr.u16(kEPhnum);
    if (count == kPnXnum || count == 0 || count > kMaxSegments)
      p.fail(kEPhnum, "program header count " + std::to_string(count) + " is not that of a kernel core");
    const std::vector<unsigned char> ph_bytes = p.bytes(phoff, count * kPhdrBytes, "the program header table");
    const ByteView ph(ph_bytes);

    std::vector<Load> loads;
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint64_t at = i * kPhdrBytes;
      const std::uint32_t type = *ph.u32(at + kPType);
      const std::uint64_t offset = *ph.u64(at + kPOffset);
      const std::uint64_t size = *ph.u64(at + kPFilesz);
      if (type == kPtNote) {
        if (size > kMaxNoteBytes) p.fail(phoff + at, "PT_NOTE segment of " + decimal(size) + " bytes (at most 1 MiB)");
        const std::vector<unsigned char> notes = p.bytes(offset, size, "the PT_NOTE segment");
        const ByteView nv(notes);
        std::uint64_t pos = 0;
        while (pos + 12 <= size) {
          const std::uint32_t namesz = *nv.u32(pos);
          const std::uint32_t descsz = *nv.u32(pos + 4);
          const std::uint64_t desc_pos = pos + 12 + align4(namesz);
          const std::optional<ByteView> nm = nv.sub(pos + 12, namesz);
          const std::optional<ByteView> desc = nv.sub(desc_pos, descsz);
          if (!nm || !desc) p.fail(offset + pos, "note runs past the end of the PT_NOTE segment");
          std::string_view note_name(reinterpret_cast<const char*>(nm->span().data()), nm->span().size());
          while (!note_name.empty() && note_name.back() == '\0') note_name.remove_suffix(1);
          if (note_name == "VMCOREINFO" && core->vmcoreinfo_.empty()) {
            core->vmcoreinfo_.assign(reinterpret_cast<const char*>(desc->span().data()), desc->span().size());
            core->vmcoreinfo_offset_ = offset + desc_pos;
          }
          pos = desc_pos + align4(descsz);
        }
      }
      if (type != kPtLoad || size == 0) continue;
      const std::uint64_t paddr = *ph.u64(at + kPPaddr);
      if (paddr == kNoPhysical) continue;  // vmalloc, modules, vmemmap: no physical address
      if (!checked_add(paddr, size - 1) || !checked_add(offset, size))
        p.fail(phoff + at, "PT_LOAD segment " + std::to_string(i) + ": its range runs past 2^64");
      loads.push_back({i, *ph.u64(at + kPVaddr), paddr, offset, size});
    }

    // The kernel image mapping repeats RAM the direct map holds: physical ranges are taken from
    // the other segments first, and an image segment only where nothing else holds its pages.
    std::stable_sort(loads.begin(), loads.end(), [](const Load& a, const Load& b) {
      return (a.vaddr >= kStartKernelMap) < (b.vaddr >= kStartKernelMap);
    });
    std::vector<Load> kept;
    for (const Load& l : loads) {
      const bool image = l.vaddr >= kStartKernelMap;
      const auto overlaps = [&l](const Load& k) {
        return l.paddr <= k.paddr + (k.size - 1) && k.paddr <= l.paddr + (l.size - 1);
      };
      const auto other = std::find_if(kept.begin(), kept.end(), overlaps);
      if (other != kept.end()) {
        if (image) {
          core->notes_.push_back("PT_LOAD segment " + std::to_string(l.index) + " (the kernel image at " +
                                 hex(l.vaddr) +
                                 ") repeats physical memory the direct map's segments hold; read "
                                 "through those");
          continue;
        }
        p.fail(phoff + l.index * kPhdrBytes, "PT_LOAD segments " + std::to_string(other->index) + " and " +
                                                 std::to_string(l.index) + " overlap in physical memory");
      }
      if (!image && !core->direct_map_base_) core->direct_map_base_ = l.vaddr - l.paddr;
      kept.push_back(l);
    }
    if (kept.empty())
      p.fail(phoff, "no PT_LOAD segment has a physical address (p_paddr): the core holds no physical memory");
    std::sort(kept.begin(), kept.end(), [](const Load& a, const Load& b) { return a.paddr < b.paddr; });
    for (const Load& l : kept) {
      core->segments_.push_back({PhysRange{PhysAddr(l.paddr), l.size}, l.offset});
      core->ranges_.push_back(PhysRange{PhysAddr(l.paddr), l.size});
    }
  } catch (const ParseError& e) {
    return e.error;
  }
  return core;
}

std::optional<std::span<const unsigned char>> KernelCore::read(PhysAddr pa, std::size_t len) const {
  const auto key = std::make_pair(pa.value(), len);
  if (auto it = cache_.find(key); it != cache_.end()) return std::span<const unsigned char>(it->second);
  auto seg = std::upper_bound(segments_.begin(), segments_.end(), pa,
                              [](PhysAddr a, const Segment& s) { return a < s.range.start; });
  if (seg == segments_.begin()) return std::nullopt;
  --seg;
  if (!seg->range.contains(pa, len)) return std::nullopt;
  const std::optional<std::uint64_t> offset = checked_add(seg->file_offset, pa - seg->range.start);
  if (!offset) return std::nullopt;
  std::vector<unsigned char> bytes(len);
  if (!read_(*offset, bytes)) return std::nullopt;
  auto [it, inserted] = cache_.emplace(key, std::move(bytes));
  (void)inserted;
  return std::span<const unsigned char>(it->second);
}

}  // namespace ptv
