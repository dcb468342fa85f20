/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <string.h>

#include "fake_hv.h"
#include "vmm/layout.h"
#include "vmm/pci/msix.h"

#define SLOT 2
#define NVEC 4
#define PBA_OFF 0x2000

static struct bus mmio, pio;
static struct pci_root *root;
static struct fake_hv hv;

struct mdev {
	struct pci_dev pdev;
	struct msix msix;
};

static struct mdev md;
static uint64_t bar;

static void md_bar_read(struct pci_dev *pdev, unsigned int b, uint64_t off, void *data,
			unsigned int size)
{
	struct mdev *m = container_of(pdev, struct mdev, pdev);

	if (off >= PBA_OFF)
		msix_pba_read(&m->msix, (uint32_t)(off - PBA_OFF), data, size);
	else
		msix_table_read(&m->msix, (uint32_t)off, data, size);
}

static void md_bar_write(struct pci_dev *pdev, unsigned int b, uint64_t off, const void *data,
			 unsigned int size)
{
	struct mdev *m = container_of(pdev, struct mdev, pdev);

	if (off < PBA_OFF)
		msix_table_write(&m->msix, (uint32_t)off, data, size);
}

static void md_cfg_written(struct pci_dev *pdev, uint32_t off, uint32_t size)
{
	msix_config_written(&container_of(pdev, struct mdev, pdev)->msix, off, size);
}

static const struct pci_dev_ops md_ops = {
	.name = "msix-test",
	.bar_read = md_bar_read,
	.bar_write = md_bar_write,
	.config_written = md_cfg_written,
};

static void setup(void)
{
	struct pci_root_config cfg = {
		.ecam_base = LAYOUT_PCI_ECAM_START,
		.ecam_size = LAYOUT_PCI_ECAM_SIZE,
		.pio_base = PORT_PCI_CONFIG,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
	};

	bus_init(&mmio, "mmio");
	bus_init(&pio, "pio");
	fake_hv_init(&hv);
	cr_assert_eq(pci_root_new(&cfg, &root), 0);
	cr_assert_eq(pci_root_attach(root, &mmio, &pio), 0);
	pci_dev_init(&md.pdev, &md_ops, 0x1234, 1, 0xff0000, 0, 0, 0);
	cr_assert_eq(pci_dev_add_bar(&md.pdev, 0, PCI_BAR_MEM32, KiB(16), false), 0);
	cr_assert_eq(msix_init(&md.msix, &md.pdev, &hv.hv, NVEC, 0, 0, PBA_OFF), 0);
	cr_assert_eq(pci_root_add(root, &md.pdev, SLOT), 0);
	bar = pci_dev_bar_addr(&md.pdev, 0);
	pci_root_cfg_write(root, SLOT << 15 | PCI_COMMAND, &(uint16_t){ PCI_COMMAND_MEMORY }, 2);
}

static void teardown(void)
{
	pci_root_remove(root, &md.pdev);
	msix_fini(&md.msix);
	pci_root_free(root);
	bus_fini(&mmio);
	bus_fini(&pio);
}

TestSuite(msix, .init = setup, .fini = teardown);

static void ctrl_write(uint16_t v)
{
	pci_root_cfg_write(root, SLOT << 15 | (md.msix.cap + 2), &v, 2);
}

static uint16_t ctrl_read(void)
{
	uint16_t v;

	pci_root_cfg_read(root, SLOT << 15 | (md.msix.cap + 2), &v, 2);
	return v;
}

static void entry_write(unsigned int v, uint64_t addr, uint32_t data, uint32_t ctrl)
{
	uint64_t e = bar + v * 16;

	bus_write(&mmio, e, &addr, 8);
	bus_write(&mmio, e + 8, &data, 4);
	bus_write(&mmio, e + 12, &ctrl, 4);
}

static uint64_t pba(void)
{
	uint64_t v = 0;

	bus_read(&mmio, bar + PBA_OFF, &v, 8);
	return v;
}

static void signal_fd(int fd)
{
	cr_assert_eq(write(fd, &(uint64_t){ 1 }, 8), 8);
}

Test(msix, capability)
{
	uint32_t table, pbar;

	cr_assert_eq(pci_cfg_get(&md.pdev, md.msix.cap, 1), PCI_CAP_ID_MSIX);
	cr_assert_eq(ctrl_read(), NVEC - 1, "table size N-1, disabled, unmasked");
	pci_root_cfg_read(root, SLOT << 15 | (md.msix.cap + 4), &table, 4);
	pci_root_cfg_read(root, SLOT << 15 | (md.msix.cap + 8), &pbar, 4);
	cr_assert_eq(table, 0);
	cr_assert_eq(pbar, PBA_OFF);
	/* only enable and function mask are writable */
	ctrl_write(0xffff);
	cr_assert_eq(ctrl_read(), MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK | (NVEC - 1));
	cr_assert(md.msix.enabled && md.msix.fmask);
}

Test(msix, table_entries)
{
	uint32_t v;

	/* power-on: every vector masked */
	bus_read(&mmio, bar + 12, &v, 4);
	cr_assert_eq(v, 1);
	entry_write(1, 0xfee01003, 0x4041, 0xfffffffe);
	bus_read(&mmio, bar + 16, &v, 4);
	cr_assert_eq(v, 0xfee01000, "address low bits are reserved");
	bus_read(&mmio, bar + 24, &v, 4);
	cr_assert_eq(v, 0x4041);
	bus_read(&mmio, bar + 28, &v, 4);
	cr_assert_eq(v, 0, "reserved control bits read 0");
	/* byte access */
	bus_write(&mmio, bar + 24, &(uint8_t){ 0x99 }, 1);
	bus_read(&mmio, bar + 24, &v, 4);
	cr_assert_eq(v, 0x4099);
	/* past the table */
	bus_read(&mmio, bar + NVEC * 16, &v, 4);
	cr_assert_eq(v, 0xffffffff);
	bus_write(&mmio, bar + NVEC * 16 - 2, &(uint32_t){ 0 }, 4);
}

Test(msix, delivery_and_masks)
{
	int fd = msix_vector_fd(&md.msix, 0);
	struct fake_route *r;

	cr_assert_geq(fd, 0);
	cr_assert_eq(msix_vector_fd(&md.msix, NVEC), -1);
	entry_write(0, 0xfee00000, 0x31, 0);
	cr_assert_null(fake_hv_route_of_fd(&hv, fd), "MSI-X disabled: no irqfd");
	ctrl_write(MSIX_CTRL_ENABLE);
	r = fake_hv_route_of_fd(&hv, fd);
	cr_assert_not_null(r, "enabled and unmasked: irqfd bound");
	cr_assert(r->routed);
	cr_assert_eq(r->addr, 0xfee00000);
	cr_assert_eq(r->data, 0x31);
	cr_assert_eq(pba(), 0);

	/* retarget while unmasked: the route follows */
	bus_write(&mmio, bar + 8, &(uint32_t){ 0x32 }, 4);
	cr_assert_eq(r->data, 0x32);

	/* function mask: irqfd unbound, a signal becomes pending, unmask delivers it once */
	ctrl_write(MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	cr_assert_null(fake_hv_route_of_fd(&hv, fd));
	signal_fd(fd);
	cr_assert_eq(pba(), 1);
	ctrl_write(MSIX_CTRL_ENABLE);
	cr_assert_eq(fake_hv_route_of_fd(&hv, fd), r);
	cr_assert_eq(fake_hv_injected(r), 1);
	cr_assert_eq(pba(), 0);

	/* per-vector mask */
	bus_write(&mmio, bar + 12, &(uint32_t){ 1 }, 4);
	cr_assert_null(fake_hv_route_of_fd(&hv, fd));
	cr_assert_eq(pba(), 0, "nothing pending yet");
	signal_fd(fd);
	signal_fd(fd);
	cr_assert_eq(pba(), 1);
	cr_assert_eq(fake_hv_injected(r), 1, "masked vectors do not interrupt");
	bus_write(&mmio, bar + 12, &(uint32_t){ 0 }, 4);
	cr_assert_eq(fake_hv_injected(r), 2, "two signals while masked: one message");
	cr_assert_eq(pba(), 0);

	/* unmasked without a pending signal: no spurious interrupt */
	bus_write(&mmio, bar + 12, &(uint32_t){ 1 }, 4);
	bus_write(&mmio, bar + 12, &(uint32_t){ 0 }, 4);
	cr_assert_eq(fake_hv_injected(r), 2);

	/* disable: unbound again */
	ctrl_write(0);
	cr_assert_null(fake_hv_route_of_fd(&hv, fd));
}

Test(msix, pending_vector_other_than_zero)
{
	int fd = msix_vector_fd(&md.msix, 3);

	entry_write(3, 0xfee00000, 0x40, 1);
	ctrl_write(MSIX_CTRL_ENABLE);
	msix_notify(&md.msix, 3);
	cr_assert_eq(pba(), 1u << 3);
	bus_write(&mmio, bar + 3 * 16 + 12, &(uint32_t){ 0 }, 4);
	cr_assert_eq(fake_hv_injected(fake_hv_route_of_fd(&hv, fd)), 1);
}

Test(msix, bad_address_not_delivered)
{
	int fd = msix_vector_fd(&md.msix, 2);

	/* an address outside the LAPIC range gets no route */
	entry_write(2, 0x1000, 0x40, 0);
	ctrl_write(MSIX_CTRL_ENABLE);
	cr_assert_null(fake_hv_route_of_fd(&hv, fd));
	signal_fd(fd);
	cr_assert_eq(pba(), 1u << 2);
}

Test(msix, init_checks)
{
	struct pci_dev d;
	struct msix m;

	pci_dev_init(&d, &md_ops, 1, 1, 0, 0, 0, 0);
	cr_assert_eq(msix_init(&m, &d, &hv.hv, 0, 0, 0, 0x100), -EINVAL);
	msix_fini(&m);
	cr_assert_eq(msix_init(&m, &d, &hv.hv, MSIX_MAX_VECTORS + 1, 0, 0, 0x100), -EINVAL);
	msix_fini(&m);
	cr_assert_eq(msix_init(&m, &d, &hv.hv, 2, 0, 4, 0x100), -EINVAL);
	msix_fini(&m);
}
