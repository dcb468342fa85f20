/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 guest-physical memory map and legacy I/O ports of a cnh VM.
 * One place for every fixed address; boot, ACPI, devices and the test guest's
 * expectations all follow it.
 *
 *   0x0000_0000  RAM (real-mode IVT/BDA; boot structures below)
 *   0x0000_0500    boot GDT (64-bit entry)
 *   0x0000_0520    boot IDT (empty)
 *   0x0000_6000    PVH hvm_start_info, e820 table right after it
 *   0x0000_7000    Linux zero page (struct boot_params)
 *   0x0000_9000    boot page tables: PML4, PDPT at 0xa000, 4 PDs 0xb000..0xefff
 *                  (identity map of the first 4 GiB with 2 MiB pages)
 *   0x0002_0000    kernel command line (CMDLINE_MAX bytes)
 *   0x0009_fc00  EBDA (reserved)
 *   0x000e_0000  ACPI: RSDP, then the tables, up to 0x0010_0000 (reserved)
 *   0x0010_0000  high RAM: kernels load here or at their preferred address
 *   ...          RAM up to min(size, 3 GiB)
 *   0xc000_0000  32-bit PCI hole: MMIO window for 32-bit BARs (512 MiB)
 *   0xe000_0000  PCI ECAM, 256 buses (256 MiB), reserved in e820
 *   0xfeb0_0000  ACPI GED registers
 *   0xfec0_0000  IOAPIC
 *   0xfee0_0000  LAPIC
 *   0x1_0000_0000 RAM continues above 4 GiB (size - 3 GiB)
 *   max(RAM end rounded up to 1 GiB, 64 GiB): 64-bit PCI MMIO window (64 GiB)
 */
#ifndef CNH_VMM_LAYOUT_H
#define CNH_VMM_LAYOUT_H

#include "common/util.h"

#define LAYOUT_BOOT_GDT 0x500ULL
#define LAYOUT_BOOT_IDT 0x520ULL
#define LAYOUT_PVH_INFO 0x6000ULL
#define LAYOUT_ZERO_PAGE 0x7000ULL
#define LAYOUT_BOOT_STACK 0x8ff0ULL
#define LAYOUT_PML4 0x9000ULL
#define LAYOUT_PDPT 0xa000ULL
#define LAYOUT_PD 0xb000ULL /* 4 pages */
#define LAYOUT_CMDLINE 0x20000ULL
#define LAYOUT_CMDLINE_MAX 4096ULL
#define LAYOUT_EBDA_START 0x9fc00ULL
#define LAYOUT_ACPI_START 0xe0000ULL /* RSDP here, tables after it */
#define LAYOUT_ACPI_END 0x100000ULL
#define LAYOUT_HIGH_RAM_START 0x100000ULL

#define LAYOUT_PCI_HOLE_START 0xc0000000ULL
#define LAYOUT_PCI_HOLE_END 0x100000000ULL
#define LAYOUT_PCI_MMIO32_START 0xc0000000ULL
#define LAYOUT_PCI_MMIO32_SIZE 0x20000000ULL
#define LAYOUT_PCI_ECAM_START 0xe0000000ULL
#define LAYOUT_PCI_ECAM_SIZE 0x10000000ULL
#define LAYOUT_GED_START 0xfeb00000ULL
#define LAYOUT_GED_SIZE 0x10ULL
#define LAYOUT_IOAPIC_START 0xfec00000ULL
#define LAYOUT_LAPIC_START 0xfee00000ULL
#define LAYOUT_RAM_64BIT_START 0x100000000ULL

/*
 * 64-bit BARs: a 64 GiB window from 64 GiB, or from the end of RAM rounded up
 * to 1 GiB when RAM reaches past 64 GiB. It ends at or above 128 GiB, inside
 * the 39 physical address bits of any x86_64 host cnh targets.
 */
#define LAYOUT_PCI_MMIO64_MIN_START 0x1000000000ULL
#define LAYOUT_PCI_MMIO64_SIZE 0x1000000000ULL

static inline uint64_t layout_pci_mmio64_start(uint64_t ram_end)
{
	return MAX(ALIGN_UP(ram_end, GiB(1)), LAYOUT_PCI_MMIO64_MIN_START);
}

/* KVM's TSS (3 pages) and identity-map page just below the IOAPIC. */
#define LAYOUT_KVM_TSS 0xfeffd000ULL
#define LAYOUT_KVM_IDENTITY_MAP 0xfeffc000ULL

/* Legacy I/O ports and GSIs. */
#define PORT_SERIAL_COM1 0x3f8
#define PORT_SERIAL_LEN 8
#define IRQ_SERIAL_COM1 4
#define PORT_RTC 0x70
#define PORT_RTC_LEN 2
#define IRQ_RTC 8
#define PORT_I8042_DATA 0x60
#define PORT_I8042_CMD 0x64
#define PORT_PCI_CONFIG 0xcf8 /* CONFIG_ADDRESS 0xcf8, CONFIG_DATA 0xcfc-0xcff */
#define PORT_PCI_CONFIG_LEN 8
#define PORT_POST 0x80 /* boot progress / timestamps; writes are recorded, not errors */

/*
 * ACPI hardware-reduced registers (FADT): sleep control at +0, sleep status
 * at +1, reset register at +2 (write ACPI_RESET_VALUE).
 */
#define PORT_ACPI_PM 0x600
#define PORT_ACPI_PM_LEN 4
#define ACPI_PM_SLEEP_CONTROL 0
#define ACPI_PM_SLEEP_STATUS 1
#define ACPI_PM_RESET 2
#define ACPI_RESET_VALUE 0x01
#define ACPI_SLP_TYP_S5 5 /* value in \_S5 and in SLP_TYP for power-off */
#define IRQ_GED 5

#define LAYOUT_MAX_VCPUS 254

#endif
