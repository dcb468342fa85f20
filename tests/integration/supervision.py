#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Daemon supervision, the event monitor and vm.counters against a real VM.

1. events: a command-line boot of the guest's blk scenario that powers off
   writes starting, booting, booted, activated/reset (disk0), shutdown and
   the VMM's shutdown, in that order, one JSON object per line.
2. api: create/boot/pause/resume/reboot/shutdown through cnh-remote give
   their events; vm.counters holds the VM, the disk and per-vCPU entries,
   and, after the guest's blk scenario, cnh-blk's I/O counters for the disk
   (read_ops, write_ops > 0, write_bytes >= what the guest wrote).
3. supervision: the spawned cnh-blk is SIGKILLed while the guest idles;
   cnh lives on and reports daemon-exited (name, pid, signal); SIGTERM then
   ends cnh with 0, no cnh-blk left and the API socket gone.

usage: supervision.py CNH CNH_REMOTE GUEST_IMAGE
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import cnhtest as t

cnh, remote, guest = sys.argv[1:4]
t.need_kvm()
tmp = tempfile.mkdtemp(prefix="cnh-sup-")
disk = os.path.join(tmp, "disk.img")
with open(disk, "wb") as f:
    f.truncate(8 << 20)
procs = []


def events(path):
    try:
        lines = open(path).read().splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append({"bad": line})
    return out


def names(evs):
    return ["%s/%s" % (e.get("source"), e.get("event")) for e in evs]


def in_order(seq, want):
    """want is a subsequence of seq."""
    it = iter(seq)
    return all(any(x == w for x in it) for w in want)


def wait_for(cond, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def serial_text(path):
    try:
        return open(path, errors="replace").read()
    except OSError:
        return ""


def blk_pids():
    p = subprocess.run(["pgrep", "-f", "cnh-blk.*%s" % re.escape(disk)], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def start(args):
    p = subprocess.Popen([cnh] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         errors="replace")
    procs.append(p)
    return p


def finish_proc(p, timeout=30):
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        t.check(False, "cnh ended within %ds" % timeout)
    return out, err


# ---- 1. events of a normal boot and power-off ----
ev1 = os.path.join(tmp, "events1.json")
p = start(["--kernel", guest, "--memory", "size=64M", "--cpus", "boot=1",
           "--disk", "path=" + disk, "--event-monitor", "path=" + ev1,
           "--cmdline", t.guest_cmdline(["blk"], 64 << 20, 1, "cnh.blk.seed=3")])
out, err = finish_proc(p, 300)
t.check(p.returncode == 0 and "TEST blk PASS" in out, "guest blk scenario ran and powered off (exit %s)" % p.returncode)
e1 = events(ev1)
n1 = names(e1)
t.check(all("bad" not in e for e in e1) and len(e1) > 0, "every line is a JSON object (%d)" % len(e1))
t.check(all(set(e) == {"timestamp", "source", "event", "properties"} for e in e1),
        "each event has timestamp, source, event, properties")
ts = [e["timestamp"]["secs"] * 10**9 + e["timestamp"]["nanos"] for e in e1 if "timestamp" in e]
t.check(ts == sorted(ts) and all(0 <= e["timestamp"]["nanos"] < 10**9 for e in e1 if "timestamp" in e),
        "timestamps are monotonic")
t.check(in_order(n1, ["vmm/starting", "vm/booting", "vm/booted", "virtio-device/activated",
                      "virtio-device/reset", "vm/shutdown", "vmm/shutdown"]),
        "boot + power-off events in order: %s" % n1)
t.check(any(e.get("event") == "activated" and (e.get("properties") or {}).get("id") == "disk0" for e in e1),
        "the activation names the device (disk0)")
if t.failures:
    print("---- stderr ----\n" + err)

# ---- 2. the API: pause, resume, reboot, counters ----
ev2 = os.path.join(tmp, "events2.json")
sock = os.path.join(tmp, "api.sock")
serial2 = os.path.join(tmp, "serial2.log")


def rc(*args, json_out=False):
    cmd = [remote, "--api-socket", sock] + (["--json"] if json_out else []) + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


p = start(["--api-socket", "path=" + sock, "--event-monitor", "path=" + ev2])
t.check(wait_for(lambda: os.path.exists(sock), 20), "API socket appears")
cmdline = "cnh.tests=blk,hang cnh.mem=%d cnh.cpus=2 cnh.blk.seed=5" % (64 << 20)
# The blk scenario writes 8 sectors at the head and 8 at the tail (tests/guest/blk.c).
GUEST_WROTE = 2 * 8 * 512
code, _, er = rc("create", "--kernel", guest, "--cmdline", cmdline, "--cpus", "boot=2",
                 "--memory", "size=64M", "--serial", "file=" + serial2, "--disk", "path=" + disk)
t.check(code == 0, "vm.create (%s)" % er.strip())
t.check(rc("boot")[0] == 0, "vm.boot")
t.check(wait_for(lambda: "TEST hang PASS" in serial_text(serial2), 300) and "TEST blk PASS" in serial_text(serial2),
        "the guest ran its blk scenario and idles")
t.check(rc("pause")[0] == 0 and rc("resume")[0] == 0, "vm.pause, vm.resume")
code, out, er = rc("counters", json_out=True)
try:
    ctr = json.loads(out)
except ValueError:
    ctr = {}
t.check(code == 0 and ctr.get("vm", {}).get("boots") == 1 and ctr.get("vm", {}).get("vcpus") == 2,
        "vm.counters: vm boots 1, vcpus 2 (%s)" % out.strip()[:300])
dk = [k for k in ctr if k.endswith("disk0")]
t.check(len(dk) == 1 and set(ctr[dk[0]]) >= {"activations", "resets", "config_reads", "config_writes"},
        "vm.counters: the disk's VMM-side counters (%s)" % dk)
io = ctr[dk[0]] if len(dk) == 1 else {}
t.check(io.get("read_ops", 0) > 0 and io.get("write_ops", 0) > 0 and io.get("write_bytes", 0) >= GUEST_WROTE
        and io.get("read_bytes", 0) > 0
        and {"flush_ops", "discard_ops", "errors"} <= set(io),
        "vm.counters: cnh-blk's I/O counters for the disk (%s)" % io)
vc = ctr.get("vcpu0")
if vc is None:
    print("note: no vcpu counters (kernel without KVM_GET_STATS_FD)")
else:
    # How KVM classifies exits depends on the host (io_exits stay 0 under PVM).
    t.check(vc.get("exits", 0) > 0 and {"io_exits", "mmio_exits"} <= set(vc),
            "vm.counters: vcpu0 KVM exits > 0, io_exits and mmio_exits present (%s)" % vc)
t.check(rc("reboot")[0] == 0, "vm.reboot")
t.check(wait_for(lambda: serial_text(serial2).count("TEST hang PASS") >= 2, 300), "the guest booted again")
code, out, _ = rc("counters", json_out=True)
t.check(code == 0 and json.loads(out).get("vm", {}).get("boots") == 2, "vm.counters: boots 2 after the reboot")
t.check(rc("shutdown")[0] == 0, "vm.shutdown")
t.check(rc("shutdown-vmm")[0] == 0, "vmm.shutdown")
out, err = finish_proc(p)
t.check(p.returncode == 0, "cnh exited 0")
n2 = names(events(ev2))
t.check(in_order(n2, ["vmm/starting", "vm/created", "vm/booting", "vm/booted", "vm/pausing", "vm/paused",
                      "vm/resuming", "vm/resumed", "vm/rebooting", "vm/rebooted", "vm/shutdown",
                      "vmm/shutdown"]),
        "API events in order: %s" % n2)
if t.failures:
    print("---- stderr ----\n" + err)

# ---- 3. a spawned daemon dies ----
ev3 = os.path.join(tmp, "events3.json")
sock3 = os.path.join(tmp, "api3.sock")
p = start(["--kernel", guest, "--memory", "size=64M", "--api-socket", "path=" + sock3,
           "--disk", "path=" + disk, "--event-monitor", "path=" + ev3,
           "--cmdline", t.guest_cmdline(["hang"], 64 << 20, 1)])
t.check(wait_for(lambda: len(blk_pids()) == 1, 20), "cnh spawned one cnh-blk for the disk")
pids = blk_pids()
t.check(wait_for(lambda: "vm/booted" in names(events(ev3)), 20), "the VM booted")
if pids:
    os.kill(pids[0], signal.SIGKILL)
died = lambda: [e for e in events(ev3) if e.get("event") == "daemon-exited"]
t.check(wait_for(lambda: died(), 20), "daemon-exited event written")
d = died()[0].get("properties", {}) if died() else {}
t.check(d.get("id") == "disk0" and d.get("pid") == (pids[0] if pids else -1) and d.get("signal") == 9,
        "daemon-exited names disk0, its pid and SIGKILL (%s)" % d)
time.sleep(0.5)
t.check(p.poll() is None, "cnh is still running after its daemon died")
sock = sock3
t.check(rc("ping")[0] == 0, "the API still answers")
p.send_signal(signal.SIGTERM)
out, err = finish_proc(p)
t.check(p.returncode == 0, "SIGTERM: cnh exited 0 (%s)" % p.returncode)
t.check(blk_pids() == [], "no cnh-blk left")
t.check(not os.path.exists(sock3), "API socket removed")
n3 = names(events(ev3))
t.check(in_order(n3, ["vm/booted", "daemon/daemon-exited", "vmm/signal", "vm/shutdown", "vmm/shutdown"]),
        "supervision events in order: %s" % n3)
t.check("back-end daemon gone" in err, "cnh logged the exit")

# ---- bad specs ----
for spec in ["fd=x", "nothing=1", "path="]:
    r = subprocess.run([cnh, "--kernel", guest, "--event-monitor", spec], capture_output=True, text=True,
                       timeout=30)
    t.check(r.returncode != 0 and "event-monitor" in r.stderr, "--event-monitor %s refused (%s)" % (spec, r.stderr.strip()))

for q in procs:
    if q.poll() is None:
        q.kill()
        q.wait()
if t.failures:
    print("---- last stderr ----\n" + err)
t.finish()
