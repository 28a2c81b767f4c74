// makedumpfile's *flattened* format: what `makedumpfile -F` and QEMU's `dump-guest-memory -z`
// (kdump-zlib, kdump-lzo, kdump-snappy) write so that a dump can go through a pipe. It is a
// container, not a dump format: a 4 KiB header, then records that each say "these bytes belong
// at this offset of the real file". `makedumpfile -R` turns it back into the file it stands for
// (a "KDUMP" kdump-compressed file, or an ELF vmcore); reassemble_flattened does the same into
// a temporary file, which libkdumpfile then reads (its version 0.5.1 does not read the
// flattened form itself).
//
//   0x0000  char signature[16]   "makedumpfile", NUL padded
//   0x0010  i64  type            1 (TYPE_FLAT_HEADER), big-endian
//   0x0018  i64  version         1, big-endian
//   0x1000  records: { i64 offset; i64 size; u8 data[size] }, both fields big-endian;
//           a record with offset -1 ends the file
//
// Later records overwrite earlier ones where they overlap (makedumpfile rewrites its header and
// bitmaps that way), as makedumpfile -R does.
#pragma once

#include <cstdint>
#include <string>

#include "models/expected.h"
#include "verifier/base/mapped_file.h"

namespace ptv {

/// True when the bytes start with the flattened header's signature ("makedumpfile\0").
[[nodiscard]] bool has_flattened_signature(ByteView bytes);

/// The file the flattened `file` stands for, written to an unlinked temporary file under
/// $TMPDIR (default /tmp): it disappears when the descriptor is closed. Bounded: no record may
/// reach past 1 TiB (the limit for memory dumps), and the data written never takes more than
/// $TMPDIR has free less 5%. Errors name the file and the record's offset: a bad signature,
/// type or version, a negative offset or size, a record running past the end of the file, no
/// end record, or a write that fails.
Expected<OwnedFd> reassemble_flattened(const MappedFile& file);

/// A copy of `file`'s bytes in an unlinked temporary file under $TMPDIR, for libraries that
/// read from a descriptor (a decompressed or in-memory dump). Bounded as above.
Expected<OwnedFd> copy_to_temporary(const MappedFile& file);

}  // namespace ptv
