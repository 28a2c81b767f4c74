#!/usr/bin/env python3
"""Helpers for tests/kcore/in_guest.sh, standard library only.

  guest_tools.py cpio DIR OUT         write DIR as a newc cpio archive (an initramfs)
  guest_tools.py qmp SOCKET CORE      pause the guest, dump-guest-memory CORE (paging=false), quit
  guest_tools.py between LOG BEGIN END   print the serial log's lines between two markers
  guest_tools.py compare INSIDE OUTSIDE DIRECT_MAP_BASE
                                      compare two `ptverify mappings` texts over the kernel half
"""
import json
import os
import socket
import stat
import sys
import time


def cpio(src, out):
    """newc format (cpio(5) "New ASCII Format"): a 110-byte header per entry, name and data
    each padded to 4 bytes, ended by TRAILER!!!."""
    entries = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(root, name)
            entries.append((os.path.relpath(path, src), path))
    ino = 1
    with open(out, "wb") as f:

        def put(name, mode, data, nlink=1):
            nonlocal ino
            namez = name.encode() + b"\0"
            hdr = "070701" + "".join(
                "%08X" % v
                for v in (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(namez), 0))
            ino += 1
            f.write(hdr.encode() + namez)
            f.write(b"\0" * ((4 - (110 + len(namez)) % 4) % 4))
            f.write(data)
            f.write(b"\0" * ((4 - len(data) % 4) % 4))

        for rel, path in entries:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                put(rel, st.st_mode, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                put(rel, st.st_mode, b"", 2)
            else:
                with open(path, "rb") as g:
                    put(rel, st.st_mode, g.read())
        put("TRAILER!!!", 0, b"")


def qmp(sock_path, core):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    f = s.makefile("rw")

    def reply():
        while True:
            msg = json.loads(f.readline())
            if "return" in msg or "error" in msg:
                return msg

    json.loads(f.readline())  # the greeting
    for cmd in ({"execute": "qmp_capabilities"}, {"execute": "stop"},
                {"execute": "dump-guest-memory", "arguments": {"paging": False, "protocol": "file:" + core}}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        r = reply()
        if "error" in r:
            sys.exit("qmp: %s: %s" % (cmd["execute"], r["error"]))
    f.write(json.dumps({"execute": "quit"}) + "\n")
    f.flush()
    time.sleep(0.5)


def between(log, begin, end):
    out, inside = [], False
    with open(log, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line == end:
                inside = False
            if inside:
                out.append(line)
            if line == begin:
                inside = True
    print("\n".join(out))


def runs(path):
    """(start, end, rest) of each run of a `ptverify mappings` text in the kernel half."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or "-" not in line.split(" ")[0]:
                continue
            rng, rest = line.split(None, 1)
            a, b = (int(x, 16) for x in rng.split("-"))
            if a >= 0xff00000000000000:  # the kernel half under 5-level paging, and so under 4-level
                out.append((a, b, " ".join(rest.split())))
    return out


def compare(inside, outside, base):
    """The direct map (64 TiB from its base, 32 PiB under 5-level paging) and the kernel image (__START_KERNEL_map to the
    module area at 0xffffffffc0000000) must agree run for run: nothing there changes while the
    guest idles. Elsewhere (vmalloc and its stacks, modules, fixmap's kmap slots, cpu_entry_area)
    runs may come and go between the two moments; they are counted, not required equal."""
    base = int(base, 16)
    span = (64 << 40) if base >= 0xffff800000000000 else (32 << 50)
    fixed = [(base, base + span), (0xffffffff80000000, 0xffffffffc0000000)]

    def part(rs, keep):
        return [r for r in rs if any(lo <= r[0] < hi for lo, hi in fixed) == keep]

    a, b = runs(inside), runs(outside)
    fa, fb = part(a, True), part(b, True)
    if not fa:
        sys.exit("compare: no direct-map or kernel-image run inside: nothing was compared")
    if fa != fb:
        sa, sb = set(fa), set(fb)
        for r in sorted(sa - sb)[:20]:
            print("only inside:  %x-%x %s" % r)
        for r in sorted(sb - sa)[:20]:
            print("only outside: %x-%x %s" % r)
        sys.exit("compare: the direct map and kernel image differ (%d runs inside, %d outside)" % (len(fa), len(fb)))
    va, vb = set(part(a, False)), set(part(b, False))
    print("kernel half: %d direct-map and kernel-image runs agree; elsewhere %d runs agree, %d only inside, "
          "%d only outside (vmalloc, modules, fixmap may change)" % (len(fa), len(va & vb), len(va - vb), len(vb - va)))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"cpio": cpio, "qmp": qmp, "between": between, "compare": compare}[cmd](*args)
