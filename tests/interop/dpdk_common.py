# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the DPDK interop tests (tests/interop/dpdk_*.py) and the
network benchmark (tools/bench/run-net.py): hugepages, an interactive
dpdk-testpmd driven through its stdin, testpmd statistics parsing, tap
counters and process CPU time.

dpdk-testpmd comes from Debian's dpdk-dev package. Each testpmd gets its own
--file-prefix; virtio-user needs --single-file-segments (vhost-user allows 8
memory regions). Nothing here kills anything but the processes it started.
"""
import os
import re
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import SKIP, kill_group, wait_for_socket  # noqa: E402,F401 (re-exported)

HUGEPAGES_DIR = "/sys/kernel/mm/hugepages/hugepages-2048kB"
HUGETLBFS = "/dev/hugepages"


class Skip(Exception):
    """The host cannot run the test; the message says why."""


def testpmd_path():
    exe = shutil.which("dpdk-testpmd")
    if not exe:
        raise Skip("dpdk-testpmd is not installed (Debian package dpdk-dev)")
    return exe


def _hugetlbfs_2m_mounted():
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 4 and parts[2] == "hugetlbfs":
                opts = parts[3].split(",")
                if "pagesize=2M" in opts or not any(o.startswith("pagesize=") for o in opts):
                    return True
    return False


def ensure_hugepages(n=512):
    """Make sure the 2 MiB pool holds at least n pages in total and a
    hugetlbfs is mounted (DPDK needs one); pages we add stay reserved.
    Raises Skip when the host cannot provide them."""
    if os.geteuid() != 0:
        raise Skip("needs root (hugepages, tap devices)")
    try:
        with open(os.path.join(HUGEPAGES_DIR, "nr_hugepages")) as f:
            total = int(f.read())
        if total < n:
            with open(os.path.join(HUGEPAGES_DIR, "nr_hugepages"), "w") as f:
                f.write(str(n))
        with open(os.path.join(HUGEPAGES_DIR, "free_hugepages")) as f:
            free = int(f.read())
    except OSError as e:
        raise Skip(f"cannot reserve 2 MiB hugepages: {e}")
    if free < n // 2:
        raise Skip(f"only {free} free 2 MiB hugepages (wanted {n // 2} for two testpmds)")
    if not _hugetlbfs_2m_mounted():
        os.makedirs(HUGETLBFS, exist_ok=True)
        r = subprocess.run(["mount", "-t", "hugetlbfs", "-o", "pagesize=2M", "nodev", HUGETLBFS],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise Skip(f"cannot mount hugetlbfs on {HUGETLBFS}: {r.stderr.strip()}")
    return free


def cpu_seconds(pid):
    """utime + stime of a process (all its threads), in seconds, or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def write_syscalls(pid):
    """/proc/PID/io syscw: the process's write(2)-family calls, or None. For a
    virtio-user testpmd that forwards, nearly all of them are kicks (an
    eventfd write each)."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("syscw:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def tap_stats(name):
    """The kernel's counters of a network interface, as a dict of ints."""
    d = f"/sys/class/net/{name}/statistics"
    out = {}
    for k in ("rx_packets", "rx_bytes", "rx_dropped", "tx_packets", "tx_bytes", "tx_dropped"):
        try:
            with open(os.path.join(d, k)) as f:
                out[k] = int(f.read())
        except OSError:
            out[k] = 0
    return out


_FWD_RE = re.compile(r"RX-packets:\s*(\d+)\s+RX-dropped:\s*(\d+)\s+RX-total:\s*(\d+)\s*\n"
                     r"\s*TX-packets:\s*(\d+)\s+TX-dropped:\s*(\d+)\s+TX-total:\s*(\d+)")
_NIC_RE = re.compile(r"RX-packets:\s*(\d+)\s+RX-missed:\s*(\d+)\s+RX-bytes:\s*(\d+).*?"
                     r"TX-packets:\s*(\d+)\s+TX-errors:\s*(\d+)\s+TX-bytes:\s*(\d+)", re.S)


def parse_fwd_stats(text):
    """Every 'Accumulated forward statistics' block, in order (one per
    'stop'), as dicts rx, rx_dropped, tx, tx_dropped, tx_total."""
    out = []
    for block in text.split("Accumulated forward statistics")[1:]:
        m = _FWD_RE.search(block)
        if m:
            v = [int(x) for x in m.groups()]
            out.append({"rx": v[0], "rx_dropped": v[1], "tx": v[3], "tx_dropped": v[4],
                        "tx_total": v[5]})
    return out


def parse_nic_stats(text):
    """The last 'NIC statistics' block (show port stats / --stats-period)."""
    blocks = text.split("NIC statistics for port")
    for block in reversed(blocks[1:]):
        m = _NIC_RE.search(block)
        if m:
            v = [int(x) for x in m.groups()]
            return {"rx": v[0], "rx_missed": v[1], "rx_bytes": v[2], "tx": v[3],
                    "tx_errors": v[4], "tx_bytes": v[5]}
    return None


class Testpmd:
    """dpdk-testpmd in interactive mode (-i), commands written to its stdin,
    output collected by a thread (and echoed with a prefix when verbose)."""

    def __init__(self, name, vdev, app_args=(), lcores="0,1", main_lcore=None,
                 mem_mb=128, mbufs=4096, single_file=False, verbose=True, eal_extra=()):
        self.name = name
        self.lines = []
        self.lock = threading.Lock()
        self.verbose = verbose
        # stdbuf: testpmd's stdout is a pipe, line buffering lets us follow it
        cmd = ["stdbuf", "-oL", testpmd_path(), "-l", lcores, "--no-pci", f"--file-prefix=cnh-{name}-{os.getpid()}",
               "-m", str(mem_mb), "--vdev", vdev]
        if main_lcore is not None:
            cmd += ["--main-lcore", str(main_lcore)]
        if single_file:
            cmd.append("--single-file-segments")
        cmd += list(eal_extra)
        cmd += ["--", "-i", f"--total-num-mbufs={mbufs}"] + list(app_args)
        self.cmdline = cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            with self.lock:
                self.lines.append(line)
            if self.verbose and "VHOST_CONFIG" not in line:
                print(f"  {self.name}| {line}", flush=True)

    def text(self):
        with self.lock:
            return "\n".join(self.lines)

    def alive(self):
        return self.proc.poll() is None

    def wait_for(self, pattern, timeout=20.0, start=0):
        """Wait for a line matching pattern at or after line index start;
        returns the line or None (timeout or exit)."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
            if not self.alive():
                return None
            time.sleep(0.05)
        return None

    def mark(self):
        with self.lock:
            return len(self.lines)

    def cmd(self, line):
        if not self.alive():
            return False
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError):
            return False

    def run_phase(self, seconds, fwd=None, during=None):
        """set fwd (optional), start, wait (or call during()), stop; returns
        that phase's accumulated forward stats dict or None."""
        m = self.mark()
        if fwd:
            self.cmd(f"set fwd {fwd}")
        self.cmd("start")
        if during:
            during()
        else:
            time.sleep(seconds)
        self.cmd("stop")
        if not self.wait_for(r"Accumulated forward statistics", 15, m):
            return None
        time.sleep(0.3)
        with self.lock:
            text = "\n".join(self.lines[m:])
        st = parse_fwd_stats(text)
        return st[-1] if st else None

    def port_stats(self):
        m = self.mark()
        self.cmd("show port stats all")
        if not self.wait_for(r"Tx-pps", 10, m):
            return None
        with self.lock:
            text = "\n".join(self.lines[m:])
        return parse_nic_stats(text)

    def quit(self, timeout=20):
        if self.alive():
            self.cmd("quit")
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        kill_group(self.proc)
        self.thread.join(2)

