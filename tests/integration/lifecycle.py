#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""VM lifecycle and console paths: crash report, SIGTERM, console input
over stdin, a unix socket and a pty, and --serial off.

usage: lifecycle.py CNH GUEST_IMAGE
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

import cnhtest as t

cnh, guest = sys.argv[1], sys.argv[2]
t.need_kvm()
tmp = tempfile.mkdtemp(prefix="cnh-life-")


def start(tests, *extra, stdin=subprocess.DEVNULL, cpus=1):
    args = [cnh, "--kernel", guest, "--memory", "size=64M", "--cpus", "boot=%d" % cpus,
            "--cmdline", t.guest_cmdline(tests, 64 << 20, cpus)] + list(extra)
    return subprocess.Popen(args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def read_until(stream, pattern, timeout=30):
    """Read from a pipe or socket fd until pattern appears; returns all text."""
    fd = stream if isinstance(stream, int) else stream.fileno()
    buf = b""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, buf.decode(errors="replace")):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace")


# 1. A triple fault prints the registers and exits non-zero.
r = t.run_cnh(cnh, ["--kernel", guest, "--memory", "size=64M",
                    "--cmdline", "cnh.tests=triplefault"], timeout=60)
t.check(r.code == 1, "triple fault: exit 1 (got %d)" % r.code)
t.check("triple fault" in r.err and re.search(r"rip=[0-9a-f]{16}", r.err) is not None,
        "triple fault: reason and registers on stderr")

# 2. SIGTERM stops a running 2-vCPU guest in order, promptly, exit 0.
p = start(["hang"], cpus=2)
out = read_until(p.stdout, r"TEST hang PASS")
t.check("TEST hang PASS" in out, "hang: guest is halted and waiting")
t0 = time.monotonic()
p.send_signal(signal.SIGTERM)
try:
    _, err = p.communicate(timeout=10)
    t.check(p.returncode == 0, "SIGTERM: exit 0 (got %d)" % p.returncode)
    t.check(time.monotonic() - t0 < 5, "SIGTERM: stopped within 5 s")
    t.check(b"stopping the VM" in err, "SIGTERM: said so on stderr")
except subprocess.TimeoutExpired:
    p.kill()
    t.check(False, "SIGTERM: cnh did not stop within 10 s")

# 2b. hugepages=on really backs guest RAM with 2 MiB pages.
t.reserve_hugepages(32)
p = start(["hang"], "--memory", "size=64M,hugepages=on")
out = read_until(p.stdout, r"TEST hang PASS")
smaps = open("/proc/%d/smaps" % p.pid).read()
sizes = [int(re.search(r"^Size:\s+(\d+) kB", b, re.M).group(1)) for b in re.split(r"\n(?=[0-9a-f]+-)", smaps)
         if "KernelPageSize:     2048 kB" in b]
t.check(sum(sizes) >= 64 * 1024, "hugepages: 64 MiB of 2 MiB-page mappings in cnh (%s kB)" % sizes)
p.send_signal(signal.SIGTERM)
p.communicate(timeout=10)

# 3. Console input from stdin reaches the guest's UART receiver.
p = start(["echo"], stdin=subprocess.PIPE)
out = read_until(p.stdout, r"waiting for a line")
p.stdin.write(b"hello-cnh\n")
p.stdin.flush()
out += read_until(p.stdout, r"ALL TESTS DONE")
p.wait(timeout=30)
t.check("TEST echo PASS got 'hello-cnh'" in out, "stdin input reached the guest: %r" % out[-200:])
t.check(p.returncode == 0, "stdin echo: exit 0")

# 4. --serial socket=PATH: output to and input from a unix socket client.
path = os.path.join(tmp, "console.sock")
p = start(["echo"], "--serial", "socket=" + path)
deadline = time.monotonic() + 20
while not os.path.exists(path) and time.monotonic() < deadline:
    time.sleep(0.02)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
out = read_until(s.fileno(), r"waiting for a line")
s.sendall(b"over-the-socket\r")
out += read_until(s.fileno(), r"ALL TESTS DONE")
p.wait(timeout=30)
t.check("TEST echo PASS got 'over-the-socket'" in out, "socket input reached the guest")
t.check(not os.path.exists(path), "socket removed at exit")

# 5. --serial pty: the pty is named on stderr and carries the console.
p = start(["echo"], "--serial", "pty")
err = read_until(p.stderr, r"/dev/pts/\d+")
m = re.search(r"(/dev/pts/\d+)", err)
t.check(m is not None, "pty: path printed on stderr (%r)" % err.strip())
if m:
    fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
    out = read_until(fd, r"waiting for a line")
    os.write(fd, b"via-pty\r")
    out += read_until(fd, r"ALL TESTS DONE")
    os.close(fd)
    t.check("TEST echo PASS got 'via-pty'" in out, "pty input reached the guest")
p.wait(timeout=30)
t.check(p.returncode == 0, "pty: exit 0")

# 6. --serial off: nothing on stdout, still powers off.
r = t.run_cnh(cnh, ["--kernel", guest, "--memory", "size=64M", "--serial", "off",
                    "--cmdline", "cnh.tests=serial"], timeout=60)
t.check(r.code == 0 and r.out == "", "serial off: exit 0 and silent stdout")

# 7. Started with stdin and stdout closed: the spawn helper's socket and the
# daemons must not land on fds 0/1 (cnh fills them with /dev/null first).
serial = os.path.join(tmp, "closed-stdio.log")
disk = os.path.join(tmp, "closed-stdio.img")
with open(disk, "wb") as f:
    f.truncate(1 << 20)
args = [cnh, "--kernel", guest, "--memory", "size=64M", "--serial", "file=" + serial,
        "--disk", "path=" + disk, "--cmdline", t.guest_cmdline(["pci", "blk"], 64 << 20, 1)]
p = subprocess.Popen(["sh", "-c", 'exec "$@" <&- >&-', "sh"] + args, stderr=subprocess.PIPE)
try:
    _, err = p.communicate(timeout=120)
except subprocess.TimeoutExpired:
    p.kill()
    _, err = p.communicate()
out = open(serial, errors="replace").read() if os.path.exists(serial) else ""
err = err.decode(errors="replace")
t.check(p.returncode == 0 and "TEST blk PASS" in out,
        "closed stdin/stdout: the spawned cnh-blk served the disk, exit %s" % p.returncode)
t.check("cnh-blk[main]: info: listening" in err or "cnh-blk[main]: info: sandbox" in err,
        "closed stdin/stdout: the daemon's log still reaches cnh's stderr (%s)" % err.strip()[-300:])
t.finish()
