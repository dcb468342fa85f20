# SPDX-License-Identifier: Apache-2.0
"""Helpers for cnh's integration tests: run cnh with the test guest and
collect the `TEST <name> PASS|FAIL <detail>` lines it prints on the serial
port. Each test script is one meson test; exit 77 means skipped."""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

SKIP = 77
TEST_LINE = re.compile(r"^TEST (\S+) (PASS|FAIL)\s*(.*)$")


def guest_args(add=None):
    """Parse CNH IMAGE --guest-dir DIR (and the options add(parser) adds),
    and put the test guest's source dir on sys.path so that its helpers
    (blk_pattern) import. Returns the parsed arguments."""
    ap = argparse.ArgumentParser()
    ap.add_argument("cnh")
    ap.add_argument("image")
    ap.add_argument("--guest-dir", required=True, help="tests/guest source dir (blk_pattern.py)")
    if add:
        add(ap)
    a = ap.parse_args()
    sys.path.insert(0, a.guest_dir)
    return a


def need_kvm():
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        print("SKIP: /dev/kvm is not accessible")
        sys.exit(SKIP)


def hugepages_free():
    with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
        return int(f.read())


def reserve_hugepages(n):
    """Make sure n free 2 MiB hugepages exist, growing the pool if needed;
    skip the test when the host cannot provide them."""
    try:
        free = hugepages_free()
        if free < n:
            path = "/proc/sys/vm/nr_hugepages"
            total = int(open(path).read())
            with open(path, "w") as f:
                f.write(str(total + n - free))
            free = hugepages_free()
    except OSError as e:
        print("SKIP: cannot reserve 2 MiB hugepages: %s" % e)
        sys.exit(SKIP)
    if free < n:
        print("SKIP: only %d free 2 MiB hugepages, need %d" % (free, n))
        sys.exit(SKIP)


class Run:
    def __init__(self, proc, out, err, elapsed):
        self.code = proc.returncode
        self.out = out
        self.err = err
        self.elapsed = elapsed
        self.results = {}
        for line in out.splitlines():
            m = TEST_LINE.match(line.strip())
            if m:
                self.results.setdefault(m.group(1), []).append((m.group(2), m.group(3)))

    def show(self):
        print("---- cnh exit %d after %.1fs ----" % (self.code, self.elapsed))
        print("---- serial ----\n" + self.out)
        print("---- stderr ----\n" + self.err)


def run_cnh(cnh, args, timeout=300, stdin=subprocess.DEVNULL):
    start = time.monotonic()
    proc = subprocess.Popen([cnh] + args, stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        r = Run(proc, out, err, time.monotonic() - start)
        r.show()
        fail("cnh did not finish within %ds" % timeout)
    return Run(proc, out, err, time.monotonic() - start)


def guest_cmdline(tests, mem, cpus, extra=""):
    return "cnh.tests=%s cnh.mem=%d cnh.cpus=%d cnh.time=%d %s" % (
        ",".join(tests), mem, cpus, int(time.time()), extra)


failures = []


def check(cond, what):
    print("%s: %s" % ("ok" if cond else "FAILED", what))
    if not cond:
        failures.append(what)


def fail(what):
    print("FAILED: " + what)
    sys.exit(1)


def finish():
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")
    sys.exit(0)


def descendants(pid, kids=None):
    """{comm: pid} of pid's descendants (a spawn helper may sit in between)."""
    kids = {} if kids is None else kids
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                for c in f.read().split():
                    with open("/proc/%s/comm" % c) as g:
                        kids[g.read().strip()] = int(c)
                    descendants(int(c), kids)
    except OSError:
        pass
    return kids
