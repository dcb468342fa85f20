#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Least privilege of the spawned daemons (docs/security.md, vu_sandbox.h).

cnh boots the test guest with a disk (cnh-blk), an rng (cnh-rng), a console
on a socket (cnh-console) and a vsock device (cnh-vsock). While the guest
runs, every daemon cnh spawned is inspected through /proc/PID: no
capabilities (effective, permitted, bounding), NoNewPrivs 1, Seccomp 2,
RLIMIT_CORE 0 and a bounded RLIMIT_NOFILE, a network namespace of its own
and, except cnh-vsock (it connects to <uds-path>_<port> at run time), a
mount namespace whose root is empty (at most a proc in sanitizer builds).
The guest's blk and rng scenarios must still pass.

usage: sandbox.py CNH GUEST_IMAGE --guest-dir DIR
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import cnhtest as t

ap = argparse.ArgumentParser()
ap.add_argument("cnh")
ap.add_argument("image")
ap.add_argument("--guest-dir", required=True, help="tests/guest source dir (blk_pattern.py)")
a = ap.parse_args()

sys.path.insert(0, a.guest_dir)
import blk_pattern  # noqa: E402

t.need_kvm()
if os.geteuid() != 0:
    print("SKIP: the namespace steps need root (CAP_SYS_ADMIN)")
    sys.exit(t.SKIP)

tmp = tempfile.mkdtemp(prefix="cnh-sandbox-")
disk = os.path.join(tmp, "disk.img")
size = 8 << 20
with open(disk, "wb") as f:
    f.truncate(size)
seed = int(time.time()) % 251 + 1
sectors = size // 512
DAEMONS = {"cnh-blk": True, "cnh-rng": True, "cnh-console": True, "cnh-vsock": False}  # name: empty root

tests = ["pci", "blk", "rng"]
extra = "cnh.pci=4 cnh.blk.seed=%d cnh.blk.queues=1 cnh.blk.sectors=%d" % (seed, sectors)
args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1",
        "--disk", "path=%s" % disk, "--rng", "--console", "socket=%s" % os.path.join(tmp, "con.sock"),
        "--vsock", "cid=5,socket=%s" % os.path.join(tmp, "vsock.sock"),
        "--cmdline", t.guest_cmdline(tests, 128 << 20, 1, extra)]


def status(pid):
    d = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            d[k] = v.strip()
    return d


def limit(pid, name):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith(name):
                return line[len(name):].split()[:2]
    return None


def descendants(pid, kids=None):
    """{comm: pid} of pid's descendants (a spawn helper may sit in between)."""
    kids = {} if kids is None else kids
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                for c in f.read().split():
                    with open("/proc/%s/comm" % c) as g:
                        kids[g.read().strip()] = int(c)
                    descendants(int(c), kids)
    except OSError:
        pass
    return kids


def inspect(name, pid, empty_root):
    """Checks on a live daemon; returns False if it vanished meanwhile."""
    try:
        st = status(pid)
        own = lambda ns: os.readlink("/proc/self/ns/%s" % ns)  # noqa: E731
        theirs = lambda ns: os.readlink("/proc/%d/ns/%s" % (pid, ns))  # noqa: E731
        t.check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
                "%s: no effective/permitted capabilities (%s/%s)" % (name, st["CapEff"], st["CapPrm"]))
        t.check(int(st["CapBnd"], 16) == 0, "%s: empty bounding set (%s)" % (name, st["CapBnd"]))
        t.check(st["NoNewPrivs"] == "1", "%s: no_new_privs" % name)
        t.check(st["Seccomp"] == "2", "%s: seccomp filter mode (%s)" % (name, st["Seccomp"]))
        t.check(limit(pid, "Max core file size") == ["0", "0"], "%s: RLIMIT_CORE 0" % name)
        nofile = limit(pid, "Max open files")
        t.check(nofile and nofile[0] != "unlimited" and int(nofile[0]) <= 4096,
                "%s: RLIMIT_NOFILE bounded (%s)" % (name, nofile))
        t.check(theirs("net") != own("net"), "%s: own network namespace" % name)
        if empty_root:
            t.check(theirs("mnt") != own("mnt"), "%s: own mount namespace" % name)
            root = sorted(os.listdir("/proc/%d/root/" % pid))
            t.check(root in ([], ["proc"]), "%s: empty root (%s)" % (name, root))
            t.check(not os.path.exists("/proc/%d/root/etc" % pid), "%s: host /etc not visible" % name)
        return True
    except (OSError, KeyError) as e:
        print("%s (pid %d) went away during the checks: %s" % (name, pid, e))
        return False


start = time.monotonic()
proc = subprocess.Popen([a.cnh] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True, errors="replace")
checked = set()
try:
    deadline = time.monotonic() + 120
    while len(checked) < len(DAEMONS) and time.monotonic() < deadline and proc.poll() is None:
        for name, pid in descendants(proc.pid).items():
            if name not in DAEMONS or name in checked:
                continue
            try:
                if status(pid).get("Seccomp") != "2":
                    continue  # still setting up: the filter is the last step
            except OSError:
                continue
            if inspect(name, pid, DAEMONS[name]):
                checked.add(name)
        time.sleep(0.05)
    out, err = proc.communicate(timeout=400)
except subprocess.TimeoutExpired:
    proc.kill()
    out, err = proc.communicate()
r = t.Run(proc, out, err, time.monotonic() - start)
r.show()
t.check(checked == set(DAEMONS), "inspected %s (missing: %s)" % (sorted(checked),
                                                              sorted(set(DAEMONS) - checked) or "none"))
t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
for name in tests:
    res = r.results.get(name, [])
    t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res), "scenario %s: %s" % (name, res))
why = blk_pattern.check_image(disk, seed, sectors)
t.check(why is None, "host file holds the guest's pattern (%s)" % (why or "seed %d" % seed))
t.finish()
