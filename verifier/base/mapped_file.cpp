#include "verifier/base/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "models/format.h"

namespace ptv {

FdCloser::~FdCloser() { ::close(fd_); }

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

namespace {

// Assembles `width` bytes little-endian. The caller has checked the bounds.
template <class T>
T load_le(std::span<const unsigned char> bytes, std::uint64_t offset) {
  T v = 0;
  for (unsigned i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(bytes[offset + i]) << (8 * i));
  return v;
}

std::string os_error(const std::string& name, const char* what, int err) {
  return name + ": " + what + ": " + std::strerror(err);
}

}  // namespace

bool ByteView::contains(std::uint64_t offset, std::uint64_t length) const {
  const std::optional<std::uint64_t> end = checked_add(offset, length);
  return end && *end <= bytes_.size();
}

std::optional<std::uint8_t> ByteView::u8(std::uint64_t offset) const {
  if (!contains(offset, 1)) return std::nullopt;
  return bytes_[offset];
}
std::optional<std::uint16_t> ByteView::u16(std::uint64_t offset) const {
  if (!contains(offset, 2)) return std::nullopt;
  return load_le<std::uint16_t>(bytes_, offset);
}
std::optional<std::uint32_t> ByteView::u32(std::uint64_t offset) const {
  if (!contains(offset, 4)) return std::nullopt;
  return load_le<std::uint32_t>(bytes_, offset);
}
std::optional<std::uint64_t> ByteView::u64(std::uint64_t offset) const {
  if (!contains(offset, 8)) return std::nullopt;
  return load_le<std::uint64_t>(bytes_, offset);
}

std::optional<ByteView> ByteView::sub(std::uint64_t offset, std::uint64_t length) const {
  if (!contains(offset, length)) return std::nullopt;
  return ByteView(bytes_.subspan(offset, length));
}

namespace {

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (a pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Expected<MappedFile> MappedFile::open(const std::string& path, std::uint64_t max_unsized) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below. It has no
  // effect on a regular file.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return Error{os_error(path, "cannot open", errno)};
  const FdCloser guard(fd);  // a mapping keeps the file alive after the close
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{os_error(path, "cannot stat", errno)};
  if (!S_ISREG(st.st_mode))
    return Error{path + ": " + file_kind(st.st_mode) +
                 ", not a regular file (inputs are read from regular files: save a stream to a file first)"};
  // procfs, sysfs and debugfs files (/proc/PID/maps, page_tables/kernel) report size 0 and
  // have content: they are read to their end, up to max_unsized bytes.
  if (st.st_size == 0) return read_unsized(fd, path, max_unsized);
  return from_fd(fd, path);
}

Expected<MappedFile> MappedFile::read_unsized(int fd, std::string name, std::uint64_t max_bytes) {
  std::vector<unsigned char> buf;
  for (;;) {
    const std::size_t at = buf.size();
    if (at >= max_bytes)
      return Error{name + ": longer than " + std::to_string(max_bytes) + " bytes (the limit for this input)"};
    buf.resize(at + 65536);
    const ssize_t n = ::read(fd, buf.data() + at, buf.size() - at);
    if (n < 0) {
      buf.resize(at);
      if (errno == EINTR) continue;
      return Error{os_error(name, "cannot read", errno)};
    }
    buf.resize(at + static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  MappedFile out(std::move(name), nullptr, 0);
  out.owned_ = std::move(buf);
  out.data_ = out.owned_.empty() ? nullptr : out.owned_.data();
  out.size_ = out.owned_.size();
  return out;
}

Expected<MappedFile> MappedFile::from_fd(int fd, std::string name) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{os_error(name, "cannot stat", errno)};
  if (!S_ISREG(st.st_mode)) return Error{name + ": " + file_kind(st.st_mode) + ", not a regular file"};
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > std::numeric_limits<std::size_t>::max())
    return Error{name + ": file size does not fit in memory addresses"};
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return MappedFile(std::move(name), nullptr, 0);  // mmap rejects length 0
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return Error{os_error(name, "cannot map", errno)};
  return MappedFile(std::move(name), static_cast<const unsigned char*>(p), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : name_(std::move(other.name_)), owned_(std::move(other.owned_)), data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    name_ = std::move(other.name_);
    owned_ = std::move(other.owned_);  // a vector's move keeps its buffer: data_ stays valid
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() {
  if (data_ != nullptr && owned_.empty()) ::munmap(const_cast<unsigned char*>(data_), size_);
  owned_.clear();
  data_ = nullptr;
  size_ = 0;
}

Error error_at(const std::string& name, std::uint64_t offset, const std::string& what) {
  return Error{name + "+" + hex(offset) + ": " + what};
}

}  // namespace ptv
