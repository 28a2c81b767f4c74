#!/usr/bin/env python3
"""Make QEMU's dump-guest-memory ELF core readable by makedumpfile, in place.

QEMU 7.2 writes e_ehsize 8 and puts the program header table after a section header, at offset
192; makedumpfile 1.7.2 then finds no PT_LOAD ("get_elf_info: Can't get the number of PT_LOAD").
This moves the program header table to offset 64, right after the ELF header (QEMU leaves room
for it before its notes), sets e_ehsize to 64 and drops the section header. The segments and
notes stay where they are; ptverify reads the core either way.

    makedumpfile_headers.py CORE.elf
"""
import struct
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "r+b") as f:
        head = bytearray(f.read(64))
        if head[:4] != b"\x7fELF" or head[4] != 2:
            sys.exit(sys.argv[1] + ": not an ELF64 file")
        (phoff,) = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
        first = min(struct.unpack_from("<Q", table, i * phentsize + 8)[0] for i in range(phnum))
        if 64 + len(table) > first:
            sys.exit(sys.argv[1] + ": no room for the program headers before the first segment")
        struct.pack_into("<Q", head, 32, 64)  # e_phoff
        struct.pack_into("<Q", head, 40, 0)  # e_shoff
        struct.pack_into("<H", head, 52, 64)  # e_ehsize
        struct.pack_into("<HHH", head, 58, 0, 0, 0)  # e_shentsize, e_shnum, e_shstrndx
        f.seek(0)
        f.write(head)
        f.write(table)
        f.write(b"\0" * (first - 64 - len(table)))


if __name__ == "__main__":
    main()
