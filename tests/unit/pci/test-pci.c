/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/layout.h"
#include "vmm/pci/pci.h"

#define ECAM LAYOUT_PCI_ECAM_START
#define MMIO64 GiB(64)

static struct bus mmio, pio;
static struct pci_root *root;

struct tdev {
	struct pci_dev pdev;
	unsigned int reads, writes;
	uint64_t last_off;
	unsigned int last_bar;
	uint32_t last_val;
	unsigned int remaps;
	uint64_t remap_addr;
	bool remap_mapped;
};

static struct tdev td;

static void td_bar_read(struct pci_dev *pdev, unsigned int bar, uint64_t off, void *data,
			unsigned int size)
{
	struct tdev *t = container_of(pdev, struct tdev, pdev);
	uint32_t v = 0xabcd0000u | (uint32_t)off;

	t->reads++;
	t->last_bar = bar;
	t->last_off = off;
	memcpy(data, &v, MIN(size, 4u));
}

static void td_bar_write(struct pci_dev *pdev, unsigned int bar, uint64_t off, const void *data,
			 unsigned int size)
{
	struct tdev *t = container_of(pdev, struct tdev, pdev);

	t->writes++;
	t->last_bar = bar;
	t->last_off = off;
	t->last_val = 0;
	memcpy(&t->last_val, data, MIN(size, 4u));
}

static void td_remap(struct pci_dev *pdev, unsigned int bar, uint64_t addr, bool mapped)
{
	struct tdev *t = container_of(pdev, struct tdev, pdev);

	if (bar != 2)
		return;
	t->remaps++;
	t->remap_addr = addr;
	t->remap_mapped = mapped;
}

static const struct pci_dev_ops td_ops = {
	.name = "test",
	.bar_read = td_bar_read,
	.bar_write = td_bar_write,
	.bar_remap = td_remap,
};

static void setup(void)
{
	struct pci_root_config cfg = {
		.ecam_base = ECAM,
		.ecam_size = LAYOUT_PCI_ECAM_SIZE,
		.pio_base = PORT_PCI_CONFIG,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
		.mmio64_base = MMIO64,
		.mmio64_size = LAYOUT_PCI_MMIO64_SIZE,
	};

	bus_init(&mmio, "mmio");
	bus_init(&pio, "pio");
	cr_assert_eq(pci_root_new(&cfg, &root), 0);
	cr_assert_eq(pci_root_attach(root, &mmio, &pio), 0);
	memset(&td, 0, sizeof(td));
	pci_dev_init(&td.pdev, &td_ops, 0x1234, 0x5678, 0xff0000, 7, 0x1af4, 0x42);
	cr_assert_eq(pci_dev_add_bar(&td.pdev, 0, PCI_BAR_MEM32, KiB(4), false), 0);
	cr_assert_eq(pci_dev_add_bar(&td.pdev, 2, PCI_BAR_MEM64, KiB(64), true), 0);
	cr_assert_eq(pci_root_add(root, &td.pdev, 3), 0);
}

static void teardown(void)
{
	pci_root_remove(root, &td.pdev);
	pci_root_free(root);
	cr_assert_eq(mmio.n, 0, "detach left ranges on the MMIO bus");
	cr_assert_eq(pio.n, 0);
	bus_fini(&mmio);
	bus_fini(&pio);
}

static uint32_t ecam_rd(unsigned int slot, uint32_t reg, unsigned int size)
{
	uint32_t v = 0;

	bus_read(&mmio, ECAM + ((uint64_t)slot << 15) + reg, &v, size);
	return v;
}

static void ecam_wr(unsigned int slot, uint32_t reg, uint32_t v, unsigned int size)
{
	bus_write(&mmio, ECAM + ((uint64_t)slot << 15) + reg, &v, size);
}

static void cf8_wr(uint32_t v)
{
	bus_write(&pio, PORT_PCI_CONFIG, &v, 4);
}

static uint32_t cfc_rd(unsigned int byte, unsigned int size)
{
	uint32_t v = 0;

	bus_read(&pio, PORT_PCI_CONFIG + 4 + byte, &v, size);
	return v;
}

TestSuite(pci, .init = setup, .fini = teardown);

Test(pci, host_bridge_via_ecam)
{
	cr_assert_eq(ecam_rd(0, PCI_VENDOR_ID, 4), 0x0d578086);
	cr_assert_eq(ecam_rd(0, PCI_REVISION_ID, 4) >> 8, 0x060000);
	cr_assert_eq(ecam_rd(0, PCI_HEADER_TYPE, 1), 0);
	cr_assert_eq(ecam_rd(0, PCI_DEVICE_ID, 2), 0x0d57);
	cr_assert_eq(ecam_rd(0, PCI_VENDOR_ID + 1, 1), 0x80);
	/* Read-only ids. */
	ecam_wr(0, PCI_VENDOR_ID, 0, 4);
	cr_assert_eq(ecam_rd(0, PCI_VENDOR_ID, 4), 0x0d578086);
}

Test(pci, unpopulated_reads_ones)
{
	cr_assert_eq(ecam_rd(5, 0, 4), 0xffffffff);
	cr_assert_eq(ecam_rd(31, 0, 2), 0xffff);
	/* function 1 of the bridge, bus 1 */
	cr_assert_eq(ecam_rd(0, 1 << 12, 4), 0xffffffff);
	cr_assert_eq((uint32_t)({ uint32_t v; bus_read(&mmio, ECAM + (1 << 20), &v, 4); v; }), 0xffffffff);
	/* misaligned access */
	cr_assert_eq(ecam_rd(0, 1, 2), 0xffff);
	/* the test device's ids */
	cr_assert_eq(ecam_rd(3, 0, 4), 0x56781234);
	cr_assert_eq(ecam_rd(3, PCI_SUBSYSTEM_ID, 2), 0x42);
}

Test(pci, cf8_mechanism)
{
	cf8_wr(0x80000000);
	cr_assert_eq(({ uint32_t v; bus_read(&pio, PORT_PCI_CONFIG, &v, 4); v; }), 0x80000000);
	cr_assert_eq(cfc_rd(0, 4), 0x0d578086);
	cr_assert_eq(cfc_rd(2, 2), 0x0d57);
	cr_assert_eq(cfc_rd(1, 1), 0x80);
	cr_assert_eq(cfc_rd(3, 1), 0x0d);
	/* class dword */
	cf8_wr(0x80000000 | PCI_REVISION_ID);
	cr_assert_eq(cfc_rd(0, 4) >> 8, 0x060000);
	/* slot 3 via the device field, word write to the command register at 0xcfc */
	cf8_wr(0x80000000 | 3 << 11 | PCI_COMMAND);
	cr_assert_eq(cfc_rd(0, 2), 0);
	bus_write(&pio, PORT_PCI_CONFIG + 4, &(uint16_t){ PCI_COMMAND_MEMORY }, 2);
	cr_assert_eq(ecam_rd(3, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	/* enable bit clear: nothing decoded */
	cf8_wr(0x00000000);
	cr_assert_eq(cfc_rd(0, 4), 0xffffffff);
	/* byte writes to 0xcf9 leave CONFIG_ADDRESS alone */
	cf8_wr(0x80000000);
	bus_write(&pio, PORT_PCI_CONFIG + 1, &(uint8_t){ 0x06 }, 1);
	cr_assert_eq(cfc_rd(0, 4), 0x0d578086);
	/* unpopulated slot and another bus */
	cf8_wr(0x80000000 | 9 << 11);
	cr_assert_eq(cfc_rd(0, 4), 0xffffffff);
	cf8_wr(0x80010000);
	cr_assert_eq(cfc_rd(0, 4), 0xffffffff);
	/* an access crossing the data dword */
	cf8_wr(0x80000000);
	cr_assert_eq(cfc_rd(3, 2), 0xffff);
}

Test(pci, bar_allocation_and_sizing)
{
	uint32_t b0 = ecam_rd(3, PCI_BAR0, 4);
	uint64_t b2 = ecam_rd(3, PCI_BAR0 + 8, 4) | (uint64_t)ecam_rd(3, PCI_BAR0 + 12, 4) << 32;

	cr_assert_eq(b0 & 0xf, 0, "32-bit non-prefetchable memory BAR");
	cr_assert(b0 >= LAYOUT_PCI_MMIO32_START && b0 < LAYOUT_PCI_MMIO32_START + LAYOUT_PCI_MMIO32_SIZE);
	cr_assert_eq(b2 & 0xf, PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH);
	cr_assert_eq(b2 & ~0xfull, MMIO64, "64-bit BAR from the 64-bit window");
	/* sizing */
	ecam_wr(3, PCI_BAR0, 0xffffffff, 4);
	cr_assert_eq(ecam_rd(3, PCI_BAR0, 4), 0xfffff000);
	ecam_wr(3, PCI_BAR0, b0, 4);
	cr_assert_eq(ecam_rd(3, PCI_BAR0, 4), b0);
	ecam_wr(3, PCI_BAR0 + 8, 0xffffffff, 4);
	ecam_wr(3, PCI_BAR0 + 12, 0xffffffff, 4);
	cr_assert_eq(ecam_rd(3, PCI_BAR0 + 8, 4), 0xffff000c);
	cr_assert_eq(ecam_rd(3, PCI_BAR0 + 12, 4), 0xffffffff);
	/* unused BARs read 0 and stay 0 */
	ecam_wr(3, PCI_BAR0 + 4 * 4, 0xffffffff, 4);
	cr_assert_eq(ecam_rd(3, PCI_BAR0 + 4 * 4, 4), 0);
	/* no expansion ROM */
	ecam_wr(3, 0x30, 0xffffffff, 4);
	cr_assert_eq(ecam_rd(3, 0x30, 4), 0);
}

Test(pci, memory_enable_and_relocation)
{
	uint32_t b0 = ecam_rd(3, PCI_BAR0, 4);
	uint64_t b2 = MMIO64;
	uint32_t v = 0;

	/* not decoded until memory enable */
	bus_read(&mmio, b0 + 0x10, &v, 4);
	cr_assert_eq(v, 0xffffffff);
	cr_assert_eq(td.reads, 0);
	ecam_wr(3, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
	bus_read(&mmio, b0 + 0x10, &v, 4);
	cr_assert_eq(v, 0xabcd0010);
	cr_assert_eq(td.last_bar, 0);
	cr_assert_eq(td.remaps, 1);
	cr_assert(td.remap_mapped);
	cr_assert_eq(td.remap_addr, b2);
	bus_write(&mmio, b2 + 0x20, &(uint32_t){ 0x55 }, 4);
	cr_assert_eq(td.last_bar, 2);
	cr_assert_eq(td.last_off, 0x20);
	cr_assert_eq(td.last_val, 0x55);

	/* move BAR 2 to 64 GiB + 1 MiB: the high dword first, as Linux does it */
	ecam_wr(3, PCI_BAR0 + 12, (uint32_t)((b2 + MiB(1)) >> 32), 4);
	ecam_wr(3, PCI_BAR0 + 8, (uint32_t)(b2 + MiB(1)), 4);
	cr_assert(td.remap_mapped);
	cr_assert_eq(td.remap_addr, b2 + MiB(1));
	td.writes = 0;
	bus_write(&mmio, b2 + 0x20, &(uint32_t){ 1 }, 4);
	cr_assert_eq(td.writes, 0, "old address must not decode");
	bus_write(&mmio, b2 + MiB(1) + 0x24, &(uint32_t){ 2 }, 4);
	cr_assert_eq(td.writes, 1);
	cr_assert_eq(td.last_off, 0x24);

	/* a 64-bit BAR may also move below 4 GiB */
	ecam_wr(3, PCI_BAR0 + 12, 0, 4);
	ecam_wr(3, PCI_BAR0 + 8, (uint32_t)(LAYOUT_PCI_MMIO32_START + MiB(16)), 4);
	bus_read(&mmio, LAYOUT_PCI_MMIO32_START + MiB(16) + 8, &v, 4);
	cr_assert_eq(v, 0xabcd0008);
	cr_assert_eq(td.last_bar, 2);

	/* outside the windows (over RAM): not decoded */
	ecam_wr(3, PCI_BAR0, 0x100000, 4);
	td.reads = 0;
	bus_read(&mmio, 0x100000, &v, 4);
	cr_assert_eq(td.reads, 0);

	/* memory disable unmaps */
	ecam_wr(3, PCI_COMMAND, 0, 2);
	cr_assert(!td.remap_mapped);
	bus_read(&mmio, LAYOUT_PCI_MMIO32_START + MiB(16) + 8, &v, 4);
	cr_assert_eq(v, 0xffffffff);
}

Test(pci, capability_list)
{
	struct pci_dev d;
	uint8_t a[8] = { 0x09, 0xee, 8, 1 }, b[12] = { 0x11, 0xee, 0, 0 };
	uint8_t off_a, off_b, ptr, ids[4], n = 0;

	pci_dev_init(&d, &td_ops, 1, 2, 0, 0, 0, 0);
	cr_assert_eq(pci_cfg_get(&d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	cr_assert_eq(pci_dev_add_cap(&d, a, sizeof(a), &off_a), 0);
	cr_assert_eq(pci_dev_add_cap(&d, b, sizeof(b), &off_b), 0);
	cr_assert(pci_cfg_get(&d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	cr_assert_eq(off_a, PCI_CAP_START);
	cr_assert_eq(off_b % 4, 0);
	cr_assert_geq(off_b, off_a + sizeof(a));
	for (ptr = (uint8_t)pci_cfg_get(&d, PCI_CAPABILITY_LIST, 1); ptr && n < 4;
	     ptr = (uint8_t)pci_cfg_get(&d, ptr + 1, 1))
		ids[n++] = (uint8_t)pci_cfg_get(&d, ptr, 1);
	cr_assert_eq(n, 2);
	cr_assert_eq(ids[0], 0x09);
	cr_assert_eq(ids[1], 0x11);
	cr_assert_eq(pci_cfg_get(&d, off_a + 2, 2), 0x0108, "payload kept");
	/* capabilities stay inside the first 256 bytes */
	for (unsigned int i = 0; i < 20; i++)
		if (pci_dev_add_cap(&d, b, sizeof(b), NULL) < 0)
			break;
	cr_assert_lt(d.cap_end, 256);
	cr_assert_eq(pci_dev_add_cap(&d, b, sizeof(b), NULL), -ENOSPC);
}

Test(pci, slot_checks)
{
	struct pci_dev d;

	pci_dev_init(&d, &td_ops, 1, 2, 0, 0, 0, 0);
	cr_assert_eq(pci_root_add(root, &d, 3), -EBUSY);
	cr_assert_eq(pci_root_add(root, &d, 0), -EINVAL);
	cr_assert_eq(pci_root_add(root, &d, 32), -EINVAL);
	cr_assert_eq(pci_dev_add_bar(&d, 0, PCI_BAR_MEM32, 100, false), -EINVAL);
	cr_assert_eq(pci_dev_add_bar(&d, 5, PCI_BAR_MEM64, KiB(4), false), -EINVAL);
	cr_assert_eq(pci_dev_add_bar(&d, 0, PCI_BAR_MEM64, KiB(4), false), 0);
	cr_assert_eq(pci_dev_add_bar(&d, 1, PCI_BAR_MEM32, KiB(4), false), -EBUSY);
}
