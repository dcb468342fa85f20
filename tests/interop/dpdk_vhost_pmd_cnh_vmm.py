#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""cnh with DPDK's vhost PMD (dpdk-testpmd) as its virtio-net back-end.

usage: dpdk_vhost_pmd_cnh_vmm.py CNH GUEST_IMAGE [--fwd macswap|rxonly|io]
                                 [--extra 'cnh.net.KEY=V ...']

testpmd serves SOCK with net_vhost0 (one queue pair) and forwards in macswap
mode (every frame the guest sends comes back with the MACs swapped); cnh
boots the test guest with `--net vhost_user=true,socket=SOCK` and the
guest scenarios `pci,net`. Checks: cnh powered off cleanly, the guest's net
scenario passed, testpmd counted the guest's frames (RX-packets > 0) and,
forwarding, sent frames back to the guest (TX-packets > 0).
Exit 77 with the reason when /dev/kvm, dpdk-testpmd, root, hugepages, cnh's
--net option or the guest's net scenario are missing.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dpdk_common as dc  # noqa: E402
from peers import Checks, skip  # noqa: E402

TEST_LINE = re.compile(r"^TEST (\S+) (PASS|FAIL)\s*(.*)$")
checks = Checks()
check = checks.check


def log(msg):
    print(f"dpdk_vhost_pmd_cnh_vmm: {msg}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cnh")
    ap.add_argument("image")
    ap.add_argument("--fwd", default="macswap", choices=["macswap", "rxonly", "io"])
    ap.add_argument("--extra", default="", help="extra guest command line (cnh.net.* keys)")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()

    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return skip("/dev/kvm is not accessible")
    h = subprocess.run([a.cnh, "--help"], capture_output=True, text=True)
    if "--net" not in h.stdout + h.stderr:
        return skip("cnh has no --net option yet")
    try:
        dc.testpmd_path()
        dc.ensure_hugepages(512)
    except dc.Skip as e:
        return skip(str(e))

    tmp = tempfile.mkdtemp(prefix="cnh-dpdk-vhost-")
    sock = os.path.join(tmp, "vhost.sock")
    pmd = None
    try:
        pmd = dc.Testpmd("vhost", f"net_vhost0,iface={sock},queues=1",
                         app_args=["--nb-cores=1"], lcores="0,1")
        if not pmd.wait_for(r"testpmd>|Checking link statuses", 30) or \
                not dc.wait_for_socket(sock, pmd.proc, 10):
            check(False, "testpmd (vhost PMD) listens on " + sock)
            return 1
        pmd.cmd(f"set fwd {a.fwd}")
        pmd.cmd("start")
        time.sleep(0.5)

        mem = 128
        cmdline = (f"cnh.tests=pci,net cnh.pci=1 cnh.mem={mem << 20} cnh.cpus=1 "
                   f"cnh.time={int(time.time())} {a.extra}").strip()
        args = [a.cnh, "--kernel", a.image, "--memory", f"size={mem}M", "--cpus", "boot=1",
                "--net", f"vhost_user=true,socket={sock}", "--cmdline", cmdline]
        log("running: " + " ".join(args))
        start = time.monotonic()
        try:
            r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               errors="replace", timeout=a.timeout)
            code, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            code, out, err = -1, (e.stdout or b"").decode(errors="replace"), \
                (e.stderr or b"").decode(errors="replace")
        log(f"cnh exit {code} after {time.monotonic() - start:.1f}s")
        print("---- serial ----\n" + out + "\n---- stderr ----\n" + err, flush=True)

        results = {}
        for line in out.splitlines():
            m = TEST_LINE.match(line.strip())
            if m:
                results.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
        net = results.get("net", [])
        if any("unknown scenario" in d for _, d in net):
            return skip("the test guest has no net scenario yet (tests/guest/net.c)")
        if code != 0 and not out.strip() and ("net" in err and
                                              ("unsupported" in err or "not supported" in err)):
            return skip("cnh does not support --net yet: " + err.strip().splitlines()[-1])

        fwd = pmd.run_phase(0.1)  # stop: the counters of the whole run
        log(f"testpmd forward stats: {fwd}")
        check(code == 0, f"cnh exited 0 after power-off (got {code})")
        check("ALL TESTS DONE" in out, "guest reached the end")
        check(len(net) >= 1 and all(s == "PASS" for s, _ in net), f"guest scenario net: {net}")
        check(fwd is not None and fwd["rx"] > 0, f"testpmd counted the guest's frames ({fwd})")
        if a.fwd != "rxonly":
            check(fwd is not None and fwd["tx"] > 0,
                  f"testpmd ({a.fwd}) sent frames back to the guest ({fwd})")
        check(pmd.alive(), "testpmd survived the guest's power-off")
    finally:
        if pmd:
            pmd.quit()
    return checks.exit_status()


if __name__ == "__main__":
    sys.exit(main())
