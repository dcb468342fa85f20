#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The test guest's virtio-fs scenario through cnh --fs: a host directory
served by cnh-fs (spawned by cnh, --fs tag=myfs,path=DIR) or by QEMU's
virtiofsd (--fs tag=myfs,socket=S). The guest reads a file the host created
and writes guest-wrote.txt; this script checks the directory afterwards.

usage: fs.py CNH GUEST_IMAGE [--backend cnh|virtiofsd] [--cache MODE] [--sandbox MODE]
       fs.py --ops-bench CNH_BENCH_FS --cnh-fs CNH_FS [--sandbox MODE]

The second form needs no VM: cnh-bench-fs --ops sends every FUSE opcode
cnh-fs implements once through a real vhost-user connection (seccomp filter
loaded, as in production) and the daemon must answer them all.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import cnhtest as t

VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
GUEST_MARKER = "cnh-test-guest wrote this through virtio-fs\n"  # tests/guest/fs.c

ap = argparse.ArgumentParser()
ap.add_argument("cnh", nargs="?")
ap.add_argument("image", nargs="?")
ap.add_argument("--ops-bench", help="cnh-bench-fs: run its --ops walk against --cnh-fs, no VM")
ap.add_argument("--cnh-fs")
ap.add_argument("--backend", default="cnh", choices=["cnh", "virtiofsd"])
ap.add_argument("--cache", default=None, choices=["none", "auto", "always"])
ap.add_argument("--sandbox", default=None, choices=["chroot", "namespace", "none"])
a = ap.parse_args()



def ops_walk():
    tmp = tempfile.mkdtemp(prefix="cnh-fs-ops-")
    shared = os.path.join(tmp, "shared")
    os.mkdir(shared)
    sock = os.path.join(tmp, "fs.sock")
    cmd = [a.cnh_fs, "--shared-dir", shared, "--tag", "ops", "--socket-path", sock]
    if a.sandbox:
        cmd += ["--sandbox", a.sandbox]
    env = dict(os.environ)
    if a.sandbox in ("chroot", "namespace"):
        # Confined, the daemon no longer sees /proc/PID/task, which
        # LeakSanitizer needs at exit in sanitizer builds: no leak check there
        # (the --sandbox none run keeps it).
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS", ""), "detect_leaks=0"]))
    d = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock) and time.monotonic() < deadline and d.poll() is None:
            time.sleep(0.05)
        r = subprocess.run([a.ops_bench, "--socket", sock, "--ops"], timeout=120)
        t.check(r.returncode == 0, "every FUSE opcode answered (cnh-bench-fs --ops exit %d)" % r.returncode)
        time.sleep(0.2)
        t.check(d.poll() in (None, 0), "cnh-fs alive or exited cleanly (status %s)" % d.poll())
        t.check(os.listdir(shared) == [], "the walk cleaned up after itself: %s" % os.listdir(shared))
    finally:
        if d.poll() is None:
            d.terminate()
            d.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    t.finish()


if a.ops_bench:
    if a.sandbox in ("chroot", "namespace") and os.geteuid() != 0:
        print("SKIP: --sandbox %s needs root" % a.sandbox)
        sys.exit(t.SKIP)
    ops_walk()
    sys.exit(0)
helptext = subprocess.run([a.cnh, "--help"], capture_output=True, text=True).stdout
if "--fs" not in helptext:
    print("SKIP: cnh --help has no --fs yet")
    sys.exit(t.SKIP)
if a.backend == "virtiofsd" and not os.access(VIRTIOFSD, os.X_OK):
    print("SKIP: %s not installed (Debian package qemu-system-common)" % VIRTIOFSD)
    sys.exit(t.SKIP)
if a.sandbox in ("chroot", "namespace") and os.geteuid() != 0:
    print("SKIP: --sandbox %s needs root" % a.sandbox)
    sys.exit(t.SKIP)
t.need_kvm()

tmp = tempfile.mkdtemp(prefix="cnh-fs-")
shared = os.path.join(tmp, "shared")
os.mkdir(shared)
content = "host-marker-%d" % (int(time.time()) % 100000)
with open(os.path.join(shared, "host-file.txt"), "w") as f:
    f.write("the host wrote: %s\n" % content)

vfsd = None
try:
    if a.backend == "virtiofsd":
        sock = os.path.join(tmp, "vfsd.sock")
        vfsd = subprocess.Popen([VIRTIOFSD, "--socket-path=%s" % sock, "-o", "source=%s" % shared,
                                 "-o", "cache=none"], stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(sock) and time.monotonic() < deadline and vfsd.poll() is None:
            time.sleep(0.05)
        fsarg = "tag=myfs,socket=%s" % sock
    else:
        fsarg = "tag=myfs,path=%s" % shared
        if a.cache:
            fsarg += ",cache=%s" % a.cache
        if a.sandbox:
            fsarg += ",sandbox=%s" % a.sandbox
    tests = ["pci", "fs"]
    extra = "cnh.pci=1 cnh.fs.tag=myfs cnh.fs.file=host-file.txt cnh.fs.content=%s" % content
    args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1",
            "--fs", fsarg, "--cmdline", t.guest_cmdline(tests, 128 << 20, 1, extra)]
    r = t.run_cnh(a.cnh, args, timeout=300)
finally:
    if vfsd:
        vfsd.terminate()
        try:
            vfsd.wait(timeout=10)
        except subprocess.TimeoutExpired:
            vfsd.kill()
            vfsd.wait()
r.show()
t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
for name in tests:
    res = r.results.get(name, [])
    t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res), "scenario %s: %s" % (name, res))
t.check("ALL TESTS DONE" in r.out, "guest reached the end")
wrote = os.path.join(shared, "guest-wrote.txt")
try:
    with open(wrote) as f:
        got = f.read()
except OSError as e:
    got = "(%s)" % e
t.check(got == GUEST_MARKER, "host directory holds guest-wrote.txt with the marker (got %r)" % got[:80])
t.check(sorted(os.listdir(tmp)) in (["shared"], ["shared", "vfsd.sock"], ["vfsd.sock", "shared"])
        or a.backend == "virtiofsd", "nothing created next to the shared directory")
if a.backend == "cnh":
    left = subprocess.run(["pgrep", "-f", "cnh-fs.*%s" % shared], capture_output=True, text=True)
    t.check(left.stdout.strip() == "", "no cnh-fs left running")
shutil.rmtree(tmp, ignore_errors=True)
t.finish()
