#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""virtio-pmem: cnh maps a file into the guest (--pmem file=PATH) and
spawns cnh-pmem for the flush queue.

  pmem.py CNH GUEST_IMAGE [--discard]   the test guest's pmem scenario: it
      checks the window, reads the marker written here at offset 0, writes
      a seeded pattern at offset 4096 and flushes. The host file must hold
      the pattern right after the flush (while the guest holds) and after
      cnh exits; with --discard (discard_writes=on) it must stay unchanged.
      Skips while `cnh --help` has no --pmem.
  pmem.py --daemon CNH_PMEM             cnh-pmem alone against a minimal
      vhost-user front-end written here: capabilities, --file checks, FLUSH,
      an unknown type, a chain without a response buffer (queue broken, the
      daemon survives), disconnect.
"""
import argparse
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import cnhtest as t
import vufront

MARKER = b"cnhpmemMARK"
PATTERN_OFF = 4096
PATTERN_LEN = 4096
FILE_SIZE = 4 << 20


def pattern(seed):
    return bytes((seed + 7 * i + (i >> 8)) & 0xff for i in range(PATTERN_LEN))


def make_file(path):
    with open(path, "wb") as f:
        f.write(MARKER)
        f.write(os.urandom(PATTERN_OFF - len(MARKER)))
        f.write(os.urandom(PATTERN_LEN))
        f.truncate(FILE_SIZE)
    with open(path, "rb") as f:
        return f.read()


def file_pattern(path):
    with open(path, "rb") as f:
        f.seek(PATTERN_OFF)
        return f.read(PATTERN_LEN)


# ---- the guest scenario through cnh ----

def run_guest(a):
    t.need_kvm()
    help_text = subprocess.run([a.cnh, "--help"], capture_output=True, text=True)
    if "--pmem" not in help_text.stdout + help_text.stderr:
        print("SKIP: cnh --help has no --pmem yet (the VMM side of virtio-pmem)")
        sys.exit(t.SKIP)
    tmp = tempfile.mkdtemp(prefix="cnh-pmem-")
    path = os.path.join(tmp, "pmem.img")
    before = make_file(path)
    seed = int(time.time()) % 251 + 1
    hold_ms = 3000
    pmemarg = "file=%s" % path + (",discard_writes=on" if a.discard else "")
    extra = "cnh.pmem.expect=%s cnh.pmem.seed=%d cnh.pmem.size=%d cnh.pmem.hold=%d" % (
        MARKER.decode(), seed, FILE_SIZE, hold_ms)
    args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1",
            "--pmem", pmemarg, "--cmdline", t.guest_cmdline(["pci", "pmem"], 128 << 20, 1, extra)]

    start = time.monotonic()
    proc = subprocess.Popen([a.cnh] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    out, err, during = [], [], []
    errthr = threading.Thread(target=lambda: err.append(proc.stderr.read()))
    errthr.start()
    timer = threading.Timer(300, proc.kill)
    timer.start()
    for line in proc.stdout:
        out.append(line)
        if "cnh-test-guest: pmem: flushed" in line:
            # The guest holds for hold_ms: look at the file while it runs.
            during.append(file_pattern(path))
    proc.wait()
    timer.cancel()
    errthr.join()
    r = t.Run(proc, "".join(out), "".join(err), time.monotonic() - start)
    r.show()
    t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
    for name in ("pci", "pmem"):
        res = r.results.get(name, [])
        t.check(len(res) == 1 and res[0][0] == "PASS", "scenario %s: %s" % (name, res))
    t.check("ALL TESTS DONE" in r.out, "guest reached the end")
    with open(path, "rb") as f:
        after = f.read()
    if a.discard:
        t.check(during and during[0] == before[PATTERN_OFF:PATTERN_OFF + PATTERN_LEN],
                "discard_writes: file unchanged right after the flush")
        t.check(after == before, "discard_writes: file unchanged after cnh exited")
    else:
        t.check(during and during[0] == pattern(seed),
                "host file holds the guest's pattern right after the flush (seed %d)" % seed)
        t.check(after[PATTERN_OFF:PATTERN_OFF + PATTERN_LEN] == pattern(seed),
                "host file holds the guest's pattern after cnh exited")
        t.check(after[:PATTERN_OFF] == before[:PATTERN_OFF], "first page (marker) untouched")
        t.check(len(after) == FILE_SIZE, "file size unchanged")
    left = subprocess.run(["pgrep", "-f", "cnh-pmem.*%s" % path], capture_output=True, text=True)
    t.check(left.stdout.strip() == "", "no cnh-pmem left running")
    t.finish()


# ---- cnh-pmem against a minimal vhost-user front-end ----

BUF = 0x3000  # request and response buffers; the queue is at 0


class FrontEnd(vufront.FrontEnd):
    def __init__(self, sock):
        super().__init__(sock, "cnh-pmem-test-mem")
        self.vq = vufront.Vring(self, 0, 0x0)

    def setup(self):
        feats = struct.unpack("<Q", self.send(vufront.GET_FEATURES, reply=True))[0]
        t.check(feats & vufront.F_VERSION_1, "VERSION_1 offered (features 0x%x)" % feats)
        t.check(not feats & 1, "VIRTIO_PMEM_F_SHMEM_REGION not offered")
        self.send(vufront.SET_OWNER)
        self.send(vufront.SET_FEATURES, struct.pack("<Q", vufront.F_VERSION_1))
        self.set_mem_table()
        self.vq.setup()

    def request(self, head, rtype, with_resp=True):
        req, resp = BUF + 0x100 * head, BUF + 0x100 * head + 0x80
        struct.pack_into("<I", self.mem, req, rtype)
        struct.pack_into("<I", self.mem, resp, 0xa5a5a5a5)
        if with_resp:
            self.vq.desc(head, req, 4, 1, head + 1)
            self.vq.desc(head + 1, resp, 4, 2, 0)
        else:
            self.vq.desc(head, req, 4, 0, 0)
        self.vq.submit(head)
        used = self.vq.wait_used(timeout=5.0 if with_resp else 1.0)
        return used, struct.unpack_from("<I", self.mem, resp)[0]


def run_daemon(a):
    exe = a.cnh
    caps = subprocess.run([exe, "--print-capabilities"], capture_output=True, text=True)
    t.check(caps.returncode == 0 and json.loads(caps.stdout).get("type") == "pmem",
            "--print-capabilities says type pmem (%r)" % caps.stdout)
    tmp = tempfile.mkdtemp(prefix="cnh-pmem-d-")
    path = os.path.join(tmp, "pmem.img")
    make_file(path)
    empty = os.path.join(tmp, "empty.img")
    open(empty, "wb").close()
    for bad, why in ((os.path.join(tmp, "missing"), "cannot open"), (tmp, "not a regular file"),
                     (empty, "empty")):
        r = subprocess.run([exe, "--file", bad, "--socket-path", os.path.join(tmp, "s")],
                           capture_output=True, text=True, timeout=10)
        t.check(r.returncode == 1 and why in r.stderr, "--file %s refused: %s" % (bad, r.stderr.strip()))
    r = subprocess.run([exe, "--socket-path", os.path.join(tmp, "s")], capture_output=True, text=True,
                       timeout=10)
    t.check(r.returncode == 1 and "--file" in r.stderr, "--file is required")

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    proc = subprocess.Popen([exe, "--fd", str(theirs.fileno()), "--file", path],
                            pass_fds=[theirs.fileno()], stderr=subprocess.PIPE, text=True)
    theirs.close()
    try:
        fe = FrontEnd(ours)
        fe.setup()
        used, ret = fe.request(0, 0)
        t.check(used is not None and used[0] == 0 and used[1] == 4 and ret == 0,
                "FLUSH answered ret 0 with 4 bytes (used %s ret 0x%x)" % (used, ret))
        used, ret = fe.request(2, 5)
        t.check(used is not None and used[0] == 2 and ret == 0xffffffff,
                "unknown type answered ret -1 (used %s ret 0x%x)" % (used, ret))
        used, ret = fe.request(4, 0, with_resp=False)
        t.check(used is None, "chain without a response buffer not completed")
        t.check(proc.poll() is None, "cnh-pmem survived the malformed chain")
        used, ret = fe.request(5, 0)
        t.check(used is None, "broken queue stays stopped until the front-end resets it")
    finally:
        ours.close()
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        err = proc.stderr.read()
    print("---- cnh-pmem stderr ----\n" + err)
    t.check(code == 0, "cnh-pmem exits 0 when the --fd connection ends (got %d)" % code)
    t.finish()


ap = argparse.ArgumentParser()
ap.add_argument("--daemon", action="store_true", help="test cnh-pmem alone; first argument is cnh-pmem")
ap.add_argument("--discard", action="store_true", help="discard_writes=on")
ap.add_argument("cnh")
ap.add_argument("image", nargs="?")
a = ap.parse_args()
if a.daemon:
    run_daemon(a)
else:
    if not a.image:
        ap.error("GUEST_IMAGE is required")
    run_guest(a)
