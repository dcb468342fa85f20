#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-fs behind QEMU's vhost-user-fs-pci, mounted by a real Linux guest.

usage: qemu_linux_fs.py CNH_FS [--cache DIR] [--timeout SECONDS] [--fs-arg ARG]...

QEMU (TCG, q35, memfd shared memory) boots Debian's linux-image-cloud-amd64
with a busybox initramfs that loads virtio, fuse and virtiofs, mounts tag
myfs on /mnt, reads a file the host created, creates files and a directory,
lists them, renames one, deletes another, makes a symlink, and prints a
marker. The host then checks the directory. Exit 77 with the reason when
QEMU, the kernel or busybox cannot be had.
"""

import argparse
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux"))
import guestkit  # noqa: E402

SKIP = 77
QEMU = "qemu-system-x86_64"
MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
           "virtio_pci", "fuse", "virtiofs"]
HOST_CONTENT = "cnh-fs host says hello"
MARKER = "CNH-FS-GUEST-MARKER-7f3a"
BIG = 300000  # bytes: several FUSE READ/WRITE requests

INIT = f"""#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in {' '.join(MODULES)}; do
  busybox insmod /lib/modules/$m.ko || echo "CNH-FS-FAIL insmod $m"
done
busybox mkdir -p /mnt
i=0
until busybox mount -t virtiofs myfs /mnt; do
  i=$((i+1)); if [ $i -ge 50 ]; then echo "CNH-FS-FAIL mount"; busybox poweroff -f; fi
  busybox sleep 0.2
done
echo "CNH-FS-MOUNTED"
if [ "$(busybox cat /mnt/host.txt)" = "{HOST_CONTENT}" ]; then echo "CNH-FS-READ-OK"; else echo "CNH-FS-FAIL read host.txt"; fi
echo "{MARKER}" > /mnt/created.txt || echo "CNH-FS-FAIL create"
echo "temporary" > /mnt/doomed.txt || echo "CNH-FS-FAIL create doomed"
busybox mkdir /mnt/subdir || echo "CNH-FS-FAIL mkdir"
echo "inner" > /mnt/subdir/inner.txt || echo "CNH-FS-FAIL create inner"
busybox mv /mnt/created.txt /mnt/renamed.txt || echo "CNH-FS-FAIL rename"
busybox rm /mnt/doomed.txt || echo "CNH-FS-FAIL unlink"
busybox ln -s renamed.txt /mnt/link || echo "CNH-FS-FAIL symlink"
busybox ln /mnt/renamed.txt /mnt/hard || echo "CNH-FS-FAIL link"
busybox mkfifo /mnt/fifo || echo "CNH-FS-FAIL mkfifo"
busybox mkdir /mnt/gone && busybox rmdir /mnt/gone || echo "CNH-FS-FAIL rmdir"
busybox touch -d "2001-02-03 04:05:06" /mnt/subdir/inner.txt || echo "CNH-FS-FAIL touch"
busybox fsync /mnt/subdir/inner.txt || echo "CNH-FS-INFO no fsync applet"
busybox yes "{MARKER}" | busybox head -c {BIG} > /mnt/big.bin || echo "CNH-FS-FAIL big write"
busybox sync
echo 3 > /proc/sys/vm/drop_caches
if [ "$(busybox md5sum < /mnt/big.bin)" = "$(busybox yes "{MARKER}" | busybox head -c {BIG} | busybox md5sum)" ]; then echo "CNH-FS-BIG-OK"; else echo "CNH-FS-FAIL big readback"; fi
if [ "$(busybox cat /mnt/link)" = "{MARKER}" ]; then echo "CNH-FS-LINK-OK"; fi
echo "CNH-FS-LS $(busybox ls /mnt | busybox tr '\n' ' ')"
busybox stat -c "CNH-FS-STAT %s %a" /mnt/renamed.txt
busybox chmod 600 /mnt/renamed.txt || echo "CNH-FS-FAIL chmod"
busybox umount /mnt || echo "CNH-FS-FAIL umount"
echo "CNH-FS-DONE"
busybox poweroff -f
"""


def log(msg):
    print(f"qemu_linux_fs: {msg}", flush=True)


def skip(why):
    print(f"SKIP: {why}", flush=True)
    return SKIP


def wait_for_socket(path, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return True
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    return False


def pump(stream, lines, prefix):
    for raw in stream:
        line = raw.decode(errors="replace").rstrip("\r\n")
        lines.append(line)
        print(f"  {prefix}| {line}", flush=True)


def kill_group(p):
    if p and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)  # our own child's session only
            p.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cnh_fs")
    ap.add_argument("--cache", default=os.environ.get("CNH_TEST_CACHE", "linux-cache"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("CNH_TEST_TIMEOUT", "500")))
    ap.add_argument("--fs-arg", action="append", default=[],
                    help="extra cnh-fs option (repeatable), e.g. --fs-arg=--cache=auto")
    args = ap.parse_args()

    qemu = shutil.which(QEMU)
    if not qemu:
        return skip(f"{QEMU} is not installed (apt-get install qemu-system-x86)")
    if not os.access(args.cnh_fs, os.X_OK):
        print(f"FAIL: {args.cnh_fs} is not an executable", flush=True)
        return 1
    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    try:
        kernel, moddir = guestkit.kernel_and_modules(cache)
        mods = guestkit.module_files(moddir, MODULES)
        initrd = guestkit.build_initramfs(cache, "fs", INIT, mods)
    except guestkit.Skip as e:
        return skip(f"cannot prepare the guest: {e}")
    log(f"kernel {kernel}, initramfs {initrd}")

    tmp = tempfile.mkdtemp(prefix="cnh-fs-interop-")
    shared = os.path.join(tmp, "shared")
    os.mkdir(shared)
    sock = os.path.join(tmp, "fs.sock")
    with open(os.path.join(shared, "host.txt"), "w") as f:
        f.write(HOST_CONTENT)
    fsd = qp = None
    fs_lines, vm_lines = [], []
    try:
        # --sandbox none: the socket must exist before QEMU connects (the
        # sandboxed modes accept first); the sandbox has its own tests.
        cmd = [args.cnh_fs, "--shared-dir", shared, "--tag", "myfs", "--socket-path", sock,
               "--sandbox", "none"] + args.fs_arg
        log("running: " + " ".join(cmd))
        fsd = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=pump, args=(fsd.stdout, fs_lines, "fs"), daemon=True).start()
        if not wait_for_socket(sock, fsd):
            print(f"FAIL: cnh-fs did not listen on {sock}", flush=True)
            return 1
        qcmd = [qemu, "-accel", "tcg", "-M", "q35", "-m", "256M", "-smp", "1", "-nographic", "-no-reboot",
                "-kernel", kernel, "-initrd", initrd,
                "-append", "console=ttyS0 panic=-1 rdinit=/init",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
                "-numa", "node,memdev=mem",
                "-chardev", f"socket,id=c0,path={sock}",
                "-device", "vhost-user-fs-pci,chardev=c0,tag=myfs"]
        log("running: " + " ".join(qcmd))
        start = time.monotonic()
        qp = subprocess.Popen(qcmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
        t = threading.Thread(target=pump, args=(qp.stdout, vm_lines, "vm"), daemon=True)
        t.start()
        try:
            rc = qp.wait(timeout=args.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(qp)
            rc = qp.returncode
        t.join(5)
        log(f"QEMU finished after {time.monotonic() - start:.1f} s"
            + (" (timed out, killed)" if timed_out else f", exit status {rc}"))

        problems = []
        text = "\n".join(vm_lines)
        if timed_out:
            problems.append("the guest did not power off in time")
        for l in vm_lines:
            if "CNH-FS-FAIL" in l:
                problems.append("guest: " + l.strip())
        for want in ("CNH-FS-MOUNTED", "CNH-FS-READ-OK", "CNH-FS-BIG-OK", "CNH-FS-LINK-OK", "CNH-FS-DONE"):
            if want not in text:
                problems.append(f"guest did not print {want}")
        ls = next((l for l in vm_lines if "CNH-FS-LS" in l), "")
        for name in ("host.txt", "renamed.txt", "subdir", "link", "big.bin"):
            if name not in ls.split():
                problems.append(f"guest listing lacks {name}: '{ls.strip()}'")
        if "doomed.txt" in ls or "created.txt" in ls.split():
            problems.append(f"guest listing still has a removed name: '{ls.strip()}'")

        def host(*p):
            return os.path.join(shared, *p)
        try:
            with open(host("renamed.txt")) as f:
                if f.read().strip() != MARKER:
                    problems.append("host: renamed.txt does not hold the marker")
            if os.stat(host("renamed.txt")).st_mode & 0o777 != 0o600:
                problems.append("host: chmod 600 did not reach renamed.txt")
            with open(host("subdir", "inner.txt")) as f:
                if f.read().strip() != "inner":
                    problems.append("host: subdir/inner.txt is wrong")
            if os.readlink(host("link")) != "renamed.txt":
                problems.append("host: link does not point at renamed.txt")
            with open(host("big.bin"), "rb") as f:
                big = f.read()
            want_big = ((MARKER + "\n").encode() * (BIG // len(MARKER) + 1))[:BIG]
            if big != want_big:
                problems.append(f"host: big.bin differs ({len(big)} bytes)")
            if os.stat(host("hard")).st_ino != os.stat(host("renamed.txt")).st_ino:
                problems.append("host: hard is not a hard link of renamed.txt")
            if not stat.S_ISFIFO(os.lstat(host("fifo")).st_mode):
                problems.append("host: fifo is not a FIFO")
            if time.gmtime(os.stat(host("subdir", "inner.txt")).st_mtime)[:6] != (2001, 2, 3, 4, 5, 6):
                problems.append("host: touch -d did not set inner.txt's mtime (%s)"
                                % time.ctime(os.stat(host("subdir", "inner.txt")).st_mtime))
        except OSError as e:
            problems.append(f"host: {e}")
        for gone in ("doomed.txt", "created.txt", "gone"):
            if os.path.lexists(host(gone)):
                problems.append(f"host: {gone} still exists")
        if fsd.poll() is not None:
            problems.append(f"cnh-fs exited early with status {fsd.returncode}")
        if problems:
            for p in problems:
                print(f"FAIL: {p}", flush=True)
            return 1
        print("PASS: Linux mounted cnh-fs (virtiofs), read, created, renamed, deleted, "
              "linked and chmodded; the host directory matches", flush=True)
        return 0
    finally:
        kill_group(qp)
        kill_group(fsd)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
