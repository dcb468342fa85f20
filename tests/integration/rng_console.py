#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh-rng and cnh-console, three ways.

--mode cnh (default, suite kvm): cnh --rng --console socket=PATH boots the
  test guest (scenarios rng, vconsole); a client on the console socket sends
  a line and reads the guest's marker. Skips (77) while `cnh --help` lacks
  --rng / --console.
--mode qemu-rng (suite interop): QEMU (TCG) is the front-end
  (vhost-user-rng-pci) booting the same test guest against cnh-rng, once
  unlimited and once with --rate, which must slow the run down.
--mode console-daemon (suite vhost-user): a minimal vhost-user front-end in
  this script drives cnh-console --output pty: transmit to the pty, pty
  input to the receive queue (also input sent before any receive buffer
  exists), the config space, and a pty resize arriving as
  VHOST_USER_BACKEND_CONFIG_CHANGE_MSG on the backend channel.

usage: rng_console.py CNH_OR_DAEMON GUEST_IMAGE [--mode ...] [--rng EXE] [--console EXE]
"""
import argparse
import fcntl
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

import cnhtest as t
import vufront
from vufront import (F_PROTOCOL, F_VERSION_1, GET_CONFIG, GET_FEATURES, GET_PROTOCOL_FEATURES,
                     SET_BACKEND_REQ_FD, SET_FEATURES, SET_OWNER, SET_PROTOCOL_FEATURES)

ap = argparse.ArgumentParser()
ap.add_argument("cnh", help="cnh (mode cnh) or unused")
ap.add_argument("image", help="test guest image")
ap.add_argument("--mode", default="cnh", choices=["cnh", "qemu-rng", "console-daemon"])
ap.add_argument("--rng", help="cnh-rng")
ap.add_argument("--console", help="cnh-console")
a = ap.parse_args()

WORD = "hello%d" % (int(time.time()) % 10000)
MARKER = b"cnh-vconsole-marker"


def console_client(path, got, stop):
    """Connect (retrying), send the line, read until the guest's marker."""
    deadline = time.monotonic() + 240
    s = None
    while time.monotonic() < deadline and not stop.is_set():
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            s.close()
            s = None
            time.sleep(0.05)
    if not s:
        return
    s.sendall((WORD + " from the host\n").encode())
    buf = b""
    s.settimeout(0.5)
    while time.monotonic() < deadline and not stop.is_set():
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        if not d:
            break
        buf += d
        got["data"] = buf
        if MARKER in buf:
            break
    s.close()


def run_cnh_mode():
    t.need_kvm()
    h = subprocess.run([a.cnh, "--help"], capture_output=True, text=True)
    if "--rng" not in h.stdout + h.stderr or "--console" not in h.stdout + h.stderr:
        print("SKIP: cnh --help lists no --rng / --console yet (VMM side not merged)")
        sys.exit(t.SKIP)
    tmp = tempfile.mkdtemp(prefix="cnh-rngcon-")
    sock = os.path.join(tmp, "console.sock")
    got, stop = {}, threading.Event()
    th = threading.Thread(target=console_client, args=(sock, got, stop), daemon=True)
    th.start()
    tests = ["pci", "rng", "vconsole"]
    extra = "cnh.pci=2 cnh.vcon.expect=%s" % WORD
    args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1", "--rng",
            "--console", "socket=%s" % sock, "--cmdline", t.guest_cmdline(tests, 128 << 20, 1, extra)]
    try:
        r = t.run_cnh(a.cnh, args, timeout=300)
    finally:
        stop.set()
        th.join(timeout=5)
    r.show()
    t.check(r.code == 0, "cnh exited 0 after power-off (got %d)" % r.code)
    for name in tests:
        res = r.results.get(name, [])
        t.check(len(res) == 1 and res[0][0] == "PASS", "TEST %s PASS: %s" % (name, res))
    t.check(MARKER in got.get("data", b""), "the guest's marker arrived on the console socket (%r)"
            % got.get("data", b"")[:200])
    t.check("ALL TESTS DONE" in r.out, "guest reached the end")
    for d in ("cnh-rng", "cnh-console"):
        left = subprocess.run(["pgrep", "-f", "%s.*--fd" % d], capture_output=True, text=True)
        t.check(left.stdout.strip() == "", "no %s left running" % d)
    t.finish()


def run_qemu_rng():
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        print("SKIP: qemu-system-x86_64 not installed (Debian package qemu-system-x86)")
        sys.exit(t.SKIP)
    h = subprocess.run([qemu, "-device", "help"], capture_output=True, text=True)
    if "vhost-user-rng-pci" not in h.stdout + h.stderr:
        print("SKIP: this QEMU has no vhost-user-rng-pci")
        sys.exit(t.SKIP)
    tmp = tempfile.mkdtemp(prefix="cnh-rngcon-")
    times = {}
    for name, opts in (("unlimited", []), ("rate", ["--rate", "2048", "--burst", "1024"])):
        sock = os.path.join(tmp, "rng-%s.sock" % name)
        d = subprocess.Popen([a.rng, "--socket-path", sock] + opts, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 10
        while not os.path.exists(sock) and time.monotonic() < deadline:
            time.sleep(0.02)
        cmd = [qemu, "-M", "q35", "-accel", "tcg", "-m", "128M", "-display", "none", "-no-reboot",
               "-object", "memory-backend-memfd,id=mem,size=128M,share=on", "-numa", "node,memdev=mem",
               "-chardev", "socket,id=rng,path=%s" % sock,
               "-device", "vhost-user-rng-pci,chardev=rng,vectors=2",
               "-kernel", a.image, "-serial", "stdio",
               "-append", t.guest_cmdline(["pci", "rng"], 128 << 20, 1, "cnh.pci=1")]
        start = time.monotonic()
        try:
            q = subprocess.run(cmd, capture_output=True, text=True, timeout=240, errors="replace")
        finally:
            d.terminate()
            _, derr = d.communicate(timeout=10)
        times[name] = time.monotonic() - start
        r = t.Run(q, q.stdout, q.stderr, times[name])
        r.show()
        print("---- cnh-rng ----\n" + derr)
        res = r.results.get("rng", [])
        t.check(len(res) == 1 and res[0][0] == "PASS", "%s: TEST rng PASS under QEMU: %s" % (name, res))
        t.check("served" in derr and "served 0 requests" not in derr, "%s: cnh-rng served requests" % name)
        t.check(d.returncode == 0, "%s: cnh-rng exited 0 on SIGTERM (%s)" % (name, d.returncode))
    # 4096 + 2 * 64 bytes with 1024 saved up at 2048/s: at least ~1.5 s of waiting.
    t.check(times["rate"] >= times["unlimited"] + 1.2,
            "--rate 2048 slows the guest down (%.2fs vs %.2fs unlimited)" % (times["rate"], times["unlimited"]))
    t.finish()


# ---- cnh-console against a minimal vhost-user front-end ----

PF_CONFIG, PF_BACKEND_REQ = 1 << 9, 1 << 5
BACKEND_CONFIG_CHANGE_MSG = 2
BUF = 0x10000


class FrontEnd(vufront.FrontEnd):
    def __init__(self, sock):
        super().__init__(sock, "cnh-console-test-mem")

    def get_config(self):
        p = self.send(GET_CONFIG, struct.pack("<III", 0, 12, 0) + bytes(12), reply=True)
        t.check(len(p) == 24, "GET_CONFIG reply of 12 bytes")
        return struct.unpack_from("<HHII", p, 12)


def run_console_daemon():
    exe = a.console
    caps = subprocess.run([exe, "--print-capabilities"], capture_output=True, text=True)
    t.check('"type": "console"' in caps.stdout, "capabilities type console (%s)" % caps.stdout.strip())
    sv = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    d = subprocess.Popen([exe, "--fd", str(sv[1].fileno()), "--output", "pty"], pass_fds=[sv[1].fileno()],
                         stderr=subprocess.PIPE, text=True)
    sv[1].close()
    line = d.stderr.readline()
    t.check(line.startswith("cnh-console: console on /dev/pts/"), "pty path printed (%r)" % line)
    pty = line.strip().rsplit(" ", 1)[-1]
    user = os.open(pty, os.O_RDWR | os.O_NOCTTY)
    # Input before any front-end queue exists is kept for the guest.
    os.write(user, b"early\n")
    time.sleep(0.2)

    fe = FrontEnd(sv[0])
    feats = struct.unpack("<Q", fe.send(GET_FEATURES, reply=True))[0]
    t.check(feats & 1, "VIRTIO_CONSOLE_F_SIZE offered (0x%x)" % feats)
    t.check(not feats & 2, "VIRTIO_CONSOLE_F_MULTIPORT not offered")
    fe.send(SET_OWNER)
    pf = struct.unpack("<Q", fe.send(GET_PROTOCOL_FEATURES, reply=True))[0]
    t.check(pf & PF_BACKEND_REQ and pf & PF_CONFIG, "protocol features CONFIG and BACKEND_REQ (0x%x)" % pf)
    fe.send(SET_FEATURES, struct.pack("<Q", F_VERSION_1 | F_PROTOCOL | 1))
    fe.send(SET_PROTOCOL_FEATURES, struct.pack("<Q", PF_CONFIG | PF_BACKEND_REQ))
    ch = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    fe.send(SET_BACKEND_REQ_FD, fds=[ch[1].fileno()])
    ch[1].close()
    fe.set_mem_table()
    rx, tx = vufront.Vring(fe, 0, 0x0), vufront.Vring(fe, 1, 0x3000)
    rx.setup(enable=True)
    tx.setup(enable=True)

    # Transmit: guest output appears on the pty.
    fe.mem[BUF:BUF + 12] = b"guest-says\r\n"
    tx.desc(0, BUF, 12, 0)
    tx.submit(0)
    u = tx.wait_used()
    t.check(u is not None and u[0] == 0 and u[1] == 0, "transmit chain completed with len 0 (%s)" % (u,))
    r, _, _ = select.select([user], [], [], 5)
    out = os.read(user, 100) if r else b""
    t.check(out == b"guest-says\r\n", "guest output on the pty (%r)" % out)

    # Receive: the early input, then new input, land in posted buffers.
    for i in range(2):
        rx.desc(i, BUF + 0x1000 + 0x100 * i, 64, 2)
        rx.submit(i)
    u = rx.wait_used()
    got = bytes(fe.mem[BUF + 0x1000:BUF + 0x1000 + u[1]]) if u else b""
    t.check(got == b"early\n", "input typed before the queue existed delivered (%r)" % got)
    os.write(user, b"typed\n")
    u = rx.wait_used()
    got = bytes(fe.mem[BUF + 0x1100:BUF + 0x1100 + u[1]]) if u else b""
    t.check(got == b"typed\n", "pty input delivered (%r)" % got)

    # Resize: config changes and the front-end hears about it.
    fcntl.ioctl(user, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 132, 0, 0))
    r, _, _ = select.select([ch[0]], [], [], 5)
    msg = ch[0].recv(12, socket.MSG_WAITALL) if r else b""
    req = struct.unpack("<III", msg) if len(msg) == 12 else None
    t.check(req is not None and req[0] == BACKEND_CONFIG_CHANGE_MSG and req[2] == 0,
            "CONFIG_CHANGE_MSG on the backend channel after a resize (%s)" % (req,))
    cols, rows, nports, _ = fe.get_config()
    t.check((cols, rows, nports) == (132, 50, 1), "config cols/rows 132x50, 1 port (%d, %d, %d)" % (cols, rows, nports))

    sv[0].close()
    try:
        d.wait(timeout=10)
    except subprocess.TimeoutExpired:
        d.kill()
        d.wait()
    t.check(d.returncode == 0, "cnh-console exits 0 when its --fd connection ends (%s)" % d.returncode)
    os.close(user)
    t.finish()


if a.mode == "cnh":
    run_cnh_mode()
elif a.mode == "qemu-rng":
    run_qemu_rng()
else:
    run_console_daemon()
