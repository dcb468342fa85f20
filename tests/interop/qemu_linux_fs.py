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

import os
import stat
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_linux  # noqa: E402

MODULES = qemu_linux.VIRTIO_PCI_MODULES + ["fuse", "virtiofs"]
HOST_CONTENT = "cnh-fs host says hello"
MARKER = "CNH-FS-GUEST-MARKER-7f3a"
BIG = 300000  # bytes: several FUSE READ/WRITE requests

INIT = qemu_linux.init_script("CNH-FS", MODULES, f"""busybox mkdir -p /mnt
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
""")


def log(msg):
    print(f"qemu_linux_fs: {msg}", flush=True)


def main():
    args = qemu_linux.argument_parser(__doc__, "cnh-fs", "--fs-arg=--cache=auto").parse_args()
    with qemu_linux.Guest("fs", log) as guest:
        status = guest.prepare(args, INIT, MODULES)
        if status is not None:
            return status
        shared = os.path.join(guest.tmp, "shared")
        os.mkdir(shared)
        with open(os.path.join(shared, "host.txt"), "w") as f:
            f.write(HOST_CONTENT)
        # --sandbox none: the socket must exist before QEMU connects (the
        # sandboxed modes accept first); the sandbox has its own tests.
        if not guest.start_daemon([args.daemon, "--shared-dir", shared, "--tag", "myfs",
                                   "--socket-path", guest.sock, "--sandbox", "none"] + args.daemon_arg):
            return 1
        _, timed_out = guest.boot(["-device", "vhost-user-fs-pci,chardev=c0,tag=myfs"], args.timeout)

        problems = guest.guest_problems(timed_out, "CNH-FS")
        text = "\n".join(guest.vm_lines)
        for want in ("CNH-FS-MOUNTED", "CNH-FS-READ-OK", "CNH-FS-BIG-OK", "CNH-FS-LINK-OK", "CNH-FS-DONE"):
            if want not in text:
                problems.append(f"guest did not print {want}")
        ls = guest.guest_line("CNH-FS-LS")
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
        return guest.verdict(problems, "Linux mounted cnh-fs (virtiofs), read, created, renamed, "
                             "deleted, linked and chmodded; the host directory matches")


if __name__ == "__main__":
    sys.exit(main())
