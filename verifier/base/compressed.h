// Compressed inputs, opened transparently: gzip and zstd are recognised by their magic bytes
// (never by the file name), so `core.elf.zst`, `ptdump.txt.gz` and a plain file all work.
//
// Text inputs are small and are read whole into a string (with a cap). Memory dumps are not:
// a compressed core is streamed through the decompressor into an unlinked temporary file under
// $TMPDIR (default /tmp), and that file is mapped, so the whole core is never held in RAM.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"

namespace ptv {

enum class Compression : std::uint8_t { kNone, kGzip, kZstd };
const char* to_string(Compression c);  // "none", "gzip", "zstd"

/// gzip: 1f 8b; zstd frame: 28 b5 2f fd. Anything else (including fewer bytes) is kNone.
[[nodiscard]] Compression sniff_compression(ByteView head);

/// The cap on a decompressed text file: 1 GiB.
inline constexpr std::uint64_t kMaxTextBytes = std::uint64_t{1} << 30;
/// The cap on a decompressed memory dump written to $TMPDIR: 1 TiB (a guard against
/// decompression bombs; real guests are far smaller).
inline constexpr std::uint64_t kMaxDumpBytes = std::uint64_t{1} << 40;

/// The whole content of `path`, decompressed if it is gzip or zstd. Errors name the file:
/// "x.txt.zst+0x1234: zstd: Corrupted block detected", "x.txt: decompresses to more than
/// 1 GiB (the limit for this input)", "x.txt: cannot open: No such file or directory".
Expected<std::string> read_whole_file(const std::string& path);
/// As above with an explicit cap (bytes after decompression).
Expected<std::string> read_whole_file(const std::string& path, std::uint64_t max_bytes);

/// `path` mapped read-only. A gzip or zstd file is streamed into an unlinked temporary file
/// under $TMPDIR (default /tmp) and that copy is mapped; its name() is then
/// "<path> (decompressed)", and offsets in later diagnostics are offsets in the decompressed
/// bytes. The temporary file disappears when the mapping is released.
///
/// Decompression bombs are refused early: zstd frames that declare more than `max_bytes` are
/// refused before any output; an ELF core is not decompressed past the end its own headers
/// describe (plus 1 MiB); and the non-zero data written never takes more than what $TMPDIR has
/// free less 5%. Zero blocks are written as holes.
Expected<MappedFile> open_mapped_maybe_compressed(const std::string& path, std::uint64_t max_bytes = kMaxDumpBytes);

/// An unlinked temporary file under $TMPDIR (default /tmp): the descriptor keeps its data alive,
/// and it disappears when the descriptor is closed. `room` is what it may take on disk: the
/// space free in $TMPDIR less 5% and 64 MiB for others (unbounded when that cannot be read).
struct TemporaryFile {
  OwnedFd fd;
  std::string dir;
  std::uint64_t room = 0;
};
/// Errors: "FOR_NAME: cannot create a temporary file in DIR PURPOSE: ..." (`purpose` may be
/// empty, else starts with a space).
Expected<TemporaryFile> make_temporary_file(const std::string& for_name, std::string_view purpose = {});

/// Writes all of `bytes` to `fd` at `offset`, retrying short writes: 0, or the errno (EIO when
/// the system writes nothing).
int pwrite_all(int fd, std::span<const unsigned char> bytes, std::uint64_t offset);

}  // namespace ptv
