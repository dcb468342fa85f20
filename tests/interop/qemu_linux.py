# SPDX-License-Identifier: Apache-2.0
"""The harness shared by qemu_linux_{blk,fs,net}.py: QEMU (TCG, q35, 256 MiB
of memfd shared memory) boots Debian's cloud kernel with a busybox
initramfs (tests/linux/guestkit.py) whose /init prints TAG-FAIL lines,
against one of our vhost-user daemons on chardev c0.

    args = qemu_linux.argument_parser(__doc__, "cnh-blk", "--blk-arg=--direct").parse_args()
    with qemu_linux.Guest("blk", log) as guest:     # guest.tmp, guest.sock
        status = guest.prepare(args, INIT, MODULES)  # None, or the exit status
        if status is not None:
            return status
        if not guest.start_daemon([args.daemon, "--socket-path", guest.sock, ...]):
            return 1
        rc, timed_out = guest.boot(["-device", "vhost-user-blk-pci,chardev=c0"], args.timeout)
        problems = guest.guest_problems(timed_out, "CNH-BLK") + [...]
        return guest.verdict(problems, "what passed")
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, "..", "linux"))
sys.path.insert(0, _here)
import guestkit  # noqa: E402
from peers import kill_group, skip, spawn, wait_for_socket  # noqa: E402

QEMU = "qemu-system-x86_64"
# What every virtio-pci device needs, in load order; a test appends its own.
VIRTIO_PCI_MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
                      "virtio_pci"]


def init_script(tag, modules, body):
    """/init: mount proc, sys and devtmpfs, load modules (a TAG-FAIL line for
    each that does not load), then run body."""
    return f"""#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in {' '.join(modules)}; do
  busybox insmod /lib/modules/$m.ko || echo "{tag}-FAIL insmod $m"
done
""" + body


def argument_parser(doc, daemon, example):
    """DAEMON, --cache, --timeout and --<dev>-arg (repeatable, kept in
    args.daemon_arg) for the daemon named daemon ("cnh-blk")."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("daemon", metavar=daemon.upper().replace("-", "_"))
    ap.add_argument("--cache", default=os.environ.get("CNH_TEST_CACHE", "linux-cache"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("CNH_TEST_TIMEOUT", "500")))
    ap.add_argument(f"--{daemon.split('-', 1)[1]}-arg", dest="daemon_arg", metavar="ARG",
                    action="append", default=[],
                    help=f"extra {daemon} option (repeatable), e.g. {example}")
    return ap


class Guest:
    """One test's guest and daemon: name is the device ("blk"), used in the
    initramfs and socket file names and the daemon's output prefix. As a
    context manager it owns a temporary directory (tmp, with the daemon's
    socket path sock in it) and stops the daemon on the way out."""

    def __init__(self, name, log):
        self.name = name
        self.log = log
        self.qemu = self.kernel = self.initrd = self.daemon = None
        self.tmp = self.sock = None
        self.daemon_lines = []
        self.vm_lines = []

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix=f"cnh-{self.name}-interop-")
        self.sock = os.path.join(self.tmp, f"{self.name}.sock")
        return self

    def __exit__(self, *exc):
        kill_group(self.daemon)
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def prepare(self, args, init, modules, suffix=""):
        """Find QEMU and the daemon, build the initramfs (its name is the
        guest's plus suffix). Returns None when ready, else the exit status
        (77 skip, 1 fail) after saying why."""
        self.qemu = shutil.which(QEMU)
        if not self.qemu:
            return skip(f"{QEMU} is not installed (apt-get install qemu-system-x86)")
        if not os.access(args.daemon, os.X_OK):
            print(f"FAIL: {args.daemon} is not an executable", flush=True)
            return 1
        cache = os.path.abspath(args.cache)
        os.makedirs(cache, exist_ok=True)
        try:
            self.kernel, moddir = guestkit.kernel_and_modules(cache)
            mods = guestkit.module_files(moddir, modules)
            self.initrd = guestkit.build_initramfs(cache, self.name + suffix, init, mods)
        except guestkit.Skip as e:
            return skip(f"cannot prepare the guest: {e}")
        self.log(f"kernel {self.kernel}, initramfs {self.initrd}")
        return None

    def start_daemon(self, cmd):
        """Start the daemon (its own session, output pumped) and wait until
        self.sock accepts a connection. Returns True, or False after
        printing a FAIL line."""
        self.daemon, _ = spawn(cmd, self.daemon_lines, self.name, self.log)
        if not wait_for_socket(self.sock, self.daemon, connect=True):
            print(f"FAIL: {os.path.basename(cmd[0])} did not listen on {self.sock}", flush=True)
            return False
        return True

    def boot(self, device_args, timeout, smp=1, append=""):
        """Run QEMU with chardev c0 on self.sock plus device_args until the guest
        powers off or timeout seconds pass (QEMU is killed then). Returns
        (QEMU's exit status, timed out); the console is in self.vm_lines."""
        qcmd = [self.qemu, "-accel", "tcg", "-M", "q35", "-m", "256M", "-smp", str(smp),
                "-nographic", "-no-reboot",
                "-kernel", self.kernel, "-initrd", self.initrd,
                "-append", "console=ttyS0 panic=-1 rdinit=/init" + append,
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
                "-numa", "node,memdev=mem",
                "-chardev", f"socket,id=c0,path={self.sock}"] + list(device_args)
        start = time.monotonic()
        qp, t = spawn(qcmd, self.vm_lines, "vm", self.log)
        timed_out = False
        try:
            qp.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_group(qp)
        rc = qp.returncode
        t.join(5)
        self.log(f"QEMU finished after {time.monotonic() - start:.1f} s"
                 + (" (timed out, killed)" if timed_out else f", exit status {rc}"))
        return rc, timed_out

    def guest_problems(self, timed_out, tag):
        """A timeout and every TAG-FAIL line the guest printed."""
        problems = ["the guest did not power off in time"] if timed_out else []
        problems += ["guest: " + line.strip() for line in self.vm_lines if f"{tag}-FAIL" in line]
        return problems

    def guest_line(self, marker):
        """The first console line holding marker, or ""."""
        return next((line for line in self.vm_lines if marker in line), "")

    def verdict(self, problems, passed):
        """Exit status: 1 with a FAIL line per problem (the daemon having
        exited is one), else 0 with "PASS: passed"."""
        if self.daemon.poll() is not None:
            name = os.path.basename(self.daemon.args[0])
            problems.append(f"{name} exited early with status {self.daemon.returncode}")
        return guestkit.verdict(problems, passed)
