#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Least privilege of the spawned daemons (docs/security.md, vu_sandbox.h).

cnh boots the test guest with a disk (cnh-blk), an rng (cnh-rng), a console
on a socket (cnh-console) and a vsock device (cnh-vsock). While the guest
runs, every daemon cnh spawned is inspected through /proc/PID: no
capabilities (effective, permitted, bounding), NoNewPrivs 1, Seccomp 2,
RLIMIT_CORE 0 and a bounded RLIMIT_NOFILE, a network namespace of its own
and a mount namespace whose root is empty (at most a proc in sanitizer
builds), except that cnh-vsock's holds the path to its uds directory (it
connects to <uds-path>_<port> at run time).
The guest's blk and rng scenarios must still pass. Each daemon's command
line carries cnh's settings: --seccomp true --sandbox-level basic.

A second, short run with `cnh --seccomp false --sandbox-level none` (the
same daemons, only the guest's rng scenario) checks that cnh forwards both:
its daemons show "--seccomp false --sandbox-level none", Seccomp 0 and
NoNewPrivs 0 (this script's values) and this script's network and mount
namespaces for as long as they run, and each logs "sandbox: none".

usage: sandbox.py CNH GUEST_IMAGE --guest-dir DIR
"""
import os
import subprocess
import sys
import tempfile
import time

import cnhtest as t

a = t.guest_args()
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
devices = ["--disk", "path=%s" % disk, "--rng", "--console", "socket=%s" % os.path.join(tmp, "con.sock"),
           "--vsock", "cid=5,socket=%s" % os.path.join(tmp, "vsock.sock")]
args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1"] + devices + [
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


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().decode(errors="replace").replace("\0", " ")


def own(ns):
    return os.readlink("/proc/self/ns/%s" % ns)


def theirs(pid, ns):
    return os.readlink("/proc/%d/ns/%s" % (pid, ns))


def inspect(name, pid, empty_root):
    """Checks on a live daemon; returns False if it vanished meanwhile."""
    try:
        st = status(pid)
        argv = cmdline(pid)
        t.check("--seccomp true --sandbox-level basic" in argv, "%s: cnh's defaults forwarded (%s)" % (name, argv))
        t.check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
                "%s: no effective/permitted capabilities (%s/%s)" % (name, st["CapEff"], st["CapPrm"]))
        t.check(int(st["CapBnd"], 16) == 0, "%s: empty bounding set (%s)" % (name, st["CapBnd"]))
        t.check(st["NoNewPrivs"] == "1", "%s: no_new_privs" % name)
        t.check(st["Seccomp"] == "2", "%s: seccomp filter mode (%s)" % (name, st["Seccomp"]))
        t.check(limit(pid, "Max core file size") == ["0", "0"], "%s: RLIMIT_CORE 0" % name)
        nofile = limit(pid, "Max open files")
        t.check(nofile and nofile[0] != "unlimited" and int(nofile[0]) <= 4096,
                "%s: RLIMIT_NOFILE bounded (%s)" % (name, nofile))
        t.check(theirs(pid, "net") != own("net"), "%s: own network namespace" % name)
        t.check(theirs(pid, "mnt") != own("mnt"), "%s: own mount namespace" % name)
        root = sorted(os.listdir("/proc/%d/root/" % pid))
        if empty_root:
            t.check(root in ([], ["proc"]), "%s: empty root (%s)" % (name, root))
        else:  # cnh-vsock: only the path down to its uds directory (tests/integration/vsock.py checks more)
            top = os.path.realpath(tmp).strip("/").split("/")[0]
            t.check(root in ([top], sorted([top, "proc"])), "%s: root holds only /%s (%s)" % (name, top, root))
        t.check(not os.path.exists("/proc/%d/root/etc" % pid), "%s: host /etc not visible" % name)
        return True
    except (OSError, KeyError) as e:
        print("%s (pid %d) went away during the checks: %s" % (name, pid, e))
        return False


def watch(cnh_args, visit, done=lambda: False):
    """Run cnh; every 50 ms for up to 120 s (until done()), visit(name, pid)
    each daemon it started that has exec'd. Returns the finished t.Run."""
    start = time.monotonic()
    proc = subprocess.Popen([a.cnh] + cnh_args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        deadline = time.monotonic() + 120
        while not done() and time.monotonic() < deadline and proc.poll() is None:
            for name, pid in t.descendants(proc.pid).items():
                if name in DAEMONS:
                    visit(name, pid)
            time.sleep(0.05)
        out, err = proc.communicate(timeout=400)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    r = t.Run(proc, out, err, time.monotonic() - start)
    r.show()
    return r


checked = set()


def check_sandboxed(name, pid):
    if name in checked:
        return
    try:
        if status(pid).get("Seccomp") != "2":
            return  # still setting up: the filter is the last step
    except OSError:
        return
    if inspect(name, pid, DAEMONS[name]):
        checked.add(name)


r = watch(args, check_sandboxed, lambda: len(checked) == len(DAEMONS))
t.check(checked == set(DAEMONS), "inspected %s (missing: %s)" % (sorted(checked),
                                                              sorted(set(DAEMONS) - checked) or "none"))
t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
for name in tests:
    res = r.results.get(name, [])
    t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res), "scenario %s: %s" % (name, res))
why = blk_pattern.check_image(disk, seed, sectors)
t.check(why is None, "host file holds the guest's pattern (%s)" % (why or "seed %d" % seed))


# 2. --seccomp false --sandbox-level none reach the daemons. A daemon is
# inspected every 50 ms from its exec until cnh stops it, so a filter or
# namespace applied at any point of its start-up or service would be seen.
def relaxed(pid):
    """Why pid is not a relaxed daemon (None if it is); raises OSError if gone."""
    st, me = status(pid), status(os.getpid())
    argv = cmdline(pid)
    if st["State"][:1] in "ZX" or not argv:
        raise OSError("exited")  # a zombie's cmdline is empty, its namespaces gone
    if "--seccomp false --sandbox-level none" not in argv:
        return "command line %s" % argv
    if st["Seccomp"] != me["Seccomp"]:
        return "Seccomp %s" % st["Seccomp"]
    if st["NoNewPrivs"] != me["NoNewPrivs"]:
        return "NoNewPrivs %s" % st["NoNewPrivs"]
    if theirs(pid, "net") != own("net") or theirs(pid, "mnt") != own("mnt"):
        return "namespaces %s %s" % (theirs(pid, "net"), theirs(pid, "mnt"))
    return None


print("---- --seccomp false --sandbox-level none ----")
me = status(os.getpid())
if me["Seccomp"] != "0":
    print("note: this script runs under a seccomp filter: Seccomp cannot tell the daemons' own")
args2 = ["--kernel", a.image, "--memory", "size=64M", "--cpus", "boot=1", "--seccomp", "false",
         "--sandbox-level", "none"] + devices + ["--cmdline", t.guest_cmdline(["rng"], 64 << 20, 1)]
seen, bad = {}, {}


def check_relaxed(name, pid):
    try:
        why = relaxed(pid)
    except (OSError, KeyError):
        return  # exited meanwhile
    seen[name] = seen.get(name, 0) + 1
    if why:
        bad.setdefault(name, why)


r = watch(args2, check_relaxed)
t.check(set(seen) == set(DAEMONS), "inspected %s (%s)" % (sorted(seen), seen))
for name in sorted(DAEMONS):
    t.check(name in seen and name not in bad,
            "%s: --seccomp false --sandbox-level none, Seccomp %s, NoNewPrivs %s, this script's "
            "net and mnt namespaces (%s)" % (name, me["Seccomp"], me["NoNewPrivs"], bad.get(name, "ok")))
t.check(r.err.count("sandbox: none (--sandbox-level none)") == len(DAEMONS),
        "every daemon logged 'sandbox: none'")
t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
res = r.results.get("rng", [])
t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res), "scenario rng: %s" % res)
t.finish()
