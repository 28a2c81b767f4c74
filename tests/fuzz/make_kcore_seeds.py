#!/usr/bin/env python3
"""Seeds for fuzz_kernel_core: kcore-shaped ELF cores as fs/proc/kcore.c lays them out.

Direct-map RAM segments with p_paddr, the kernel text segment repeating RAM (p_paddr =
__pa_symbol), a vmalloc segment with p_paddr = -1, and a VMCOREINFO note naming init_top_pgt
with a negative phys_base; four tables map one page (the layout of kernel_core_test.cpp).

Usage: make_kcore_seeds.py OUT_DIR   (writes kcore-vmcoreinfo, kcore-sme, kcore-no-vmcoreinfo)
"""
import os
import struct
import sys

DIRECT_MAP = 0xFFFF_8880_0000_0000


def kcore(c_bit=0, vmcoreinfo=True):
    segs = [(DIRECT_MAP, 0x0, 0x1000, 0x4000), (DIRECT_MAP + 0x100000, 0x100000, 0x5000, 0x2000),
            (0xFFFF_FFFF_8100_0000, 0x100000, 0x9000, 0x1000), (0xFFFF_C900_0000_0000, 2**64 - 1, 0xA000, 0x1000)]
    out = bytearray(0xB000)
    struct.pack_into("<4sBBB9xHHIQQQIHHHHHH", out, 0, b"\x7fELF", 2, 1, 1, 4, 62, 1, 0, 0x40, 0, 0, 64, 56,
                     len(segs) + 1, 64, 0, 0)
    info = (b"OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff81001000\n"
            b"NUMBER(phys_base)=-16777216\nNUMBER(pgtable_l5_enabled)=0\nKERNELOFFSET=0\n")
    if c_bit:
        info += b"NUMBER(sme_mask)=%d\n" % c_bit
    name = b"VMCOREINFO\0" if vmcoreinfo else b"CORE\0"
    desc = info if vmcoreinfo else b"\0\0\0\0"
    note = struct.pack("<III", len(name), len(desc), 0) + name.ljust((len(name) + 3) & ~3, b"\0")
    note += desc.ljust((len(desc) + 3) & ~3, b"\0")
    out[0x400:0x400 + len(note)] = note
    struct.pack_into("<IIQQQQQQ", out, 0x40, 4, 4, 0x400, 0, 0, len(note), 0, 0)
    for i, (vaddr, paddr, off, size) in enumerate(segs):
        struct.pack_into("<IIQQQQQQ", out, 0x40 + 56 * (i + 1), 1, 7, off, vaddr, paddr, size, size, 0x1000)
    out[0x9000:0xA000] = b"\xee" * 0x1000

    def at(pa):
        return 0x1000 + pa if pa < 0x4000 else 0x5000 + pa - 0x100000

    for table, index, target in ((0x1000, 256, 0x2000), (0x2000, 0, 0x3000), (0x3000, 0, 0x100000),
                                 (0x100000, 0, 0x101000)):
        struct.pack_into("<Q", out, at(table) + 8 * index, target | c_bit | 0x3)
    return bytes(out)


def main():
    d = sys.argv[1]
    for name, data in (("kcore-vmcoreinfo", kcore()), ("kcore-sme", kcore(1 << 47)),
                       ("kcore-no-vmcoreinfo", kcore(vmcoreinfo=False))):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
