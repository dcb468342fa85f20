#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Transport-level hostile guest (issue 7): the test guest's virtio-hostile
scenario misuses virtio-rng (cnh-rng) and virtio-blk (cnh-blk) through the
virtio-pci transport: bad queue sizes, early notifications, ring addresses
outside RAM / misaligned, out-of-range configuration writes, queues enabled
without DRIVER_OK. Every case must end in its expected outcome and a good
request afterwards; cnh and both daemons (same pids as at start) must still
be running when the guest halts, and cnh must not have logged a daemon exit.

usage: hostile.py CNH GUEST_IMAGE --guest-dir tests/guest
"""
import os
import re
import select
import signal
import subprocess
import tempfile
import time

import cnhtest as t

a = t.guest_args()
import blk_pattern  # noqa: E402

t.need_kvm()
DAEMONS = ("cnh-rng", "cnh-blk")
CASES = {
    "qsize-100": {"refused"}, "qsize-0": {"refused"}, "qsize-over": {"refused"},
    "qsel-oob": {"ignored"}, "status-order": {"refused"}, "notify-early": {"ignored"},
    "ring-far": {"reset"}, "desc-far": {"reset"}, "used-far": {"reset"},
    "desc-edge": {"reset"}, "used-edge": {"reset"}, "desc-mmio": {"reset"},
    "avail-wrap": {"reset"},
    # The spec binds the driver (2.7); cnh refuses them at DRIVER_OK.
    "desc-misaligned": {"reset"}, "avail-misaligned": {"reset"}, "used-misaligned": {"reset"},
    "cfg-common": {"unchanged"}, "cfg-pci": {"unchanged"},
    "enable-no-driver-ok": {"reset-ok"},
}
CFG_DEVICE = {"rng": "n/a", "blk": "unchanged"}  # virtio-rng has no configuration space

tmp = tempfile.mkdtemp(prefix="cnh-hostile-")
disk = os.path.join(tmp, "disk.img")
seed = int(time.time()) % 251 + 1
with open(disk, "wb") as f:
    f.write(blk_pattern.sector_bytes(seed, 0))
    f.truncate(1 << 20)
errpath = os.path.join(tmp, "cnh.err")

tests = ["pci", "virtio-hostile", "hang"]
args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1", "--rng",
        "--disk", "path=%s,readonly=on" % disk,
        "--cmdline", t.guest_cmdline(tests, 128 << 20, 1, "cnh.pci=2 cnh.blk.seed=%d" % seed)]
start = time.monotonic()
with open(errpath, "w") as err:
    proc = subprocess.Popen([a.cnh] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=err)
first, out = {}, b""
deadline = time.monotonic() + 420
try:
    # The daemons' pids before the guest gets at them, then the serial output
    # up to the halt that keeps cnh running.
    while time.monotonic() < deadline and proc.poll() is None:
        for name, pid in t.descendants(proc.pid).items():
            if name in DAEMONS:
                first.setdefault(name, pid)
        if b"TEST hang PASS" in out:
            break
        r, _, _ = select.select([proc.stdout], [], [], 0.1)
        if r:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    alive = proc.poll() is None
    now = t.descendants(proc.pid) if alive else {}
finally:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        rest, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        rest, _ = proc.communicate()
text = (out + rest).decode(errors="replace")
errtext = open(errpath, errors="replace").read()
r = t.Run(proc, text, errtext, time.monotonic() - start)
r.show()

t.check(b"TEST hang PASS" in out, "guest reached the halt after virtio-hostile")
res = r.results.get("virtio-hostile", [])
t.check(len(res) == 1 and res[0][0] == "PASS", "TEST virtio-hostile PASS: %s" % res)
seen = dict(re.findall(r"virtio-hostile: (\S+) -> (\S+), then a good request worked", text))
for dev in ("rng", "blk"):
    for case, want in list(CASES.items()) + [("cfg-device", {CFG_DEVICE[dev]})]:
        got = seen.get("%s:%s" % (dev, case))
        t.check(got in want, "%s:%s -> %s (expected %s), then a good request" %
                (dev, case, got, "|".join(sorted(want))))
t.check(alive, "cnh still running after the scenario")
for name in DAEMONS:
    t.check(name in first, "%s spawned (pid %s)" % (name, first.get(name)))
    t.check(now.get(name) == first.get(name),
            "%s still alive with the same pid (%s, now %s)" % (name, first.get(name), now.get(name)))
t.check(not re.search(r"exited with status|killed by signal", errtext),
        "cnh logged no daemon exit")
t.check(not re.search(r"runtime error|AddressSanitizer|LeakSanitizer", errtext),
        "no sanitizer report from cnh or a daemon")
t.check(r.code == 0, "cnh exited 0 on SIGTERM (got %d)" % r.code)
t.finish()
