// Untrusted bytes: a read-only memory-mapped file, and the only way to look inside it.
//
// Every reader of a binary dump goes through ByteView: reads of u16/u32/u64 at an offset and
// sub-spans are bounds-checked with overflow-checked arithmetic and return an empty optional
// when they would leave the view. No other code does pointer arithmetic on input bytes.
// All multi-byte reads are little-endian (the dumps are of x86 memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/expected.h"
#include "models/format.h"

namespace ptv {

/// a + b, empty when the sum passes 2^64 - 1.
[[nodiscard]] constexpr std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  if (b > ~a) return std::nullopt;
  return a + b;
}
/// a * b, empty when the product passes 2^64 - 1.
[[nodiscard]] constexpr std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > ~std::uint64_t{0} / a) return std::nullopt;
  return a * b;
}

/// Closes a file descriptor when it goes out of scope. Not copyable.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser();

 private:
  int fd_;
};

/// An open file descriptor, closed when it goes out of scope. Move-only.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  OwnedFd& operator=(OwnedFd&& other) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd();
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_ = -1;
};

/// A bounds-checked, read-only view of bytes someone else owns (a mapping, a buffer).
/// Requires: the bytes outlive the view.
class ByteView {
 public:
  constexpr ByteView() = default;
  constexpr explicit ByteView(std::span<const unsigned char> bytes) : bytes_(bytes) {}

  [[nodiscard]] constexpr std::uint64_t size() const { return bytes_.size(); }
  [[nodiscard]] constexpr std::span<const unsigned char> span() const { return bytes_; }

  /// Little-endian reads; empty when [offset, offset + width) is not inside the view.
  [[nodiscard]] std::optional<std::uint8_t> u8(std::uint64_t offset) const;
  [[nodiscard]] std::optional<std::uint16_t> u16(std::uint64_t offset) const;
  [[nodiscard]] std::optional<std::uint32_t> u32(std::uint64_t offset) const;
  [[nodiscard]] std::optional<std::uint64_t> u64(std::uint64_t offset) const;

  /// The bytes [offset, offset + length); empty when any of them is outside the view.
  [[nodiscard]] std::optional<ByteView> sub(std::uint64_t offset, std::uint64_t length) const;
  /// True when [offset, offset + length) lies inside the view (length 0 at size() included).
  [[nodiscard]] bool contains(std::uint64_t offset, std::uint64_t length) const;

 private:
  std::span<const unsigned char> bytes_;
};

/// A file mapped read-only (mmap PROT_READ, MAP_PRIVATE), unmapped on destruction. Move-only;
/// moving does not move the mapping, so views taken earlier stay valid while any owner lives.
/// A file that reports size 0 (procfs, debugfs) is read into memory instead. An empty file
/// maps to an empty view. If another process truncates the file while it is
/// mapped, reads of the lost pages raise SIGBUS: dumps are expected to be left alone.
class MappedFile {
 public:
  /// Maps `path`. Errors name the path and the OS reason ("core.elf: cannot open: No such ...").
  /// Only regular files are read: a FIFO, device, socket or directory is refused without
  /// blocking. A regular file that reports size 0 (procfs, debugfs) is read to its end into
  /// memory, up to `max_unsized` bytes.
  static Expected<MappedFile> open(const std::string& path, std::uint64_t max_unsized = std::uint64_t{1} << 30);
  /// Maps the whole of the open descriptor `fd` (which the caller keeps owning; it may be
  /// closed afterwards). `name` is what diagnostics call the bytes.
  static Expected<MappedFile> from_fd(int fd, std::string name);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  /// What diagnostics call this file: the path, or e.g. "core.elf.zst (decompressed)".
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] ByteView bytes() const { return ByteView({data_, size_}); }
  [[nodiscard]] std::uint64_t size() const { return size_; }

 private:
  MappedFile(std::string name, const unsigned char* data, std::size_t size)
      : name_(std::move(name)), data_(data), size_(size) {}
  void release();
  static Expected<MappedFile> read_unsized(int fd, std::string name, std::uint64_t max_bytes);

  std::string name_;
  std::vector<unsigned char> owned_;     // the bytes of a file read rather than mapped
  const unsigned char* data_ = nullptr;  // nullptr iff size_ == 0
  std::size_t size_ = 0;
};

/// "name+0x40: what", the diagnostic form for a byte offset in a binary file.
Error error_at(const std::string& name, std::uint64_t offset, const std::string& what);

}  // namespace ptv
