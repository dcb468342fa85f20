# SPDX-License-Identifier: Apache-2.0
"""Host side of the test guest's `blk` scenario: the pattern it writes.

Byte i (0..511) of 512-byte sector s is (seed + 31*s + 7*i + (i >> 8)) & 0xff.
The guest writes sectors 0..7 and capacity-8..capacity-1, where capacity is
the disk size in 512-byte sectors (cnh.blk.seed=<seed>, default 0).

    from blk_pattern import check_image
    err = check_image("/tmp/disk.img", seed=7)   # None when the pattern is there
"""

import os
import sys

SECTOR = 512
PATTERN_SECTORS = 8


def sector_bytes(seed: int, sector: int) -> bytes:
    """The 512 bytes the guest writes to this sector for this seed."""
    base = seed + 31 * sector
    return bytes((base + 7 * i + (i >> 8)) & 0xFF for i in range(SECTOR))


def pattern_sectors(capacity: int) -> list:
    """Sector numbers the guest writes on a disk of `capacity` sectors."""
    if capacity < 2 * PATTERN_SECTORS:
        raise ValueError(f"capacity {capacity} sectors is below {2 * PATTERN_SECTORS}")
    return list(range(PATTERN_SECTORS)) + list(range(capacity - PATTERN_SECTORS, capacity))


def check_image(path: str, seed: int, capacity: int = None):
    """None if `path` holds the pattern for `seed`, else a one-line reason.

    capacity defaults to the file size in sectors (what cnh's disk reports).
    """
    if capacity is None:
        capacity = os.path.getsize(path) // SECTOR
    with open(path, "rb") as f:
        for s in pattern_sectors(capacity):
            f.seek(s * SECTOR)
            got = f.read(SECTOR)
            want = sector_bytes(seed, s)
            if got != want:
                if len(got) != SECTOR:
                    return f"sector {s}: short read ({len(got)} bytes)"
                i = next(i for i in range(SECTOR) if got[i] != want[i])
                return f"sector {s} byte {i}: 0x{got[i]:02x}, expected 0x{want[i]:02x}"
    return None


def holds_no_pattern(path: str, seed: int, capacity: int = None) -> bool:
    """True if none of the pattern sectors hold the pattern (read-only runs)."""
    if capacity is None:
        capacity = os.path.getsize(path) // SECTOR
    with open(path, "rb") as f:
        for s in pattern_sectors(capacity):
            f.seek(s * SECTOR)
            if f.read(SECTOR) == sector_bytes(seed, s):
                return False
    return True


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(f"usage: {sys.argv[0]} IMAGE SEED [CAPACITY_SECTORS]")
    reason = check_image(sys.argv[1], int(sys.argv[2], 0),
                         int(sys.argv[3], 0) if len(sys.argv) == 4 else None)
    if reason:
        sys.exit(f"pattern mismatch: {reason}")
    print("pattern ok")
