#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Assemble the cnh test guest's bzImage (Documentation/arch/x86/boot.rst).

    mkbzimage.py SETUP16_ELF KERNEL_ELF OUTPUT

Layout: a setup area of (setup_sects + 1) * 512 bytes holding the boot
sector, the setup header at 0x1f1, a short jump at 0x200 to the real-mode
code at SETUP16_OFF (taken from SETUP16_ELF), then the protected-mode payload:
the flattened PT_LOAD contents of KERNEL_ELF, which is linked at 0x100000 with
startup_32 at payload offset 0 and startup_64 at payload offset 0x200.

The payload is not relocatable (relocatable_kernel = 0): a loader must put
it at pref_address = code32_start = 0x100000; startup_64 checks this and
reports on COM1 if the loader did not.
"""
import struct
import sys

SETUP16_OFF = 0x280
LOAD_ADDR = 0x100000
ENTRY64_OFF = 0x200
MIN_SETUP_SECTS = 4
CMDLINE_SIZE = 4095        # the VMM's buffer is 4096 bytes with the NUL
INITRD_ADDR_MAX = 0x7fffffff
KERNEL_ALIGNMENT = 0x1000
BOOT_PROTOCOL = 0x020f
LOADFLAGS_LOADED_HIGH = 0x01
XLF_KERNEL_64 = 0x0001

PT_LOAD = 1
EM_X86_64 = 62


def flatten(path):
    """Return (base, file_bytes, mem_end, entry) of an ELF64's PT_LOADs."""
    with open(path, 'rb') as f:
        elf = f.read()
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        sys.exit(f'{path}: not a little-endian ELF64')
    (e_machine,) = struct.unpack_from('<H', elf, 18)
    (e_entry, e_phoff) = struct.unpack_from('<QQ', elf, 24)
    (e_phentsize, e_phnum) = struct.unpack_from('<HH', elf, 54)
    if e_machine != EM_X86_64:
        sys.exit(f'{path}: e_machine {e_machine} is not EM_X86_64')
    segs = []
    for i in range(e_phnum):
        (p_type, _flags, p_offset, _vaddr, p_paddr, p_filesz,
         p_memsz) = struct.unpack_from('<IIQQQQQ', elf, e_phoff + i * e_phentsize)
        if p_type == PT_LOAD and p_memsz:
            segs.append((p_paddr, elf[p_offset:p_offset + p_filesz], p_memsz))
    if not segs:
        sys.exit(f'{path}: no PT_LOAD segment')
    base = min(s[0] for s in segs)
    file_end = max(s[0] + len(s[1]) for s in segs)
    mem_end = max(s[0] + s[2] for s in segs)
    image = bytearray(file_end - base)
    for paddr, data, _ in segs:
        image[paddr - base:paddr - base + len(data)] = data
    return base, bytes(image), mem_end, e_entry


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    setup_base, setup_code, _, _ = flatten(sys.argv[1])
    kbase, payload, kmem_end, kentry = flatten(sys.argv[2])
    if setup_base != SETUP16_OFF:
        sys.exit(f'setup code linked at {setup_base:#x}, expected {SETUP16_OFF:#x}')
    if kbase != LOAD_ADDR or kentry != LOAD_ADDR + ENTRY64_OFF:
        sys.exit(f'kernel base {kbase:#x} entry {kentry:#x}: expected '
                 f'{LOAD_ADDR:#x} and startup_64 at +{ENTRY64_OFF:#x}')

    setup_len = SETUP16_OFF + len(setup_code)
    setup_sects = max(MIN_SETUP_SECTS, (setup_len + 511) // 512 - 1)
    setup = bytearray((setup_sects + 1) * 512)
    setup[SETUP16_OFF:setup_len] = setup_code

    payload += bytes(-len(payload) % 16)
    init_size = (kmem_end - kbase + 0xfff) & ~0xfff

    def put(fmt, off, val):
        struct.pack_into('<' + fmt, setup, off, val)

    put('B', 0x1f1, setup_sects)
    put('H', 0x1f2, 0)                      # root_flags
    put('I', 0x1f4, len(payload) // 16)     # syssize
    put('H', 0x1fa, 0xffff)                 # vid_mode: normal
    put('H', 0x1fe, 0xaa55)                 # boot_flag
    setup[0x200:0x202] = bytes([0xeb, SETUP16_OFF - 0x202])  # jmp short
    setup[0x202:0x206] = b'HdrS'
    put('H', 0x206, BOOT_PROTOCOL)
    put('B', 0x211, LOADFLAGS_LOADED_HIGH)
    put('I', 0x214, LOAD_ADDR)              # code32_start
    put('I', 0x22c, INITRD_ADDR_MAX)
    put('I', 0x230, KERNEL_ALIGNMENT)
    put('B', 0x234, 0)                      # relocatable_kernel
    put('B', 0x235, KERNEL_ALIGNMENT.bit_length() - 1)  # min_alignment (log2)
    put('H', 0x236, XLF_KERNEL_64)          # xloadflags
    put('I', 0x238, CMDLINE_SIZE)
    put('Q', 0x258, LOAD_ADDR)              # pref_address
    put('I', 0x260, init_size)

    with open(sys.argv[3], 'wb') as f:
        f.write(setup)
        f.write(payload)


if __name__ == '__main__':
    main()
