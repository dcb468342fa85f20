#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Seccomp per thread role: with CNH_SECCOMP_SELFTEST=<role> the role's
thread issues a syscall no table allows (syslog) right after loading its
filter. --seccomp true must kill the process with SIGSYS; --seccomp log
must let it live on.

Roles: cnh's main loop, API thread and vCPU threads; cnh-blk's control
thread and I/O worker; cnh-rng's control thread (base table + rng's).

usage: seccomp.py CNH CNH_BLK CNH_RNG GUEST_IMAGE
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

import cnhtest as t

cnh, blk, rng, guest = sys.argv[1:5]
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
# No hook for another role fires: the default (true) runs normally.
code = run("none", "true", [blk, "--path", disk, "--socket-path", sock], sock, 1.0)
t.check(code is None, "cnh-blk with the default --seccomp runs (status %s)" % code)

# The VMM without a VM: main loop and API thread.
api = os.path.join(tmp, "api.sock")
expect("main", lambda m: [cnh, "--api-socket", api, "--seccomp", "strict" if m == "true" else m], api, 1.0)
code = run("main", "true", [cnh, "--api-socket", api], api, 1.0)
t.check(code is None, "main: the default (true) only logs the main loop (status %s)" % code)
expect("api", lambda m: [cnh, "--api-socket", api, "--seccomp", m], api, 1.0)

# vCPU threads need KVM and a guest.
if os.access("/dev/kvm", os.R_OK | os.W_OK):
    def vm(m):
        return [cnh, "--kernel", guest, "--memory", "size=128M", "--serial", "null",
                "--cmdline", t.guest_cmdline(["pci"], 128 << 20, 1), "--seccomp", m]
    expect("vcpu", vm, None, 4.0)
else:
    print("skipped: vcpu role (no /dev/kvm)")

# The option itself.
r = subprocess.run([cnh, "--seccomp", "maybe"], capture_output=True, text=True)
t.check(r.returncode == 2 and "--seccomp" in r.stderr, "cnh --seccomp maybe is a usage error")
r = subprocess.run([blk, "--seccomp", "maybe", "--path", disk, "--socket-path", sock],
                   capture_output=True, text=True)
t.check(r.returncode == 1 and "--seccomp" in r.stderr, "cnh-blk --seccomp maybe is a usage error")
t.finish()
