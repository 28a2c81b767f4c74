#include "verifier/base/compressed.h"

#include "models/format.h"

#define ZLIB_CONST  // z_stream::next_in becomes a pointer to const
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

namespace ptv {

namespace {

constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};
constexpr unsigned char kZstdMagic[] = {0x28, 0xb5, 0x2f, 0xfd};  // 0xFD2FB528 little-endian
constexpr std::size_t kOutChunk = std::size_t{1} << 20;

/// Receives decompressed bytes in order; returns an error message to stop.
using Sink = std::function<std::optional<std::string>(std::span<const unsigned char>)>;

std::optional<Error> inflate_zstd(const std::string& name, ByteView in, const Sink& sink) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> dctx(ZSTD_createDCtx(), &ZSTD_freeDCtx);
  // Out of memory is not bad input: the run's memory handling says it (exit 3 under a limit).
  if (!dctx) throw std::bad_alloc();
  std::vector<unsigned char> out(std::max(ZSTD_DStreamOutSize(), kOutChunk));
  ZSTD_inBuffer src{in.span().data(), in.span().size(), 0};
  for (;;) {
    ZSTD_outBuffer dst{out.data(), out.size(), 0};
    // 0: a frame was completed and all of it flushed; otherwise a hint of input still needed.
    const std::size_t ret = ZSTD_decompressStream(dctx.get(), &dst, &src);
    if (ZSTD_isError(ret)) return error_at(name, src.pos, std::string("zstd: ") + ZSTD_getErrorName(ret));
    if (auto stop = sink({out.data(), dst.pos})) return Error{*stop};
    if (src.pos < src.size) continue;
    if (ret == 0) return std::nullopt;  // all input read and the last frame complete
    // A full output buffer may hold back more output; a partial one means the decoder has
    // given all it can and the frame still wants input.
    if (dst.pos < dst.size) return error_at(name, src.pos, "zstd: stream is truncated (the last frame is incomplete)");
  }
}

/// The total size the zstd frames in `in` declare, when every frame declares one (zstd writes
/// it when it knows the input's size). Empty when a frame does not, or the headers are bad
/// (the decoder then reports where).
std::optional<std::uint64_t> zstd_declared_size(ByteView in) {
  std::span<const unsigned char> rest = in.span();
  std::uint64_t total = 0;
  while (!rest.empty()) {
    const unsigned long long n = ZSTD_getFrameContentSize(rest.data(), rest.size());
    if (n == ZSTD_CONTENTSIZE_UNKNOWN || n == ZSTD_CONTENTSIZE_ERROR) return std::nullopt;
    const std::size_t frame = ZSTD_findFrameCompressedSize(rest.data(), rest.size());
    if (ZSTD_isError(frame) || frame == 0 || frame > rest.size()) return std::nullopt;
    const auto sum = checked_add(total, n);
    if (!sum) return std::nullopt;
    total = *sum;
    rest = rest.subspan(frame);
  }
  return total;
}

std::optional<Error> inflate_gzip(const std::string& name, ByteView in, const Sink& sink) {
  z_stream zs{};
  const int init = inflateInit2(&zs, 15 + 16);  // 16: gzip only
  if (init == Z_MEM_ERROR) throw std::bad_alloc();
  if (init != Z_OK) return Error{name + ": gzip: cannot initialise zlib"};
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, &inflateEnd);
  std::vector<unsigned char> out(kOutChunk);
  const std::span<const unsigned char> src = in.span();
  std::uint64_t fed = 0;     // bytes of src handed to zlib so far
  bool member_done = false;  // the last inflate() finished a gzip member
  for (;;) {
    if (zs.avail_in == 0 && fed < src.size()) {
      // avail_in is 32 bits: feed the mapping in pieces of at most 1 GiB.
      const std::uint64_t piece = std::min<std::uint64_t>(src.size() - fed, std::uint64_t{1} << 30);
      zs.next_in = src.data() + fed;
      zs.avail_in = static_cast<uInt>(piece);
      fed += piece;
    }
    const std::uint64_t offset = fed - zs.avail_in;
    if (member_done) {
      if (offset == src.size()) return std::nullopt;
      inflateReset(&zs);  // concatenated members, as gzip -d accepts them
      member_done = false;
    }
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    const int r = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = out.size() - zs.avail_out;
    if (auto stop = sink({out.data(), produced})) return Error{*stop};
    const std::uint64_t now = fed - zs.avail_in;
    if (r == Z_STREAM_END) {
      member_done = true;
    } else if (r == Z_BUF_ERROR || (r == Z_OK && produced == 0 && now == offset)) {
      if (now == src.size()) return error_at(name, now, "gzip: stream is truncated");
      return error_at(name, now, "gzip: the decoder made no progress");
    } else if (r != Z_OK) {
      return error_at(name, now, std::string("gzip: ") + (zs.msg ? zs.msg : "corrupt data"));
    }
  }
}

std::optional<Error> decompress(const std::string& name, Compression c, ByteView in, const Sink& sink) {
  switch (c) {
    case Compression::kZstd:
      return inflate_zstd(name, in, sink);
    case Compression::kGzip:
      return inflate_gzip(name, in, sink);
    case Compression::kNone:
      break;
  }
  if (std::optional<std::string> stop = sink(in.span())) return Error{std::move(*stop)};
  return std::nullopt;
}

std::string limit_text(std::uint64_t bytes) {
  return exact_binary_size(bytes, 20).value_or(std::to_string(bytes) + " bytes");
}

/// The refusal of a zstd input whose frames declare more than `max_bytes`, before any of it is
/// decompressed; none for other inputs or when a frame does not declare its size.
std::optional<Error> refuse_declared_size(const std::string& path, Compression c, ByteView in, std::uint64_t max_bytes,
                                          std::string_view limit_name) {
  if (c != Compression::kZstd) return std::nullopt;
  const std::optional<std::uint64_t> n = zstd_declared_size(in);
  if (!n || *n <= max_bytes) return std::nullopt;
  return Error{path + ": its zstd frames declare " + std::to_string(*n) + " bytes, more than " + limit_text(max_bytes) +
               " (" + std::string(limit_name) + ")"};
}

bool all_zero(std::span<const unsigned char> bytes) {
  static constexpr unsigned char kZeros[4096] = {};
  while (!bytes.empty()) {
    const std::size_t n = std::min(bytes.size(), sizeof kZeros);
    if (std::memcmp(bytes.data(), kZeros, n) != 0) return false;
    bytes = bytes.subspan(n);
  }
  return true;
}

/// Writes `bytes` to fd at `offset`, leaving holes for its 4 KiB blocks of zeros (a guest's
/// memory is about half zeros: less to write, and less page cache). Adds the bytes actually
/// written to `stored`. Returns errno on failure.
int pwrite_sparse(int fd, std::span<const unsigned char> bytes, std::uint64_t offset, std::uint64_t& stored) {
  constexpr std::size_t kBlock = 4096;
  std::size_t data_from = 0;  // start of the pending non-zero stretch
  auto flush = [&](std::size_t to) {
    stored += to - data_from;
    return pwrite_all(fd, bytes.subspan(data_from, to - data_from), offset + data_from);
  };
  for (std::size_t at = 0; at < bytes.size(); at += kBlock) {
    const auto block = bytes.subspan(at, std::min(kBlock, bytes.size() - at));
    if (block.size() < kBlock || !all_zero(block)) continue;
    if (at > data_from)
      if (const int err = flush(at)) return err;
    data_from = at + kBlock;
  }
  if (data_from < bytes.size()) return flush(bytes.size());
  return 0;
}

/// Where an ELF64 file's described content ends: the furthest end of its program headers'
/// file images, its section headers and its header tables, read from its first bytes `head`.
/// Empty when `head` is not an ELF64 header whose tables lie inside it.
std::optional<std::uint64_t> elf_extent(ByteView head) {
  const auto magic = head.u32(0);
  if (!magic || *magic != 0x464c457fU || head.u8(4) != std::uint8_t{2}) return std::nullopt;
  const auto phoff = head.u64(0x20), shoff = head.u64(0x28);
  const auto phentsize = head.u16(0x36), phnum = head.u16(0x38), shentsize = head.u16(0x3a), shnum = head.u16(0x3c);
  if (!phoff || !shoff || !phentsize || !phnum || !shentsize || !shnum || *phentsize < 0x38) return std::nullopt;
  std::uint64_t end = 0x40;
  auto reach = [&](std::uint64_t off, std::uint64_t len) {
    const std::optional<std::uint64_t> e = checked_add(off, len);
    end = std::max(end, e.value_or(~std::uint64_t{0}));
  };
  reach(*phoff, std::uint64_t{*phentsize} * *phnum);
  if (*shnum != 0) reach(*shoff, std::uint64_t{*shentsize} * *shnum);
  for (unsigned i = 0; i < *phnum; ++i) {
    const std::uint64_t ph = *phoff + std::uint64_t{i} * *phentsize;
    const auto off = head.u64(ph + 0x08), filesz = head.u64(ph + 0x20);
    if (!off || !filesz) return std::nullopt;  // the table runs past what was read
    reach(*off, *filesz);
  }
  return end;
}

}  // namespace

const char* to_string(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kZstd:
      return "zstd";
  }
  return "?";
}

Compression sniff_compression(ByteView head) {
  auto starts_with = [&](std::span<const unsigned char> magic) {
    const std::optional<ByteView> h = head.sub(0, magic.size());
    return h && std::equal(magic.begin(), magic.end(), h->span().begin());
  };
  if (starts_with(kZstdMagic)) return Compression::kZstd;
  if (starts_with(kGzipMagic)) return Compression::kGzip;
  return Compression::kNone;
}

Expected<std::string> read_whole_file(const std::string& path) { return read_whole_file(path, kMaxTextBytes); }

Expected<std::string> read_whole_file(const std::string& path, std::uint64_t max_bytes) {
  Expected<MappedFile> file = MappedFile::open(path);
  if (!file) return file.error();
  std::string text;
  const Sink append = [&](std::span<const unsigned char> bytes) -> std::optional<std::string> {
    if (bytes.size() > max_bytes - text.size())
      return path + ": decompresses to more than " + limit_text(max_bytes) + " (the limit for this input)";
    text.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return std::nullopt;
  };
  const Compression c = sniff_compression(file->bytes());
  if (c == Compression::kNone && file->size() > max_bytes)
    return Error{path + ": larger than " + limit_text(max_bytes) + " (the limit for this input)"};
  if (std::optional<Error> e = refuse_declared_size(path, c, file->bytes(), max_bytes, "the limit for this input"))
    return *e;
  if (std::optional<Error> e = decompress(path, c, file->bytes(), append)) return *e;
  return text;
}

Expected<MappedFile> open_mapped_maybe_compressed(const std::string& path, std::uint64_t max_bytes) {
  Expected<MappedFile> file = MappedFile::open(path);
  if (!file) return file;
  const Compression c = sniff_compression(file->bytes());
  if (c == Compression::kNone) return file;
  if (std::optional<Error> e = refuse_declared_size(path, c, file->bytes(), max_bytes, "the limit for memory dumps"))
    return *e;

  Expected<TemporaryFile> tmp = make_temporary_file(path, " to decompress into");
  if (!tmp) return tmp.error();
  const int fd = tmp->fd.get();  // the descriptor and, later, the mapping keep the data alive
  const std::string& dir = tmp->dir;
  const std::uint64_t room = tmp->room;
  // An ELF core says in its first bytes where its content ends: output past that is refused.
  constexpr std::size_t kHead = 64 * 1024;
  std::vector<unsigned char> head;
  std::optional<std::uint64_t> elf_end;
  std::uint64_t written = 0, stored = 0;
  const Sink to_file = [&](std::span<const unsigned char> bytes) -> std::optional<std::string> {
    if (bytes.size() > max_bytes - written)
      return path + ": decompresses to more than " + limit_text(max_bytes) + " (the limit for memory dumps)";
    if (head.size() < kHead) {
      head.insert(head.end(), bytes.begin(),
                  bytes.begin() + static_cast<std::ptrdiff_t>(std::min(bytes.size(), kHead - head.size())));
      if (head.size() == kHead || !elf_end) elf_end = elf_extent(ByteView(head));
    }
    if (elf_end && head.size() == kHead && written + bytes.size() > *elf_end + (std::uint64_t{1} << 20))
      return path + ": decompresses past the " + std::to_string(*elf_end) +
             " bytes its ELF headers describe (a damaged core, or a decompression bomb)";
    if (const int err = pwrite_sparse(fd, bytes, written, stored); err != 0)
      return path + ": cannot write the decompressed copy to " + dir + ": " + std::strerror(err);
    if (stored > room)
      return path + ": the decompressed copy does not fit in " + dir +
             " (leaving 5% of it free; set TMPDIR to a larger file system)";
    written += bytes.size();
    return std::nullopt;
  };
  if (std::optional<Error> e = decompress(path, c, file->bytes(), to_file)) return *e;
  // Trailing zeros were never written: the size says where the data ends.
  if (::ftruncate(fd, static_cast<off_t>(written)) != 0)
    return Error{path + ": cannot size the decompressed copy in " + dir + ": " + std::strerror(errno)};
  return MappedFile::from_fd(fd, path + " (decompressed)");
}

Expected<TemporaryFile> make_temporary_file(const std::string& for_name, std::string_view purpose) {
  const char* env = std::getenv("TMPDIR");
  TemporaryFile t;
  t.dir = (env != nullptr && *env != '\0') ? env : "/tmp";
  std::string tmpl = t.dir + "/ptverify-XXXXXX";
  const int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0)
    return Error{for_name + ": cannot create a temporary file in " + t.dir + std::string(purpose) + ": " +
                 std::strerror(errno)};
  t.fd = OwnedFd(fd);
  ::unlink(tmpl.c_str());  // the descriptor keeps the data alive
  t.room = ~std::uint64_t{0};
  if (struct statvfs vfs{}; ::fstatvfs(fd, &vfs) == 0) {
    const std::uint64_t free_bytes = std::uint64_t{vfs.f_bavail} * vfs.f_frsize;
    t.room = free_bytes - std::min(free_bytes, free_bytes / 20 + (std::uint64_t{64} << 20));
  }
  return t;
}

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

}  // namespace ptv
