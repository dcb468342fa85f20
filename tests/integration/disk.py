#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The test guest drives a virtio-blk disk served by a vhost-user back-end:
cnh-blk spawned by cnh (--disk path=...), or qemu-storage-daemon's
vhost-user-blk export (--disk vhost_user=true,socket=...). The guest writes
a seeded pattern, flushes and reads it back; this script then checks that
the host file holds the pattern.

usage: disk.py CNH GUEST_IMAGE [--queues N] [--backend cnh|qsd] [--readonly]
               [--reboot] [--hostile] [--direct]
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import cnhtest as t


def options(ap):
    ap.add_argument("--queues", type=int, default=1)
    ap.add_argument("--backend", default="cnh", choices=["cnh", "qsd"])
    ap.add_argument("--readonly", action="store_true")
    ap.add_argument("--reboot", action="store_true", help="blk, reboot, blk again")
    ap.add_argument("--hostile", action="store_true", help="also run blk-hostile")
    ap.add_argument("--direct", action="store_true")


a = t.guest_args(options)
import blk_pattern  # noqa: E402

t.need_kvm()
tmp = tempfile.mkdtemp(prefix="cnh-disk-")
disk = os.path.join(tmp, "disk.img")
size = 32 << 20
with open(disk, "wb") as f:
    f.write(os.urandom(4096))  # junk at the start: a read-only run must leave it alone
    f.truncate(size)
before = open(disk, "rb").read()
seed = int(time.time()) % 251 + 1
sectors = size // 512

qsd = None
if a.backend == "qsd":
    exe = shutil.which("qemu-storage-daemon")
    if not exe:
        print("SKIP: qemu-storage-daemon not installed (Debian package qemu-system-common)")
        sys.exit(t.SKIP)
    sock = os.path.join(tmp, "vub.sock")
    qsd = subprocess.Popen([exe, "--blockdev",
                            "driver=file,node-name=file0,filename=%s" % disk,
                            "--export", "type=vhost-user-blk,id=exp0,node-name=file0,"
                            "addr.type=unix,addr.path=%s,writable=%s,num-queues=%d" %
                            (sock, "off" if a.readonly else "on", a.queues)])
    deadline = time.monotonic() + 20
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    diskarg = "vhost_user=true,socket=%s,num_queues=%d" % (sock, a.queues)
else:
    diskarg = "path=%s,num_queues=%d" % (disk, a.queues)
    if a.readonly:
        diskarg += ",readonly=on"
    if a.direct:
        diskarg += ",direct=on"

tests = ["pci", "blk"]
if a.hostile:
    tests.append("blk-hostile")
if a.reboot:
    tests += ["reboot", "blk"]
extra = "cnh.pci=1 cnh.blk.seed=%d cnh.blk.queues=%d cnh.blk.sectors=%d%s" % (
    seed, a.queues, sectors, " cnh.blk.ro=1" if a.readonly else "")
cpus = 2 if a.queues > 1 else 1
args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=%d" % cpus,
        "--disk", diskarg, "--cmdline", t.guest_cmdline(tests, 128 << 20, cpus, extra)]
try:
    r = t.run_cnh(a.cnh, args, timeout=300)
finally:
    if qsd:
        qsd.terminate()
        qsd.wait(timeout=10)
r.show()
t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
for name in set(tests):
    res = r.results.get(name, [])
    t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res), "scenario %s: %s" % (name, res))
if a.hostile:
    # The back-end stops a ring it cannot trust and signals SET_VRING_ERR; cnh
    # turns that into DEVICE_NEEDS_RESET at once (not a silent 3 s "ign").
    outcomes = dict(re.findall(r"blk-hostile: (\S+) -> (\S+?),", r.out))
    must_reset = ["loop2", "loop-data", "loop-all", "next-oob", "ind-loop",
                  "hdr-oob", "addr-oob", "addr-edge"]
    if a.backend == "qsd":
        must_reset = []  # qemu-storage-daemon does not use the err eventfd
    t.check(len(outcomes) == 14, "blk-hostile reported 14 outcomes (%d)" % len(outcomes))
    bad = ["%s=%s" % (c, outcomes.get(c)) for c in must_reset if outcomes.get(c) != "reset"]
    t.check(not bad, "loop and out-of-range cases end in reset (%s)" % (" ".join(bad) or "all"))
if a.reboot:
    t.check(len(r.results.get("blk", [])) == 2, "blk ran on both boots (rings re-established)")
t.check("ALL TESTS DONE" in r.out, "guest reached the end")
if a.readonly:
    t.check(open(disk, "rb").read() == before, "read-only disk left unchanged")
else:
    why = blk_pattern.check_image(disk, seed, sectors)
    t.check(why is None, "host file holds the guest's pattern (%s)" % (why or "seed %d" % seed))
if a.backend == "cnh":
    left = subprocess.run(["pgrep", "-f", "cnh-blk.*%s" % disk], capture_output=True, text=True)
    t.check(left.stdout.strip() == "", "no cnh-blk left running")
t.finish()
