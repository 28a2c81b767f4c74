#include "verifier/ingest/kdump_file.h"

#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PTV_LSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define PTV_LSAN 1
#endif
#ifdef PTV_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#include "models/format.h"
#include "models/paging_mode.h"
#include "models/paging_state.h"

namespace ptv {

namespace {

constexpr std::uint64_t kPage = kTableBytes;
/// More separate ranges than this is not a dump a kernel wrote (every other page filtered out
/// of a 32 GiB machine); the list would cost more memory than the tables.
constexpr std::size_t kMaxRanges = std::size_t{4} << 20;

std::string kdump_error(kdump_ctx_t* ctx) {
  const char* e = kdump_get_err(ctx);
  return e != nullptr ? e : "unknown error";
}

/// The set bits of a page bitmap as page ranges [first, end), below max_pfn.
Expected<std::vector<std::pair<std::uint64_t, std::uint64_t>>> bitmap_ranges(kdump_bmp_t* bmp, std::uint64_t max_pfn,
                                                                             const std::string& name) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  kdump_addr_t idx = 0;
  while (idx < max_pfn) {
    if (kdump_bmp_find_set(bmp, &idx) != KDUMP_OK || idx >= max_pfn) break;
    const std::uint64_t first = idx;
    if (kdump_bmp_find_clear(bmp, &idx) != KDUMP_OK || idx > max_pfn) idx = max_pfn;
    if (idx <= first) break;  // a bitmap that does not move on: stop rather than loop
    out.emplace_back(first, idx);
    if (out.size() > kMaxRanges)
      return Error{name + ": the dump holds more than " + std::to_string(kMaxRanges) +
                   " separate ranges of pages (not a dump a kernel wrote)"};
  }
  return out;
}

std::optional<std::uint64_t> number_attr(kdump_ctx_t* ctx, const char* key) {
  kdump_attr_t a;
  a.type = KDUMP_NUMBER;
  if (kdump_get_typed_attr(ctx, key, &a) != KDUMP_OK) return std::nullopt;
  return a.val.number;
}

/// libkdumpfile 0.5.1 crashes (SIGSEGV) in kdump_free() on a context whose kdump_open_fd()
/// failed on a damaged diskdump header ("Invalid diskdump header content"): hostile input must
/// not reach that. A context whose open failed is never freed; it is kept here, reachable, for
/// the rest of the run (a few KiB, once per file that failed to open).
void keep_unfreeable(kdump_ctx_t* ctx) {
  static std::vector<kdump_ctx_t*> kept;
  kept.push_back(ctx);
}

/// Under AddressSanitizer: what libkdumpfile allocates while opening a file is not reported as
/// a leak. A failed open leaves blocks that nothing points to any more (the same damage that
/// makes kdump_free crash), which LeakSanitizer would otherwise report at exit.
struct LibraryAllocations {
#ifdef PTV_LSAN
  LibraryAllocations() { __lsan_disable(); }
  ~LibraryAllocations() { __lsan_enable(); }
#endif
  LibraryAllocations(const LibraryAllocations&) = delete;
  LibraryAllocations& operator=(const LibraryAllocations&) = delete;
#ifndef PTV_LSAN
  LibraryAllocations() = default;
#endif
};

}  // namespace

bool has_kdump_signature(ByteView bytes) {
  const std::optional<ByteView> head = bytes.sub(0, 8);
  if (!head) return false;
  const std::string_view sig(reinterpret_cast<const char*>(head->span().data()), 8);
  return sig == "KDUMP   " || sig == "DISKDUMP";
}

Expected<std::unique_ptr<KdumpFile>> KdumpFile::open(MappedFile file) {
  std::unique_ptr<KdumpFile> k(new KdumpFile());
  k->name_ = file.name();
  const std::string& name = k->name_;
  if (has_flattened_signature(file.bytes())) {
    Expected<OwnedFd> fd = reassemble_flattened(file);
    if (!fd) return fd.error();
    k->fd_ = std::move(fd).value();
    k->reassembled_ = true;
  } else {
    // The file as given, when the mapping is of it; otherwise a copy on disk.
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st {};
    if (fd >= 0 && ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        static_cast<std::uint64_t>(st.st_size) == file.size()) {
      k->fd_ = OwnedFd(fd);
    } else {
      if (fd >= 0) ::close(fd);
      Expected<OwnedFd> copy = copy_to_temporary(file);
      if (!copy) return copy.error();
      k->fd_ = std::move(copy).value();
    }
  }
  // The mapping is not needed any more: libkdumpfile reads the descriptor.
  { const MappedFile release = std::move(file); }

  k->ctx_ = kdump_new();
  if (k->ctx_ == nullptr) return Error{name + ": libkdumpfile: cannot allocate a context"};
  kdump_status opened = KDUMP_OK;
  {
    [[maybe_unused]] const LibraryAllocations ignored;
    opened = kdump_open_fd(k->ctx_, k->fd_.get());
  }
  if (opened != KDUMP_OK) {
    Error e{name + ": libkdumpfile: " + kdump_error(k->ctx_) +
            (k->reassembled_ ? " (after reassembling the flattened format)" : "")};
    keep_unfreeable(k->ctx_);
    k->ctx_ = nullptr;
    return e;
  }

  kdump_attr_t a;
  a.type = KDUMP_STRING;
  if (kdump_get_typed_attr(k->ctx_, "arch.name", &a) == KDUMP_OK && std::string_view(a.val.string) != "x86_64")
    return Error{name + ": a dump of a " + std::string(a.val.string) + " machine, not x86_64"};
  a.type = KDUMP_STRING;
  if (kdump_get_typed_attr(k->ctx_, KDUMP_ATTR_FILE_FORMAT, &a) == KDUMP_OK) k->format_ = a.val.string;
  a.type = KDUMP_STRING;
  if (kdump_get_typed_attr(k->ctx_, "file.description", &a) == KDUMP_OK)
    k->format_ += std::string(k->format_.empty() ? "" : " ") + "(" + a.val.string + ")";
  if (const std::optional<std::uint64_t> ps = number_attr(k->ctx_, KDUMP_ATTR_PAGE_SIZE); ps && *ps != kPage)
    return Error{name + ": page size " + std::to_string(*ps) + ", expected 4096 (x86_64)"};

  // The pages held, and the RAM pages not held.
  const std::uint64_t max_pfn = std::min<std::uint64_t>(number_attr(k->ctx_, "max_pfn").value_or(0),
                                                        std::uint64_t{1} << (kMaxPhysAddrArchitectural - kPageShift));
  a.type = KDUMP_BITMAP;
  if (kdump_get_typed_attr(k->ctx_, KDUMP_ATTR_FILE_PAGEMAP, &a) != KDUMP_OK)
    return Error{name + ": libkdumpfile gives no map of the pages the file holds: " + kdump_error(k->ctx_)};
  Expected<std::vector<std::pair<std::uint64_t, std::uint64_t>>> held = bitmap_ranges(a.val.bitmap, max_pfn, name);
  if (!held) return held.error();
  std::uint64_t held_pages = 0;
  for (const auto& [first, end] : *held) {
    k->ranges_.push_back(PhysRange{PhysAddr(first * kPage), (end - first) * kPage});
    held_pages += end - first;
  }
  // Not "memory.pagemap" (the machine's RAM): libkdumpfile 0.5.1 leaks the bitmap it builds for it.
  k->page_frames_ = max_pfn;
  k->held_pages_ = held_pages;

  // VMCOREINFO, as the kernel wrote it.
  a.type = KDUMP_BLOB;
  if (kdump_get_typed_attr(k->ctx_, "linux.vmcoreinfo.raw", &a) == KDUMP_OK && a.val.blob != nullptr) {
    kdump_blob_t* blob = a.val.blob;
    const void* data = kdump_blob_pin(blob);
    const std::size_t size = kdump_blob_size(blob);
    const std::string text = data != nullptr ? std::string(static_cast<const char*>(data), size) : std::string();
    kdump_blob_unpin(blob);
    Expected<Vmcoreinfo> info = parse_vmcoreinfo(text, name);
    if (!info) return info.error();
    k->vmcoreinfo_ = std::move(info).value();
  }
  return k;
}

KdumpFile::~KdumpFile() {
  if (ctx_ != nullptr) kdump_free(ctx_);
}

std::optional<std::span<const unsigned char>> KdumpFile::read(PhysAddr pa, std::size_t len) const {
  const std::uint64_t in_page = pa.value() % kPage;
  if (len > kPage - in_page) return std::nullopt;
  const std::uint64_t pfn = pa.value() / kPage;
  auto it = pages_.find(pfn);
  if (it == pages_.end()) {
    std::unique_ptr<unsigned char[]> page(new unsigned char[kPage]);
    std::size_t got = kPage;
    const kdump_status s = kdump_read(ctx_, KDUMP_MACHPHYSADDR, pfn * kPage, page.get(), &got);
    if (s != KDUMP_OK || got != kPage) {
      // Not held (filtered out, not RAM) is the ordinary answer; anything else is a page the
      // map lists but the file cannot give, worth saying.
      if (s != KDUMP_ERR_NODATA)
        failures_.push_back(name_ + ": page " + hex(pfn * kPage) + ": libkdumpfile: " + kdump_error(ctx_));
      page.reset();
    }
    it = pages_.emplace(pfn, std::move(page)).first;
  }
  if (!it->second) return std::nullopt;
  return std::span<const unsigned char>(it->second.get() + in_page, len);
}

std::vector<std::string> KdumpFile::read_failures() const { return failures_; }

}  // namespace ptv
