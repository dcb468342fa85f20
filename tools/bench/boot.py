#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot time, memory footprint and VM creation rate: cnh next to QEMU.

usage: boot.py [--build DIR] [--runs N] [--rate-seconds S] [--md FILE] ...

Boots the freestanding test guest (tests/guest) with the same memory and
vCPU count under cnh, QEMU `-M microvm` and QEMU `-M q35` (both
`-enable-kvm -cpu qemu64`) and measures:

- boot time: process start to the guest's first serial line, and to process
  exit after the guest's ACPI power-off (guest scenario `serial`), median and
  p90 over N runs, and the ratios cnh/QEMU of the same run; with
  `cnh --trace-boot`, the phases inside cnh from its trace points;
- memory: RSS, PSS and private dirty memory of the VMM minus the guest RAM it
  has touched, while the guest is halted (scenario `hang`, then SIGTERM);
- creation rate: VMs started and stopped per second, sequentially, with the
  whole loop pinned to one host core (`taskset -c 0`);
- RSS of the vhost-user daemons when they are built;
- Linux guest boot (kernel entry to /init), where the host can run it.

It writes its section of docs/benchmarks.md (between the bench:boot markers,
nothing else) and the plots docs/bench-boot.png and docs/bench-memory.png.
Python 3 standard library only; gnuplot draws the plots when present.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRC, "tests", "linux"))
import benchkit as bk  # noqa: E402
import guestkit  # noqa: E402 (loads tests/linux/linux-boot.py as guestkit.lb)

BEGIN = "<!-- bench:boot:begin -->"
END = "<!-- bench:boot:end -->"
BANNER = b"cnh-test-guest: booted"
HANG_MARK = b"TEST hang PASS"
DONE_MARK = b"ALL TESTS DONE"
FIRECRACKER_MIB = 5
TRACE_ORDER = ["main-start", "kvm-open", "memory-ready", "acpi-built", "kernel-loaded",
               "vcpus-created", "devices-connected", "first-kvm-run", "post-0x40",
               "post-0x41", "guest-poweroff", "vmm-exit"]


def log(msg):
    print(f"boot.py: {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- VMM commands

class Vmm:
    """One way of booting the test guest: a name, an image, a command line."""

    def __init__(self, key, label, short, argv_fn, ram_name=None, is_cnh=False):
        self.key = key
        self.label = label
        self.short = short          # for plot axes
        self.argv_fn = argv_fn      # (scenario) -> argv
        self.ram_name = ram_name    # substring naming the guest RAM mapping, or None
        self.is_cnh = is_cnh

    def argv(self, scenario):
        return self.argv_fn(scenario)


def make_vmms(args, trace):
    mem, cpus = args.memory, args.cpus
    elf, bz = args.guest_elf, args.guest_bzimage

    def cnh(image, trace_on):
        def f(scenario):
            a = [args.cnh, "--kernel", image, "--memory", f"size={mem}M",
                 "--cpus", f"boot={cpus}", "--serial", "tty",
                 "--cmdline", f"cnh.tests={scenario}"]
            return a + (["--trace-boot"] if trace_on else [])
        return f

    def qemu(machine, image, ram):
        def f(scenario):
            a = [args.qemu, "-M", machine, "-enable-kvm", "-cpu", "qemu64",
                 "-m", f"{mem}M", "-smp", str(cpus), "-nographic", "-no-reboot",
                 "-nodefaults", "-serial", "stdio", "-display", "none"]
            if ram == "memfd":
                a += ["-object", f"memory-backend-memfd,id=ram0,size={mem}M",
                      "-machine", "memory-backend=ram0"]
            return a + ["-kernel", image, "-append", f"cnh.tests={scenario}"]
        return f

    v = {
        "cnh": Vmm("cnh", "cnh (PVH ELF)", "cnh, PVH", cnh(elf, trace), "memfd:cnh-ram", True),
        "cnh-bz": Vmm("cnh-bz", "cnh (bzImage)", "cnh, bzImage", cnh(bz, False), "memfd:cnh-ram", True),
        "microvm": Vmm("microvm", "QEMU microvm (PVH ELF)", "QEMU microvm",
                       qemu("microvm,acpi=on,rtc=on", elf, "memfd"), "memfd:memory-backend-memfd"),
        "microvm-anon": Vmm("microvm-anon", "QEMU microvm, anonymous RAM", "microvm, anon RAM",
                            qemu("microvm,acpi=on,rtc=on", elf, "anon"), None),
        "q35": Vmm("q35", "QEMU q35 + SeaBIOS (bzImage)", "QEMU q35", qemu("q35", bz, "memfd"),
                   "memfd:memory-backend-memfd"),
    }
    return v


# ---------------------------------------------------------------- one boot

class Run:
    def __init__(self):
        self.rc = None
        self.first_ns = None    # spawn -> banner line
        self.exit_ns = None     # spawn -> process exit
        self.trace = {}         # name -> ns since cnh's origin (first occurrence)
        self.origin_ns = None   # cnh's CLOCK_MONOTONIC origin - our spawn time
        self.ok = False
        self.err = ""


def boot_once(vmm, scenario, timeout):
    r = Run()
    lines_err = []
    t0 = time.monotonic_ns()
    p = subprocess.Popen(vmm.argv(scenario), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    done = False

    def read_err():
        for raw in p.stderr:
            lines_err.append(raw.decode(errors="replace").rstrip("\n"))

    te = threading.Thread(target=read_err, daemon=True)
    te.start()
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    try:
        for raw in p.stdout:
            if r.first_ns is None and BANNER in raw:
                r.first_ns = time.monotonic_ns() - t0
            if DONE_MARK in raw:
                done = True
        r.rc = p.wait()
        r.exit_ns = time.monotonic_ns() - t0
    finally:
        timer.cancel()
    te.join(5)
    for line in lines_err:
        m = re.match(r"cnh-trace: (\S+) (\d+)$", line)
        if m:
            r.trace.setdefault(m.group(1), int(m.group(2)))
        m = re.match(r"cnh-trace-origin: CLOCK_MONOTONIC (\d+)$", line)
        if m:
            r.origin_ns = int(m.group(1)) - t0
    r.ok = r.rc == 0 and r.first_ns is not None and done
    if not r.ok:
        r.err = f"exit {r.rc}, banner {'seen' if r.first_ns else 'missing'}: " + \
            " | ".join(l for l in lines_err if not l.startswith("cnh-trace"))[-300:]
    return r


def pct(values, q):
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 100)) - 1))
    return s[k]


def summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "p90": pct(values, 90),
            "min": min(values), "n": len(values)}


def bench_boot(vmms, keys, runs, timeout):
    """Interleave the VMMs run by run so that drift hits all of them alike."""
    res = {k: [] for k in keys}
    fails = {k: [] for k in keys}
    for i in range(runs):
        for k in keys:
            r = boot_once(vmms[k], "serial", timeout)
            (res[k] if r.ok else fails[k]).append(r)
            if not r.ok:
                log(f"{k} run {i}: FAILED ({r.err})")
        if (i + 1) % 5 == 0 or i + 1 == runs:
            log(f"boot: {i + 1}/{runs} rounds")
    out = {}
    for k in keys:
        rs = res[k]
        out[k] = {
            "first": summary([r.first_ns / 1e6 for r in rs]),
            "exit": summary([r.exit_ns / 1e6 for r in rs]),
            "failed": len(fails[k]),
            "fail_reason": fails[k][0].err if fails[k] else "",
        }
        if vmms[k].is_cnh:
            names = {}
            for r in rs:
                for n, ns in r.trace.items():
                    names.setdefault(n, []).append(ns / 1e6)
                if r.origin_ns is not None:
                    names.setdefault("(exec: spawn to main)", []).append(r.origin_ns / 1e6)
            out[k]["trace"] = {n: summary(v) for n, v in names.items()}
            out[k]["origin_first"] = summary([(r.first_ns - r.origin_ns) / 1e6 for r in rs
                                              if r.origin_ns is not None])
    return out


# ---------------------------------------------------------------- memory

def parse_smaps(pid):
    maps, cur = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                parts = line.split(None, 5)
                cur = {"name": parts[5].strip() if len(parts) > 5 else "",
                       "perms": parts[1]}
                maps.append(cur)
            else:
                m = re.match(r"^(\w+):\s+(\d+) kB", line)
                if m and cur is not None:
                    cur[m.group(1)] = int(m.group(2))
    rollup = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            m = re.match(r"^(\w+):\s+(\d+) kB", line)
            if m:
                rollup[m.group(1)] = int(m.group(2))
    return maps, rollup


def guest_ram_maps(maps, vmm, mem_kib):
    if vmm.ram_name:
        return [m for m in maps if vmm.ram_name in m["name"]]
    # Anonymous RAM: the anonymous mapping exactly the guest's size (QEMU
    # maps each RAM block on its own), else the largest one at least as big.
    anon = [m for m in maps if m["name"] == "" and m.get("Size", 0) >= mem_kib]
    exact = [m for m in anon if m["Size"] == mem_kib]
    if exact:
        return exact[:1]
    return sorted(anon, key=lambda m: m["Size"])[-1:]


def private(d):
    return d.get("Private_Clean", 0) + d.get("Private_Dirty", 0)


def mem_once(vmm, mem_kib, timeout, settle):
    p = subprocess.Popen(vmm.argv("hang"), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    res = None
    try:
        for raw in p.stdout:
            if HANG_MARK in raw:
                time.sleep(settle)
                maps, roll = parse_smaps(p.pid)
                ram = guest_ram_maps(maps, vmm, mem_kib)
                ram_rss = sum(m.get("Rss", 0) for m in ram)
                ram_pss = sum(m.get("Pss", 0) for m in ram)
                ram_priv = sum(private(m) for m in ram)
                res = {
                    "rss": roll.get("Rss", 0), "pss": roll.get("Pss", 0),
                    "priv": private(roll),
                    "ram_maps": len(ram), "ram_size": sum(m.get("Size", 0) for m in ram),
                    "ram_rss": ram_rss,
                    "ov_rss": roll.get("Rss", 0) - ram_rss,
                    "ov_pss": roll.get("Pss", 0) - ram_pss,
                    "ov_priv": private(roll) - ram_priv,
                    "threads": len(os.listdir(f"/proc/{p.pid}/task")),
                }
                os.kill(p.pid, signal.SIGTERM)
        p.wait()
    finally:
        timer.cancel()
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return res


def bench_memory(vmms, keys, runs, mem_mib, timeout):
    out = {}
    for k in keys:
        samples = [s for s in (mem_once(vmms[k], mem_mib * 1024, timeout, 0.5)
                               for _ in range(runs)) if s]
        if not samples:
            out[k] = None
            log(f"memory: {k}: no sample (guest never reached 'hang')")
            continue
        med = {f: statistics.median(s[f] for s in samples) for f in samples[0]}
        med["n"] = len(samples)
        out[k] = med
        log(f"memory: {k}: overhead RSS {med['ov_rss'] / 1024:.1f} MiB, "
            f"PSS {med['ov_pss'] / 1024:.1f} MiB")
    return out


# ---------------------------------------------------------------- creation rate

def rate_worker(argv, seconds):
    """Runs inside `taskset -c 0`: boot and power off VMs back to back."""
    ok = bad = 0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=120)
        if p.returncode == 0 and DONE_MARK in p.stdout:
            ok += 1
        else:
            bad += 1
    elapsed = time.monotonic() - start
    print(json.dumps({"ok": ok, "failed": bad, "seconds": elapsed}))


def bench_rate(vmms, keys, seconds):
    out = {}
    have_taskset = shutil.which("taskset") is not None
    for k in keys:
        argv = vmms[k].argv("serial")
        cmd = [sys.executable, os.path.abspath(__file__), "--rate-worker", json.dumps(argv),
               str(seconds)]
        if have_taskset:
            cmd = ["taskset", "-c", "0"] + cmd
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        try:
            r = json.loads(p.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            out[k] = None
            continue
        r["per_s"] = r["ok"] / r["seconds"] if r["seconds"] > 0 else 0.0
        r["pinned"] = have_taskset
        out[k] = r
        log(f"rate: {k}: {r['per_s']:.2f} VMs/s ({r['ok']} in {r['seconds']:.1f} s, "
            f"{r['failed']} failed)")
    return out


# ---------------------------------------------------------------- daemons

def bench_daemons(build):
    exes = sorted(e for e in glob.glob(os.path.join(build, "vhost-user", "*", "cnh-*"))
                  if os.access(e, os.X_OK) and os.path.isfile(e))
    out = []
    for exe in exes:
        d = tempfile.mkdtemp(prefix="cnh-bench-")
        sock = os.path.join(d, "vu.sock")
        argv = [exe, "--socket-path", sock]
        name = os.path.basename(exe)
        if name in ("cnh-blk", "cnh-pmem"):
            img = os.path.join(d, "disk.img")
            with open(img, "wb") as f:
                f.truncate(64 << 20)
            argv += ["--path" if name == "cnh-blk" else "--file", img]
        elif name == "cnh-fs":
            os.mkdir(os.path.join(d, "share"))
            argv += ["--shared-dir", os.path.join(d, "share"), "--tag", "bench", "--sandbox", "none"]
        elif name == "cnh-net":
            # A throw-away tap; cnh-net creates it and it goes away with the daemon.
            argv += ["--tap", "cnhb%d" % (os.getpid() % 100000)]
        elif name == "cnh-vsock":
            argv += ["--cid", "3", "--uds-path", os.path.join(d, "vsock")]
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(1.0)
        shown = [os.path.relpath(exe, SRC) if exe.startswith(SRC) else exe] + \
            [a.replace(d + "/", "") for a in argv[1:]]
        entry = {"name": os.path.basename(exe), "argv": " ".join(shown)}
        if p.poll() is None:
            _, roll = parse_smaps(p.pid)
            entry.update(rss=roll.get("Rss", 0), pss=roll.get("Pss", 0), priv=private(roll))
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        else:
            entry["error"] = (p.stderr.read().decode(errors="replace").strip()
                              .splitlines() or [f"exit {p.returncode}"])[-1][:200]
        shutil.rmtree(d, ignore_errors=True)
        out.append(entry)
    return out


# ---------------------------------------------------------------- Linux guest

OUTB_C = r"""
#include <stdlib.h>
#include <sys/io.h>
int main(int argc, char **argv)
{
	if (argc < 2 || ioperm(0x80, 1, 1) != 0)
		return 1;
	outb((unsigned char)strtoul(argv[1], NULL, 0), 0x80);
	return 0;
}
"""
LINUX_MARK = "CNH-BENCH-INIT-DONE"
LINUX_CMDLINE = "console=ttyS0 reboot=k panic=1 rdinit=/init io_delay=none quiet"


def build_bench_initramfs(lb, cache):
    """linux-boot.py's busybox, plus /bin/outb80; /init writes 0x40 then 0x41."""
    c = lb.busybox_archive(cache)
    helper = None
    gcc = shutil.which("gcc")
    if gcc:
        src = os.path.join(cache, "outb80.c")
        exe = os.path.join(cache, "outb80")
        with open(src, "w") as f:
            f.write(OUTB_C)
        if subprocess.run([gcc, "-static", "-O2", "-o", exe, src],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            with open(exe, "rb") as f:
                helper = f.read()
    if helper:
        outb = "/bin/outb80 {v}"
        how = "a static C helper (ioperm + outb), built with gcc -static"
    else:
        outb = "/bin/busybox printf '\\{o}' | /bin/busybox dd of=/dev/port bs=1 seek=128 " \
               "count=1 2>/dev/null"
        how = "busybox dd to /dev/port at offset 0x80"
    init = "#!/bin/sh\n" + outb.format(v="0x40", o="100") + "\n" + \
        "/bin/busybox mount -t proc proc /proc\n" \
        "/bin/busybox mount -t sysfs sysfs /sys\n" \
        "/bin/busybox mount -t devtmpfs devtmpfs /dev\n" + \
        outb.format(v="0x41", o="101") + "\n" + \
        f"echo {LINUX_MARK}\n/bin/busybox poweroff -f\n"
    c.chardev("dev/port", 1, 4)
    if helper:
        c.file("bin/outb80", helper)
    c.file("init", init.encode())
    return lb.write_initramfs(c, os.path.join(cache, "bench-initramfs.cpio.gz")), how


def linux_once(argv, timeout):
    t0 = time.monotonic_ns()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    err = []
    te = threading.Thread(target=lambda: err.extend(p.stderr), daemon=True)
    te.start()
    timer = threading.Timer(timeout, lambda: os.killpg(p.pid, signal.SIGKILL))
    timer.start()
    mark = None
    try:
        for raw in p.stdout:
            if mark is None and LINUX_MARK.encode() in raw:
                mark = time.monotonic_ns() - t0
        rc = p.wait()
        end = time.monotonic_ns() - t0
    finally:
        timer.cancel()
    te.join(5)
    trace = {}
    for raw in err:
        m = re.match(r"cnh-trace: (\S+) (\d+)$", raw.decode(errors="replace").strip())
        if m:
            # the kernel may write 0x80 before /init: keep the last 0x40 before 0x41
            if m.group(1) == "post-0x40" and "post-0x41" not in trace:
                trace["post-0x40"] = int(m.group(2))
            else:
                trace.setdefault(m.group(1), int(m.group(2)))
    return {"rc": rc, "mark": mark, "exit": end, "trace": trace}


def bench_linux(args, has_trace):
    lb = guestkit.lb
    if not os.environ.get("CNH_TEST_KERNEL"):
        if not lb.has_hw_virt():
            return {"skipped": "the host has no hardware virtualization (vmx/svm in "
                               "/proc/cpuinfo) and CNH_TEST_KERNEL is unset"}
    try:
        cache = os.path.abspath(args.linux_cache)
        os.makedirs(cache, exist_ok=True)
        kernel = lb.get_kernel(cache)
        initramfs, how = build_bench_initramfs(lb, cache)
    except Exception as e:  # linux-boot.Skip and any download failure
        return {"skipped": f"cannot prepare the Linux guest: {e}"}
    mem = 256
    cnh = [args.cnh, "--kernel", kernel, "--initramfs", initramfs, "--cmdline", LINUX_CMDLINE,
           "--memory", f"size={mem}M", "--cpus", "boot=1", "--serial", "tty"]
    if has_trace:
        cnh.append("--trace-boot")
    qemu = [args.qemu, "-M", "microvm,acpi=on,rtc=on", "-enable-kvm", "-cpu", "qemu64",
            "-m", f"{mem}M", "-smp", "1", "-nographic", "-no-reboot", "-nodefaults",
            "-serial", "stdio", "-display", "none", "-kernel", kernel, "-initrd", initramfs,
            "-append", LINUX_CMDLINE]
    runs = max(1, min(args.runs, args.linux_runs))
    res = {"cnh": [], "microvm": []}
    for i in range(runs):
        for k, argv in (("cnh", cnh), ("microvm", qemu)):
            r = linux_once(argv, args.linux_timeout)
            if r["rc"] == 0 and r["mark"] is not None:
                res[k].append(r)
            elif k == "cnh" and i == 0:
                # e.g. a kernel that cannot run on this host's KVM: do not wait N times
                return {"skipped": f"cnh did not boot {os.path.basename(kernel)} to /init "
                                   f"(exit {r['rc']}, {args.linux_timeout:.0f} s timeout)"}
        log(f"linux: {i + 1}/{runs} rounds")
    out = {"kernel": kernel, "how": how, "runs": runs, "mem": mem}
    for k in res:
        out[k] = {"mark": summary([r["mark"] / 1e6 for r in res[k]]),
                  "exit": summary([r["exit"] / 1e6 for r in res[k]])}
    phases = {}
    for r in res["cnh"]:
        t = r["trace"]
        if "first-kvm-run" in t and "post-0x40" in t:
            phases.setdefault("kernel entry to /init (0x40)", []).append(
                (t["post-0x40"] - t["first-kvm-run"]) / 1e6)
        if "post-0x40" in t and "post-0x41" in t:
            phases.setdefault("/init: 0x40 to 0x41 (mounts)", []).append(
                (t["post-0x41"] - t["post-0x40"]) / 1e6)
        if "post-0x41" in t:
            phases.setdefault("process start to 0x41", []).append(t["post-0x41"] / 1e6)
    out["phases"] = {n: summary(v) for n, v in phases.items()}
    return out


# ---------------------------------------------------------------- report

def machine_info():
    qv = ""
    try:
        qv = subprocess.run([ARGS.qemu, "--version"], stdout=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL).stdout.splitlines()[0]
    except (OSError, IndexError):
        pass
    rev = subprocess.run(["git", "-C", SRC, "describe", "--always", "--dirty"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    return {"cpu": bk.cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
            "load": bk.loadavg(),
            "qemu": qv, "rev": rev or "unknown",
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def fms(v):
    return "—" if v is None else (f"{v:.1f}" if v < 100 else f"{v:.0f}")


def fmib(kib):
    return "—" if kib is None else f"{kib / 1024:.1f}"


def ratio(a, b):
    return "—" if not a or not b else f"{a / b:.2f}"


def render(res, args, info, plots):
    L = []
    w = L.append
    boot, order = res["boot"], res["boot_keys"]
    V = res["labels"]
    w(BEGIN)
    w("## Boot time, memory footprint and VM creation rate")
    w("")
    w(f"Machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}; "
      f"{info['qemu']}; cnh {info['rev']}. Date: {info['date']}. Load average "
      f"(1, 5, 15 min) at the start {info['load']}, at the end {info['load_end']}: "
      "the host is shared with other work, so figures carry that noise.  ")
    w(f"Command: `{args.command_label}` (runs `tools/bench/boot.py --runs {args.runs} "
      f"--rate-seconds {args.rate_seconds:g}`).")
    w("")
    w("> This host's /dev/kvm is PVM: guest code runs through KVM's instruction "
      "emulator, so absolute times are of this host only and far from hardware "
      "KVM. Compare the **ratios**, measured in the same run.")
    w("")
    w(f"Every VMM boots the same freestanding test guest (`tests/guest`) with "
      f"{args.memory} MiB and {args.cpus} vCPU, guest command line "
      "`cnh.tests=serial` (one small UART check, then ACPI power-off). QEMU runs with "
      "`-enable-kvm -cpu qemu64 -nodefaults -nographic -serial stdio -no-reboot` and its RAM "
      "in a `memory-backend-memfd` (like cnh's memfd RAM); microvm loads the PVH ELF "
      "directly, q35 goes through SeaBIOS and loads the bzImage.")
    w("")
    w(f"### Boot time ({args.runs} runs each, interleaved; milliseconds)")
    w("")
    w("*First line*: process start (the benchmark's `Popen`) to the guest's first serial "
      "line (`cnh-test-guest: booted via ...`). *Exit*: process start to process exit "
      "after the guest's ACPI power-off.")
    w("")
    w("| VMM | first line median | p90 | exit median | p90 | cnh/this first line | "
      "cnh/this exit |")
    w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    c = boot.get("cnh") or {}
    for k in order:
        b = boot[k]
        f, e = b["first"] or {}, b["exit"] or {}
        cf, ce = (c.get("first") or {}), (c.get("exit") or {})
        fail = f" ({b['failed']} failed)" if b["failed"] else ""
        w(f"| {V[k]}{fail} | {fms(f.get('median'))} | {fms(f.get('p90'))} | "
          f"{fms(e.get('median'))} | {fms(e.get('p90'))} | "
          f"{'—' if k == 'cnh' else ratio(cf.get('median'), f.get('median'))} | "
          f"{'—' if k == 'cnh' else ratio(ce.get('median'), e.get('median'))} |")
    w("")
    if "boot" in plots:
        w(f"![Boot time, cnh vs QEMU]({plots['boot']})")
        w("")
    failed = [(k, boot[k]) for k in order if boot[k]["failed"]]
    for k, b in failed:
        w(f"- {V[k]}: {b['failed']} run(s) failed, first reason: `{b['fail_reason']}`")
    if failed:
        w("")

    w("### Phases inside cnh (`--trace-boot`)")
    w("")
    tr = c.get("trace")
    if not res["has_trace"]:
        w("Not available in this build: `cnh --help` has no `--trace-boot` yet (the trace "
          "points of `vmm/trace.c` are not wired), so only the external times above are "
          "measured.")
    elif not tr:
        w("`--trace-boot` is accepted but cnh printed no `cnh-trace:` line.")
    else:
        w("Median over the runs, in ms since `main()` started (a CLOCK_MONOTONIC sample "
          "taken first thing in `main`); *step* is the time since the previous point.")
        w("")
        w("| point | since main() | step | p90 |")
        w("| --- | ---: | ---: | ---: |")
        rows = {n: v for n, v in tr.items() if not n.startswith("(")}
        if c.get("origin_first"):
            rows["(guest's first serial line, as the benchmark saw it)"] = c["origin_first"]
        if "(exec: spawn to main)" in tr:
            s = tr["(exec: spawn to main)"]
            w(f"| (process spawned: fork, exec, dynamic linking) | −{fms(s['median'])} | | "
              f"{fms(s['p90'])} |")
        prev = 0.0
        # in the order they happened (devices are created before the KVM VM)
        for n in sorted(rows, key=lambda n: (rows[n]["median"],
                                             TRACE_ORDER.index(n) if n in TRACE_ORDER else 99)):
            s = rows[n]
            w(f"| {n} | {fms(s['median'])} | {fms(s['median'] - prev)} | {fms(s['p90'])} |")
            prev = s["median"]
    w("")

    mem = res["memory"]
    w(f"### Memory overhead (guest halted, {args.memory} MiB, {args.cpus} vCPU; MiB; median "
      f"of {args.mem_runs} runs)")
    w("")
    w("Method: the guest runs scenario `hang` (prints `TEST hang PASS halting` and halts "
      "with interrupts off); 0.5 s later the benchmark reads `/proc/PID/smaps_rollup` (the "
      "whole process, every thread) and `/proc/PID/smaps`, then sends SIGTERM. Overhead = "
      "process total minus the guest RAM mappings' own share: for cnh the mappings named "
      "`memfd:cnh-ram*`; for QEMU the `memfd:memory-backend-memfd` mapping of its "
      "`memory-backend-memfd` RAM, and, as a cross-check, QEMU's default anonymous RAM "
      "identified as the anonymous mapping exactly the guest's size (THP makes the guest "
      "touch whole 2 MiB pages there). RSS counts shared library pages in full, PSS "
      "divides them between the processes that map them, *private* is what no other "
      "process shares (Private_Clean + Private_Dirty).")
    w("")
    w("| VMM | RSS overhead | PSS overhead | private overhead | guest RAM touched | threads |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for k in res["mem_keys"]:
        m = mem.get(k)
        if not m:
            w(f"| {V[k]} | — | — | — | — | — |")
            continue
        w(f"| {V[k]} | {fmib(m['ov_rss'])} | {fmib(m['ov_pss'])} | {fmib(m['ov_priv'])} | "
          f"{fmib(m['ram_rss'])} | {m['threads']:.0f} |")
    w(f"| Firecracker (published figure, not measured here) | < {FIRECRACKER_MIB} | | | | |")
    w("")
    mc, mq = mem.get("cnh"), mem.get("microvm")
    if mc and mq:
        w(f"cnh/QEMU microvm: RSS overhead {ratio(mc['ov_rss'], mq['ov_rss'])}, "
          f"PSS overhead {ratio(mc['ov_pss'], mq['ov_pss'])}. Firecracker documents a "
          f"memory overhead of less than {FIRECRACKER_MIB} MiB per microVM.")
        w("")
    if "memory" in plots:
        w(f"![VMM memory overhead]({plots['memory']})")
        w("")

    w("### vhost-user daemons")
    w("")
    d = res["daemons"]
    if not d:
        w("No daemon is built yet (`build/vhost-user/*/cnh-*`): their RSS is measured in "
          "a later run.")
    else:
        w("Each daemon started idle (listening, no front-end connected; cnh-blk on a "
          "64 MiB sparse raw file), measured from `/proc/PID/smaps_rollup` after 1 s:")
        w("")
        w("| daemon | command | RSS | PSS | private |")
        w("| --- | --- | ---: | ---: | ---: |")
        for e in d:
            if "error" in e:
                w(f"| {e['name']} | `{e['argv']}` | did not stay up: {e['error']} | | |")
            else:
                w(f"| {e['name']} | `{e['argv']}` | {fmib(e['rss'])} | {fmib(e['pss'])} | "
                  f"{fmib(e['priv'])} |")
    w("")

    rate = res["rate"]
    w(f"### VM creation rate (one host core, {args.rate_seconds:g} s)")
    w("")
    w("VMs started and stopped back to back by one loop, everything (the loop and the "
      "VMMs) pinned to CPU 0 with `taskset -c 0`; each VM boots the test guest with "
      "`cnh.tests=serial` and powers off; only VMs that printed `ALL TESTS DONE` and "
      "exited 0 count.")
    w("")
    w("| VMM | VMs/s | VMs | failed | seconds |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for k in res["rate_keys"]:
        r = rate.get(k)
        if not r:
            w(f"| {V[k]} | — | — | — | — |")
            continue
        w(f"| {V[k]} | {r['per_s']:.2f} | {r['ok']} | {r['failed']} | {r['seconds']:.1f} |")
    rc, rq = rate.get("cnh"), rate.get("microvm")
    if rc and rq and rq["per_s"]:
        w("")
        w(f"cnh/QEMU microvm: {rc['per_s'] / rq['per_s']:.2f}× the VMs per second.")
    w("")

    w("### Linux guest")
    w("")
    lx = res["linux"]
    if "skipped" in lx:
        w(f"Linux boot figures skipped: {lx['skipped']}.")
    else:
        w(f"Kernel `{os.path.basename(lx['kernel'])}`, busybox initramfs whose `/init` "
          f"writes 0x40 to port 0x80 first thing and 0x41 after mounting proc, sys and "
          f"dev ({lx['how']}); command line `{LINUX_CMDLINE}`, {lx['mem']} MiB, 1 vCPU, "
          f"{lx['runs']} runs. cnh time-stamps the port 0x80 writes (its POST device), "
          "as Cloud Hypervisor does with its debug port.")
        w("")
        w("| | median ms | p90 ms |")
        w("| --- | ---: | ---: |")
        for k in ("cnh", "microvm"):
            s = lx.get(k, {})
            for what, key in (("process start to /init done (serial)", "mark"),
                              ("process start to exit", "exit")):
                v = s.get(key)
                if v:
                    w(f"| {V[k]}: {what} | {fms(v['median'])} | {fms(v['p90'])} |")
        for n, v in lx.get("phases", {}).items():
            if v:
                w(f"| cnh: {n} | {fms(v['median'])} | {fms(v['p90'])} |")
    w("")
    w(END)
    return "\n".join(L) + "\n"


def plot(res, args, docs_dir):
    plots = {}
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        log("gnuplot not found: no plots")
        return plots
    tmp = tempfile.mkdtemp(prefix="cnh-bench-plot-")
    V = res["short"]
    try:
        bd = os.path.join(tmp, "boot.dat")
        with open(bd, "w") as f:
            for k in res["boot_keys"]:
                b = res["boot"][k]
                if b["first"] and b["exit"]:
                    f.write(f"\"{V[k]}\" {b['first']['median']:.3f} {b['first']['p90']:.3f} "
                            f"{b['exit']['median']:.3f} {b['exit']['p90']:.3f}\n")
        out = os.path.join(docs_dir, "bench-boot.png")
        title = f"Boot time, {args.runs} runs (median, bar = p90), PVM host: compare ratios"
        if subprocess.run([gnuplot, "-e", f"datafile='{bd}'; outfile='{out}'; "
                           f"plottitle='{title}'", os.path.join(HERE, "plot-boot.gp")]
                          ).returncode == 0:
            plots["boot"] = os.path.basename(out)
        md = os.path.join(tmp, "mem.dat")
        with open(md, "w") as f:
            for k in res["mem_keys"]:
                m = res["memory"].get(k)
                if m:
                    f.write(f"\"{V[k]}\" {m['ov_rss'] / 1024:.3f} {m['ov_pss'] / 1024:.3f} "
                            f"{m['ov_priv'] / 1024:.3f}\n")
        out = os.path.join(docs_dir, "bench-memory.png")
        title = f"VMM memory overhead, {args.memory} MiB guest halted (guest RAM excluded)"
        if subprocess.run([gnuplot, "-e", f"datafile='{md}'; outfile='{out}'; "
                           f"plottitle='{title}'; fcmib={FIRECRACKER_MIB}",
                           os.path.join(HERE, "plot-memory.gp")]).returncode == 0:
            plots["memory"] = os.path.basename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return plots


def cnh_has_trace(cnh):
    try:
        p = subprocess.run([cnh, "--help"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--trace-boot" in p.stdout


ARGS = None


def main():
    global ARGS
    if len(sys.argv) == 4 and sys.argv[1] == "--rate-worker":
        rate_worker(json.loads(sys.argv[2]), float(sys.argv[3]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build"), help="meson build dir")
    ap.add_argument("--cnh", help="cnh binary (default BUILD/vmm/cnh)")
    ap.add_argument("--guest-elf", help="default BUILD/tests/guest/cnh-test-guest.elf")
    ap.add_argument("--guest-bzimage", help="default BUILD/tests/guest/cnh-test-guest.bzImage")
    ap.add_argument("--qemu", default="qemu-system-x86_64")
    ap.add_argument("--runs", type=int, default=20, help="boots per VMM (default 20)")
    ap.add_argument("--mem-runs", type=int, default=5, help="memory samples per VMM")
    ap.add_argument("--rate-seconds", type=float, default=10.0)
    ap.add_argument("--memory", type=int, default=128, help="guest MiB (default 128)")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds per boot")
    ap.add_argument("--no-q35", action="store_true", help="leave QEMU q35 out")
    ap.add_argument("--md", default=os.path.join(SRC, "docs", "benchmarks.md"))
    ap.add_argument("--no-md", action="store_true", help="print the section, write nothing")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--linux-cache", default=None, help="default BUILD/tests/linux/cache")
    ap.add_argument("--linux-runs", type=int, default=5)
    ap.add_argument("--linux-timeout", type=float, default=300.0)
    ap.add_argument("--command-label", default="tools/bench/run",
                    help="the command named in the report")
    args = ap.parse_args()
    ARGS = args
    b = os.path.abspath(args.build)
    args.cnh = args.cnh or os.path.join(b, "vmm", "cnh")
    args.guest_elf = args.guest_elf or os.path.join(b, "tests", "guest", "cnh-test-guest.elf")
    args.guest_bzimage = args.guest_bzimage or os.path.join(b, "tests", "guest",
                                                            "cnh-test-guest.bzImage")
    args.linux_cache = args.linux_cache or os.path.join(b, "tests", "linux", "cache")
    for p in (args.cnh, args.guest_elf, args.guest_bzimage):
        if not os.path.exists(p):
            log(f"{p} does not exist: build first (meson setup build && ninja -C build)")
            return 1
    if not shutil.which(args.qemu):
        log(f"{args.qemu} not found (apt-get install qemu-system-x86)")
        return 1
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        log("/dev/kvm is not usable")
        return 1

    has_trace = cnh_has_trace(args.cnh)
    log(f"cnh --trace-boot: {'yes' if has_trace else 'not in this build'}")
    vmms = make_vmms(args, has_trace)
    boot_keys = ["cnh", "cnh-bz", "microvm"] + ([] if args.no_q35 else ["q35"])
    mem_keys = ["cnh", "microvm", "microvm-anon"] + ([] if args.no_q35 else ["q35"])
    rate_keys = ["cnh", "microvm"]

    res = {"labels": {k: v.label for k, v in vmms.items()},
           "short": {k: v.short for k, v in vmms.items()}, "has_trace": has_trace,
           "boot_keys": boot_keys, "mem_keys": mem_keys, "rate_keys": rate_keys}
    info = machine_info()
    log(f"boot time: {args.runs} runs of {', '.join(boot_keys)}")
    res["boot"] = bench_boot(vmms, boot_keys, args.runs, args.timeout)
    log("memory")
    res["memory"] = bench_memory(vmms, mem_keys, args.mem_runs, args.memory, args.timeout)
    log(f"creation rate: {args.rate_seconds:g} s each on CPU 0")
    res["rate"] = bench_rate(vmms, rate_keys, args.rate_seconds)
    res["daemons"] = bench_daemons(b)
    log("Linux guest")
    res["linux"] = bench_linux(args, has_trace)
    if "skipped" in res["linux"]:
        log(f"Linux boot figures skipped: {res['linux']['skipped']}")

    info["load_end"] = bk.loadavg()
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, **res}, f, indent=1, default=str)
    if args.no_md:
        print(render(res, args, info, {}))
        return 0
    docs_dir = os.path.dirname(os.path.abspath(args.md))
    os.makedirs(docs_dir, exist_ok=True)
    plots = plot(res, args, docs_dir)
    bk.write_section(args.md, BEGIN, END, render(res, args, info, plots))
    log(f"wrote {args.md}" + "".join(f", {os.path.join(docs_dir, p)}" for p in plots.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
