#!/usr/bin/env python3
"""Small binary seeds for fuzz_elf_core and fuzz_raw_image, cut from the real sliced cores.

A committed slice (tests/fixtures/*/core.slice.elf.zst) holds every page table reachable from
CR3: about 100 pages, 400+ KiB, too large for a fuzzer to mutate usefully. This keeps N tables
of a depth-first walk from the root, a few children per table (real kernel entries, real registers), and
writes them as
  - a mini ELF core (one PT_NOTE with the slice's PTVERIFY note, one PT_LOAD per table at its
    real physical address): tables beyond the cut are outside the dumped memory;
  - the same core with QEMU's own "QEMU" note (vCPU 0's CR0, CR3, CR4) instead;
  - a raw image in fuzz_raw_image's layout (CR3, CR4, EFER, MAXPHYADDR selector, then the
    image), with the tables moved to frames 1..N and every entry pointing at a kept table
    rewritten to the new frame.

Usage: make_binary_seeds.py CORE.elf OUT_PREFIX N
"""
import struct
import sys

PT_LOAD, PT_NOTE = 1, 4
ADDR_MASK = 0x000F_FFFF_FFFF_F000


def read_core(data):
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segments, note = [], None
    for i in range(phnum):
        p_type, _, off, _, paddr, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == PT_LOAD:
            segments.append((paddr, off, filesz))
        elif p_type == PT_NOTE:
            note = data[off:off + filesz]
    return segments, note


def page_at(data, segments, pa):
    for paddr, off, size in segments:
        if paddr <= pa and pa + 4096 <= paddr + size:
            return data[off + pa - paddr: off + pa - paddr + 4096]
    return None


def walk_tables(data, segments, root, levels, limit, fanout=3):
    """(pa, page) of up to `limit` tables reachable from root, depth first, following at most
    `fanout` children of each table (spread over its present entries), so that the cut keeps
    whole paths down to leaves in several parts of the address space."""
    out, seen = [], {root}

    def visit(pa, level):
        if len(out) >= limit:
            return
        page = page_at(data, segments, pa)
        if page is None:
            return
        out.append((pa, page))
        if level == 1:
            return
        children = []
        for i in range(512):
            e, = struct.unpack_from("<Q", page, 8 * i)
            leaf = level in (2, 3) and (e >> 7) & 1
            if e & 1 and not leaf:
                children.append(e & ADDR_MASK)
        if len(children) > fanout:
            step = len(children) / fanout
            children = [children[int(k * step)] for k in range(fanout)]
        for child in children:
            if child not in seen:
                seen.add(child)
                visit(child, level - 1)

    visit(root, levels)
    return out


def write_elf(path, tables, note):
    ehdr, phdr = 64, 56
    phnum = 1 + len(tables)
    note_off = ehdr + phnum * phdr
    data_off = (note_off + len(note) + 4095) & ~4095
    out = bytearray(struct.pack("<4sBBBB8xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 4, 62, 1, 0, ehdr, 0, 0,
                                ehdr, phdr, phnum, 64, 0, 0))
    out += struct.pack("<IIQQQQQQ", PT_NOTE, 4, note_off, 0, 0, len(note), len(note), 4)
    for i, (pa, _) in enumerate(sorted(tables)):
        out += struct.pack("<IIQQQQQQ", PT_LOAD, 4, data_off + 4096 * i, pa, pa, 4096, 4096, 4096)
    out += note
    out += bytes(data_off - len(out))
    for _, page in sorted(tables):
        out += page
    open(path, "wb").write(out)


def qemu_note(cr0, cr3, cr4):
    """A "QEMU" note as dump-guest-memory writes it for vCPU 0: QEMUCPUState version 1."""
    desc = bytearray(0x1B8)
    struct.pack_into("<II", desc, 0, 1, 0x1B8)
    struct.pack_into("<Q", desc, 0x188, cr0)
    struct.pack_into("<Q", desc, 0x1A0, cr3)
    struct.pack_into("<Q", desc, 0x1A8, cr4)
    return struct.pack("<III", 5, len(desc), 0) + b"QEMU\0\0\0\0" + bytes(desc)


def write_raw(path, tables, cr4, efer, maxphyaddr):
    new = {pa: 4096 * (i + 1) for i, (pa, _) in enumerate(tables)}
    image = bytearray(4096)  # frame 0: an empty table
    for _, page in tables:
        page = bytearray(page)
        for i in range(512):
            e, = struct.unpack_from("<Q", page, 8 * i)
            if e & 1 and (e & ADDR_MASK) in new:
                struct.pack_into("<Q", page, 8 * i, (e & ~ADDR_MASK) | new[e & ADDR_MASK])
        image += page
    header = struct.pack("<QQQB", new[tables[0][0]], cr4, efer, maxphyaddr - 32)
    open(path, "wb").write(header + image)


def main():
    core, prefix, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = open(core, "rb").read()
    segments, note = read_core(data)
    # The PTVERIFY note: 12-byte header, "PTVERIFY\0" padded to 12, then the descriptor.
    _, _, cr0, cr3, cr4, efer, maxphyaddr = struct.unpack_from("<IIQQQQI", note, 24)
    levels = 5 if cr4 & (1 << 12) else 4
    tables = walk_tables(data, segments, cr3 & ADDR_MASK & ~0xFFF, levels, limit)
    write_elf(prefix + ".elf", tables, note)
    write_elf(prefix + ".qemu-note.elf", tables, qemu_note(cr0, cr3, cr4))
    write_raw(prefix + ".raw", tables, cr4, efer, maxphyaddr)


if __name__ == "__main__":
    main()
