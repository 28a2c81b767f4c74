#!/usr/bin/env python3
"""Write a copy of an ELF core with one 8-byte page-table entry replaced (fault injection for
demos and reproducers). Usage: poke_slice.py IN.elf OUT.elf ENTRY_PA NEW_VALUE (hex)."""
import struct
import sys


def main() -> int:
    src, dst, pa, value = sys.argv[1], sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4], 16)
    data = bytearray(open(src, "rb").read())
    if data[:4] != b"\x7fELF":
        print(f"{src}: not an ELF file", file=sys.stderr)
        return 2
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_paddr <= pa and pa + 8 <= p_paddr + p_filesz:
            off = p_offset + (pa - p_paddr)
            old, = struct.unpack_from("<Q", data, off)
            struct.pack_into("<Q", data, off, value)
            open(dst, "wb").write(data)
            print(f"{dst}: entry {pa:#x} at file offset {off:#x}: {old:#018x} -> {value:#018x}")
            return 0
    print(f"{src}: no PT_LOAD segment holds {pa:#x}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
