# SPDX-License-Identifier: Apache-2.0
"""Shared pieces for tests that boot Debian's cloud kernel with a busybox
initramfs: the fetching and the newc writer come from linux-boot.py (loaded
as a module, its behaviour unchanged); this adds kernel modules and a custom
/init.

    import guestkit
    kernel, modules_dir = guestkit.kernel_and_modules(cache)
    initrd = guestkit.build_initramfs(cache, "blk", init_script,
                                      guestkit.module_files(modules_dir, [...]))

Raises guestkit.Skip (linux-boot's) when something cannot be fetched.
"""

import glob
import gzip
import importlib.util
import lzma
import os
import shutil
import subprocess

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("cnh_linux_boot", os.path.join(_here, "linux-boot.py"))
lb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lb)

Skip = lb.Skip
Newc = lb.Newc
download_and_extract = lb.download_and_extract
verdict = lb.verdict


def kernel_and_modules(cache):
    """Debian's cloud kernel image and its lib/modules/<version> folder."""
    pkg, root, image = lb.kernel_package(cache)
    mods = sorted(glob.glob(os.path.join(root, "lib", "modules", "*")))
    if not mods:
        raise Skip(f"{pkg} contains no lib/modules")
    return image, mods[-1]


def _decompress(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".ko"):
        return data
    if path.endswith(".ko.xz"):
        return lzma.decompress(data)
    if path.endswith(".ko.gz"):
        return gzip.decompress(data)
    if path.endswith(".ko.zst"):
        if not shutil.which("zstd"):
            raise Skip("kernel modules are zstd-compressed and zstd is not installed")
        return subprocess.run(["zstd", "-dc", path], check=True,
                              stdout=subprocess.PIPE).stdout
    raise Skip(f"unknown module compression: {path}")


def module_files(modules_dir, names):
    """[(name, bytes of the uncompressed .ko)] in the order given."""
    found = {}
    for dirpath, _, files in os.walk(modules_dir):
        for f in files:
            base = f.split(".ko")[0]
            if base in names and ".ko" in f:
                found[base] = os.path.join(dirpath, f)
    missing = [n for n in names if n not in found]
    if missing:
        raise Skip(f"modules not in the kernel package: {', '.join(missing)} "
                   "(built in? then drop them from the list)")
    return [(n, _decompress(found[n])) for n in names]


def build_initramfs(cache, name, init_script, modules=()):
    """Write cache/initramfs-<name>.cpio.gz: busybox, /init, /lib/modules/*.ko."""
    c = lb.busybox_archive(cache, ("bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"))
    for mod, data in modules:
        c.file(f"lib/modules/{mod}.ko", data, 0o644)
    c.file("init", init_script.encode())
    return lb.write_initramfs(c, os.path.join(cache, f"initramfs-{name}.cpio.gz"))
