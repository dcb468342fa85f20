#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bad input to cnh: each case must exit non-zero with one clear line."""
import os
import re
import struct
import sys
import tempfile

import cnhtest as t

cnh, guest = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="cnh-bad-")


def write(name, data):
    p = os.path.join(tmp, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


def case(what, args, pattern, code=None, needs_kvm=False):
    if needs_kvm and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("skip: %s (no /dev/kvm)" % what)
        return
    r = t.run_cnh(cnh, args, timeout=60)
    lines = [l for l in r.err.splitlines() if l.strip()]
    ok = r.code != 0 and (code is None or r.code == code) and \
        any(re.search(pattern, l) for l in lines) and len(lines) <= 3
    if not ok:
        r.show()
    t.check(ok, "%s -> exit %d, %r" % (what, r.code, lines[:1]))


corrupt = write("corrupt.img", os.urandom(64 * 1024))
# A bzImage header that claims more setup sectors than the file has.
trunc = bytearray(4096)
trunc[0x1f1] = 60
struct.pack_into("<H", trunc, 0x1fe, 0xAA55)
trunc[0x202:0x206] = b"HdrS"
struct.pack_into("<H", trunc, 0x206, 0x020f)
struct.pack_into("<H", trunc, 0x236, 0x1)  # XLF_KERNEL_64
truncated = write("truncated.bzImage", bytes(trunc))
big_initrd = os.path.join(tmp, "big.initrd")
with open(big_initrd, "wb") as f:
    f.truncate(200 << 20)  # sparse: 200 MiB into a 32 MiB guest

case("unknown option", ["--frobnicate"], r"unknown option '--frobnicate'", code=2)
case("bad memory value", ["--kernel", guest, "--memory", "size=lots"], r"--memory: bad size 'lots'", code=2)
case("unknown memory parameter", ["--kernel", guest, "--memory", "size=64M,color=red"],
     r"unknown parameter 'color'", code=2)
case("bad cpus value", ["--kernel", guest, "--cpus", "boot=0"], r"--cpus: boot must be", code=2)
case("bad serial mode", ["--kernel", guest, "--serial", "carrier-pigeon"], r"serial", code=2)
case("no kernel", [], r"--kernel is required", code=2)
case("missing kernel", ["--kernel", os.path.join(tmp, "nope")], r"nope.*(No such file|not found|cannot)",
     needs_kvm=True)
case("corrupt kernel", ["--kernel", corrupt, "--memory", "size=64M"], r"corrupt\.img", needs_kvm=True)
case("truncated bzImage", ["--kernel", truncated, "--memory", "size=64M"], r"truncated\.bzImage.*(truncat|past the end|beyond|short)",
     needs_kvm=True)
case("initramfs too large", ["--kernel", guest, "--initramfs", big_initrd, "--memory", "size=32M"],
     r"initramfs|initrd", needs_kvm=True)
case("memory beyond the host", ["--kernel", guest, "--memory", "size=64T"], r"exceeds the host",
     needs_kvm=True)
t.finish()
