#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""virtio-vsock through cnh-vsock (spawned by cnh for --vsock cid=3,socket=PATH),
with the hybrid unix-socket scheme of Firecracker and Cloud Hypervisor:

- guest -> host: before boot this script listens on PATH_<hostport>; the
  guest connects to host port <hostport>, sends "hello from guest <cid>\\n"
  and expects "HOST:" + that line back;
- host -> guest: once the guest prints that it listens, this script
  connects to PATH (--conns times, concurrently), writes "CONNECT <port>\\n",
  expects "OK <n>\\n", sends a line and expects "ECHO:" + the line in upper
  case, then EOF.

usage: vsock.py CNH GUEST_IMAGE [--conns N]
Skips (77) while cnh has no --vsock option.
"""
import argparse
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import cnhtest as t

ap = argparse.ArgumentParser()
ap.add_argument("cnh")
ap.add_argument("image")
ap.add_argument("--conns", type=int, default=1)
a = ap.parse_args()

helptext = subprocess.run([a.cnh, "--help"], capture_output=True, text=True)
if "--vsock" not in helptext.stdout + helptext.stderr:
    print("SKIP: cnh --help has no --vsock option yet")
    sys.exit(t.SKIP)
t.need_kvm()

CID, PORT, HOSTPORT = 3, 1234, 52
tmp = tempfile.mkdtemp(prefix="cnh-vsock-")
path = os.path.join(tmp, "v.sock")

# guest -> host listener, before boot
guest_conn = {"got": b"", "err": None}
lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lsock.bind("%s_%d" % (path, HOSTPORT))
lsock.listen(4)


def serve_guest():
    try:
        lsock.settimeout(300)
        c, _ = lsock.accept()
        c.settimeout(120)
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(256)
            if not chunk:
                break
            data += chunk
        guest_conn["got"] = data
        c.sendall(b"HOST:" + data)
        # The guest shuts down its side: we see EOF.
        guest_conn["eof"] = c.recv(16) == b""
        c.close()
    except OSError as e:
        guest_conn["err"] = str(e)


threading.Thread(target=serve_guest, daemon=True).start()

extra = "cnh.pci=1 cnh.vsock.cid=%d cnh.vsock.port=%d cnh.vsock.hostport=%d cnh.vsock.conns=%d" % (
    CID, PORT, HOSTPORT, a.conns)
args = ["--kernel", a.image, "--memory", "size=128M", "--cpus", "boot=1",
        "--vsock", "cid=%d,socket=%s" % (CID, path),
        "--cmdline", t.guest_cmdline(["pci", "vsock"], 128 << 20, 1, extra)]
start = time.monotonic()
proc = subprocess.Popen([a.cnh] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
out = b""
host_results = []


def host_stream(i):
    """One host-initiated stream: CONNECT, OK, a line, its echo, EOF."""
    res = {"i": i}
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(120)
        s.connect(path)
        s.sendall(b"CONNECT %d\n" % PORT)
        buf = b""
        while b"\n" not in buf:
            chunk = s.recv(64)
            if not chunk:
                break
            buf += chunk
        line, _, rest = buf.partition(b"\n")
        res["ok"] = line.decode(errors="replace")
        msg = b"stream %d says hi\n" % i
        s.sendall(msg)
        data = rest
        while True:
            chunk = s.recv(256)
            if not chunk:
                break
            data += chunk
        res["echo"] = data
        res["want"] = b"ECHO:" + msg.upper()
        s.close()
    except OSError as e:
        res["err"] = str(e)
    host_results.append(res)


threads = []
deadline = time.monotonic() + 400
try:
    while proc.poll() is None and time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], 1.0)
        if not r:
            continue
        chunk = os.read(proc.stdout.fileno(), 4096)
        if not chunk:
            break
        out += chunk
        if not threads and b"vsock: listening on port" in out:
            for i in range(a.conns):
                th = threading.Thread(target=host_stream, args=(i,), daemon=True)
                th.start()
                threads.append(th)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    rest, err = proc.communicate(timeout=30)
    out += rest
finally:
    if proc.poll() is None:
        proc.kill()
for th in threads:
    th.join(timeout=30)

run = t.Run(proc, out.decode(errors="replace"), err.decode(errors="replace"), time.monotonic() - start)
run.show()
t.check(run.code == 0, "cnh exited 0 after power-off (got %d)" % run.code)
for name in ("pci", "vsock"):
    res = run.results.get(name, [])
    t.check(len(res) == 1 and res[0][0] == "PASS", "scenario %s: %s" % (name, res))
t.check(guest_conn["err"] is None, "guest->host listener: %s" % guest_conn["err"])
t.check(guest_conn["got"] == b"hello from guest %d\n" % CID,
        "guest->host stream carried the marker (%r)" % guest_conn["got"])
t.check(guest_conn.get("eof", False), "guest shut its stream down (EOF on the host)")
t.check(len(host_results) == a.conns, "%d host streams ran (%d)" % (a.conns, len(host_results)))
for res in host_results:
    t.check("err" not in res, "host stream %d: %s" % (res["i"], res.get("err")))
    t.check(re.fullmatch(r"OK \d+", res.get("ok", "")) is not None,
            "host stream %d: handshake answer %r" % (res["i"], res.get("ok")))
    t.check(res.get("echo") == res.get("want"),
            "host stream %d: echo %r" % (res["i"], res.get("echo")))
left = subprocess.run(["pgrep", "-f", "cnh-vsock.*%s" % path], capture_output=True, text=True)
t.check(left.stdout.strip() == "", "no cnh-vsock left running")
t.finish()
