#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-blk behind QEMU's vhost-user-blk-pci, driven by a real Linux guest.

usage: qemu_linux_blk.py CNH_BLK [--cache DIR] [--timeout SECONDS]

QEMU (TCG, q35, memfd shared memory) boots Debian's linux-image-cloud-amd64
with a busybox initramfs that loads the virtio modules, then on /dev/vda:
writes a known pattern with dd, drops the page cache, reads it back and
compares, discards the first MiB, and reports the queue count and size. The
host then checks the backing file: the pattern where the guest wrote it and
zeroes where it discarded. Exit 77 with the reason when QEMU, the kernel or
busybox cannot be had.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "linux"))
import guestkit  # noqa: E402

SKIP = 77
QEMU = "qemu-system-x86_64"
DISK_BYTES = 64 << 20
QUEUES = 2  # the guest needs as many vCPUs (-smp) to use them all
MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
           "virtio_pci", "virtio_blk"]
PATTERN_LINE = b"CNH-BLK-PATTERN-0123456789abcdef\n"  # 33 bytes, what `yes` repeats
PATTERN_OFF = 4 << 20       # where the guest writes (bytes)
PATTERN_LEN = 1 << 20
DISCARD_LEN = 1 << 20       # the guest discards [0, 1 MiB)

INIT = f"""#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in {' '.join(MODULES)}; do
  busybox insmod /lib/modules/$m.ko || echo "CNH-BLK-FAIL insmod $m"
done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do busybox sleep 0.1; i=$((i+1)); done
if [ ! -b /dev/vda ]; then echo "CNH-BLK-FAIL no /dev/vda"; busybox poweroff -f; fi
echo "CNH-BLK-INFO size=$(busybox cat /sys/block/vda/size) queues=$(busybox ls /sys/block/vda/mq | busybox wc -l) ro=$(busybox cat /sys/block/vda/ro)"
busybox yes "{PATTERN_LINE.decode().strip()}" | busybox head -c {PATTERN_LEN} > /tmp/pat
busybox dd if=/tmp/pat of=/dev/vda bs=4096 seek={PATTERN_OFF // 4096} conv=fsync 2>/dev/null || echo "CNH-BLK-FAIL dd write"
busybox sync
echo 3 > /proc/sys/vm/drop_caches
busybox dd if=/dev/vda of=/tmp/back bs=4096 skip={PATTERN_OFF // 4096} count={PATTERN_LEN // 4096} 2>/dev/null || echo "CNH-BLK-FAIL dd read"
if busybox cmp /tmp/pat /tmp/back; then echo "CNH-BLK-READBACK-OK"; else echo "CNH-BLK-FAIL readback differs"; fi
if busybox blkdiscard -o 0 -l {DISCARD_LEN} /dev/vda; then echo "CNH-BLK-DISCARD-OK"; fi
busybox sync
echo "CNH-BLK-DONE"
busybox poweroff -f
"""


def log(msg):
    print(f"qemu_linux_blk: {msg}", flush=True)


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
    ap.add_argument("cnh_blk")
    ap.add_argument("--cache", default=os.environ.get("CNH_TEST_CACHE", "linux-cache"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("CNH_TEST_TIMEOUT", "500")))
    ap.add_argument("--blk-arg", action="append", default=[],
                    help="extra cnh-blk option (repeatable), e.g. --blk-arg=--direct")
    args = ap.parse_args()

    qemu = shutil.which(QEMU)
    if not qemu:
        return skip(f"{QEMU} is not installed (apt-get install qemu-system-x86)")
    if not os.access(args.cnh_blk, os.X_OK):
        print(f"FAIL: {args.cnh_blk} is not an executable", flush=True)
        return 1
    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    try:
        kernel, moddir = guestkit.kernel_and_modules(cache)
        mods = guestkit.module_files(moddir, MODULES)
        initrd = guestkit.build_initramfs(cache, "blk", INIT, mods)
    except guestkit.Skip as e:
        return skip(f"cannot prepare the guest: {e}")
    log(f"kernel {kernel}, initramfs {initrd}")

    tmp = tempfile.mkdtemp(prefix="cnh-blk-interop-")
    disk = os.path.join(tmp, "disk.img")
    sock = os.path.join(tmp, "blk.sock")
    with open(disk, "wb") as f:
        f.write(b"\xaa" * DISCARD_LEN)
        f.truncate(DISK_BYTES)
    blk = qp = None
    blk_lines, vm_lines = [], []
    try:
        cmd = [args.cnh_blk, "--path", disk, "--socket-path", sock,
               "--num-queues", str(QUEUES), "--serial", "cnh-interop"] + args.blk_arg
        log("running: " + " ".join(cmd))
        blk = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=pump, args=(blk.stdout, blk_lines, "blk"), daemon=True).start()
        if not wait_for_socket(sock, blk):
            print(f"FAIL: cnh-blk did not listen on {sock}", flush=True)
            return 1
        qcmd = [qemu, "-accel", "tcg", "-M", "q35", "-m", "256M", "-smp", "2", "-nographic", "-no-reboot",
                "-kernel", kernel, "-initrd", initrd,
                "-append", "console=ttyS0 panic=-1 rdinit=/init",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
                "-numa", "node,memdev=mem",
                "-chardev", f"socket,id=c0,path={sock}",
                "-device", f"vhost-user-blk-pci,chardev=c0,num-queues={QUEUES}"]
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
            if "CNH-BLK-FAIL" in l:
                problems.append("guest: " + l.strip())
        info = next((l for l in vm_lines if "CNH-BLK-INFO" in l), "")
        if f"size={DISK_BYTES // 512}" not in info:
            problems.append(f"guest saw the wrong size: '{info.strip()}'")
        if f"queues={QUEUES}" not in info:
            problems.append(f"guest did not get {QUEUES} queues: '{info.strip()}'")
        if "CNH-BLK-READBACK-OK" not in text:
            problems.append("the guest did not read its pattern back")
        with open(disk, "rb") as f:
            f.seek(PATTERN_OFF)
            got = f.read(PATTERN_LEN)
            f.seek(0)
            head = f.read(DISCARD_LEN)
        want = (PATTERN_LINE * (PATTERN_LEN // len(PATTERN_LINE) + 1))[:PATTERN_LEN]
        if got != want:
            first = next((i for i in range(len(want)) if i >= len(got) or got[i] != want[i]), -1)
            problems.append(f"backing file does not hold the pattern (first difference at +{first})")
        if "CNH-BLK-DISCARD-OK" in text:
            if head != b"\0" * DISCARD_LEN:
                problems.append("the discarded MiB does not read back as zeroes on the host")
        else:
            log("busybox blkdiscard unavailable or failed: discard not checked")
        if blk.poll() is not None:
            problems.append(f"cnh-blk exited early with status {blk.returncode}")
        if problems:
            for p in problems:
                print(f"FAIL: {p}", flush=True)
            return 1
        print("PASS: Linux wrote, read back and discarded through cnh-blk "
              f"({QUEUES} queues); the backing file holds the data", flush=True)
        return 0
    finally:
        kill_group(qp)
        kill_group(blk)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
