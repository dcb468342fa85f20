#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-net behind QEMU's vhost-user netdev, driven by a real Linux guest.

usage: qemu_linux_net.py CNH_NET [--cache DIR] [--timeout SECONDS] [--pairs N]

cnh-net creates a tap with an address (--ip), QEMU (TCG, q35, memfd shared
memory) connects to it with -netdev vhost-user (queues=N, mq=on) and boots
Debian's linux-image-cloud-amd64 with a busybox initramfs that loads
virtio_net, configures eth0 and pings the tap's address (small and
fragmented large datagrams), then pulls 1 MiB over TCP from a host server
on the tap address and pushes 1 MiB back (checksum and segmentation
offloads, mergeable receive buffers). Exit 77 with the reason when QEMU,
the kernel, busybox or tap creation (root) is missing.
"""

import argparse
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "linux"))
sys.path.insert(0, HERE)
import guestkit  # noqa: E402
from qemu_linux_blk import kill_group, pump, skip, wait_for_socket  # noqa: E402

QEMU = "qemu-system-x86_64"
MODULES = ["virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
           "virtio_pci", "failover", "net_failover", "virtio_net"]
MAC = "52:54:00:c0:ff:ee"
PULL_BYTES = 1 << 20
PORT_PULL, PORT_PUSH = 5701, 5702


def init_script(host_ip, guest_ip):
    return f"""#!/bin/sh
export PATH=/bin
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in {' '.join(MODULES)}; do
  busybox insmod /lib/modules/$m.ko || echo "CNH-NET-FAIL insmod $m"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do busybox sleep 0.1; i=$((i+1)); done
if [ ! -e /sys/class/net/eth0 ]; then echo "CNH-NET-FAIL no eth0"; busybox poweroff -f; fi
echo "CNH-NET-INFO mac=$(busybox cat /sys/class/net/eth0/address) mtu=$(busybox cat /sys/class/net/eth0/mtu) queues=$(busybox ls /sys/class/net/eth0/queues | busybox grep -c rx)"
busybox ip link set lo up
busybox ip link set eth0 up
busybox ip addr add {guest_ip}/24 dev eth0
if busybox ping -c 3 -W 5 {host_ip}; then echo "CNH-NET-PING-OK"; else echo "CNH-NET-FAIL ping"; fi
if busybox ping -c 2 -W 5 -s 6000 {host_ip}; then echo "CNH-NET-PING-BIG-OK"; else echo "CNH-NET-FAIL ping -s 6000"; fi
if busybox nc {host_ip} {PORT_PULL} > /tmp/pull </dev/null; then
  echo "CNH-NET-PULL $(busybox wc -c < /tmp/pull) $(busybox md5sum < /tmp/pull)"
else
  echo "CNH-NET-FAIL nc pull"
fi
busybox nc {host_ip} {PORT_PUSH} < /tmp/pull && echo "CNH-NET-PUSH-DONE"
echo "CNH-NET-DONE"
busybox poweroff -f
"""


def log(msg):
    print(f"qemu_linux_net: {msg}", flush=True)


def serve_once(ip, port, ready, fn):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    s.listen(1)
    ready.set()
    s.settimeout(600)
    try:
        c, _ = s.accept()
        with c:
            fn(c)
    except OSError:
        pass
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cnh_net")
    ap.add_argument("--cache", default=os.environ.get("CNH_TEST_CACHE", "linux-cache"))
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("CNH_TEST_TIMEOUT", "500")))
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--net-arg", action="append", default=[],
                    help="extra cnh-net option (repeatable), e.g. --net-arg=--log-level=debug")
    args = ap.parse_args()

    qemu = shutil.which(QEMU)
    if not qemu:
        return skip(f"{QEMU} is not installed (apt-get install qemu-system-x86)")
    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        return skip("creating a tap needs root and /dev/net/tun")
    if not os.access(args.cnh_net, os.X_OK):
        print(f"FAIL: {args.cnh_net} is not an executable", flush=True)
        return 1
    sub = 100 + os.getpid() % 150
    host_ip, guest_ip = f"10.213.{sub}.1", f"10.213.{sub}.2"
    tap = f"cnhqn{os.getpid() % 100000}"
    cache = os.path.abspath(args.cache)
    os.makedirs(cache, exist_ok=True)
    try:
        kernel, moddir = guestkit.kernel_and_modules(cache)
        mods = guestkit.module_files(moddir, MODULES)
        initrd = guestkit.build_initramfs(cache, f"net-{sub}", init_script(host_ip, guest_ip), mods)
    except guestkit.Skip as e:
        return skip(f"cannot prepare the guest: {e}")
    log(f"kernel {kernel}, initramfs {initrd}")

    payload = os.urandom(PULL_BYTES)
    pushed = bytearray()
    tmp = tempfile.mkdtemp(prefix="cnh-net-interop-")
    sock = os.path.join(tmp, "net.sock")
    net = qp = None
    net_lines, vm_lines = [], []
    try:
        cmd = [args.cnh_net, "--socket-path", sock, "--tap", tap, "--ip", host_ip,
               "--mask", "255.255.255.0", "--mac", MAC, "--num-queues", str(2 * args.pairs)] + args.net_arg
        log("running: " + " ".join(cmd))
        net = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=pump, args=(net.stdout, net_lines, "net"), daemon=True).start()
        if not wait_for_socket(sock, net):
            print(f"FAIL: cnh-net did not listen on {sock}", flush=True)
            return 1

        def send_all(c):
            c.sendall(payload)

        def recv_all(c):
            while True:
                b = c.recv(65536)
                if not b:
                    break
                pushed.extend(b)

        servers = []
        for port, fn in ((PORT_PULL, send_all), (PORT_PUSH, recv_all)):
            ready = threading.Event()
            t = threading.Thread(target=serve_once, args=(host_ip, port, ready, fn), daemon=True)
            t.start()
            if not ready.wait(5):
                print(f"FAIL: cannot listen on {host_ip}:{port}", flush=True)
                return 1
            servers.append(t)

        qcmd = [qemu, "-accel", "tcg", "-M", "q35", "-m", "256M", "-smp", str(args.pairs),
                "-nographic", "-no-reboot",
                "-kernel", kernel, "-initrd", initrd,
                # pci=nomsi: QEMU 7.2 (TCG) dereferences a NULL vector_irqfd in
                # virtio_pci_one_vector_unmask() once a vhost-user virtio-net
                # driver enables MSI-X (vhost-user turns off guest notifier
                # masking, TCG has no irqfds): SIGSEGV at DRIVER_OK, whatever
                # the back-end. INTx takes the same vhost-user call fds.
                "-append", "console=ttyS0 panic=-1 rdinit=/init pci=nomsi",
                "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
                "-numa", "node,memdev=mem",
                "-chardev", f"socket,id=c0,path={sock}",
                "-netdev", f"vhost-user,id=n0,chardev=c0,queues={args.pairs}",
                "-device", f"virtio-net-pci,netdev=n0,mac={MAC},mq=on,vectors={2 * args.pairs + 2}"]
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
        for s in servers:
            s.join(2)
        log(f"QEMU finished after {time.monotonic() - start:.1f} s"
            + (" (timed out, killed)" if timed_out else f", exit status {rc}"))

        daemon_text = "\n".join(net_lines)
        problems = []
        if "dropping the front-end connection" in daemon_text:
            problems.append("cnh-net dropped QEMU's connection")
        if rc is not None and rc < 0 and not timed_out:
            problems.append(f"QEMU died with signal {-rc}")
        text = "\n".join(vm_lines)
        if timed_out:
            problems.append("the guest did not power off in time")
        for line in vm_lines:
            if "CNH-NET-FAIL" in line:
                problems.append("guest: " + line.strip())
        info = next((line for line in vm_lines if "CNH-NET-INFO" in line), "")
        if f"mac={MAC}" not in info:
            problems.append(f"guest eth0 has the wrong MAC: '{info.strip()}'")
        if f"queues={args.pairs}" not in info:
            problems.append(f"guest eth0 does not have {args.pairs} queue pair(s): '{info.strip()}'")
        if "CNH-NET-PING-OK" not in text:
            problems.append("no ping replies from the tap address")
        if "CNH-NET-PING-BIG-OK" not in text:
            problems.append("no replies to fragmented 6000-byte pings")
        want = f"CNH-NET-PULL {PULL_BYTES} {hashlib.md5(payload).hexdigest()}"
        if want not in text:
            problems.append(f"the guest did not receive the 1 MiB intact (want '{want}')")
        if bytes(pushed) != payload:
            problems.append(f"the host got {len(pushed)} bytes back from the guest, not the 1 MiB sent")
        if net.poll() is not None:
            problems.append(f"cnh-net exited early with status {net.returncode}")
        if problems:
            for p in problems:
                print(f"FAIL: {p}", flush=True)
            return 1
        print(f"PASS: Linux pinged the tap and moved 1 MiB each way over TCP through cnh-net "
              f"({args.pairs} pair(s))", flush=True)
        return 0
    finally:
        kill_group(qp)
        kill_group(net)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
