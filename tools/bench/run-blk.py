#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The block benchmark, in one run: fio (io_uring) on the host as the limit,
cnh-blk and qemu-storage-daemon driven by cnh-bench-blk, on the same file,
same workloads, same durations, all with O_DIRECT. Writes the block section
of docs/benchmarks.md and its plots (docs/bench-blk-*.png).

Usage: tools/bench/run-blk.py [--quick] [--rounds N] [--workloads LIST] [--runtime S] ...
It installs what it needs (fio, gnuplot-nox, qemu-system-common) with
apt-get when missing, and builds cnh-bench-blk and cnh-blk with meson/ninja
in build/ (or --build-dir).
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchkit as bk  # noqa: E402
from benchkit import REPO, log, run  # noqa: E402

# name, pattern, block size, queue depth (one queue)
WORKLOADS = [
    ("4k randread qd1", "randread", "4k", 1),
    ("4k randread qd32", "randread", "4k", 32),
    ("4k randwrite qd1", "randwrite", "4k", 1),
    ("4k randwrite qd32", "randwrite", "4k", 32),
    ("128k read qd8", "read", "128k", 8),
    ("128k write qd8", "write", "128k", 8),
]
BACKENDS = ["fio", "cnh-blk", "qsd"]
BACKEND_TITLE = {"fio": "fio io_uring (host)", "cnh-blk": "cnh-blk",
                 "qsd": "qemu-storage-daemon"}
BEGIN, END = "<!-- bench:blk:begin -->", "<!-- bench:blk:end -->"


def build(build_dir):
    """Build the harness (required) and cnh-blk (optional). Returns (bench, cnh_blk or None, why)."""
    bench, _ = bk.build_target(build_dir, "tools/bench/cnh-bench-blk", required=True)
    blk, why = bk.build_target(build_dir, "vhost-user/blk/cnh-blk")
    return bench, blk, why


def make_file(path, size):
    """Fully write the test file with random data so reads hit real blocks."""
    log(f"writing {size >> 20} MiB test file {path}")
    chunk = 1 << 20
    with open(path, "wb") as f:
        with open("/dev/urandom", "rb") as rnd:
            for _ in range(size // chunk):
                f.write(rnd.read(chunk))
        f.flush()
        os.fsync(f.fileno())


def fio_run(path, size, wl, runtime, ramp):
    _, rw, bs, qd = wl
    cmd = ["fio", "--name=bench", f"--filename={path}", f"--size={size}", "--ioengine=io_uring",
           "--direct=1", f"--rw={rw}", f"--bs={bs}", f"--iodepth={qd}", "--numjobs=1",
           "--time_based", f"--runtime={runtime}", f"--ramp_time={ramp}", "--lat_percentiles=1",
           "--randrepeat=0", "--norandommap", "--output-format=json"]
    r = run(cmd, stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        return {"error": f"fio exited {r.returncode}"}
    j = json.loads(r.stdout[r.stdout.index("{"):])["jobs"][0]
    d = j["write"] if "write" in rw else j["read"]
    ios = d["total_ios"]
    pct = d["lat_ns"].get("percentile", {})
    cpu = (j["usr_cpu"] + j["sys_cpu"]) / 100.0 * j["job_runtime"] * 1000.0
    return {"iops": d["iops"], "mbps": d["bw_bytes"] / 1e6,
            "p50": pct.get("50.000000", 0) / 1e3, "p99": pct.get("99.000000", 0) / 1e3,
            "p999": pct.get("99.900000", 0) / 1e3,
            "backend_cpu": cpu / ios if ios else None, "driver_cpu": None, "cmd": cmd}


def bench_run(bench, target, wl, runtime, ramp, label):
    _, rw, bs, qd = wl
    cmd = [bench] + target[0] + ["--rw", rw, "--bs", bs, "--iodepth", str(qd),
                                 "--runtime", str(runtime), "--ramp", str(ramp), "--label", label]
    cmd += target[1]
    r = run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=runtime + ramp + 120)
    sys.stderr.write(r.stdout)
    line = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode != 0 or not line:
        return {"error": f"exit {r.returncode}: {r.stderr.strip()[-300:]}"}
    j = json.loads(line[-1])
    return {"iops": j["iops"], "mbps": j["mbps"], "p50": j["lat_us"]["p50"],
            "p99": j["lat_us"]["p99"], "p999": j["lat_us"]["p99.9"],
            "backend_cpu": j["backend_cpu_us_per_io"], "driver_cpu": j["harness_cpu_us_per_io"],
            "raw": j, "cmd": cmd}


class Qsd:
    """qemu-storage-daemon exporting the file over vhost-user-blk, O_DIRECT, io_uring."""

    def __init__(self, path, tmp):
        self.sock = os.path.join(tmp, "qsd.sock")
        self.cmd = ["qemu-storage-daemon",
                    "--blockdev", f"driver=file,node-name=disk0,filename={path},"
                                  "cache.direct=on,aio=io_uring",
                    "--export", f"type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,"
                                f"addr.path={self.sock},writable=on,num-queues=1"]
        self.proc = None

    def start(self):
        log("$", " ".join(self.cmd))
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL)
        if bk.wait_for_socket(self.sock, self.proc):
            return
        if self.proc.poll() is not None:
            raise RuntimeError(f"qemu-storage-daemon exited {self.proc.returncode}")
        raise RuntimeError("qemu-storage-daemon socket did not appear")

    def stop(self):
        bk.stop(self.proc)
        self.proc = None


def machine_info(test_dir):
    fs = subprocess.run(["df", "--output=fstype", test_dir], stdout=subprocess.PIPE,
                        text=True).stdout.split()[-1]
    dev = subprocess.run(["df", "--output=source", test_dir], stdout=subprocess.PIPE,
                         text=True).stdout.split()[-1]
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 30
    return {"load": bk.loadavg(), "cpu": bk.cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
            "fs": fs, "device": dev, "mem_gib": mem, "test_dir": test_dir}


def fmt(v, nd=1):
    if v is None:
        return "–"
    if v >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{nd}f}"


def median_run(rs):
    """The run with the median IOPS (the lower middle one for an even count),
    with every run's IOPS attached; an error if every run failed."""
    ok = sorted((r for r in rs if "iops" in r), key=lambda r: r["iops"])
    if not ok:
        return rs[-1]
    m = dict(ok[(len(ok) - 1) // 2])
    m["all_iops"] = [r["iops"] for r in ok]
    m["failed_runs"] = len(rs) - len(ok)
    return m


def iops_range(r):
    a = r.get("all_iops") or []
    if len(a) < 2:
        return "–"
    s = f"{fmt(a[0], 0)}–{fmt(a[-1], 0)}"
    return s + (f" ({r['failed_runs']} failed)" if r.get("failed_runs") else "")


def ratio(a, b):
    if not a or not b or "iops" not in a or "iops" not in b or not b["iops"]:
        return "–"
    return f"{a['iops'] / b['iops']:.2f}×"


def plots(results, docs, tmp):
    """Three PNGs: IOPS, latency p50/p99, back-end CPU per I/O; clustered bars per workload."""
    if not shutil.which("gnuplot"):
        return []
    present = [b for b in BACKENDS if any("iops" in results[w[0]].get(b, {}) for w in WORKLOADS)]
    dat = os.path.join(tmp, "blk.dat")
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(f"{b}_iops {b}_p50 {b}_p99 {b}_cpu" for b in present) + "\n")
        for w in WORKLOADS:
            row = [f'"{w[0]}"']
            for b in present:
                r = results[w[0]].get(b, {})
                for k in ("iops", "p50", "p99", "backend_cpu"):
                    v = r.get(k)
                    row.append("NaN" if v is None else f"{v:.3f}")
            f.write(" ".join(row) + "\n")
    out = []
    common = ('set terminal pngcairo size 1100,520 font "DejaVu Sans,11"\n'
              'set style data histograms\nset style histogram clustered gap 1\n'
              'set style fill solid 0.85 border -1\nset boxwidth 0.9\nset key top right\nset termoption noenhanced\n'
              'set grid ytics\nset xtics rotate by -20 offset -1,0\n')
    ncol = 4

    def col(bi, k):
        return 2 + bi * ncol + k

    specs = [
        ("bench-blk-iops.png", "Block: IOPS (higher is better, log scale)", "IOPS", 0, True),
        ("bench-blk-lat-p99.png", "Block: p99 latency in µs (lower is better, log scale)", "µs", 2, True),
        ("bench-blk-cpu.png", "Block: back-end CPU µs per I/O (fio: whole fio process; lower is better)",
         "µs per I/O", 3, False),
    ]
    for name, title, ylabel, k, logy in specs:
        png = os.path.join(docs, name)
        lines = ", ".join(f"'{dat}' using {col(bi, k)}:xtic(1) title '{BACKEND_TITLE[b]}'"
                          for bi, b in enumerate(present))
        script = common + f'set output "{png}"\nset title "{title}"\nset ylabel "{ylabel}"\n'
        script += f"set xrange [-0.6:{len(WORKLOADS) - 0.4}]\n"
        script += ("set logscale y\n" if logy else "set yrange [0:*]\n") + "plot " + lines + "\n"
        r = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
        if r.returncode == 0:
            out.append(name)
        else:
            log("gnuplot failed:", r.stderr.strip())
    return out


def write_doc(path, results, info, args, argv, missing, pngs, qsd_cmd, blk_cmd, date):
    L = []
    L.append(BEGIN)
    L.append("<!-- generated by tools/bench/run-blk.py: edits here are overwritten -->")
    L.append(f"_Generated {date} by `{argv}`._\n")
    L.append(f"- Machine: {info['cpu']}, {info['cores']} cores, {info['mem_gib']} GiB RAM, "
             f"Linux {info['kernel']}; load average before the runs {info['load']}, after "
             f"{bk.loadavg()} (other work on the machine skews "
             "the numbers: the harness and the back-ends share its cores)")
    L.append(f"- Test file: {args.size >> 20} MiB in {info['test_dir']} on {info['fs']} "
             f"({info['device']}), fully written with random data before the runs")
    L.append(f"- {args.rounds} round(s), interleaved: every workload on every back-end in turn, then the "
             "next round; each row is the run with the median IOPS, *IOPS range* the lowest and "
             "highest of the rounds")
    L.append(f"- Each run: {args.ramp} s ramp-up (not measured), then {args.runtime} s measured; "
             "one queue, queue size 256, O_DIRECT everywhere, EVENT_IDX negotiated where offered, "
             "completions by waiting on the call eventfd")
    L.append("- fio: `ioengine=io_uring direct=1` on the file itself: the host limit.")
    L.append(f"- qemu-storage-daemon: `{' '.join(qsd_cmd)}`")
    L.append(f"- cnh-blk: `{' '.join(blk_cmd) if blk_cmd else 'not run'}`")
    for m in missing:
        L.append(f"- **Missing:** {m}")
    L.append("")
    L.append("| workload | back-end | IOPS | IOPS range | MB/s | p50 µs | p99 µs | p99.9 µs | back-end CPU µs/IO "
             "| driver CPU µs/IO | vs fio | vs qsd |")
    L.append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for w in WORKLOADS:
        rs = results[w[0]]
        for b in BACKENDS:
            r = rs.get(b)
            if r is None:
                continue
            if "error" in r:
                L.append(f"| {w[0]} | {BACKEND_TITLE[b]} | failed: {r['error'][:80]} "
                         "| | | | | | | | | |")
                continue
            L.append(f"| {w[0]} | {BACKEND_TITLE[b]} | {fmt(r['iops'], 0)} | {iops_range(r)} | {fmt(r['mbps'])} "
                     f"| {fmt(r['p50'])} | {fmt(r['p99'])} | {fmt(r['p999'])} "
                     f"| {fmt(r['backend_cpu'], 2)} | {fmt(r['driver_cpu'], 2)} "
                     f"| {ratio(r, rs.get('fio')) if b != 'fio' else '1.00×'} "
                     f"| {ratio(r, rs.get('qsd')) if b != 'qsd' else '1.00×'} |")
    L.append("")
    for p in pngs:
        L.append(f"![{p}]({p})\n")
    L.append(END)
    bk.write_section(path, BEGIN, END, "\n".join(L) + "\n", title="## Block devices\n\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 s runs, 0.5 s ramp (for testing)")
    ap.add_argument("--runtime", type=float, default=10.0)
    ap.add_argument("--ramp", type=float, default=2.0)
    ap.add_argument("--dir", default=os.environ.get("CNH_BENCH_DIR", "/tmp"),
                    help="where the test file goes (env CNH_BENCH_DIR, default /tmp)")
    ap.add_argument("--size", default="1G", help="test file size (default 1G)")
    ap.add_argument("--build-dir", default=bk.BUILD_DIR,
                    help="meson build directory (env CNH_BENCH_BUILD, default build/)")
    ap.add_argument("--doc", default=bk.DOC)
    ap.add_argument("--backends", default=",".join(BACKENDS))
    ap.add_argument("--rounds", type=int, default=3,
                    help="runs of every workload on every back-end, interleaved; the table shows the "
                         "median-IOPS run and the range (default 3: this host's disk alternates "
                         "between two speeds, so one run can be 1.5x off either way)")
    ap.add_argument("--workloads", help="comma-separated subset of: "
                    + ", ".join(w[0] for w in WORKLOADS) + " (default all)")
    ap.add_argument("--no-install", action="store_true", help="do not apt-get missing tools")
    ap.add_argument("--json-out", help="also write every result as JSON lines here")
    args = ap.parse_args()
    if args.quick:
        args.runtime, args.ramp = 2.0, 0.5
    units = {"K": 10, "M": 20, "G": 30}
    s = args.size.upper()
    args.size = int(s[:-1]) << units[s[-1]] if s[-1] in units else int(s)
    backends = [b for b in args.backends.split(",") if b]
    workloads = WORKLOADS
    if args.workloads:
        want = [x.strip() for x in args.workloads.split(",") if x.strip()]
        unknown = [x for x in want if x not in (w[0] for w in WORKLOADS)]
        if unknown:
            ap.error(f"unknown workload(s): {', '.join(unknown)}")
        workloads = [w for w in WORKLOADS if w[0] in want]
    args.rounds = max(1, args.rounds)
    argv = "tools/bench/run-blk.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    bk.ensure_packages({"fio": "fio", "gnuplot": "gnuplot-nox", "qemu-storage-daemon": "qemu-system-common"},
                       args.no_install)
    bench, blk, why = build(args.build_dir)
    missing = []
    if "cnh-blk" in backends and not blk:
        missing.append(why)
        backends.remove("cnh-blk")
    if "qsd" in backends and not shutil.which("qemu-storage-daemon"):
        missing.append("qemu-storage-daemon is not installed")
        backends.remove("qsd")
    if "fio" in backends and not shutil.which("fio"):
        missing.append("fio is not installed")
        backends.remove("fio")

    os.makedirs(args.dir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="cnh-bench-", dir=args.dir)
    path = os.path.join(tmp, "disk.img")
    results = {w[0]: {} for w in WORKLOADS}
    runs = {w[0]: {b: [] for b in backends} for w in workloads}
    qsd = Qsd(path, tmp)
    blk_cmd = [blk, "--fd={fd}", "--path", path, "--direct", "--queue-size", "256"] if blk else None
    jl = open(args.json_out, "a") if args.json_out else None
    try:
        make_file(path, args.size)
        info = machine_info(tmp)
        date = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        if "qsd" in backends:
            qsd.start()
        # Interleaved (each workload on every back-end in turn, then the
        # next round) so that a change of load on the machine, or of the
        # disk's speed, hits all three alike.
        for rnd, w, b in ((rnd, w, b) for rnd in range(args.rounds) for w in workloads for b in backends):
            if b == "fio":
                r = fio_run(path, args.size, w, args.runtime, args.ramp)
            elif b == "qsd":
                r = bench_run(bench, (["--socket", qsd.sock], []), w, args.runtime, args.ramp, "qsd")
            else:
                r = bench_run(bench, (["--spawn"], ["--"] + blk_cmd), w, args.runtime, args.ramp,
                              "cnh-blk")
            r["round"] = rnd
            runs[w[0]][b].append(r)
            log(f"round {rnd + 1}/{args.rounds} {w[0]} {b}: "
                + (r.get("error") or f"{r['iops']:.0f} IOPS p50 {r['p50']:.1f} us p99 {r['p99']:.1f} us"))
            if jl:
                jl.write(json.dumps({"date": date, "workload": w[0], "backend": b,
                                     **{k: v for k, v in r.items() if k != 'cmd'}}) + "\n")
        for w in workloads:
            for b in backends:
                results[w[0]][b] = median_run(runs[w[0]][b])
        qsd.stop()
        docs = os.path.dirname(os.path.abspath(args.doc))
        pngs = plots(results, docs, tmp)
        write_doc(args.doc, results, info, args, argv, missing, pngs, qsd.cmd,
                  ([os.path.relpath(blk_cmd[0], REPO) if blk_cmd[0].startswith(REPO + "/") else blk_cmd[0]]
                   + blk_cmd[1:]) if blk_cmd else None, date)
        log("wrote", args.doc, *pngs)
    finally:
        qsd.stop()
        if jl:
            jl.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
