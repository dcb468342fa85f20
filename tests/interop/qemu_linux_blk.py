#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-blk behind QEMU's vhost-user-blk-pci, driven by a real Linux guest.

usage: qemu_linux_blk.py CNH_BLK [--cache DIR] [--timeout SECONDS] [--blk-arg ARG]...

QEMU (TCG, q35, memfd shared memory) boots Debian's linux-image-cloud-amd64
with a busybox initramfs that loads the virtio modules, then on /dev/vda:
writes a known pattern with dd, drops the page cache, reads it back and
compares, discards the first MiB, and reports the queue count and size. The
host then checks the backing file: the pattern where the guest wrote it and
zeroes where it discarded. Exit 77 with the reason when QEMU, the kernel or
busybox cannot be had.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_linux  # noqa: E402

DISK_BYTES = 64 << 20
QUEUES = 2  # the guest needs as many vCPUs (-smp) to use them all
MODULES = qemu_linux.VIRTIO_PCI_MODULES + ["virtio_blk"]
PATTERN_LINE = b"CNH-BLK-PATTERN-0123456789abcdef\n"  # 33 bytes, what `yes` repeats
PATTERN_OFF = 4 << 20       # where the guest writes (bytes)
PATTERN_LEN = 1 << 20
DISCARD_LEN = 1 << 20       # the guest discards [0, 1 MiB)

INIT = qemu_linux.init_script("CNH-BLK", MODULES, f"""i=0
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
""")


def log(msg):
    print(f"qemu_linux_blk: {msg}", flush=True)


def main():
    args = qemu_linux.argument_parser(__doc__, "cnh-blk", "--blk-arg=--direct").parse_args()
    with qemu_linux.Guest("blk", log) as guest:
        status = guest.prepare(args, INIT, MODULES)
        if status is not None:
            return status
        disk = os.path.join(guest.tmp, "disk.img")
        with open(disk, "wb") as f:
            f.write(b"\xaa" * DISCARD_LEN)
            f.truncate(DISK_BYTES)
        if not guest.start_daemon([args.daemon, "--path", disk, "--socket-path", guest.sock,
                                   "--num-queues", str(QUEUES), "--serial", "cnh-interop"]
                                  + args.daemon_arg):
            return 1
        _, timed_out = guest.boot(["-device", f"vhost-user-blk-pci,chardev=c0,num-queues={QUEUES}"],
                                  args.timeout, smp=2)

        problems = guest.guest_problems(timed_out, "CNH-BLK")
        text = "\n".join(guest.vm_lines)
        info = guest.guest_line("CNH-BLK-INFO")
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
        return guest.verdict(problems, "Linux wrote, read back and discarded through cnh-blk "
                             f"({QUEUES} queues); the backing file holds the data")


if __name__ == "__main__":
    sys.exit(main())
