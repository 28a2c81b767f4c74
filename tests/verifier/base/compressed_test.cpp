// Transparent decompression. Strategy: compress known bytes with libzstd and zlib themselves
// (one frame, several frames / gzip members, more than one 1 MiB output chunk), read them back
// through both entry points (whole text, mapped temporary copy) and compare byte for byte;
// then truncated and corrupt streams, the size cap and an unusable $TMPDIR must be errors
// naming the file.
#define ZLIB_CONST
#include "verifier/base/compressed.h"

#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "verifier/ingest/raw_ingest_test_util.h"

namespace ptv {
namespace {

using Blob = std::vector<unsigned char>;

Blob pattern(std::size_t n) {
  Blob b(n);
  std::uint32_t x = 12345;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    b[i] = static_cast<unsigned char>((i % 7 == 0) ? (x >> 16) : (i & 0xff));
  }
  return b;
}

Blob zstd_frame(const Blob& in) {
  Blob out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

Blob gzip_member(const Blob& in) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  Blob out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = in.data();
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Blob concat(Blob a, const Blob& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Blob mapped_content(const std::string& path) {
  Expected<MappedFile> m = open_mapped_maybe_compressed(path);
  REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().message));
  return Blob(m->bytes().span().begin(), m->bytes().span().end());
}

TEST_CASE("compression is recognised by magic bytes") {
  const Blob z = zstd_frame(pattern(100));
  const Blob g = gzip_member(pattern(100));
  const Blob elf{0x7f, 'E', 'L', 'F'};
  CHECK(sniff_compression(ByteView(z)) == Compression::kZstd);
  CHECK(sniff_compression(ByteView(g)) == Compression::kGzip);
  CHECK(sniff_compression(ByteView(elf)) == Compression::kNone);
  CHECK(sniff_compression(ByteView()) == Compression::kNone);
}

TEST_CASE("zstd and gzip round trip through the mapped temporary copy") {
  const Blob data = pattern((3u << 20) + 17);  // more than one 1 MiB output chunk
  for (const Blob& packed : {zstd_frame(data), gzip_member(data)}) {
    const rawtest::TempFile f(packed);
    CHECK(mapped_content(f.path()) == data);
    Expected<MappedFile> m = open_mapped_maybe_compressed(f.path());
    REQUIRE(m.ok());
    CHECK(m->name() == f.path() + " (decompressed)");
  }
}

TEST_CASE("blocks of zeros anywhere, including at the end, come back as zeros of the right size") {
  // The temporary copy leaves holes for 4 KiB blocks of zeros; the size and every byte must
  // be as decompressed: zeros at the start, between data, straddling output chunks, and last.
  Blob data(0x40'0000 + 4096 * 3 + 100, 0);
  const Blob p = pattern(10'000);
  std::copy(p.begin(), p.end(), data.begin() + 0x5000);
  std::copy(p.begin(), p.begin() + 300, data.begin() + 0x10'0000 - 100);  // across the 1 MiB chunk edge
  data[0x30'0000 + 4095] = 1;
  for (const Blob& packed : {zstd_frame(data), gzip_member(data)}) {
    const rawtest::TempFile f(packed);
    const Blob got = mapped_content(f.path());
    CHECK(got.size() == data.size());
    CHECK(got == data);
  }
  const Blob zeros(3 * 4096, 0);
  const rawtest::TempFile z(zstd_frame(zeros));
  CHECK(mapped_content(z.path()) == zeros);
}

TEST_CASE("several zstd frames and several gzip members are concatenated") {
  const Blob a = pattern(5000), b = pattern(123);
  const Blob both = concat(a, b);
  const rawtest::TempFile z(concat(zstd_frame(a), zstd_frame(b)));
  const rawtest::TempFile g(concat(gzip_member(a), gzip_member(b)));
  CHECK(mapped_content(z.path()) == both);
  CHECK(mapped_content(g.path()) == both);
}

TEST_CASE("an uncompressed file is mapped as it is") {
  const Blob data = pattern(4096);
  const rawtest::TempFile f(data);
  CHECK(mapped_content(f.path()) == data);
  Expected<MappedFile> m = open_mapped_maybe_compressed(f.path());
  REQUIRE(m.ok());
  CHECK(m->name() == f.path());
}

TEST_CASE("read_whole_file decompresses text transparently") {
  const std::string text = "CR0=80050033 CR2=0 CR3=00000000001f6000 CR4=007506b0\nEFER=0000000000000d01\n";
  const Blob raw(text.begin(), text.end());
  for (const Blob& packed : {raw, zstd_frame(raw), gzip_member(raw)}) {
    const rawtest::TempFile f(packed);
    Expected<std::string> got = read_whole_file(f.path());
    REQUIRE_MESSAGE(got.ok(), (got.ok() ? "" : got.error().message));
    CHECK(*got == text);
  }
}

TEST_CASE("the text size cap applies after decompression") {
  const Blob big(10000, 'x');
  for (const Blob& packed : {big, zstd_frame(big), gzip_member(big)}) {
    const rawtest::TempFile f(packed);
    Expected<std::string> got = read_whole_file(f.path(), 9999);
    REQUIRE_FALSE(got.ok());
    CHECK(got.error().message.starts_with(f.path() + ": "));
    CHECK(got.error().message.find("the limit for this input") != std::string::npos);
    CHECK(read_whole_file(f.path(), 10000).ok());
  }
  const rawtest::TempFile z(zstd_frame(big));
  Expected<MappedFile> m = open_mapped_maybe_compressed(z.path(), 4096);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("the limit for memory dumps") != std::string::npos);
}

TEST_CASE("truncated and corrupt streams are errors naming the file") {
  const Blob data = pattern(200000);
  Blob z = zstd_frame(data);
  Blob g = gzip_member(data);
  z.resize(z.size() / 2);
  g.resize(g.size() / 2);
  const rawtest::TempFile zt(z), gt(g);
  Expected<MappedFile> zm = open_mapped_maybe_compressed(zt.path());
  REQUIRE_FALSE(zm.ok());
  CHECK(zm.error().message.starts_with(zt.path() + "+0x"));
  CHECK(zm.error().message.find("zstd: stream is truncated") != std::string::npos);
  Expected<MappedFile> gm = open_mapped_maybe_compressed(gt.path());
  REQUIRE_FALSE(gm.ok());
  CHECK(gm.error().message.find("gzip: stream is truncated") != std::string::npos);

  Blob bad = zstd_frame(data);
  for (std::size_t i = 20; i < bad.size(); i += 7) bad[i] ^= 0x5a;
  const rawtest::TempFile zc(bad);
  Expected<std::string> zr = read_whole_file(zc.path());
  REQUIRE_FALSE(zr.ok());
  CHECK(zr.error().message.starts_with(zc.path() + "+0x"));
  CHECK(zr.error().message.find("zstd: ") != std::string::npos);

  Blob gbad = gzip_member(data);
  gbad[3] = 0xff;  // FLG with reserved bits set
  const rawtest::TempFile gc(gbad);
  Expected<std::string> gr = read_whole_file(gc.path());
  REQUIRE_FALSE(gr.ok());
  CHECK(gr.error().message.starts_with(gc.path() + "+0x"));
}

/// A zstd frame that does not record its content size, as `zstd` writes when reading a pipe.
Blob zstd_frame_unsized(const Blob& in) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  REQUIRE(c != nullptr);
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  Blob out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress2(c, out.data(), out.size(), in.data(), in.size());
  ZSTD_freeCCtx(c);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST_CASE("a zstd input is refused by the size its frames declare, or where the stream passes the limit") {
  const Blob big(1 << 20, 'x');
  const rawtest::TempFile sized(zstd_frame(big));
  Expected<std::string> a = read_whole_file(sized.path(), 4096);
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message ==
        sized.path() + ": its zstd frames declare 1048576 bytes, more than 4096 bytes (the limit for this input)");
  Expected<MappedFile> m = open_mapped_maybe_compressed(sized.path(), 4096);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("its zstd frames declare 1048576 bytes") != std::string::npos);

  const rawtest::TempFile unsized(zstd_frame_unsized(big));
  Expected<std::string> b = read_whole_file(unsized.path(), 4096);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message == unsized.path() + ": decompresses to more than 4096 bytes (the limit for this input)");
  CHECK(read_whole_file(unsized.path()).ok());
}

TEST_CASE("content of an exact multiple of 1 MiB is a whole stream, sized or not") {
  for (const std::size_t mib : {1u, 2u, 3u}) {
    CAPTURE(mib);
    const Blob data = pattern(mib << 20);
    for (const Blob& packed : {zstd_frame(data), zstd_frame_unsized(data)}) {
      const rawtest::TempFile f(packed);
      CHECK(mapped_content(f.path()) == data);
      Expected<std::string> t = read_whole_file(f.path());
      REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
      CHECK(t->size() == data.size());
    }
  }
}

TEST_CASE("a compressed ELF core is decompressed only to 1 MiB past the end its headers describe") {
  // An ELF64 header and one PT_LOAD of 4 KiB at offset 4 KiB: the content ends at 8 KiB.
  Blob core(8192, 0);
  const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
  std::copy(std::begin(ident), std::end(ident), core.begin());
  auto put = [&](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) core[at + static_cast<std::size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
  };
  put(16, 4, 2);          // e_type ET_CORE
  put(18, 62, 2);         // e_machine x86-64
  put(20, 1, 4);          // e_version
  put(32, 64, 8);         // e_phoff
  put(52, 64, 2);         // e_ehsize
  put(54, 56, 2);         // e_phentsize
  put(56, 1, 2);          // e_phnum
  put(64, 1, 4);          // p_type PT_LOAD
  put(64 + 8, 4096, 8);   // p_offset
  put(64 + 32, 4096, 8);  // p_filesz
  put(64 + 40, 4096, 8);  // p_memsz
  for (std::size_t i = 4096; i < 8192; ++i) core[i] = static_cast<unsigned char>(i);
  const rawtest::TempFile ok(zstd_frame_unsized(core));
  CHECK(mapped_content(ok.path()) == core);
  // The same core followed by 3 MiB of zeros it does not describe.
  Blob padded = core;
  padded.resize(core.size() + (3u << 20), 0);
  const rawtest::TempFile bomb(zstd_frame_unsized(padded));
  Expected<MappedFile> m = open_mapped_maybe_compressed(bomb.path());
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message ==
        bomb.path() +
            ": decompresses past the 8192 bytes its ELF headers describe (a damaged core, or a decompression bomb)");
}

TEST_CASE("an unusable TMPDIR is an error that names it") {
  const rawtest::TempFile f(zstd_frame(pattern(100)));
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", "/nonexistent/ptv-tmp", 1);
  Expected<MappedFile> m = open_mapped_maybe_compressed(f.path());
  if (old)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().message.find("/nonexistent/ptv-tmp") != std::string::npos);
}

}  // namespace
}  // namespace ptv
