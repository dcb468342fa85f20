#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The REST API against a real VM: cnh --api-socket with no kernel waits for
vm.create; every endpoint is driven through cnh-remote and the test guest
shows what the VM did (power button seen by the guest, reboot, shutdown and
a second boot). Malformed HTTP gets a 4xx and cnh keeps serving.

usage: api.py CNH CNH_REMOTE GUEST_IMAGE
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

import cnhtest as t

cnh, remote, guest = sys.argv[1:4]
t.need_kvm()
tmp = tempfile.mkdtemp(prefix="cnh-api-")
sock = os.path.join(tmp, "api.sock")
serial = os.path.join(tmp, "serial.log")
disk = os.path.join(tmp, "disk.img")
with open(disk, "wb") as f:
    f.truncate(8 << 20)


def rc(*args, json_out=False):
    cmd = [remote, "--api-socket", sock] + (["--json"] if json_out else []) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def state():
    code, out, err = rc("info", json_out=True)
    return json.loads(out)["state"] if code == 0 else "error %d %s" % (code, err.strip())


def serial_text():
    try:
        return open(serial, errors="replace").read()
    except OSError:
        return ""


def wait_serial(pattern, count=1, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(re.findall(pattern, serial_text())) >= count:
            return True
        time.sleep(0.05)
    return False


def raw_http(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock)
    s.sendall(data)
    try:
        reply = s.recv(4096).decode(errors="replace")
    except socket.timeout:
        reply = ""
    s.close()
    return reply


proc = subprocess.Popen([cnh, "--api-socket", "path=" + sock], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
deadline = time.monotonic() + 20
while not os.path.exists(sock) and time.monotonic() < deadline:
    time.sleep(0.02)
try:
    code, out, _ = rc("ping")
    t.check(code == 0 and "0." in out, "vmm.ping answers with the version (%r)" % out.strip())
    t.check(state().startswith("error 1"), "vm.info before vm.create is refused")
    code, _, err = rc("boot")
    t.check(code == 1, "vm.boot before vm.create: API error, exit 1 (%s)" % err.strip())

    r = raw_http(b"PUT /api/v1/vm.create HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{bad}")
    t.check(r.startswith("HTTP/1.1 400"), "vm.create with malformed JSON: 400 (%r)" % r[:40])
    r = raw_http(b'PUT /api/v1/vm.create HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n{"payload": {"kernel": 7}}    ')
    t.check(r.startswith("HTTP/1.1 400") and "payload.kernel" in r, "a wrong field type is named (%r)" % r[-80:])

    cmdline = "cnh.tests=powerbutton,hang cnh.mem=%d cnh.cpus=2" % (64 << 20)
    code, out, err = rc("create", "--kernel", guest, "--cmdline", cmdline, "--cpus", "boot=2",
                        "--memory", "size=64M", "--serial", "file=" + serial,
                        "--disk", "path=" + disk)
    t.check(code == 0, "vm.create (%s)" % err.strip())
    t.check(state() == "Created", "state Created")
    code, _, err = rc("create", "--kernel", guest)
    t.check(code == 1, "a second vm.create is refused (%s)" % err.strip())
    code, _, err = rc("boot")
    t.check(code == 0, "vm.boot (%s)" % err.strip())
    t.check(state() == "Running", "state Running")
    t.check(wait_serial(r"waiting for the power button"), "the guest booted and waits")
    code, out, _ = rc("info", json_out=True)
    info = json.loads(out) if code == 0 else {}
    t.check(info.get("memory_actual_size") == 64 << 20, "vm.info memory_actual_size")
    t.check(info.get("config", {}).get("cpus", {}).get("boot_vcpus") == 2, "vm.info config cpus")

    t.check(rc("pause")[0] == 0 and state() == "Paused", "vm.pause -> Paused")
    t.check(rc("pause")[0] == 1, "vm.pause while paused is refused")
    t.check(rc("resume")[0] == 0 and state() == "Running", "vm.resume -> Running")

    t.check(rc("power-button")[0] == 0, "vm.power-button accepted")
    t.check(wait_serial(r"TEST powerbutton PASS"), "the guest saw the power button (GED)")
    t.check(wait_serial(r"TEST hang PASS"), "the guest went on")

    t.check(rc("reboot")[0] == 0, "vm.reboot accepted")
    t.check(wait_serial(r"cnh-test-guest: booted via", 2), "the guest booted a second time")
    t.check(rc("power-button")[0] == 0 and wait_serial(r"TEST powerbutton PASS", 2),
            "power button after the reboot")
    t.check(state() == "Running", "Running after the reboot")

    t.check(rc("shutdown")[0] == 0 and state() == "Shutdown", "vm.shutdown -> Shutdown")
    t.check(proc.poll() is None, "cnh keeps serving after vm.shutdown")
    left = subprocess.run(["pgrep", "-f", "cnh-blk.*%s" % disk], capture_output=True, text=True)
    t.check(left.stdout.strip() == "", "the disk's cnh-blk stopped with the VM")
    t.check(rc("boot")[0] == 0 and wait_serial(r"cnh-test-guest: booted via", 3),
            "vm.boot again from Shutdown")

    # Malformed requests: a 4xx each, and the VMM still serves.
    replies = [raw_http(b"GET /api/v1/vm.nothing HTTP/1.1\r\nHost: x\r\n\r\n"),
               raw_http(b"GET /api/v1/vm.boot HTTP/1.1\r\nHost: x\r\n\r\n"),
               raw_http(b"PUT /api/v1/vm.create HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n{bad}"),
               raw_http(b"BREW /coffee HTCPCP/1.0\r\n\r\n"),
               raw_http(b"PUT /api/v1/vm.add-disk HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")]
    codes = [int(r.split()[1]) if r.startswith("HTTP/1.1 ") else 0 for r in replies]
    t.check(codes[:3] == [404, 405, 409] and all(400 <= c < 500 for c in codes),
            "malformed requests get 404/405/409/4xx (%s)" % codes)
    t.check(rc("ping")[0] == 0, "still serving after malformed requests")

    code, _, err = rc("add-disk", "path=" + disk)
    t.check(code == 1 and "hotplug" in err, "hot-add answers that hotplug is not supported yet")

    code, out, _ = rc("counters", json_out=True)
    t.check(code == 0 and '"vcpu0"' in out, "vm.counters answers with per-vCPU counters")

    # Cold plug: after vm.shutdown, add-* and remove-device edit the stored configuration.
    t.check(rc("shutdown")[0] == 0 and state() == "Shutdown", "vm.shutdown again")
    pmem = os.path.join(tmp, "pmem.img")
    with open(pmem, "wb") as f:
        f.truncate(2 << 20)
    cold = [("add-vsock", "cid=5,socket=%s,id=vs0" % os.path.join(tmp, "vsock")),
            ("add-pmem", "file=%s,id=pm0" % pmem),
            ("add-fs", "tag=myfs,socket=%s,id=fs0" % os.path.join(tmp, "fs.sock")),
            ("add-net", "vhost_user=on,socket=%s,id=nt0" % os.path.join(tmp, "net.sock"))]
    for cmd, arg in cold:
        code, _, err = rc(cmd, arg)
        t.check(code == 0, "%s while shut down edits the config (%s)" % (cmd, err.strip()))
    code, out, _ = rc("info", json_out=True)
    cfg = json.loads(out).get("config", {}) if code == 0 else {}
    t.check(cfg.get("vsock", {}).get("cid") == 5 and len(cfg.get("pmem", [])) == 1 and
            len(cfg.get("fs", [])) == 1 and len(cfg.get("net", [])) == 1,
            "vm.info shows the cold-plugged devices")
    for dev in ("vs0", "pm0", "fs0", "nt0"):
        t.check(rc("remove-device", dev)[0] == 0, "remove-device %s" % dev)
    code, _, err = rc("remove-device", "nosuch")
    t.check(code == 1, "remove-device of an unknown id is refused (%s)" % err.strip())
    code, out, _ = rc("info", json_out=True)
    cfg = json.loads(out).get("config", {}) if code == 0 else {}
    t.check(not cfg.get("vsock") and not cfg.get("pmem") and not cfg.get("net"),
            "vm.info after remove-device")
    t.check(rc("delete")[0] == 0, "vm.delete")
    t.check(state().startswith("error 1"), "vm.info after vm.delete is refused (NotCreated)")

    t.check(rc("shutdown-vmm")[0] == 0, "vmm.shutdown accepted")
    try:
        proc.wait(timeout=20)
        t.check(proc.returncode == 0, "cnh exited 0 after vmm.shutdown")
    except subprocess.TimeoutExpired:
        t.check(False, "cnh exited after vmm.shutdown")
    t.check(not os.path.exists(sock), "API socket removed at exit")
    code, _, _ = rc("ping")
    t.check(code == 3, "cnh-remote: exit 3 when nothing listens")
finally:
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    if t.failures:
        print("---- cnh stderr ----\n" + err)
        print("---- serial ----\n" + serial_text())
t.finish()
