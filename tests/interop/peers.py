# SPDX-License-Identifier: Apache-2.0
"""Running the processes an interop test or benchmark starts (our daemons,
QEMU, dpdk-testpmd) and reporting its checks: each child gets its own
session so that it and its children can be stopped together; nothing here
signals a process it did not start.

Used by tests/interop/*.py and, through dpdk_common, tools/bench/run-net.py.
"""
import os
import signal
import socket
import subprocess
import threading
import time

SKIP = 77


def skip(why):
    """Print the reason and return the exit status meson reads as a skip."""
    print(f"SKIP: {why}", flush=True)
    return SKIP


def kill_group(p):
    """SIGTERM then SIGKILL the session of a child we started (None is fine)."""
    if p and p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def wait_for_socket(path, proc=None, timeout=10.0, connect=False):
    """True once the socket file at path exists, or with connect, once it
    accepts a connection; False if proc exited or the timeout passed.
    Leave connect off for a back-end that serves one front-end at a time."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        if os.path.exists(path):
            if not connect:
                return True
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                return True
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    return False


def pump(stream, lines, prefix):
    """Append each line of stream to lines and echo it with a prefix."""
    for raw in stream:
        line = raw.decode(errors="replace").rstrip("\r\n")
        lines.append(line)
        print(f"  {prefix}| {line}", flush=True)


def spawn(cmd, lines, prefix, log=print):
    """Start cmd in its own session, its output (stdout and stderr) pumped
    into lines by a daemon thread. Returns (Popen, the thread)."""
    log("running: " + " ".join(cmd))
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    t = threading.Thread(target=pump, args=(p.stdout, lines, prefix), daemon=True)
    t.start()
    return p, t


class Checks:
    """Named checks, each printed as it is made; exit_status() sums up."""

    def __init__(self):
        self.failures = []

    def check(self, cond, what):
        print(f"{'ok' if cond else 'FAILED'}: {what}", flush=True)
        if not cond:
            self.failures.append(what)

    def exit_status(self):
        if self.failures:
            print(f"{len(self.failures)} check(s) failed", flush=True)
            return 1
        print("all checks passed", flush=True)
        return 0
