#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""User namespaces in the daemons' sandbox (docs/security.md, vu_sandbox.h).

A real daemon (cnh-rng --socket-path S) is started as an ordinary user,
uid/gid 65534 without supplementary groups (`setpriv --reuid 65534 --regid
65534 --clear-groups`: no capability, so no CAP_SYS_ADMIN), and inspected
through /proc/PID while it serves: its user, mount and network namespaces
differ from this script's, uid_map and gid_map map 65534 to itself and
nothing else, setgroups is "deny", its root is empty (at most a proc in
sanitizer builds), CapEff/CapPrm/CapBnd 0, NoNewPrivs 1, Seccomp 2, and it
logs "user namespace (uid 65534 mapped)". A vhost-user handshake still
works through the socket, and SIGTERM ends it cleanly with the socket name
removed. Skips (77) when the kernel refuses unprivileged user namespaces
(probed with util-linux unshare as the same user, independently of cnh).

usage: sandbox_user.py CNH_RNG
"""
import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import cnhtest as t
import vufront

ap = argparse.ArgumentParser()
ap.add_argument("rng")
a = ap.parse_args()

UID = 65534
if os.geteuid() != 0:
    print("SKIP: starting the daemon as uid %d needs root (setpriv)" % UID)
    sys.exit(t.SKIP)
AS_USER = ["setpriv", "--reuid", str(UID), "--regid", str(UID), "--clear-groups"]
if not shutil.which("setpriv") or not shutil.which("unshare"):
    print("SKIP: setpriv and unshare (util-linux) are needed")
    sys.exit(t.SKIP)
probe = subprocess.run(AS_USER + ["unshare", "--user", "--mount", "--net", "true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
if probe.returncode != 0:
    print("SKIP: the kernel refuses unprivileged user namespaces here (user.max_user_namespaces,"
          " kernel.unprivileged_userns_clone or a seccomp/AppArmor policy): %s" % probe.stderr.strip())
    sys.exit(t.SKIP)

tmp = tempfile.mkdtemp(prefix="cnh-sandbox-user-")
os.chown(tmp, UID, UID)
os.chmod(tmp, 0o700)
sock = os.path.join(tmp, "rng.sock")
log_path = os.path.join(tmp + ".log")


def read(pid, name):
    with open("/proc/%d/%s" % (pid, name)) as f:
        return f.read()


def status(pid):
    """/proc/PID/status as {field: value}."""
    return {k: v.strip() for k, _, v in (line.partition(":") for line in read(pid, "status").splitlines())}


def ns(pid, name):
    return os.readlink("/proc/%s/ns/%s" % (pid, name))


def log_text():
    with open(log_path) as f:
        return f.read()


# Sanitizer builds: RLIMIT_NPROC 0 binds an ordinary user (root is exempt),
# so LeakSanitizer cannot start its tracer thread at exit; no leak check here.
env = dict(os.environ)
env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"), "detect_leaks=0"]))
with open(log_path, "w") as log:
    proc = subprocess.Popen(AS_USER + [a.rng, "--socket-path", sock], stdout=log, stderr=subprocess.STDOUT,
                            env=env)
try:
    deadline = time.monotonic() + 10
    while "listening on" not in log_text() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if "listening on" not in log_text():
        t.fail("cnh-rng did not start (exit %s): %s" % (proc.poll(), log_text()))
    pid = proc.pid  # setpriv execs the daemon: same pid
    t.check(read(pid, "comm").strip() == "cnh-rng", "the daemon runs as pid %d" % pid)
    st = status(pid)
    t.check(st["Uid"].split() == [str(UID)] * 4 and st["Gid"].split() == [str(UID)] * 4,
            "uid and gid %d (Uid: %s, Gid: %s)" % (UID, st["Uid"], st["Gid"]))

    for name in ("user", "mnt", "net"):
        t.check(ns(pid, name) != ns("self", name), "a %s namespace of its own (%s, ours %s)" %
                (name, ns(pid, name), ns("self", name)))
    for name in ("uid_map", "gid_map"):
        rows = [r.split() for r in read(pid, name).splitlines()]
        t.check(rows == [[str(UID), str(UID), "1"]], "%s is the identity for %d alone: %s" % (name, UID, rows))
    t.check(read(pid, "setgroups").strip() == "deny", "setgroups is deny")
    entries = sorted(set(os.listdir("/proc/%d/root/" % pid)) - {"proc"})
    t.check(entries == [], "its root is empty: %s" % entries)
    for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
        t.check(int(st[k], 16) == 0, "%s 0 (%s)" % (k, st[k]))
    t.check(st["NoNewPrivs"] == "1", "NoNewPrivs 1")
    t.check(st["Seccomp"] == "2", "Seccomp 2 (filter loaded)")
    t.check("user namespace (uid %d mapped)" % UID in log_text(), "the log names the user namespace")
    t.check("not applied" not in log_text(), "nothing reported as skipped")

    # Still serving through the socket bound before the sandbox.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    fe = vufront.FrontEnd(s, "cnh-sandbox-user-mem")
    fe.send(vufront.SET_OWNER)
    feats = struct.unpack("<Q", fe.send(vufront.GET_FEATURES, reply=True))[0]
    t.check(feats & vufront.F_VERSION_1, "GET_FEATURES answered (%#x)" % feats)
    s.close()

    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    t.check(rc == 0, "SIGTERM: exit 0 (%s)" % rc)
    t.check(not os.path.exists(sock), "the socket name is removed at exit")
finally:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    print(log_text(), end="")
    shutil.rmtree(tmp, ignore_errors=True)
    os.unlink(log_path)
t.finish()
