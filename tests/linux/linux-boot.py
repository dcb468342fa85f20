#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot a real Linux guest under cnh and check that its /init ran.

usage: linux-boot.py CNH [--cache DIR] [--timeout SECONDS] [--prepare-only]

Runs where the host has hardware virtualization (vmx/svm in /proc/cpuinfo)
or where CNH_TEST_KERNEL names a kernel that boots on this host; otherwise
it prints the reason and exits 77 (skipped).

Kernel:    $CNH_TEST_KERNEL, else Debian's linux-image-cloud-amd64 (the
           versioned package it depends on), fetched with `apt-get download`
           into the cache and unpacked with dpkg-deb (never installed).
Initramfs: $CNH_TEST_INITRAMFS, else built in the cache from busybox-static:
           a /init that mounts proc, sys and dev, prints
           "CNH-LINUX-INIT-OK cpus=N" and powers off. The newc cpio archive is
           written here, so cpio(1) is not needed.

Passes when the marker appears on the serial console, the guest saw every
vCPU, and cnh exits 0 (guest power-off) within the timeout.
"""

import argparse
import glob
import gzip
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time

SKIP = 77
MARKER = "CNH-LINUX-INIT-OK"
CPUS = 2
KERNEL_META = "linux-image-cloud-amd64"
BUSYBOX_PKG = "busybox-static"
# earlyprintk: the decompressor and early boot report progress, so a hang
# shows where it stopped.
CMDLINE = "console=ttyS0 earlyprintk=ttyS0 reboot=k panic=1 rdinit=/init"

INIT_SCRIPT = f"""#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "{MARKER} cpus=$(/bin/busybox nproc)"
/bin/busybox poweroff -f
"""


class Skip(Exception):
    """The test cannot run here; the message says why."""


def log(msg):
    print(f"linux-boot: {msg}", flush=True)


def has_hw_virt():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line.split(":", 1)[1].split()
                    if "vmx" in flags or "svm" in flags:
                        return True
    except OSError:
        pass
    return False


def run(cmd, cwd=None):
    """Run a helper command, return stdout; raise Skip with its stderr."""
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=600)
    except FileNotFoundError:
        raise Skip(f"{cmd[0]} is not installed")
    except subprocess.TimeoutExpired:
        raise Skip(f"'{' '.join(cmd)}' timed out")
    if p.returncode != 0:
        raise Skip(f"'{' '.join(cmd)}' failed: {p.stderr.strip()[-400:]}")
    return p.stdout


def apt_update_once(state={"done": False}):
    """Package lists may be empty on a fresh machine; refresh them once."""
    if state["done"] or os.geteuid() != 0:
        return False
    state["done"] = True
    log("refreshing package lists (apt-get update)")
    run(["apt-get", "update", "-qq"])
    return True


def resolve_kernel_package():
    """linux-image-cloud-amd64 is a metapackage: find the image it depends on."""
    for attempt in range(2):
        try:
            out = run(["apt-cache", "depends", KERNEL_META])
            for line in out.splitlines():
                m = re.match(r"\s*\|?Depends:\s*(linux-image-\S+)", line)
                if m:
                    return m.group(1)
            raise Skip(f"{KERNEL_META} has no linux-image-* dependency")
        except Skip:
            if attempt == 0 and apt_update_once():
                continue
            raise
    raise Skip("unreachable")


def download_and_extract(pkg, cache):
    """apt-get download pkg into cache/debs, unpack into cache/pkg; return dir."""
    debs = os.path.join(cache, "debs")
    dest = os.path.join(cache, pkg)
    stamp = os.path.join(dest, ".extracted")
    if os.path.exists(stamp):
        return dest
    os.makedirs(debs, exist_ok=True)
    found = glob.glob(os.path.join(debs, f"{pkg}_*.deb"))
    if not found:
        log(f"fetching {pkg} with apt-get download")
        try:
            run(["apt-get", "download", "-q", pkg], cwd=debs)
        except Skip:
            if not apt_update_once():
                raise
            run(["apt-get", "download", "-q", pkg], cwd=debs)
        found = glob.glob(os.path.join(debs, f"{pkg}_*.deb"))
        if not found:
            raise Skip(f"apt-get download {pkg} left no .deb in {debs}")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    run(["dpkg-deb", "-x", sorted(found)[-1], dest])
    open(stamp, "w").close()
    return dest


def from_env(name):
    """The file the environment variable name gives, or None when unset."""
    path = os.environ.get(name)
    if path and not os.path.isfile(path):
        raise FileNotFoundError(f"{name}={path} does not exist")
    return path or None


def kernel_package(cache):
    """Debian's cloud kernel, unpacked: (package, its root, boot/vmlinuz-*)."""
    pkg = resolve_kernel_package()
    root = download_and_extract(pkg, cache)
    images = sorted(glob.glob(os.path.join(root, "boot", "vmlinuz-*")))
    if not images:
        raise Skip(f"{pkg} contains no boot/vmlinuz-*")
    return pkg, root, images[-1]


def get_kernel(cache):
    return from_env("CNH_TEST_KERNEL") or kernel_package(cache)[2]


class Newc:
    """Writer for the cpio "newc" (SVR4, no CRC) format the kernel unpacks."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _pad4(self):
        self.buf.write(b"\0" * (-self.buf.tell() % 4))

    def add(self, name, mode, data=b"", rdev=(0, 0)):
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name) + 1, 0]
        self.ino += 1
        self.buf.write(b"070701" + b"".join(b"%08X" % v for v in fields))
        self.buf.write(name.encode() + b"\0")
        self._pad4()
        self.buf.write(data)
        self._pad4()

    def dir(self, name):
        self.add(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, perm=0o755):
        self.add(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self.add(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, perm=0o600):
        self.add(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self.ino = 0
        self.add("TRAILER!!!", 0)
        return self.buf.getvalue()


def busybox_archive(cache, dirs=("bin", "dev", "proc", "sys", "tmp")):
    """A Newc archive holding dirs, /dev/console and busybox-static's
    busybox as bin/busybox and bin/sh: add /init and finish with
    write_initramfs()."""
    root = download_and_extract(BUSYBOX_PKG, cache)
    busybox = os.path.join(root, "bin", "busybox")
    if not os.path.isfile(busybox):
        raise Skip(f"{BUSYBOX_PKG} contains no bin/busybox")
    with open(busybox, "rb") as f:
        bb = f.read()
    c = Newc()
    for d in dirs:
        c.dir(d)
    # The kernel opens /dev/console for init's stdio before /init runs.
    c.chardev("dev/console", 5, 1)
    c.file("bin/busybox", bb)
    c.symlink("bin/sh", "busybox")
    return c


def write_initramfs(c, out):
    """Finish the Newc archive c and write it gzipped to out (atomically)."""
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(gzip.compress(c.finish(), compresslevel=6, mtime=0))
    os.replace(tmp, out)
    return out


def get_initramfs(cache):
    env = from_env("CNH_TEST_INITRAMFS")
    if env:
        return env
    c = busybox_archive(cache)
    c.file("init", INIT_SCRIPT.encode())
    return write_initramfs(c, os.path.join(cache, "initramfs.cpio.gz"))


def boot(cnh, kernel, initramfs, timeout):
    cmd = [cnh, "--kernel", kernel, "--initramfs", initramfs,
           "--cmdline", CMDLINE, "--memory", "size=512M",
           "--cpus", f"boot={CPUS}", "--serial", "tty"]
    log("running: " + " ".join(cmd))
    lines = []
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)

    def reader():
        for raw in p.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            lines.append(line)
            print(f"  | {line}", flush=True)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    timed_out = False
    try:
        rc = p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(p.pid, signal.SIGKILL)  # our own child's session only
        rc = p.wait()
    t.join(5)
    return rc, timed_out, lines, time.monotonic() - start


def verdict(problems, passed):
    """Exit status: 1 with a FAIL line per problem, else 0 with "PASS: passed"."""
    if problems:
        for p in problems:
            print(f"FAIL: {p}", flush=True)
        return 1
    print(f"PASS: {passed}", flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cnh", help="path of the cnh binary")
    ap.add_argument("--cache", default=os.environ.get("CNH_TEST_CACHE", "linux-cache"),
                    help="where fetched packages and the initramfs are kept")
    ap.add_argument("--timeout", type=float,
                    default=float(os.environ.get("CNH_TEST_TIMEOUT", "600")),
                    help="seconds the guest gets to power off")
    ap.add_argument("--prepare-only", action="store_true",
                    help="fetch the kernel and build the initramfs, do not boot")
    args = ap.parse_args()

    if not args.prepare_only and not has_hw_virt() and not os.environ.get("CNH_TEST_KERNEL"):
        print("SKIP: no hardware virtualization (vmx/svm) on this host "
              "and CNH_TEST_KERNEL is unset", flush=True)
        return SKIP

    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    try:
        kernel = get_kernel(cache)
        initramfs = get_initramfs(cache)
    except Skip as e:
        print(f"SKIP: cannot prepare the guest: {e}", flush=True)
        return SKIP
    except FileNotFoundError as e:
        print(f"FAIL: {e}", flush=True)
        return 1
    log(f"kernel:    {kernel}")
    log(f"initramfs: {initramfs} ({os.path.getsize(initramfs)} bytes)")
    if args.prepare_only:
        return 0

    if not os.access(args.cnh, os.X_OK):
        print(f"FAIL: {args.cnh} is not an executable", flush=True)
        return 1

    rc, timed_out, lines, secs = boot(args.cnh, kernel, initramfs, args.timeout)
    marker = next((l for l in lines if MARKER in l), None)
    cpus = None
    if marker:
        m = re.search(r"cpus=(\d+)", marker)
        cpus = int(m.group(1)) if m else None

    log(f"finished after {secs:.1f} s: " +
        (f"timed out after {args.timeout:.0f} s, killed" if timed_out else f"cnh exit status {rc}"))
    log(f"marker {MARKER}: {'seen' if marker else 'NOT seen'}"
        + (f", guest saw {cpus} CPU(s)" if marker else ""))
    problems = []
    if timed_out:
        problems.append("timed out (guest did not power off)")
    elif rc != 0:
        problems.append(f"cnh exited with status {rc}, expected 0 (guest power-off)")
    if not marker:
        problems.append(f"the marker {MARKER} never appeared on the serial console")
    elif cpus != CPUS:
        problems.append(f"the guest saw {cpus} CPU(s), expected {CPUS}")
    return verdict(problems, f"Linux booted on {CPUS} vCPUs, ran /init and powered off")


if __name__ == "__main__":
    sys.exit(main())
