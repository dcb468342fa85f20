#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot the test guest under cnh and require every scenario to PASS.

usage: boot_guest.py CNH IMAGE --cpus N --mem SIZE_MIB --tests a,b,c [--serial-mode MODE]
"""
import argparse
import os
import socket
import tempfile
import time

import cnhtest as t

ap = argparse.ArgumentParser()
ap.add_argument("cnh")
ap.add_argument("image")
ap.add_argument("--cpus", type=int, default=1)
ap.add_argument("--mem", type=int, default=128, help="MiB")
ap.add_argument("--tests", default="serial,rtc,memory,acpi,smp")
ap.add_argument("--serial-mode", default="tty", choices=["tty", "file", "socket"])
ap.add_argument("--timeout", type=int, default=300)
ap.add_argument("--extra", default="", help="more guest command line")
ap.add_argument("--hugepages", action="store_true", help="back RAM with 2 MiB hugepages")
a = ap.parse_args()

t.need_kvm()
tests = a.tests.split(",")
mem = a.mem << 20
cmdline = t.guest_cmdline(tests, mem, a.cpus, a.extra)
args = ["--kernel", a.image, "--cmdline", cmdline, "--cpus", "boot=%d" % a.cpus,
        "--memory", "size=%dM%s" % (a.mem, ",hugepages=on" if a.hugepages else "")]
if a.hugepages:
    t.reserve_hugepages(a.mem // 2)

tmp = tempfile.mkdtemp(prefix="cnh-test-")
if a.serial_mode == "tty":
    args += ["--serial", "tty"]
    r = t.run_cnh(a.cnh, args, timeout=a.timeout)
    serial = r.out
elif a.serial_mode == "file":
    path = os.path.join(tmp, "serial.log")
    args += ["--serial", "file=" + path]
    r = t.run_cnh(a.cnh, args, timeout=a.timeout)
    t.check(r.out == "", "nothing on stdout with --serial file")
    serial = open(path, errors="replace").read()
else:
    import subprocess
    path = os.path.join(tmp, "serial.sock")
    args += ["--serial", "socket=" + path]
    proc = subprocess.Popen([a.cnh] + args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    chunks = []
    s.settimeout(a.timeout)
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    proc.wait(timeout=a.timeout)
    serial = b"".join(chunks).decode(errors="replace")
    out, err = proc.communicate()
    r = t.Run(proc, serial, err, 0)
    t.check(not os.path.exists(path), "socket file removed at exit")

parsed = {}
for line in serial.splitlines():
    m = t.TEST_LINE.match(line.strip())
    if m:
        parsed.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
r.out = serial
r.show()

t.check(r.code == 0, "cnh exited 0 after the guest powered off (got %d)" % r.code)
t.check("cnh-test-guest: booted via" in serial, "guest banner printed")
for name in tests:
    res = parsed.get(name, [])
    t.check(len(res) >= 1 and all(s == "PASS" for s, _ in res),
            "scenario %s passed: %s" % (name, res))
if "reboot" in tests:
    t.check(serial.count("cnh-test-guest: booted via") == 2, "guest booted twice (reboot)")
    t.check(parsed.get("reboot-request", [("", "")])[0][0] == "PASS", "reboot was requested")
fails = [k for k, v in parsed.items() if any(s != "PASS" for s, _ in v)]
t.check(not fails, "no FAIL lines (%s)" % fails)
t.check("ALL TESTS DONE" in serial, "guest reached the end of its list")
t.finish()
