// Helpers for the raw-memory ingest tests (mapped files, compression, ELF cores, slices):
// temporary files, and a byte builder for hand-made ELF cores that writes each header field
// at its gABI offset (independently of slice.cpp, so that the writer and the reader are
// checked against the format, not against each other).
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace ptv::rawtest {

/// Writes all of `bytes` to `fd` (a test failure if the write fails).
inline void write_all(int fd, const std::vector<unsigned char>& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    REQUIRE(n > 0);
    done += static_cast<std::size_t>(n);
  }
}

/// A file under $TMPDIR (default /tmp), removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::vector<unsigned char>& bytes = {}) {
    const char* env = std::getenv("TMPDIR");
    path_ = std::string((env != nullptr && *env != '\0') ? env : "/tmp") + "/ptv-ingest-test-XXXXXX";
    const int fd = ::mkstemp(path_.data());
    REQUIRE(fd >= 0);
    write_all(fd, bytes);
    ::close(fd);
  }
  explicit TempFile(const std::string& text) : TempFile(std::vector<unsigned char>(text.begin(), text.end())) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() { ::unlink(path_.c_str()); }

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Little-endian writes at absolute offsets; the buffer grows (zero-filled) as needed.
class Bytes {
 public:
  Bytes& put(std::uint64_t at, std::uint64_t value, unsigned width) {
    grow(at + width);
    for (unsigned i = 0; i < width; ++i) bytes_[at + i] = static_cast<unsigned char>(value >> (8 * i));
    return *this;
  }
  Bytes& u8(std::uint64_t at, std::uint64_t v) { return put(at, v, 1); }
  Bytes& u16(std::uint64_t at, std::uint64_t v) { return put(at, v, 2); }
  Bytes& u32(std::uint64_t at, std::uint64_t v) { return put(at, v, 4); }
  Bytes& u64(std::uint64_t at, std::uint64_t v) { return put(at, v, 8); }
  Bytes& fill(std::uint64_t at, std::uint64_t len, unsigned char v) {
    grow(at + len);
    for (std::uint64_t i = 0; i < len; ++i) bytes_[at + i] = v;
    return *this;
  }
  void grow(std::uint64_t size) {
    if (bytes_.size() < size) bytes_.resize(size, 0);
  }
  void truncate(std::uint64_t size) { bytes_.resize(size); }
  [[nodiscard]] const std::vector<unsigned char>& data() const { return bytes_; }

 private:
  std::vector<unsigned char> bytes_;
};

inline constexpr std::uint32_t kPtLoad = 1;
inline constexpr std::uint32_t kPtNote = 4;

/// ELF64 LE x86_64 ET_CORE header [gABI "ELF Header"]. e_ehsize 8 as QEMU 7.x writes it.
inline void elf_header(Bytes& b, std::uint64_t phoff, std::uint16_t phnum, std::uint64_t shoff = 0,
                       std::uint16_t shnum = 0) {
  b.u8(0, 0x7f).u8(1, 'E').u8(2, 'L').u8(3, 'F');
  b.u8(4, 2).u8(5, 1).u8(6, 1);  // ELFCLASS64, ELFDATA2LSB, EV_CURRENT
  b.u16(0x10, 4).u16(0x12, 62).u32(0x14, 1);
  b.u64(0x20, phoff).u64(0x28, shoff);
  b.u16(0x34, 8).u16(0x36, 56).u16(0x38, phnum).u16(0x3a, 64).u16(0x3c, shnum);
}

/// Program header `index` of a table at `phoff` [gABI "Program Header"].
inline void phdr(Bytes& b, std::uint64_t phoff, unsigned index, std::uint32_t type, std::uint64_t offset,
                 std::uint64_t paddr, std::uint64_t filesz, std::uint64_t memsz) {
  const std::uint64_t at = phoff + 56ull * index;
  b.u32(at, type).u32(at + 4, 4).u64(at + 8, offset).u64(at + 0x10, paddr).u64(at + 0x18, paddr);
  b.u64(at + 0x20, filesz).u64(at + 0x28, memsz).u64(at + 0x30, 0);
}

/// One note at `at` [gABI "Note Section"]; returns the offset after it (4-byte padded).
inline std::uint64_t note(Bytes& b, std::uint64_t at, const std::string& name, std::uint32_t type,
                          const std::vector<unsigned char>& desc) {
  const std::uint64_t namesz = name.size() + 1;
  b.u32(at, namesz).u32(at + 4, desc.size()).u32(at + 8, type);
  for (std::size_t i = 0; i < name.size(); ++i) b.u8(at + 12 + i, static_cast<unsigned char>(name[i]));
  const std::uint64_t desc_at = at + 12 + ((namesz + 3) & ~3ull);
  b.grow(desc_at);
  for (std::size_t i = 0; i < desc.size(); ++i) b.u8(desc_at + i, desc[i]);
  const std::uint64_t end = desc_at + ((desc.size() + 3) & ~std::uint64_t{3});
  b.grow(end);
  return end;
}

/// A QEMUCPUState v1 (440 bytes) with the given control registers and rip, other fields 0.
inline std::vector<unsigned char> qemu_cpu_state(std::uint64_t cr0, std::uint64_t cr3, std::uint64_t cr4,
                                                 std::uint32_t version = 1, std::uint32_t size = 0x1b8) {
  Bytes d;
  d.u32(0, version).u32(4, size);
  d.u64(0x88, 0xffff'ffff'8100'0000);  // rip
  d.u64(0x188, cr0).u64(0x198, 0xdead'0000).u64(0x1a0, cr3).u64(0x1a8, cr4);
  d.grow(0x1b8);
  return d.data();
}

}  // namespace ptv::rawtest
