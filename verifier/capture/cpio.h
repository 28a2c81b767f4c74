// The initramfs archive format the kernel unpacks at boot: cpio "newc" (SVR4 with no CRC),
// compressed with gzip. [Linux Documentation/driver-api/early-userspace/buffer-format.rst]
//
// Each member is a 110-byte ASCII header, the name, then the data:
//
//   "070701"                      magic
//   13 fields, 8 hex digits each: c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize
//                                 c_maj c_min c_rmaj c_rmin c_namesize c_chksum
//   name, NUL-terminated          c_namesize counts the NUL; padded to a multiple of 4
//   data                          c_filesize bytes; padded to a multiple of 4
//
// The archive ends with a member named "TRAILER!!!". Offsets of the padding count from the start
// of the archive, and every member starts on a 4-byte boundary.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/expected.h"

namespace ptv::capture {

/// File types and permissions of c_mode, as stat(2) spells them.
inline constexpr std::uint32_t kModeDirectory = 0040000;
inline constexpr std::uint32_t kModeRegular = 0100000;
inline constexpr std::uint32_t kModeSymlink = 0120000;
inline constexpr std::uint32_t kModeCharDevice = 0020000;

/// One member. `name` is relative ("bin/busybox", no leading '/'); `data` is a regular file's
/// content or a symlink's target; `rdev_*` name a device node's number.
struct CpioEntry {
  std::string name;
  std::uint32_t mode = 0;  ///< type | permissions, e.g. kModeRegular | 0755
  std::string data;
  std::uint32_t rdev_major = 0;
  std::uint32_t rdev_minor = 0;
};

/// The newc archive of `entries`, in order, with the trailer. Every member gets its own inode
/// number (1, 2, ...), uid and gid 0, one link, mtime 0: the same entries give the same bytes.
/// Requires: names non-empty and free of NUL; each data under 4 GiB.
[[nodiscard]] std::string write_newc(const std::vector<CpioEntry>& entries);

/// `data` as one gzip member (RFC 1952, zlib's deflate at its best compression).
[[nodiscard]] Expected<std::string> gzip(std::string_view data);

}  // namespace ptv::capture
