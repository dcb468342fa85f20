#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""DPDK's virtio-user PMD (dpdk-testpmd) as the front-end driving cnh-net.

usage: dpdk_virtio_user_cnh_net.py CNH_NET [--seconds S]

cnh-net serves SOCK with a tap device (--num-queues 2). testpmd connects
with net_virtio_user0 (one queue pair by default), then
  1. txonly: the packets it sends must appear on the tap (the tap's kernel
     rx_packets counter grows, as much as testpmd says it sent at most),
     and testpmd barely kicks: cnh-net turns kicks off while it drains the
     transmit ring (VRING_USED_F_NO_NOTIFY), so testpmd's write syscalls
     (each kick is an eventfd write) stay far below one per frame;
  2. rxonly: frames transmitted into the tap from the host (AF_PACKET) must
     reach testpmd (non-zero RX-packets), again with few kicks (receive
     kicks are only wanted when cnh-net ran out of buffers);
  3. testpmd disconnects and a second testpmd connects to the same socket
     and sends again: cnh-net survived the disconnect and serves the next
     front-end.
Exit 77 with the reason when dpdk-testpmd, cnh-net, root or hugepages are
missing.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dpdk_common as dc  # noqa: E402
from peers import Checks, skip  # noqa: E402

checks = Checks()
check = checks.check


def log(msg):
    print(f"dpdk_virtio_user_cnh_net: {msg}", flush=True)


def inject_frames(tap, seconds, stop_after=None):
    """Transmit broadcast Ethernet frames on the tap from the host side (they
    go to the tap fd, i.e. to cnh-net). Returns the number sent."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((tap, 0))
    frame = (b"\xff" * 6 + b"\x02\xcc\x00\x00\x00\x01" + b"\x88\xb5" +
             b"cnh-dpdk-interop".ljust(46, b"\0"))
    sent = 0
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end and (stop_after is None or sent < stop_after):
            try:
                s.send(frame)
                sent += 1
            except OSError:
                time.sleep(0.01)  # tap queue full or carrier down: keep going
            if sent % 64 == 0:
                time.sleep(0.001)
    finally:
        s.close()
    return sent


def virtio_user(name, sock, queues):
    return dc.Testpmd(name, f"net_virtio_user0,path={sock},queues={queues},queue_size=256",
                      app_args=[f"--rxq={queues}", f"--txq={queues}", "--nb-cores=1"],
                      single_file=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cnh_net")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--num-queues", type=int, default=2,
                    help="cnh-net --num-queues (virtqueues, CH convention: 2 = one rx/tx pair)")
    ap.add_argument("--queues", type=int, default=1, help="testpmd virtio-user queue pairs")
    a = ap.parse_args()

    if not os.access(a.cnh_net, os.X_OK):
        return skip(f"{a.cnh_net} is not built yet (vhost-user/net)")
    try:
        dc.testpmd_path()
        dc.ensure_hugepages(512)
    except dc.Skip as e:
        return skip(str(e))
    if not os.path.exists("/dev/net/tun"):
        return skip("no /dev/net/tun")

    tmp = tempfile.mkdtemp(prefix="cnh-dpdk-vu-")
    sock = os.path.join(tmp, "net.sock")
    tap = f"cnhdpdk{os.getpid() % 100000}"
    net = pmd = None
    try:
        cmd = [a.cnh_net, "--socket-path", sock, "--tap", tap, "--num-queues", str(a.num_queues),
               "--queue-size", "256"]
        log("running: " + " ".join(cmd))
        net = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
        if not dc.wait_for_socket(sock, net, 10):
            check(False, f"cnh-net listens on {sock} (exit {net.poll()})")
            return 1
        end = time.monotonic() + 5
        while not os.path.exists(f"/sys/class/net/{tap}") and time.monotonic() < end:
            time.sleep(0.05)
        # The tap may only be created once a front-end connects; bring it up when it is there.

        pmd = virtio_user("vu", sock, a.queues)
        if not pmd.wait_for(r"Checking link statuses|testpmd>", 30):
            check(False, "testpmd (virtio-user) came up against cnh-net")
            return 1
        end = time.monotonic() + 5
        while not os.path.exists(f"/sys/class/net/{tap}") and time.monotonic() < end:
            time.sleep(0.05)
        check(os.path.exists(f"/sys/class/net/{tap}"), f"tap {tap} exists")
        subprocess.run(["ip", "link", "set", tap, "up"], check=False)
        time.sleep(1.0)

        # 1. testpmd -> cnh-net -> tap
        before = dc.tap_stats(tap)
        w0 = dc.write_syscalls(pmd.proc.pid)
        tx = pmd.run_phase(a.seconds, fwd="txonly")
        time.sleep(0.3)
        after = dc.tap_stats(tap)
        kicks = dc.write_syscalls(pmd.proc.pid) - w0
        got = after["rx_packets"] - before["rx_packets"]
        log(f"txonly: testpmd {tx}, tap rx_packets +{got}, testpmd write syscalls (kicks) +{kicks}")
        # One kick per frame without suppression; with it, one per time the ring ran
        # dry. 500: testpmd's own output lines.
        check(kicks <= got // 64 + 500,
              f"testpmd kicked rarely while cnh-net drained the ring ({kicks} writes for {got} frames)")
        check(tx is not None and tx["tx"] > 0, f"testpmd sent packets into cnh-net ({tx})")
        check(got > 0, f"packets from testpmd appeared on the tap (rx_packets +{got})")
        if tx is not None:
            check(got <= tx["tx"] + 100, "the tap got no more packets than testpmd sent (+100 slack for host chatter)")
        check(net.poll() is None, "cnh-net alive after txonly")

        # 2. tap -> cnh-net -> testpmd
        sent = [0]

        def during():
            time.sleep(0.5)
            sent[0] = inject_frames(tap, a.seconds, stop_after=20000)
            time.sleep(0.5)
        w0 = dc.write_syscalls(pmd.proc.pid)
        rx = pmd.run_phase(0, fwd="rxonly", during=during)
        kicks = dc.write_syscalls(pmd.proc.pid) - w0
        log(f"rxonly: injected {sent[0]} frames, testpmd {rx}, testpmd write syscalls (kicks) +{kicks}")
        check(sent[0] > 0, f"frames transmitted into the tap ({sent[0]})")
        check(rx is not None and rx["rx"] > 0, f"frames written into the tap reached testpmd ({rx})")
        if rx is not None:
            check(rx["rx"] <= sent[0] + 100, "testpmd got no more frames than injected (+100 slack)")
            # Receive kicks only matter when cnh-net ran out of buffers: off otherwise.
            check(kicks <= rx["rx"] // 16 + 500,
                  f"testpmd kicked rarely while refilling receive buffers ({kicks} writes for {rx['rx']} frames)")
        check(net.poll() is None, "cnh-net alive after rxonly")
        pmd.quit()
        pmd = None

        # 3. reconnect: cnh-net accepts the next front-end after a disconnect
        time.sleep(0.5)
        check(net.poll() is None, "cnh-net alive after testpmd disconnected")
        pmd = virtio_user("vu2", sock, a.queues)
        if not pmd.wait_for(r"Checking link statuses|testpmd>", 30):
            check(False, "a second testpmd came up against cnh-net")
        else:
            time.sleep(1.0)
            before = dc.tap_stats(tap)
            tx2 = pmd.run_phase(1.0, fwd="txonly")
            time.sleep(0.3)
            got2 = dc.tap_stats(tap)["rx_packets"] - before["rx_packets"]
            check(tx2 is not None and tx2["tx"] > 0 and got2 > 0,
                  f"second front-end: testpmd sent {tx2}, tap rx_packets +{got2}")
        pmd.quit()
        pmd = None
        time.sleep(0.3)
        check(net.poll() is None, f"cnh-net survived (exit {net.poll()})")
    finally:
        if pmd:
            pmd.quit()
        dc.kill_group(net)
        subprocess.run(["ip", "link", "del", tap], stderr=subprocess.DEVNULL, check=False)
    return checks.exit_status()


if __name__ == "__main__":
    sys.exit(main())
