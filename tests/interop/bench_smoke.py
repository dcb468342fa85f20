#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Smoke test of the block benchmark harness (suite 'interop').

Runs cnh-bench-blk in verify mode for about a second against
qemu-storage-daemon and, when built, against cnh-blk (spawned with --fd):
two queues, a pattern written and read back through the virtqueues. Then the
host file is checked word by word against the same pattern. Asserts data
integrity and a non-zero I/O count; never a timing threshold.
Exits 77 with the reason when no back-end can be run.

usage: bench_smoke.py --bench EXE [--cnh-blk EXE]
"""
import argparse
import array
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SIZE = 4 << 20  # bytes verified
FILE_SIZE = 16 << 20
MASK = (1 << 64) - 1


def pattern_ok(path, seed):
    """The harness's pattern: u64 at byte offset o is (o * 0x9E3779B97F4A7C15) ^ seed."""
    words = array.array("Q")
    with open(path, "rb") as f:
        words.frombytes(f.read(SIZE))
    if sys.byteorder != "little":
        words.byteswap()
    for i, w in enumerate(words):
        if w != ((i * 8 * 0x9E3779B97F4A7C15) & MASK) ^ seed:
            return f"host file differs at byte {i * 8}: {w:#x}"
    return None


def run_bench(bench, target, seed):
    cmd = [bench] + target[0] + ["--rw", "verify", "--runtime", "1", "--size", str(SIZE),
                                 "--queues", "2", "--queue-size", "128", "--iodepth", "4",
                                 "--seed", str(seed)] + target[1]
    print("$", " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)
    sys.stdout.write(r.stdout)
    sys.stdout.write(r.stderr)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if not lines:
        return None, f"no JSON result (exit {r.returncode})"
    j = json.loads(lines[-1])
    if r.returncode != 0:
        return j, f"exit status {r.returncode}"
    return j, None


def check_result(j, path, seed):
    if j["error"]:
        return "a queue failed"
    if j["ios"] <= 0:
        return "no I/O completed"
    if j["io_errors"] != 0:
        return f"{j['io_errors']} I/O errors"
    if j["verify_errors"] != 0:
        return f"{j['verify_errors']} blocks read back wrong"
    if j["verify_seed"] != seed or j["verify_size"] != SIZE:
        return "verify parameters not echoed"
    return pattern_ok(path, seed)


def make_file(path):
    with open(path, "wb") as f:
        f.write(os.urandom(FILE_SIZE))


def qsd_case(bench, tmp):
    qsd = shutil.which("qemu-storage-daemon")
    if not qsd:
        return "skip", "qemu-storage-daemon not installed (Debian package qemu-system-common)"
    path = os.path.join(tmp, "qsd.img")
    sock = os.path.join(tmp, "qsd.sock")
    make_file(path)
    seed = random.randrange(1, 1 << 63)
    proc = subprocess.Popen([qsd, "--blockdev", f"driver=file,node-name=d0,filename={path}",
                             "--export", "type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,"
                             f"addr.path={sock},writable=on,num-queues=2"],
                            stdin=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock) or proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is not None:
            return "fail", f"qemu-storage-daemon exited {proc.returncode}"
        j, err = run_bench(bench, (["--socket", sock], []), seed)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    if err:
        return "fail", err
    err = check_result(j, path, seed)
    return ("fail", err) if err else ("pass", f"{j['ios']} I/Os verified")


def cnh_blk_case(bench, blk, tmp):
    if not blk or not os.path.exists(blk):
        return "skip", "cnh-blk not built"
    path = os.path.join(tmp, "cnh.img")
    make_file(path)
    seed = random.randrange(1, 1 << 63)
    j, err = run_bench(bench, (["--spawn"], ["--", blk, "--fd={fd}", "--path", path,
                                             "--num-queues", "2"]), seed)
    if err:
        return "fail", err
    err = check_result(j, path, seed)
    return ("fail", err) if err else ("pass", f"{j['ios']} I/Os verified")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", required=True)
    ap.add_argument("--cnh-blk")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cnh-bench-smoke-")
    try:
        results = {"qemu-storage-daemon": qsd_case(a.bench, tmp),
                   "cnh-blk": cnh_blk_case(a.bench, a.cnh_blk, tmp)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for name, (st, why) in results.items():
        counts[st] += 1
        print(f"{st.upper()}: bench-smoke {name}: {why}")
    if counts["pass"] == 0 and counts["fail"] == 0:
        print("SKIP: no back-end to run: " + "; ".join(w for _, w in results.values()))
        return 77
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
