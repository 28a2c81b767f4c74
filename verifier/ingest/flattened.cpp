#include "verifier/ingest/flattened.h"

#include <algorithm>
#include <cerrno>
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

}  // namespace

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

  Expected<TemporaryFile> tmp = make_temporary_file(name);
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
  Expected<TemporaryFile> tmp = make_temporary_file(file.name());
  if (!tmp) return tmp.error();
  if (file.size() > tmp->room)
    return Error{file.name() + ": a copy does not fit in " + tmp->dir +
                 " (leaving 5% of it free; set TMPDIR to a larger file system)"};
  if (const int err = pwrite_all(tmp->fd.get(), file.bytes().span(), 0); err != 0)
    return Error{file.name() + ": cannot write a copy to " + tmp->dir + ": " + std::strerror(err)};
  return std::move(tmp->fd);
}

}  // namespace ptv
