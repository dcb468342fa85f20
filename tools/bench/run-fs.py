#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The file-system benchmark, in one run: cnh-fs and QEMU's virtiofsd
serving the same (empty, temporary) directory, both driven by cnh-bench-fs
(a virtio-fs front-end without a VM, tools/bench/vu-fs-bench.c), both with
cache=none and their default sandbox (a mount namespace when run as root).
Workloads: CREATE+RELEASE, LOOKUP+GETATTR and UNLINK of --files files
(metadata), then a --read-mb file written and read back in 128 KiB
requests. Writes the fs section of docs/benchmarks.md.

Usage: tools/bench/run-fs.py [--files N] [--read-mb M] [--dir DIR] [--build-dir DIR] [--rounds N]
                             [--cpus same|split|none] [--note TEXT] [--no-doc]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchkit as bk  # noqa: E402
from benchkit import log  # noqa: E402

VIRTIOFSD = "/usr/lib/qemu/virtiofsd"
BEGIN, END = "<!-- bench:fs:begin -->", "<!-- bench:fs:end -->"
CPUS_TEXT = {"same": "daemon and front-end pinned to one CPU (no cross-CPU wake-up per request)",
             "split": "daemon and front-end pinned to two CPUs (a cross-CPU wake-up each way per request)",
             "none": "not pinned (the scheduler places them; the rate changes several-fold with that)"}


def placement(mode):
    """CPU sets for (daemon, front-end): with one request in flight, waking a
    process on the other CPU costs more than the request itself on this
    (virtualized) host, and unpinned the scheduler picks either at random,
    which made rounds differ 5x. 'same' measures the back-end, 'split' the
    cross-CPU wake-ups, 'none' leaves it to the scheduler."""
    cpus = sorted(os.sched_getaffinity(0))
    if mode == "same":
        return {cpus[-1]}, {cpus[-1]}
    if mode == "split" and len(cpus) > 1:
        return {cpus[-1]}, {cpus[-2]}
    return None, None


def pinned(cpus):
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def one(name, daemon_cmd, sock, bench, args):
    dcpu, bcpu = placement(args.cpus)
    log("$", " ".join(daemon_cmd), "(cpus %s / front-end %s)" % (dcpu or "any", bcpu or "any"))
    d = subprocess.Popen(daemon_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, preexec_fn=pinned(dcpu))
    try:
        # Only the path: connecting would use up a sandboxed daemon's one front-end.
        if not bk.wait_for_socket(sock, d):
            raise RuntimeError("%s did not create %s" % (name, sock))
        r = subprocess.run([bench, "--socket", sock, "--files", str(args.files),
                            "--read-mb", str(args.read_mb), "--label", name],
                           stdout=subprocess.PIPE, text=True, timeout=600, preexec_fn=pinned(bcpu))
        sys.stderr.write(r.stdout)
        if r.returncode != 0:
            raise RuntimeError("cnh-bench-fs against %s failed" % name)
        return json.loads(r.stdout.strip().splitlines()[-1])
    finally:
        bk.stop(d)


def write_doc(path, results, info, args):
    L = [BEGIN, "## File system (virtio-fs)", ""]
    L.append("cnh-fs and QEMU's virtiofsd (%s) on the same empty directory, driven by "
             "`cnh-bench-fs`, a virtio-fs front-end without a VM (one request queue, one "
             "request in flight, the front-end sleeping on the call eventfd until the reply, "
             "so a number is the round trip of one FUSE request through the back-end). Both "
             "with cache=none and their default sandbox; %s. One run of "
             "`tools/bench/run-fs.py --files %d --read-mb %d --cpus %s` (%d interleaved rounds, "
             "the median and [min-max]) on %s." %
             (info["virtiofsd"], CPUS_TEXT[args.cpus], args.files, args.read_mb, args.cpus, args.rounds,
              info["date"]))
    L.append("")
    L.append("Host: %s, %s, kernel %s, directory on %s; load average before the runs %s, after %s." %
             (info["cpu"], info["cores"], info["kernel"], info["fstype"], info["load"], info["load_after"]))
    if args.note:
        L.append("")
        L.append("This run: " + args.note)
    L.append("")
    L.append("| workload | cnh-fs | virtiofsd |")
    L.append("| --- | ---: | ---: |")
    rows = [("CREATE + RELEASE (req/s)", "create_rps", 0), ("LOOKUP + GETATTR (req/s)", "lookup_rps", 0),
            ("UNLINK (req/s)", "unlink_rps", 0), ("WRITE 128 KiB (MB/s)", "write_mbs", 1),
            ("READ 128 KiB (MB/s)", "read_mbs", 1)]
    for title, key, nd in rows:
        cells = []
        for b in ("cnh-fs", "virtiofsd"):
            v = results.get(b, {}).get(key)
            sp = results.get(b, {}).get("spread", {}).get(key)
            cells.append("n/a" if v is None else ("%.*f [%.*f-%.*f]" % (nd, v, nd, sp[0], nd, sp[1])))
        L.append("| %s | %s |" % (title, " | ".join(cells)))
    L.append("")
    L.append("Both daemons serve a queue from one thread and copy through the host page cache; this 2-core host is shared and noisy (the spread between rounds is often 2x), so only large, repeatable gaps mean something. "
             "File-system calls per request (strace): cnh-fs makes one for a LOOKUP of an inode it already holds "
             "(`fstatat` of the name, probed in its inode table), GETATTR, UNLINK and RELEASE, and three for "
             "CREATE (`openat` O_CREAT, `openat` O_PATH, `fstat`; no fsuid/fsgid switch for a caller with the "
             "daemon's own ids); virtiofsd makes three for that LOOKUP (`openat`, `statx`, `close`), two for "
             "UNLINK and nine for CREATE (it switches credentials every time). Both add three for the "
             "transport (wait, read the kick eventfd, write the call eventfd). "
             "CREATE is dominated by the host: on this host's ext4 (no journal), allocating an inode skips "
             "every recently deleted one (`recently_deleted()` in the kernel profile), and each round "
             "deletes --files files shortly before the next daemon creates them, so CREATE rates depend "
             "on the order and age of earlier deletions more than on the daemon. "
             "Not measured: DAX, multiple queues, parallel requests.")
    L.append(END)
    bk.write_section(path, BEGIN, END, "\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--read-mb", type=int, default=512)
    ap.add_argument("--dir", default=None, help="where the shared directory is created (default /var/tmp)")
    ap.add_argument("--build-dir", default=bk.BUILD_DIR)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    ap.add_argument("--no-doc", action="store_true", help="print only, do not rewrite docs/benchmarks.md")
    ap.add_argument("--cpus", choices=("same", "split", "none"), default="same",
                    help="daemon and front-end on the same CPU (default), on two CPUs, or unpinned")
    ap.add_argument("--note", default="", help="a paragraph on this run for the text (other load on the host, what changed)")
    args = ap.parse_args()

    bench, _ = bk.build_target(args.build_dir, "tools/bench/cnh-bench-fs", required=True)
    cnhfs, _ = bk.build_target(args.build_dir, "vhost-user/fs/cnh-fs", required=True)
    load = bk.loadavg()
    tmp = tempfile.mkdtemp(prefix="cnh-bench-fs-", dir=args.dir or "/var/tmp")
    runs = {}
    try:
        shared = os.path.join(tmp, "shared")
        os.mkdir(shared)
        have_vfsd = os.access(VIRTIOFSD, os.X_OK)
        if not have_vfsd:
            log(VIRTIOFSD, "missing (Debian package qemu-system-common): virtiofsd not measured")
        for rnd in range(args.rounds):
            s1 = os.path.join(tmp, "cnh-fs-%d.sock" % rnd)
            runs.setdefault("cnh-fs", []).append(
                one("cnh-fs", [cnhfs, "--shared-dir", shared, "--tag", "bench", "--cache", "none",
                               "--socket-path", s1], s1, bench, args))
            if have_vfsd:
                s2 = os.path.join(tmp, "virtiofsd-%d.sock" % rnd)
                runs.setdefault("virtiofsd", []).append(
                    one("virtiofsd", [VIRTIOFSD, "--socket-path=" + s2, "-o", "source=" + shared,
                                      "-o", "cache=none"], s2, bench, args))
        results = {}
        for b, rs in runs.items():
            results[b] = {k: sorted(r[k] for r in rs)[len(rs) // 2]
                          for k in rs[0] if isinstance(rs[0][k], (int, float))}
            results[b]["spread"] = {k: [min(r[k] for r in rs), max(r[k] for r in rs)]
                                    for k in ("create_rps", "lookup_rps", "unlink_rps", "write_mbs", "read_mbs")}
        fstype = subprocess.run(["stat", "-f", "-c", "%T", shared], stdout=subprocess.PIPE,
                                text=True).stdout.strip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    vout = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "qemu-system-common"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    info = {"date": datetime.date.today().isoformat(), "cpu": bk.cpu_model(), "cores": "%d cores" % os.cpu_count(),
            "kernel": platform.release(), "fstype": fstype or "?", "load": load, "load_after": bk.loadavg(),
            "virtiofsd": "qemu-system-common " + (vout or "?")}
    print(json.dumps({"results": results, "info": info}))
    if not args.no_doc:
        write_doc(bk.DOC, results, info, args)
        log("wrote the fs section of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
