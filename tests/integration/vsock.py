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

PATH is named through a symlink (TMP/link -> TMP/real/vsock). While the
guest waits for host streams, the spawned cnh-vsock is checked to live in
its own mount namespace whose root shows only the real directory of PATH,
bound read-write, nosuid, nodev, noexec. Afterwards cnh-vsock is started
by hand (--socket-path, a relative --uds-path through the symlink): same
checks, a host connection, and on SIGTERM both of its sockets are removed
from inside the namespace.

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
real = os.path.realpath(os.path.join(tmp, "real", "vsock"))  # what cnh-vsock keeps visible
os.makedirs(real)
os.symlink(real, os.path.join(tmp, "link"))
path = os.path.join(tmp, "link", "v.sock")


def vsock_pids(uds):
    """Pids of the cnh-vsock processes started with --uds-path uds."""
    pids = []
    for d in os.listdir("/proc"):
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if os.path.basename(argv[0]) == b"cnh-vsock" and b"--uds-path" in argv[:-1] and \
                argv[argv.index(b"--uds-path") + 1] == uds.encode():
            pids.append(int(d))
    return pids


def check_namespace(name, pid, sock):
    """pid's root: empty but for the chain of directories down to real, bound there."""
    root = "/proc/%d/root" % pid
    t.check(os.readlink("/proc/%d/ns/mnt" % pid) != os.readlink("/proc/self/ns/mnt"),
            "%s: own mount namespace" % name)
    parts = real.strip("/").split("/")
    for i, want in enumerate(parts):
        at = "/" + "/".join(parts[:i])
        seen = sorted(e for e in os.listdir(root + at) if not (i == 0 and e == "proc"))  # sanitizer builds
        t.check(seen == [want], "%s: %s shows only %s (%s)" % (name, at, want, seen))
    t.check(sock in os.listdir(root + real), "%s: %s visible in %s" % (name, sock, real))
    t.check(not os.path.exists(root + "/etc"), "%s: host /etc not visible" % name)
    opts = {}
    with open("/proc/%d/mountinfo" % pid) as f:
        for line in f:
            fields = line.split()
            opts[fields[4]] = set(fields[5].split(","))
    t.check("ro" in opts.get("/", ()), "%s: / read-only (%s)" % (name, opts.get("/")))
    t.check({"rw", "nosuid", "nodev", "noexec"} <= opts.get(real, set()),
            "%s: %s bound rw,nosuid,nodev,noexec (%s)" % (name, real, opts.get(real)))
    t.check(len(opts) == 2 or (len(opts) == 3 and "/proc" in opts), "%s: mounts %s" % (name, sorted(opts)))


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
vsock_exe = None


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
            # The guest waits for the host streams: cnh-vsock is up and sandboxed.
            pids = vsock_pids(path)
            t.check(len(pids) == 1, "one spawned cnh-vsock (%s)" % pids)
            if pids:
                vsock_exe = os.readlink("/proc/%d/exe" % pids[0])
                check_namespace("spawned cnh-vsock", pids[0], "v.sock_%d" % HOSTPORT)
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
t.check(vsock_pids(path) == [], "no cnh-vsock left running")

# Started by hand: the vhost-user socket lies outside the bound directory
# (removed at exit through a directory fd), the uds socket inside it.
if vsock_exe:
    vhost = os.path.join(tmp, "vhost.sock")
    uds = os.path.join("link", "h.sock")
    d = subprocess.Popen([vsock_exe, "--cid", "4", "--uds-path", uds, "--socket-path", vhost], cwd=tmp,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # Up once its seccomp filter is loaded: the last step before its loop.
        deadline, up = time.monotonic() + 20, False
        while not up and d.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
            with open("/proc/%d/status" % d.pid) as f:
                up = "Seccomp:\t2\n" in f.read()
        t.check(up and os.path.exists(vhost), "cnh-vsock --socket-path is up and listens")
        if up:
            check_namespace("cnh-vsock by hand", d.pid, "h.sock")
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(os.path.join(tmp, uds))
                connected = True
            except OSError as e:
                connected = e
            s.close()
            t.check(connected is True, "host connects to the uds socket (%s)" % connected)
        d.send_signal(signal.SIGTERM)
        _, derr = d.communicate(timeout=20)
    finally:
        if d.poll() is None:
            d.kill()
    print(derr.decode(errors="replace"), end="")
    t.check(d.returncode == 0, "cnh-vsock exited 0 on SIGTERM (%s)" % d.returncode)
    t.check(b"%s bound into the empty root" % real.encode() in derr, "the bound directory was logged")
    t.check(not os.path.exists(os.path.join(real, "h.sock")), "the uds socket was removed at exit")
    t.check(not os.path.exists(vhost), "the vhost-user socket was removed at exit")
t.check(vsock_exe is not None, "the spawned cnh-vsock was found")
t.finish()
