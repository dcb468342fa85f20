#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seccomp per thread role: with CNH_SECCOMP_SELFTEST=<role> the role's
thread issues a syscall no table allows (syslog) right after loading its
filter. --seccomp true must kill the process with SIGSYS; --seccomp log
must let it live on.

Roles: cnh's main loop, API thread and vCPU threads; every daemon's
control thread (blk, rng, net, fs, vsock, pmem, console: the library's
tables + the daemon's) and the daemons' queue workers (cnh-blk's I/O
workers, cnh-net's pair workers: the library's every-thread table + the
worker's). The workers start with the daemon, so no front-end is needed;
cnh-fs, cnh-vsock, cnh-pmem, cnh-rng and cnh-console serve their queues on
the control thread (no worker role). Each daemon is started by hand the way
its own tests do (cnh-net creates its tap, which needs root).

usage: seccomp.py CNH CNH_BLK CNH_RNG GUEST_IMAGE [--net CNH_NET] [--fs CNH_FS]
                  [--vsock CNH_VSOCK] [--pmem CNH_PMEM] [--console CNH_CONSOLE]
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import cnhtest as t

cnh, blk, rng, guest = sys.argv[1:5]
daemon = dict(zip(sys.argv[5::2], sys.argv[6::2]))  # "--net": path, ...
tmp = tempfile.mkdtemp(prefix="cnh-seccomp-")
disk = os.path.join(tmp, "disk.img")
with open(disk, "wb") as f:
    f.truncate(1 << 20)


def wait_path(path, proc, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return os.path.exists(path)


def run(role, mode, argv, ready_path, settle):
    """Start argv with the hook for role; wait until ready_path exists (or the
    process ends), then settle seconds. Returns the exit status (None: alive)."""
    env = dict(os.environ, CNH_SECCOMP_SELFTEST=role)
    for p in (ready_path,):
        if p and os.path.exists(p):
            os.unlink(p)
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    if ready_path:
        wait_path(ready_path, proc)
    end = time.monotonic() + settle
    while time.monotonic() < end and proc.poll() is None:
        time.sleep(0.05)
    code = proc.poll()
    if code is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read()
    proc.stderr.close()
    if code is not None and code != -signal.SIGSYS:
        print("---- %s %s stderr ----\n%s" % (role, mode, err))
    return code


def expect(role, argv_for, ready_path, settle):
    code = run(role, "true", argv_for("true"), ready_path, settle)
    t.check(code == -signal.SIGSYS, "%s: --seccomp true kills with SIGSYS (status %s)" % (role, code))
    code = run(role, "log", argv_for("log"), ready_path, settle)
    t.check(code in (None, 0), "%s: --seccomp log lets it run (status %s)" % (role, code))


# Daemons: no VM needed.
sock = os.path.join(tmp, "blk.sock")
expect("blk-control", lambda m: [blk, "--path", disk, "--socket-path", sock, "--seccomp", m], sock, 1.0)
expect("blk-worker", lambda m: [blk, "--path", disk, "--socket-path", sock, "--seccomp", m], sock, 1.0)
rsock = os.path.join(tmp, "rng.sock")
expect("rng-control", lambda m: [rng, "--socket-path", rsock, "--seccomp", m], rsock, 1.0)
# Threads but no processes: a fork-style clone after the filter is killed too.
expect("rng-control-fork", lambda m: [rng, "--socket-path", rsock, "--seccomp", m], rsock, 1.0)
expect("blk-worker-fork", lambda m: [blk, "--path", disk, "--socket-path", sock, "--seccomp", m], sock, 1.0)
if "--net" in daemon and os.geteuid() == 0:
    net, nsock = daemon["--net"], os.path.join(tmp, "net.sock")
    # Two pairs: two workers where there are two CPUs. The tap goes with the daemon.
    net_argv = [net, "--tap", "cnhsc%d" % (os.getpid() % 100000), "--num-queues", "4",
                "--socket-path", nsock]
    expect("net-control", lambda m: net_argv + ["--seccomp", m], nsock, 1.0)
    expect("net-worker", lambda m: net_argv + ["--seccomp", m], nsock, 1.0)
    code = run("none", "true", net_argv, nsock, 1.0)
    t.check(code is None, "cnh-net with the default --seccomp runs (status %s)" % code)
elif "--net" in daemon:
    print("skipped: net roles (creating a tap needs root)")
if "--fs" in daemon:
    shared, fsock = os.path.join(tmp, "shared"), os.path.join(tmp, "fs.sock")
    os.makedirs(shared, exist_ok=True)
    # --sandbox none: the namespace sandbox would wait for a front-end before the filter.
    expect("fs-control", lambda m: [daemon["--fs"], "--shared-dir", shared, "--tag", "sc",
                                    "--sandbox", "none", "--socket-path", fsock, "--seccomp", m],
           fsock, 1.0)
if "--vsock" in daemon:
    vsock_sock = os.path.join(tmp, "vsock.sock")
    expect("vsock-control", lambda m: [daemon["--vsock"], "--cid", "3", "--uds-path",
                                       os.path.join(tmp, "vsock.uds"), "--socket-path", vsock_sock,
                                       "--seccomp", m], vsock_sock, 1.0)
if "--pmem" in daemon:
    pfile, psock = os.path.join(tmp, "pmem.img"), os.path.join(tmp, "pmem.sock")
    with open(pfile, "wb") as f:
        f.truncate(2 << 20)
    expect("pmem-control", lambda m: [daemon["--pmem"], "--file", pfile, "--socket-path", psock,
                                      "--seccomp", m], psock, 1.0)
if "--console" in daemon:
    csock = os.path.join(tmp, "console.sock")
    expect("console-control", lambda m: [daemon["--console"], "--output", "null", "--socket-path",
                                         csock, "--seccomp", m], csock, 1.0)
# No hook for another role fires: the default (true) runs normally.
code = run("none", "true", [blk, "--path", disk, "--socket-path", sock], sock, 1.0)
t.check(code is None, "cnh-blk with the default --seccomp runs (status %s)" % code)

# The VMM without a VM: main loop and API thread.
api = os.path.join(tmp, "api.sock")
expect("main", lambda m: [cnh, "--api-socket", api, "--seccomp", m], api, 1.0)
# The main loop makes threads (clone with CLONE_THREAD) but no process.
expect("main-fork", lambda m: [cnh, "--api-socket", api, "--seccomp", m], api, 1.0)
code = run("main", "true", [cnh, "--api-socket", api], api, 1.0)
t.check(code == -signal.SIGSYS, "main: the default (true) kills (status %s)" % code)
code = run("main", "strict", [cnh, "--api-socket", api, "--seccomp", "strict"], api, 1.0)
t.check(code == -signal.SIGSYS, "main: strict, a synonym of true, kills (status %s)" % code)
expect("api", lambda m: [cnh, "--api-socket", api, "--seccomp", m], api, 1.0)
expect("api-fork", lambda m: [cnh, "--api-socket", api, "--seccomp", m], api, 1.0)
# The API and vCPU threads open nothing: open fails (EACCES) and the process lives on.
code = run("api-open", "true", [cnh, "--api-socket", api], api, 1.0)
t.check(code is None, "api-open: open refused with an errno, cnh lives (status %s)" % code)

# vCPU threads need KVM and a guest.
if os.access("/dev/kvm", os.R_OK | os.W_OK):
    def vm(m):
        return [cnh, "--kernel", guest, "--memory", "size=128M", "--serial", "null",
                "--cmdline", t.guest_cmdline(["pci"], 128 << 20, 1), "--seccomp", m]
    expect("vcpu", vm, None, 4.0)
    expect("vcpu-fork", vm, None, 4.0)
    code = run("vcpu-open", "true", vm("true"), None, 4.0)
    t.check(code in (None, 0), "vcpu-open: open refused with an errno, cnh lives (status %s)" % code)
else:
    print("skipped: vcpu role (no /dev/kvm)")



def api_put(path, endpoint, body=None):
    """One HTTP request to cnh's API socket; the status code (0: no answer)."""
    import json
    import socket
    data = json.dumps(body).encode() if body is not None else b""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(path)
        s.sendall(b"PUT /api/v1/%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (endpoint.encode(), len(data), data))
        reply = s.recv(4096).decode(errors="replace")
    except OSError:
        reply = ""
    s.close()
    parts = reply.split(" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def proc_status(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)
    except OSError:
        return {}


def children_named(ppid, name):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_status(int(d))
            if st.get("PPid") == str(ppid) and st.get("Name") == name and st.get("State", "")[:1] != "Z":
                kids.append(int(d))
    return kids


def wait_child(ppid, name, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        kids = children_named(ppid, name)
        if kids:
            return kids[0]
        time.sleep(0.05)
    return None


# vm.boot through the API, after the main loop's filter is enforced: the
# daemons come from the spawn helper (no fork/execve in the main loop), are
# cnh's children, and do not inherit the main loop's filter.
if os.access("/dev/kvm", os.R_OK | os.W_OK):
    # The filter count of a cnh-blk nobody filtered before it.
    alone = subprocess.Popen([blk, "--path", disk, "--socket-path", sock, "--seccomp", "true"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_path(sock, alone)
    time.sleep(0.5)
    own_filters = proc_status(alone.pid).get("Seccomp_filters")
    alone.terminate()
    alone.wait()
    proc = subprocess.Popen([cnh, "--api-socket", api, "--seccomp", "true"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace")
    wait_path(api, proc)
    time.sleep(0.3)
    vm_cfg = {"payload": {"kernel": guest, "cmdline": t.guest_cmdline(["hang"], 64 << 20, 1)},
              "memory": {"size": 64 << 20}, "serial": {"mode": "Null"}, "disks": [{"path": disk}]}
    t.check(api_put(api, "vm.create", vm_cfg) // 100 == 2, "main: vm.create through the API")
    for n in (1, 2):
        t.check(api_put(api, "vm.boot") // 100 == 2, "main: vm.boot #%d under the enforced main filter" % n)
        kid = wait_child(proc.pid, "cnh-blk")
        t.check(kid is not None, "main: vm.boot #%d started cnh-blk as cnh's child" % n)
        if kid is not None:
            t.check(proc_status(kid).get("Seccomp_filters") == own_filters,
                    "main: the daemon has only its own filters (%s, alone %s)"
                    % (proc_status(kid).get("Seccomp_filters"), own_filters))
        t.check(api_put(api, "vm.shutdown") // 100 == 2, "main: vm.shutdown #%d" % n)
        t.check(kid is None or not children_named(proc.pid, "cnh-blk"), "main: cnh-blk stopped and reaped")
        t.check(proc.poll() is None, "main: cnh still runs after vm.boot/vm.shutdown #%d" % n)
    proc.terminate()
    try:
        err = proc.communicate(timeout=10)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        err = proc.communicate()[1]
    if t.failures:
        print("---- cnh stderr ----\n" + err)
else:
    print("skipped: vm.boot under the main filter (no /dev/kvm)")

# The option itself.
r = subprocess.run([cnh, "--seccomp", "maybe"], capture_output=True, text=True)
t.check(r.returncode == 2 and "--seccomp" in r.stderr, "cnh --seccomp maybe is a usage error")
r = subprocess.run([blk, "--seccomp", "maybe", "--path", disk, "--socket-path", sock],
                   capture_output=True, text=True)
t.check(r.returncode == 1 and "--seccomp" in r.stderr, "cnh-blk --seccomp maybe is a usage error")
t.finish()
