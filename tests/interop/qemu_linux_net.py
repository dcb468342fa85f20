#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-net behind QEMU's vhost-user netdev, driven by a real Linux guest.

usage: qemu_linux_net.py CNH_NET [--cache DIR] [--timeout SECONDS] [--pairs N] [--net-arg ARG]...

cnh-net creates a tap with an address (--ip), QEMU (TCG, q35, memfd shared
memory) connects to it with -netdev vhost-user (queues=N, mq=on) and boots
Debian's linux-image-cloud-amd64 with a busybox initramfs that loads
virtio_net, configures eth0 and pings the tap's address (small and
fragmented large datagrams), then pulls 1 MiB over TCP from a host server
on the tap address and pushes 1 MiB back (checksum and segmentation
offloads, mergeable receive buffers). Exit 77 with the reason when QEMU,
the kernel, busybox or tap creation (root) is missing.
"""

import hashlib
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_linux  # noqa: E402
from peers import skip  # noqa: E402

MODULES = qemu_linux.VIRTIO_PCI_MODULES + ["failover", "net_failover", "virtio_net"]
MAC = "52:54:00:c0:ff:ee"
PULL_BYTES = 1 << 20
PORT_PULL, PORT_PUSH = 5701, 5702


def init_script(host_ip, guest_ip):
    return qemu_linux.init_script("CNH-NET", MODULES, f"""i=0
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
""")


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
    ap = qemu_linux.argument_parser(__doc__, "cnh-net", "--net-arg=--log-level=debug")
    ap.add_argument("--pairs", type=int, default=2)
    args = ap.parse_args()

    if os.geteuid() != 0 or not os.path.exists("/dev/net/tun"):
        return skip("creating a tap needs root and /dev/net/tun")
    sub = 100 + os.getpid() % 150
    host_ip, guest_ip = f"10.213.{sub}.1", f"10.213.{sub}.2"
    tap = f"cnhqn{os.getpid() % 100000}"
    with qemu_linux.Guest("net", log) as guest:
        status = guest.prepare(args, init_script(host_ip, guest_ip), MODULES, suffix=f"-{sub}")
        if status is not None:
            return status
        if not guest.start_daemon([args.daemon, "--socket-path", guest.sock, "--tap", tap,
                                   "--ip", host_ip, "--mask", "255.255.255.0", "--mac", MAC,
                                   "--num-queues", str(2 * args.pairs)] + args.daemon_arg):
            return 1

        payload = os.urandom(PULL_BYTES)
        pushed = bytearray()

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

        rc, timed_out = guest.boot(
            ["-netdev", f"vhost-user,id=n0,chardev=c0,queues={args.pairs}",
             "-device", f"virtio-net-pci,netdev=n0,mac={MAC},mq=on,vectors={2 * args.pairs + 2}"],
            args.timeout, smp=args.pairs,
            # pci=nomsi: QEMU 7.2 (TCG) dereferences a NULL vector_irqfd in
            # virtio_pci_one_vector_unmask() once a vhost-user virtio-net
            # driver enables MSI-X (vhost-user turns off guest notifier
            # masking, TCG has no irqfds): SIGSEGV at DRIVER_OK, whatever
            # the back-end. INTx takes the same vhost-user call fds.
            append=" pci=nomsi")
        for s in servers:
            s.join(2)

        daemon_text = "\n".join(guest.daemon_lines)
        problems = guest.guest_problems(timed_out, "CNH-NET")
        if "dropping the front-end connection" in daemon_text:
            problems.append("cnh-net dropped QEMU's connection")
        if rc is not None and rc < 0 and not timed_out:
            problems.append(f"QEMU died with signal {-rc}")
        text = "\n".join(guest.vm_lines)
        info = guest.guest_line("CNH-NET-INFO")
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
        return guest.verdict(problems, "Linux pinged the tap and moved 1 MiB each way over TCP "
                             f"through cnh-net ({args.pairs} pair(s))")


if __name__ == "__main__":
    sys.exit(main())
