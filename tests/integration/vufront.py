# SPDX-License-Identifier: Apache-2.0
"""A minimal vhost-user front-end for tests that drive one of our daemons
without a VM: messages on a connected unix socket (fds as SCM_RIGHTS),
guest memory in one memfd of MEM bytes mapped at guest address UVA (one
region, guest physical 0), split virtqueues of QSIZE entries in it.

    fe = vufront.FrontEnd(sock, "cnh-pmem-test-mem")
    fe.send(vufront.SET_OWNER)
    fe.set_mem_table()
    vq = vufront.Vring(fe, 0, base=0x0)
    vq.setup()
    vq.desc(0, addr, length, flags); vq.submit(0); vq.wait_used()
"""
import mmap
import os
import select
import socket
import struct
import time

# Message ids (the vhost-user specification's front-end requests).
GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE = 1, 2, 3, 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL = 8, 9, 10, 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, SET_VRING_ENABLE = 15, 16, 18
SET_BACKEND_REQ_FD, GET_CONFIG = 21, 24
F_PROTOCOL = 1 << 30
F_VERSION_1 = 1 << 32

MEM = 1 << 20
UVA = 0x7f0000000000
QSIZE = 8


class FrontEnd:
    """The socket and the guest memory (mem, its memfd fd)."""

    def __init__(self, sock, memfd_name):
        self.sock = sock
        self.fd = os.memfd_create(memfd_name)
        os.ftruncate(self.fd, MEM)
        self.mem = mmap.mmap(self.fd, MEM)

    def send(self, req, payload=b"", fds=(), reply=False):
        """Send one message (version 1 flags); with reply, read the
        back-end's answer and return its payload."""
        hdr = struct.pack("<III", req, 0x1, len(payload))
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("%di" % len(fds), *fds))] if fds else []
        self.sock.sendmsg([hdr + payload], anc)
        if reply:
            h = self.sock.recv(12, socket.MSG_WAITALL)
            _, _, size = struct.unpack("<III", h)
            return self.sock.recv(size, socket.MSG_WAITALL) if size else b""
        return None

    def set_mem_table(self):
        """The whole memfd as the one region."""
        self.send(SET_MEM_TABLE, struct.pack("<II", 1, 0) + struct.pack("<QQQQ", 0, MEM, UVA, 0),
                  fds=[self.fd])


class Vring:
    """Split virtqueue idx in fe.mem: descriptor table at base, available
    ring at base + 0x1000, used ring at base + 0x2000."""

    def __init__(self, fe, idx, base, qsize=QSIZE):
        self.fe, self.idx, self.qsize = fe, idx, qsize
        self.desc_at, self.avail, self.used = base, base + 0x1000, base + 0x2000
        self.avail_idx = self.used_seen = 0
        self.call = self.kick = None

    def setup(self, enable=False):
        """NUM, ADDR, BASE, CALL and KICK (eventfds made here); with enable,
        SET_VRING_ENABLE too (only once protocol features are negotiated)."""
        fe = self.fe
        fe.send(SET_VRING_NUM, struct.pack("<II", self.idx, self.qsize))
        fe.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", self.idx, 0, UVA + self.desc_at, UVA + self.used,
                                            UVA + self.avail, 0))
        fe.send(SET_VRING_BASE, struct.pack("<II", self.idx, 0))
        self.call = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        self.kick = os.eventfd(0, os.EFD_CLOEXEC)
        fe.send(SET_VRING_CALL, struct.pack("<Q", self.idx), fds=[self.call])
        fe.send(SET_VRING_KICK, struct.pack("<Q", self.idx), fds=[self.kick])
        if enable:
            fe.send(SET_VRING_ENABLE, struct.pack("<II", self.idx, 1))

    def desc(self, i, addr, length, flags, nxt=0):
        struct.pack_into("<QIHH", self.fe.mem, self.desc_at + 16 * i, addr, length, flags, nxt)

    def submit(self, head):
        """Make the chain at head available and kick."""
        mem = self.fe.mem
        struct.pack_into("<H", mem, self.avail + 4 + 2 * (self.avail_idx % self.qsize), head)
        self.avail_idx += 1
        struct.pack_into("<H", mem, self.avail + 2, self.avail_idx & 0xffff)
        os.eventfd_write(self.kick, 1)

    def wait_used(self, timeout=5.0):
        """The next used element as (id, len), or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idx = struct.unpack_from("<H", self.fe.mem, self.used + 2)[0]
            if idx != self.used_seen:
                i = self.used_seen % self.qsize
                self.used_seen += 1
                return struct.unpack_from("<II", self.fe.mem, self.used + 4 + 8 * i)
            select.select([self.call], [], [], 0.05)
        return None
