#include "verifier/ingest/flattened.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

#include "models/format.h"
#include "verifier/base/compressed.h"

namespace ptv {

namespace {

constexpr std::string_view kSignature("makedumpfile\0", 13);
constexpr std::uint64_t kTypeAt = 0x10, kVersionAt = 0x18;
constexpr std::uint64_t kHeaderBytes = 4096;  // MAX_SIZE_MDF_HEADER
constexpr std::uint64_t kRecordHeaderBytes = 16;
constexpr std::uint64_t kFlatType = 1, kFlatVersion = 1;
constexpr std::uint64_t kEndOffset = ~std::uint64_t{0};  // -1

/// A big-endian 64-bit field; empty when it is not inside the view.
std::optional<std::uint64_t> be64(ByteView bytes, std::uint64_t at) {
  const std::optional<std::uint64_t> le = bytes.u64(at);
  if (!le) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned i = 0; i < 8; ++i) v = (v << 8) | ((*le >> (8 * i)) & 0xff);
  return v;
}

/// An unlinked temporary file in $TMPDIR and how much it may hold on disk.
struct Temporary {
  OwnedFd fd;
  std::string dir;
  std::uint64_t room = 0;
};

Expected<Temporary> make_temporary(const std::string& for_name) {
  const char* env = std::getenv("TMPDIR");
  Temporary t;
  t.dir = (env != nullptr && *env != '\0') ? env : "/tmp";
  std::string tmpl = t.dir + "/ptverify-XXXXXX";
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Error{for_name + ": cannot create a temporary file in " + t.dir + ": " + std::strerror(errno)};
  t.fd = OwnedFd(fd);
  ::unlink(tmpl.c_str());  // the descriptor keeps the data alive
  t.room = ~std::uint64_t{0};
  if (struct statvfs vfs{}; ::fstatvfs(fd, &vfs) == 0) {
    const std::uint64_t free_bytes = std::uint64_t{vfs.f_bavail} * vfs.f_frsize;
    t.room = free_bytes - std::min(free_bytes, free_bytes / 20 + (std::uint64_t{64} << 20));
  }
  return t;
}

/// Writes all of `bytes` at `offset`; 0 or the errno.
int pwrite_all(int fd, std::span<const unsigned char> bytes, std::uint64_t offset) {
  while (!bytes.empty()) {
    const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return 0;
}

}  // namespace

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

OwnedFd::~OwnedFd() {
  if (fd_ >= 0) ::close(fd_);
}

bool has_flattened_signature(ByteView bytes) {
  const std::optional<ByteView> head = bytes.sub(0, kSignature.size());
  return head && std::equal(kSignature.begin(), kSignature.end(), head->span().begin());
}

Expected<OwnedFd> reassemble_flattened(const MappedFile& file) {
  const std::string& name = file.name();
  const ByteView bytes = file.bytes();
  if (!has_flattened_signature(bytes))
    return error_at(name, 0, "not makedumpfile's flattened format (no \"makedumpfile\" signature)");
  if (bytes.size() < kHeaderBytes)
    return error_at(name, 0,
                    "flattened header truncated: the file has " + std::to_string(bytes.size()) + " bytes, 4096 needed");
  if (const std::uint64_t type = *be64(bytes, kTypeAt); type != kFlatType)
    return error_at(name, kTypeAt, "flattened header type " + std::to_string(type) + ", expected 1");
  if (const std::uint64_t version = *be64(bytes, kVersionAt); version != kFlatVersion)
    return error_at(name, kVersionAt, "flattened header version " + std::to_string(version) + ", expected 1");

  Expected<Temporary> tmp = make_temporary(name);
  if (!tmp) return tmp.error();
  std::uint64_t stored = 0;  // bytes written (an upper bound on the blocks they take)
  std::uint64_t pos = kHeaderBytes;
  for (std::uint64_t record = 0;; ++record) {
    const std::optional<std::uint64_t> offset = be64(bytes, pos);
    const std::optional<std::uint64_t> size = be64(bytes, pos + 8);
    if (!offset || !size)
      return error_at(name, pos,
                      "flattened file ends after " + std::to_string(record) +
                          " records without its end record (truncated? makedumpfile -R refuses it too)");
    if (*offset == kEndOffset) break;
    const std::string which = "flattened record " + std::to_string(record) + ": ";
    if (*offset >> 63 || *size >> 63)
      return error_at(name, pos, which + "negative offset or size (" + hex(*offset) + ", " + hex(*size) + ")");
    if (*offset > kMaxDumpBytes || *size > kMaxDumpBytes - *offset)
      return error_at(
          name, pos,
          which + "bytes [" + hex(*offset) + ", +" + hex(*size) + ") reach past 1 TiB (the limit for dumps)");
    const std::optional<ByteView> data = bytes.sub(pos + kRecordHeaderBytes, *size);
    if (!data)
      return error_at(name, pos,
                      which + std::to_string(*size) + " bytes of data run past the end of the file (size " +
                          hex(bytes.size()) + ")");
    stored += *size;
    if (stored > tmp->room)
      return Error{name + ": the reassembled file does not fit in " + tmp->dir +
                   " (leaving 5% of it free; set TMPDIR to a larger file system)"};
    if (const int err = pwrite_all(tmp->fd.get(), data->span(), *offset); err != 0)
      return Error{name + ": cannot write the reassembled file to " + tmp->dir + ": " + std::strerror(err)};
    pos += kRecordHeaderBytes + *size;
  }
  return std::move(tmp->fd);
}

Expected<OwnedFd> copy_to_temporary(const MappedFile& file) {
  Expected<Temporary> tmp = make_temporary(file.name());
  if (!tmp) return tmp.error();
  if (file.size() > tmp->room)
    return Error{file.name() + ": a copy does not fit in " + tmp->dir +
                 " (leaving 5% of it free; set TMPDIR to a larger file system)"};
  if (const int err = pwrite_all(tmp->fd.get(), file.bytes().span(), 0); err != 0)
    return Error{file.name() + ": cannot write a copy to " + tmp->dir + ": " + std::strerror(err)};
  return std::move(tmp->fd);
}

}  // namespace ptv
