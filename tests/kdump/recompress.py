#!/usr/bin/env python3
"""Rewrite a kdump-compressed file's zlib pages as snappy or zstd pages.

Debian 12 has no writer for these two (QEMU 7.2 and makedumpfile 1.7.2 were built without
them), but libkdumpfile reads both: this makes the test's snappy and zstd dumps from the zlib
one makedumpfile writes, page for page, so that the reader is tested on every compression.

    recompress.py snappy|zstd IN.kdump OUT.kdump

The layout is makedumpfile's (its diskdump_mod.h): the disk_dump_header in block 0
(block_size at byte 428, sub_hdr_size 432, bitmap_blocks 436), the sub-header, the two bitmaps,
then one page descriptor per dumpable page (a set bit of the second bitmap): u64 offset, u32
size, u32 flags, u64 page_flags. Only the descriptors and the page data change; each page's data
is appended at the end and its descriptor points there. The compressors are the shared
libraries libkdumpfile itself links (libsnappy.so.1, libzstd.so.1), called through ctypes.
"""
import ctypes
import struct
import sys
import zlib

ZLIB, SNAPPY, ZSTD = 0x1, 0x4, 0x20


def compressor(kind):
    if kind == "snappy":
        lib = ctypes.CDLL("libsnappy.so.1")
        lib.snappy_max_compressed_length.restype = ctypes.c_size_t
        lib.snappy_max_compressed_length.argtypes = [ctypes.c_size_t]

        def compress(data):
            cap = ctypes.c_size_t(lib.snappy_max_compressed_length(len(data)))
            out = ctypes.create_string_buffer(cap.value)
            if lib.snappy_compress(data, ctypes.c_size_t(len(data)), out, ctypes.byref(cap)) != 0:
                sys.exit("snappy_compress failed")
            return out.raw[: cap.value]

        return compress, SNAPPY
    if kind == "zstd":
        lib = ctypes.CDLL("libzstd.so.1")
        lib.ZSTD_compressBound.restype = ctypes.c_size_t
        lib.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
        lib.ZSTD_compress.restype = ctypes.c_size_t
        lib.ZSTD_compress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
        lib.ZSTD_isError.argtypes = [ctypes.c_size_t]

        def compress(data):
            cap = lib.ZSTD_compressBound(len(data))
            out = ctypes.create_string_buffer(cap)
            n = lib.ZSTD_compress(out, cap, data, len(data), 3)
            if lib.ZSTD_isError(n):
                sys.exit("ZSTD_compress failed")
            return out.raw[:n]

        return compress, ZSTD
    sys.exit("usage: recompress.py snappy|zstd IN.kdump OUT.kdump")


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    compress, flag = compressor(sys.argv[1])
    data = bytearray(open(sys.argv[2], "rb").read())
    if data[:8] != b"KDUMP   ":
        sys.exit(sys.argv[2] + ": not a kdump-compressed file")
    block_size, sub_hdr_size, bitmap_blocks = struct.unpack_from("<iiI", data, 428)
    bitmaps = block_size * (1 + sub_hdr_size)
    half = bitmap_blocks * block_size // 2
    dumpable = sum(bin(b).count("1") for b in data[bitmaps + half : bitmaps + 2 * half])
    descs = bitmaps + 2 * half
    converted = {}  # old data offset -> new descriptor fields (shared pages stay shared)
    tail = bytearray()
    for i in range(dumpable):
        at = descs + 24 * i
        offset, size, flags, page_flags = struct.unpack_from("<qIIQ", data, at)
        if not flags & ZLIB:
            continue
        if offset not in converted:
            page = zlib.decompress(bytes(data[offset : offset + size]))
            packed = compress(page)
            converted[offset] = (len(data) + len(tail), len(packed))
            tail += packed
        new_offset, new_size = converted[offset]
        struct.pack_into("<qIIQ", data, at, new_offset, new_size, (flags & ~ZLIB) | flag, page_flags)
    status_at = 424
    (status,) = struct.unpack_from("<i", data, status_at)
    struct.pack_into("<i", data, status_at, (status & ~ZLIB) | flag)
    open(sys.argv[3], "wb").write(bytes(data + tail))
    print("%s: %d of %d pages recompressed with %s" % (sys.argv[3], len(converted), dumpable, sys.argv[1]))


if __name__ == "__main__":
    main()
