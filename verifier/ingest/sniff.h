// What a dump file is, from its first bytes and its size alone: the readable kinds (an ELF core
// of physical memory, /proc/kcore, a kdump-compressed or flattened crash dump, text, a raw image
// candidate) and every recognisable file ptverify does not read, each with a message
// that says what was found and what to do instead (docs/formats.md "What a file is").
//
// Pure: no I/O. The loader (load_dump.cpp) reads the head of the file, calls sniff_dump and
// switches over the kind.
#pragma once

#include <cstdint>
#include <string>

#include "verifier/base/mapped_file.h"

namespace ptv {

enum class DumpKind : std::uint8_t {
  kElfCore,             ///< x86_64 ET_CORE whose PT_LOADs are guest-physical (QEMU paging=false, ptverify slice)
  kKernelCore,          ///< x86_64 ET_CORE of kernel virtual addresses with p_paddr: /proc/kcore, an ELF /proc/vmcore
  kElfPagingCore,       ///< QEMU dump-guest-memory paging=true: PT_LOADs at guest-virtual addresses
  kElfNotCore,          ///< an ELF that is not a core: executable, shared object, relocatable
  kElfOtherCore,        ///< an ELF core of another class, byte order or machine (a 32-bit core)
  kKdumpCompressed,     ///< makedumpfile's kdump-compressed format ("KDUMP   ", "DISKDUMP")
  kKdumpFlattened,      ///< makedumpfile's flattened format (-F), starting "makedumpfile"
  kLime,                ///< a LiME memory image (header magic 0x4C694D45)
  kWindowsCrashDump,    ///< "PAGEDU64" / "PAGEDUMP"
  kWindowsHibernation,  ///< hiberfil.sys ("hibr", "HIBR", "wake", "WAKE")
  kLinuxHibernation,    ///< a swap area holding a Linux hibernation image (S1SUSPEND)
  kLinuxSwap,           ///< a Linux swap area (SWAPSPACE2)
  kQemuMigration,       ///< a QEMU migration stream or savevm state ("QEVM")
  kCompressed,          ///< a compressed or archive format ptverify does not decompress
  kOther,               ///< none of the above: text, or raw memory, or something unknown
};

/// What sniff_dump found. `detail` names the variant ("xz", "a 32-bit core", "e_type 2, an
/// executable"); it is part of the message.
struct SniffResult {
  DumpKind kind = DumpKind::kOther;
  std::string detail;
};

/// The kind of a file from `head`, its first bytes (at least the first 64 KiB when the file has
/// them; ELF program headers and notes beyond `head` are not looked at), and `file_size`, the
/// size of the whole file.
[[nodiscard]] SniffResult sniff_dump(ByteView head, std::uint64_t file_size);

/// The bytes sniff_dump wants to see: the first 64 KiB.
inline constexpr std::uint64_t kSniffHeadBytes = 64 * 1024;

/// One line for the user: what the file is and what to do, for the kinds ptverify does not read
/// (empty for the kinds it reads: kElfCore, kKernelCore, kKdumpCompressed, kKdumpFlattened, and
/// for kOther). The caller prefixes the file name.
[[nodiscard]] std::string sniff_message(const SniffResult& s);

/// A short name of the kind, for tests and notes ("elf-core", "kcore", "lime", ...).
[[nodiscard]] const char* to_string(DumpKind k);

/// Whether a file that nothing else recognises is plainly a raw memory image: a non-empty
/// multiple of 4 KiB that holds the whole top-level table at `root` (CR3 with its low 12 bits
/// masked). --format raw takes any file as raw.
[[nodiscard]] bool plainly_raw_memory(std::uint64_t file_size, std::uint64_t root);

}  // namespace ptv
