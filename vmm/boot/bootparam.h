/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Wire layouts the loaders write into guest memory, written from the specs:
 * the Linux x86 boot protocol (Documentation/arch/x86/boot.rst: setup header
 * at 0x1f1 of the bzImage, struct boot_params "zero page") and the PVH boot
 * ABI (Xen public/arch-x86/hvm/start_info.h). Offsets are checked below.
 */
#ifndef CNH_VMM_BOOT_BOOTPARAM_H
#define CNH_VMM_BOOT_BOOTPARAM_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

/* --- Linux boot protocol --- */
#define BP_SETUP_HEADER_OFFSET 0x1f1
#define BP_HDRS_MAGIC 0x53726448u /* "HdrS" at 0x202 */
#define BP_BOOT_FLAG 0xaa55
#define BP_LOADED_HIGH 0x01
#define BP_KEEP_SEGMENTS 0x40
#define BP_CAN_USE_HEAP 0x80
#define BP_XLF_KERNEL_64 0x01
#define BP_XLF_CAN_BE_LOADED_ABOVE_4G 0x02
#define BP_LOADER_UNDEFINED 0xff
#define BP_E820_MAX_ZEROPAGE 128
#define BP_E820_RAM 1
#define BP_E820_RESERVED 2

struct bp_setup_header {
	uint8_t setup_sects;         /* 0x1f1 */
	uint16_t root_flags;         /* 0x1f2 */
	uint32_t syssize;            /* 0x1f4 */
	uint16_t ram_size;           /* 0x1f8 */
	uint16_t vid_mode;           /* 0x1fa */
	uint16_t root_dev;           /* 0x1fc */
	uint16_t boot_flag;          /* 0x1fe */
	uint16_t jump;               /* 0x200 */
	uint32_t header;             /* 0x202 */
	uint16_t version;            /* 0x206 */
	uint32_t realmode_swtch;     /* 0x208 */
	uint16_t start_sys_seg;      /* 0x20c */
	uint16_t kernel_version;     /* 0x20e */
	uint8_t type_of_loader;      /* 0x210 */
	uint8_t loadflags;           /* 0x211 */
	uint16_t setup_move_size;    /* 0x212 */
	uint32_t code32_start;       /* 0x214 */
	uint32_t ramdisk_image;      /* 0x218 */
	uint32_t ramdisk_size;       /* 0x21c */
	uint32_t bootsect_kludge;    /* 0x220 */
	uint16_t heap_end_ptr;       /* 0x224 */
	uint8_t ext_loader_ver;      /* 0x226 */
	uint8_t ext_loader_type;     /* 0x227 */
	uint32_t cmd_line_ptr;       /* 0x228 */
	uint32_t initrd_addr_max;    /* 0x22c */
	uint32_t kernel_alignment;   /* 0x230 */
	uint8_t relocatable_kernel;  /* 0x234 */
	uint8_t min_alignment;       /* 0x235 */
	uint16_t xloadflags;         /* 0x236 */
	uint32_t cmdline_size;       /* 0x238 */
	uint32_t hardware_subarch;   /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;     /* 0x248 */
	uint32_t payload_length;     /* 0x24c */
	uint64_t setup_data;         /* 0x250 */
	uint64_t pref_address;       /* 0x258 */
	uint32_t init_size;          /* 0x260 */
	uint32_t handover_offset;    /* 0x264 */
	uint32_t kernel_info_offset; /* 0x268 */
} __packed;

struct bp_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __packed;

/* struct boot_params: only the fields a loader writes are named. */
struct bp_boot_params {
	uint8_t pad0[0x070];
	uint64_t acpi_rsdp_addr;     /* 0x070 */
	uint8_t pad1[0x0c0 - 0x078];
	uint32_t ext_ramdisk_image;  /* 0x0c0 */
	uint32_t ext_ramdisk_size;   /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;   /* 0x0c8 */
	uint8_t pad2[0x1e8 - 0x0cc];
	uint8_t e820_entries;        /* 0x1e8 */
	uint8_t pad3[0x1ef - 0x1e9];
	uint8_t sentinel;            /* 0x1ef */
	uint8_t pad4[1];
	struct bp_setup_header hdr;  /* 0x1f1 */
	uint8_t pad5[0x2d0 - 0x1f1 - sizeof(struct bp_setup_header)];
	struct bp_e820_entry e820_table[BP_E820_MAX_ZEROPAGE]; /* 0x2d0 */
	uint8_t pad6[0x1000 - 0xcd0];
} __packed;

_Static_assert(offsetof(struct bp_setup_header, header) == 0x202 - 0x1f1, "setup header");
_Static_assert(offsetof(struct bp_setup_header, pref_address) == 0x258 - 0x1f1, "setup header");
_Static_assert(sizeof(struct bp_setup_header) == 0x26c - 0x1f1, "setup header size");
_Static_assert(sizeof(struct bp_e820_entry) == 20, "e820 entry");
_Static_assert(offsetof(struct bp_boot_params, hdr) == 0x1f1, "boot_params.hdr");
_Static_assert(offsetof(struct bp_boot_params, e820_table) == 0x2d0, "boot_params.e820");
_Static_assert(sizeof(struct bp_boot_params) == 0x1000, "boot_params size");

/* --- PVH --- */
#define PVH_START_MAGIC 0x336ec578u
#define PVH_START_VERSION 1
#define PVH_ELFNOTE_PHYS32_ENTRY 18 /* XEN_ELFNOTE_PHYS32_ENTRY */

struct pvh_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version >= 1 */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct pvh_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct pvh_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct pvh_start_info) == 56, "hvm_start_info");
_Static_assert(offsetof(struct pvh_start_info, memmap_paddr) == 40, "hvm_start_info");
_Static_assert(sizeof(struct pvh_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct pvh_memmap_entry) == 24, "hvm_memmap_table_entry");

#endif
