#include "verifier/capture/cpio.h"

#include <zlib.h>

#include <cstdio>
#include <limits>

namespace ptv::capture {

namespace {

void pad4(std::string& out) {
  while (out.size() % 4 != 0) out.push_back('\0');
}

void put_hex8(std::string& out, std::uint64_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(v & 0xffff'ffffU));
  out.append(buf, 8);
}

void put_member(std::string& out, std::uint64_t ino, const CpioEntry& e) {
  out += "070701";
  const std::uint64_t fields[] = {
      ino,
      e.mode,
      0,
      0,
      e.mode & kModeDirectory ? 2U : 1U,
      0,
      e.data.size(),
      0,
      0,
      e.rdev_major,
      e.rdev_minor,
      e.name.size() + 1,
      0,  // c_chksum: always 0 in "070701" archives
  };
  for (std::uint64_t f : fields) put_hex8(out, f);
  out += e.name;
  out.push_back('\0');
  pad4(out);
  out += e.data;
  pad4(out);
}

}  // namespace

std::string write_newc(const std::vector<CpioEntry>& entries) {
  std::string out;
  std::uint64_t ino = 1;
  for (const CpioEntry& e : entries) put_member(out, ino++, e);
  put_member(out, 0, CpioEntry{"TRAILER!!!", 0, {}, 0, 0});
  return out;
}

Expected<std::string> gzip(std::string_view data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error{"gzip: cannot start zlib's deflate", true};
  std::string out;
  std::size_t offset = 0;
  int rc = Z_OK;
  char chunk[1 << 16];
  do {
    const std::size_t take = std::min<std::size_t>(data.size() - offset, std::numeric_limits<uInt>::max());
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offset));  // zlib does not write it
    zs.avail_in = static_cast<uInt>(take);
    const int flush = offset + take == data.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(chunk);
      zs.avail_out = sizeof chunk;
      rc = deflate(&zs, flush);
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&zs);
        return Error{"gzip: zlib's deflate failed", true};
      }
      out.append(chunk, sizeof chunk - zs.avail_out);
    } while (zs.avail_out == 0);
    offset += take;
  } while (rc != Z_STREAM_END);
  deflateEnd(&zs);
  return out;
}

}  // namespace ptv::capture
