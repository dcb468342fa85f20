#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The test guest drives a virtio-net device served by cnh-net (spawned by
cnh with --net tap=NAME,mac=...). A tap with a unique name is created in the
root namespace; an AF_PACKET socket on it captures what the guest sends
(UDP/IPv4 frames with a marker; one sent with NEEDS_CSUM must arrive with a
correct UDP checksum) and injects frames for the guest to receive.

usage: net.py CNH GUEST_IMAGE [--pairs N]
Exits 77 with the reason while cnh has no --net or the guest no net scenario.
"""
import argparse
import os
import socket
import struct
import subprocess
import sys
import threading
import time

import cnhtest as t

ap = argparse.ArgumentParser()
ap.add_argument("cnh")
ap.add_argument("image")
ap.add_argument("--pairs", type=int, default=1)
a = ap.parse_args()

MARK = b"CNH-NET-MARK"
PEER = "02:cc:00:00:00:01"
GUEST_MAC = "52:54:00:12:34:56"
RX = 4

helptext = subprocess.run([a.cnh, "--help"], capture_output=True, text=True).stdout
if "--net" not in helptext:
    print("SKIP: cnh has no --net yet")
    sys.exit(t.SKIP)
if b"cnh.net.rx" not in open(a.image, "rb").read():
    print("SKIP: the test guest has no net scenario yet")
    sys.exit(t.SKIP)
if os.geteuid() != 0:
    print("SKIP: creating a tap needs root")
    sys.exit(t.SKIP)
t.need_kvm()

tap = "cnhtn%d" % (os.getpid() % 100000)
subprocess.run(["ip", "tuntap", "add", "mode", "tap", "multi_queue", "name", tap], check=True)
subprocess.run(["ip", "link", "set", tap, "up"], check=True)


def csum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def udp_ok(frame, partial=False):
    """(marker payload, checksum correct) for an IPv4/UDP frame, or None.
    partial: the kernel holds the frame as CHECKSUM_PARTIAL (the guest asked
    for the offload and the tap kept it): the field holds the pseudo-header
    sum; complete it as a NIC would (sum from csum_start, field included),
    then check the result."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return None
    ihl = (frame[14] & 15) * 4
    ip = frame[14:14 + ihl]
    udp = frame[14 + ihl:]
    ulen = struct.unpack("!H", udp[4:6])[0]
    udp = udp[:ulen]
    if partial:
        udp = udp[:6] + struct.pack("!H", 0xffff - csum16(udp)) + udp[8:]
    elif struct.unpack("!H", udp[6:8])[0] == 0:
        return udp[8:], True  # no checksum is legal for IPv4
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
    return udp[8:], csum16(pseudo + udp) == 0xffff


SOL_PACKET, PACKET_AUXDATA, TP_STATUS_CSUMNOTREADY = 263, 8, 1 << 3
captured = []  # (frame, checksum not yet computed)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((tap, 0))
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
s.settimeout(0.5)
stop = threading.Event()


def capture():
    while not stop.is_set():
        try:
            frame, anc, _, _ = s.recvmsg(70000, socket.CMSG_SPACE(32))
        except socket.timeout:
            continue
        partial = False
        for level, kind, data in anc:
            if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 4:
                partial = bool(struct.unpack("=I", data[:4])[0] & TP_STATUS_CSUMNOTREADY)
        captured.append((frame, partial))


injecting = threading.Event()


def inject():
    # Frames for the guest: UDP with a marker "-RX-<i>", sent again every half
    # second until cnh exits (the tap drops them until the guest's receive
    # queue runs; the guest counts distinct markers).
    dst = bytes.fromhex(GUEST_MAC.replace(":", ""))
    src = bytes.fromhex(PEER.replace(":", ""))
    while not injecting.wait(0.5):
        for i in range(RX):
            payload = MARK + b"-RX-%d" % i
            udp = struct.pack("!HHHH", 5000, 5001, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
            ip = ip[:10] + struct.pack("!H", 0xffff - csum16(ip)) + ip[12:]
            try:
                s.send(dst + src + b"\x08\x00" + ip + udp)
            except OSError:
                pass  # the tap is down before cnh-net attaches a queue
            time.sleep(0.02)


sandbox = {}


def watch_daemon():
    # cnh-net's own sandbox while it serves: a mount namespace of its own
    # whose root is empty (the tap is open before; nothing is opened after).
    while not stop.is_set() and "root" not in sandbox:
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
                if not argv[0].endswith(b"cnh-net") or tap.encode() not in b" ".join(argv):
                    continue
                mnt = os.readlink("/proc/%s/ns/mnt" % pid)
                root = sorted(os.listdir("/proc/%s/root/" % pid))
                if mnt != os.readlink("/proc/self/ns/mnt"):  # sandbox applied (not still starting)
                    sandbox.update(mnt=mnt, root=root)
            except OSError:
                pass
        time.sleep(0.05)


th = threading.Thread(target=capture, daemon=True)
th.start()
watcher = threading.Thread(target=watch_daemon, daemon=True)
watcher.start()
try:
    cmdline = t.guest_cmdline(["net"], 256, 1,
                              "cnh.net.peer=%s cnh.net.rx=%d cnh.net.pairs=%d" % (PEER, RX, a.pairs))
    args = ["--kernel", a.image, "--memory", "size=256M", "--cpus", "boot=1",
            "--cmdline", cmdline, "--serial", "tty", "--console", "off",
            "--net", "tap=%s,mac=%s,num_queues=%d" % (tap, GUEST_MAC, 2 * a.pairs)]
    injector = threading.Thread(target=inject, daemon=True)
    injector.start()
    r = t.run_cnh(a.cnh, args, timeout=300)
    injecting.set()
    injector.join(2)
    r.show()
    t.check("TEST net PASS" in r.out, "guest reports TEST net PASS")
    stop.set()
    th.join(2)
    udp = [u for u in (udp_ok(f, p) for f, p in captured) if u and u[0].startswith(MARK)]
    t.check(len(udp) >= 2, "host captured %d marked UDP frames from the guest" % len(udp))
    t.check(all(ok for _, ok in udp), "every captured UDP checksum is correct")
    t.check(any(b"CSUM" in p for p, _ in udp), "the checksum-offload frame arrived")
    t.check(sandbox.get("root") in ([], ["proc"]),
            "cnh-net ran in its own mount namespace with an empty root (%s)" % sandbox)
finally:
    stop.set()
    injecting.set()
    s.close()
    subprocess.run(["ip", "link", "del", tap], check=False)
t.finish()
