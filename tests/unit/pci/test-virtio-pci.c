/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>

#include "fake_hv.h"
#include "vmm/layout.h"
#include "vmm/memory.h"
#include "vmm/pci/virtio_pci.h"

#define SLOT 1
#define NQ 2
#define QMAX 256
#define FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << 38) | 0x6)

struct fdev {
	struct virtio_dev dev;
	uint64_t features;
	int set_features_ret, activate_ret;
	uint64_t set_features_val;
	unsigned int set_calls, activate_calls, reset_calls;
	struct virtio_queue_state qs[VIRTIO_MAX_QUEUES];
	unsigned int nq;
	const struct guest_mem *gm;
	uint8_t config[8];
};

static struct bus mmio, pio;
static struct pci_root *root;
static struct fake_hv hv;
static struct fdev fd;
static struct virtio_pci *vp;
static struct guest_mem gm; /* never dereferenced: handed through to activate */
static uint64_t bar;

static struct fdev *F(struct virtio_dev *d)
{
	return container_of(d, struct fdev, dev);
}

static uint64_t f_get_features(struct virtio_dev *d)
{
	return F(d)->features;
}

static int f_set_features(struct virtio_dev *d, uint64_t f)
{
	F(d)->set_calls++;
	F(d)->set_features_val = f;
	return F(d)->set_features_ret;
}

static void f_config_read(struct virtio_dev *d, uint32_t off, void *data, uint32_t size)
{
	cr_assert_leq(off + size, sizeof(F(d)->config), "transport passed an out-of-range config read");
	memcpy(data, &F(d)->config[off], size);
}

static void f_config_write(struct virtio_dev *d, uint32_t off, const void *data, uint32_t size)
{
	cr_assert_leq(off + size, sizeof(F(d)->config));
	memcpy(&F(d)->config[off], data, size);
}

static int f_activate(struct virtio_dev *d, const struct guest_mem *g,
		      const struct virtio_queue_state *q, unsigned int nq)
{
	F(d)->activate_calls++;
	F(d)->gm = g;
	F(d)->nq = nq;
	memcpy(F(d)->qs, q, nq * sizeof(*q));
	return F(d)->activate_ret;
}

static void f_reset(struct virtio_dev *d)
{
	F(d)->reset_calls++;
}

static const struct virtio_dev_ops f_ops = {
	.get_features = f_get_features,
	.set_features = f_set_features,
	.config_read = f_config_read,
	.config_write = f_config_write,
	.activate = f_activate,
	.reset = f_reset,
};

static void cfg_wr(uint32_t reg, uint32_t v, unsigned int size)
{
	pci_root_cfg_write(root, SLOT << 15 | reg, &v, size);
}

static uint32_t cfg_rd(uint32_t reg, unsigned int size)
{
	uint32_t v = 0;

	pci_root_cfg_read(root, SLOT << 15 | reg, &v, size);
	return v;
}

static void setup(void)
{
	struct pci_root_config cfg = {
		.ecam_base = LAYOUT_PCI_ECAM_START,
		.ecam_size = LAYOUT_PCI_ECAM_SIZE,
		.pio_base = PORT_PCI_CONFIG,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
		.mmio64_base = GiB(64),
		.mmio64_size = LAYOUT_PCI_MMIO64_SIZE,
	};

	bus_init(&mmio, "mmio");
	bus_init(&pio, "pio");
	fake_hv_init(&hv);
	memset(&fd, 0, sizeof(fd));
	fd.dev = (struct virtio_dev){ .ops = &f_ops, .name = "fake", .device_id = 2,
				      .num_queues = NQ, .queue_max_size = QMAX,
				      .config_size = sizeof(fd.config) };
	fd.features = FEATURES;
	memcpy(fd.config, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	cr_assert_eq(pci_root_new(&cfg, &root), 0);
	cr_assert_eq(pci_root_attach(root, &mmio, &pio), 0);
	cr_assert_eq(virtio_pci_new(root, SLOT, &fd.dev, &hv.hv, &gm, &vp), 0);
	bar = pci_dev_bar_addr(&vp->pdev, VIRTIO_PCI_BAR);
	cfg_wr(PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 2);
}

static void teardown(void)
{
	virtio_pci_free(vp);
	cr_assert_eq(hv.nioev, 0, "ioeventfds left bound");
	pci_root_free(root);
	bus_fini(&mmio);
	bus_fini(&pio);
}

static void w(uint32_t off, uint64_t v, unsigned int size)
{
	bus_write(&mmio, bar + off, &v, size);
}

static uint64_t r(uint32_t off, unsigned int size)
{
	uint64_t v = 0;

	bus_read(&mmio, bar + off, &v, size);
	return v;
}

#define C(x) (VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_##x)

static uint8_t status(void)
{
	return (uint8_t)r(C(STATUS), 1);
}

static void negotiate(void)
{
	w(C(STATUS), VIRTIO_STATUS_ACKNOWLEDGE, 1);
	w(C(STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER, 1);
	w(C(GFSELECT), 0, 4);
	w(C(GF), 0x2, 4);
	w(C(GFSELECT), 1, 4);
	w(C(GF), 1, 4); /* VERSION_1 */
	w(C(STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK, 1);
}

TestSuite(virtio_pci, .init = setup, .fini = teardown);

Test(virtio_pci, ids_and_capabilities)
{
	int types[6] = { 0 };
	unsigned int n = 0;
	bool msix = false;

	cr_assert_eq(cfg_rd(PCI_VENDOR_ID, 2), 0x1af4);
	cr_assert_eq(cfg_rd(PCI_DEVICE_ID, 2), 0x1042);
	cr_assert_eq(cfg_rd(PCI_REVISION_ID, 1), 1);
	cr_assert_eq(cfg_rd(PCI_REVISION_ID, 4) >> 8, 0x018000);
	cr_assert_eq(cfg_rd(PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	cr_assert_eq(cfg_rd(PCI_BAR0, 4) & 0x6, PCI_BAR_MEM_TYPE_64);
	cr_assert_geq(bar, GiB(64));
	for (uint8_t p = (uint8_t)cfg_rd(PCI_CAPABILITY_LIST, 1); p; p = (uint8_t)cfg_rd(p + 1, 1)) {
		cr_assert_lt(n, 10, "capability loop");
		n++;
		if (cfg_rd(p, 1) == PCI_CAP_ID_MSIX) {
			msix = true;
			cr_assert_eq(cfg_rd(p + 2, 2) & 0x7ff, NQ, "NQ+1 vectors");
			cr_assert_eq(cfg_rd(p + 4, 4), VIRTIO_PCI_MSIX_TABLE_OFF | VIRTIO_PCI_BAR);
			cr_assert_eq(cfg_rd(p + 8, 4), VIRTIO_PCI_MSIX_PBA_OFF | VIRTIO_PCI_BAR);
			continue;
		}
		cr_assert_eq(cfg_rd(p, 1), PCI_CAP_ID_VNDR);
		uint8_t t = (uint8_t)cfg_rd(p + 3, 1);
		cr_assert(t >= 1 && t <= 5);
		types[t]++;
		if (t == VIRTIO_PCI_CAP_PCI_CFG)
			continue;
		cr_assert_eq(cfg_rd(p + 4, 1), VIRTIO_PCI_BAR);
		uint32_t off = cfg_rd(p + 8, 4), len = cfg_rd(p + 12, 4);
		cr_assert_leq(off + len, VIRTIO_PCI_BAR_SIZE);
		if (t == VIRTIO_PCI_CAP_COMMON_CFG)
			cr_assert(off == VIRTIO_PCI_COMMON_OFF && len >= 0x38);
		if (t == VIRTIO_PCI_CAP_DEVICE_CFG)
			cr_assert(off == VIRTIO_PCI_DEVICE_OFF && len == sizeof(fd.config));
		if (t == VIRTIO_PCI_CAP_NOTIFY_CFG) {
			cr_assert_eq(cfg_rd(p + 2, 1), 20);
			cr_assert_eq(cfg_rd(p + 16, 4), 4, "notify_off_multiplier");
			cr_assert_eq(off, VIRTIO_PCI_NOTIFY_OFF);
			cr_assert_geq(len, NQ * 4);
		}
	}
	cr_assert(msix);
	for (int t = 1; t <= 5; t++)
		cr_assert_eq(types[t], 1, "one capability of type %d", t);
}

Test(virtio_pci, notify_ioeventfds_follow_the_bar)
{
	uint64_t nb = bar + VIRTIO_PCI_NOTIFY_OFF, nbar = bar + MiB(1);

	cr_assert_eq(hv.nioev, NQ);
	cr_assert_eq(fake_hv_ioeventfd_at(&hv, nb), vp->q[0].kick_fd);
	cr_assert_eq(fake_hv_ioeventfd_at(&hv, nb + 4), vp->q[1].kick_fd);
	cr_assert_eq(r(C(Q_NOFF), 2), 0);
	w(C(Q_SELECT), 1, 2);
	cr_assert_eq(r(C(Q_NOFF), 2), 1);
	/* move the BAR */
	cfg_wr(PCI_BAR0 + 4, (uint32_t)(nbar >> 32), 4);
	cfg_wr(PCI_BAR0, (uint32_t)nbar | PCI_BAR_MEM_TYPE_64, 4);
	cr_assert_eq(fake_hv_ioeventfd_at(&hv, nb), -1);
	cr_assert_eq(fake_hv_ioeventfd_at(&hv, nbar + VIRTIO_PCI_NOTIFY_OFF + 4), vp->q[1].kick_fd);
	bar = nbar;
	cr_assert_eq(r(C(NUMQ), 2), NQ, "registers at the new address");
	/* memory decoding off: unbound */
	cfg_wr(PCI_COMMAND, 0, 2);
	cr_assert_eq(hv.nioev, 0);
}

Test(virtio_pci, notify_write_without_ioeventfd_kicks)
{
	struct pollfd p = { .fd = vp->q[1].kick_fd, .events = POLLIN };

	w(VIRTIO_PCI_NOTIFY_OFF + 4, 1, 2);
	cr_assert_eq(poll(&p, 1, 0), 1);
	w(VIRTIO_PCI_NOTIFY_OFF + 4 * 40, 1, 2); /* no such queue */
	w(VIRTIO_PCI_NOTIFY_OFF + 0xffe, 1, 4); /* straddles the region */
}

Test(virtio_pci, feature_negotiation)
{
	cr_assert_eq(r(C(DF), 4), 0x6);
	w(C(DFSELECT), 1, 4);
	cr_assert_eq(r(C(DF), 4), 1, "VERSION_1 offered, bit 38 (NOTIFICATION_DATA) stripped");
	w(C(DFSELECT), 7, 4);
	cr_assert_eq(r(C(DF), 4), 0);
	negotiate();
	cr_assert(status() & VIRTIO_STATUS_FEATURES_OK);
	cr_assert_eq(fd.set_calls, 1);
	cr_assert_eq(fd.set_features_val, (1ull << 32) | 2);
	w(C(GFSELECT), 1, 4);
	cr_assert_eq(r(C(GF), 4), 1);
	/* after FEATURES_OK the driver features are frozen */
	w(C(GF), 0, 4);
	cr_assert_eq(r(C(GF), 4), 1);
}

Test(virtio_pci, features_ok_refused)
{
	fd.set_features_ret = -EINVAL;
	negotiate();
	cr_assert_eq(fd.set_calls, 1);
	cr_assert_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0);
	/* DRIVER_OK without FEATURES_OK does not start the device */
	w(C(STATUS), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK, 1);
	cr_assert_eq(fd.activate_calls, 0);
	cr_assert_eq(status() & VIRTIO_STATUS_DRIVER_OK, 0);

	/* features not offered, or no VERSION_1: refused without asking the device */
	w(C(STATUS), 0, 1);
	fd.set_features_ret = 0;
	fd.set_calls = 0;
	w(C(STATUS), 3, 1);
	w(C(GFSELECT), 0, 4);
	w(C(GF), 0x80, 4);
	w(C(GFSELECT), 1, 4);
	w(C(GF), 1, 4);
	w(C(STATUS), 3 | VIRTIO_STATUS_FEATURES_OK, 1);
	cr_assert_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0);
	w(C(STATUS), 0, 1);
	w(C(STATUS), 3, 1);
	w(C(STATUS), 3 | VIRTIO_STATUS_FEATURES_OK, 1);
	cr_assert_eq(status() & VIRTIO_STATUS_FEATURES_OK, 0, "legacy-only driver");
	cr_assert_eq(fd.set_calls, 0);
}

Test(virtio_pci, queue_setup_and_activate)
{
	negotiate();
	w(C(MSIX), 0, 2);
	cr_assert_eq(r(C(MSIX), 2), 0);
	/* queue 0: 32-bit halves */
	w(C(Q_SELECT), 0, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX);
	w(C(Q_SIZE), 64, 2);
	w(C(Q_DESC), 0x10000, 4);
	w(C(Q_DESC) + 4, 0x1, 4);
	w(C(Q_DRIVER), 0x11000, 4);
	w(C(Q_DRIVER) + 4, 0, 4);
	w(C(Q_DEVICE), 0x12000, 4);
	w(C(Q_DEVICE) + 4, 0, 4);
	w(C(Q_MSIX), 1, 2);
	w(C(Q_ENABLE), 1, 2);
	/* queue 1: 64-bit writes */
	w(C(Q_SELECT), 1, 2);
	w(C(Q_SIZE), 128, 2);
	w(C(Q_DESC), 0x20000, 8);
	w(C(Q_DRIVER), 0x21000, 8);
	w(C(Q_DEVICE), 0x22000, 8);
	w(C(Q_MSIX), 2, 2);
	w(C(Q_ENABLE), 1, 2);
	cr_assert_eq(r(C(Q_DESC), 8), 0x20000);
	cr_assert_eq(r(C(Q_ENABLE), 2), 1);

	w(C(STATUS), 0xf, 1);
	cr_assert_eq(fd.activate_calls, 1);
	cr_assert_eq(status(), 0xf);
	cr_assert_eq(fd.gm, &gm);
	cr_assert_eq(fd.nq, NQ);
	cr_assert(fd.qs[0].enabled);
	cr_assert_eq(fd.qs[0].size, 64);
	cr_assert_eq(fd.qs[0].desc, 0x100010000ull);
	cr_assert_eq(fd.qs[0].avail, 0x11000);
	cr_assert_eq(fd.qs[0].used, 0x12000);
	cr_assert_eq(fd.qs[0].kick_fd, fake_hv_ioeventfd_at(&hv, bar + VIRTIO_PCI_NOTIFY_OFF));
	cr_assert_eq(fd.qs[0].call_fd, msix_vector_fd(&vp->msix, 1));
	cr_assert(fd.qs[1].enabled);
	cr_assert_eq(fd.qs[1].size, 128);
	cr_assert_eq(fd.qs[1].desc, 0x20000);
	cr_assert_eq(fd.qs[1].avail, 0x21000);
	cr_assert_eq(fd.qs[1].used, 0x22000);
	cr_assert_eq(fd.qs[1].kick_fd, fake_hv_ioeventfd_at(&hv, bar + VIRTIO_PCI_NOTIFY_OFF + 4));
	cr_assert_eq(fd.qs[1].call_fd, msix_vector_fd(&vp->msix, 2));
	cr_assert_geq(fd.qs[1].call_fd, 0);

	/* live queues cannot be reconfigured */
	w(C(Q_SIZE), 16, 2);
	w(C(Q_DESC), 0x99000, 8);
	cr_assert_eq(r(C(Q_SIZE), 2), 128);
	cr_assert_eq(r(C(Q_DESC), 8), 0x20000);

	/* reset */
	w(C(STATUS), 0, 1);
	cr_assert_eq(fd.reset_calls, 1);
	cr_assert_eq(status(), 0);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX);
	cr_assert_eq(r(C(Q_ENABLE), 2), 0);
	cr_assert_eq(r(C(Q_DESC), 8), 0);
	cr_assert_eq(r(C(Q_MSIX), 2), VIRTIO_MSI_NO_VECTOR);
	cr_assert_eq(r(C(MSIX), 2), VIRTIO_MSI_NO_VECTOR);
	w(C(GFSELECT), 0, 4);
	cr_assert_eq(r(C(GF), 4), 0);
}

Test(virtio_pci, queue_without_vector_gets_no_call_fd)
{
	negotiate();
	w(C(Q_SELECT), 0, 2);
	w(C(Q_ENABLE), 1, 2);
	w(C(STATUS), 0xf, 1);
	cr_assert_eq(fd.activate_calls, 1);
	cr_assert_eq(fd.qs[0].call_fd, -1);
	cr_assert(!fd.qs[1].enabled);
}

Test(virtio_pci, activate_failure_needs_reset)
{
	fd.activate_ret = -EIO;
	negotiate();
	w(C(STATUS), 0xf, 1);
	cr_assert_eq(fd.activate_calls, 1);
	cr_assert(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* the driver cannot clear it except by reset */
	w(C(STATUS), 0xf, 1);
	cr_assert(status() & VIRTIO_STATUS_NEEDS_RESET);
	w(C(STATUS), 0, 1);
	cr_assert_eq(status(), 0);
}

Test(virtio_pci, status_bits_cannot_be_cleared)
{
	w(C(STATUS), 3, 1);
	w(C(STATUS), 1, 1);
	cr_assert_eq(status(), 3);
	cr_assert_eq(fd.reset_calls, 0);
}

Test(virtio_pci, hostile_values)
{
	w(C(Q_SELECT), 0, 2);
	w(C(Q_SIZE), 3, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX, "not a power of two");
	w(C(Q_SIZE), QMAX * 2, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX, "above the maximum");
	w(C(Q_SIZE), 0, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX);
	w(C(Q_MSIX), 999, 2);
	cr_assert_eq(r(C(Q_MSIX), 2), VIRTIO_MSI_NO_VECTOR);
	w(C(MSIX), NQ + 1, 2);
	cr_assert_eq(r(C(MSIX), 2), VIRTIO_MSI_NO_VECTOR, "vector past the table");
	w(C(Q_ENABLE), 7, 2);
	cr_assert_eq(r(C(Q_ENABLE), 2), 0);
	w(C(NUMQ), 50, 2);
	cr_assert_eq(r(C(NUMQ), 2), NQ, "read-only");
	w(C(CFGGENERATION), 9, 1);
	cr_assert_eq(r(C(CFGGENERATION), 1), 0);
	/* a queue past num_queues reads size 0 and ignores writes */
	w(C(Q_SELECT), 999, 2);
	cr_assert_eq(r(C(Q_SELECT), 2), 999);
	cr_assert_eq(r(C(Q_SIZE), 2), 0);
	w(C(Q_SIZE), 16, 2);
	w(C(Q_DESC), 0x1000, 8);
	w(C(Q_ENABLE), 1, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), 0);
	cr_assert_eq(r(C(Q_DESC), 8), 0);
	/* odd widths into 16-bit fields: a byte write merges */
	w(C(Q_SELECT), 0, 2);
	w(C(Q_SIZE) + 1, 0, 1); /* high byte of 256 cleared: 0, refused */
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX);
	w(C(Q_SIZE), 32, 1);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX, "0x120 is not a power of two");
	w(C(Q_SIZE), 32, 2);
	cr_assert_eq(r(C(Q_SIZE), 1), 32);
	/* device config: in range forwarded, out of range zero */
	cr_assert_eq(r(VIRTIO_PCI_DEVICE_OFF + 4, 4), 0x88776655);
	cr_assert_eq(r(VIRTIO_PCI_DEVICE_OFF + 6, 4), 0, "crosses the end of config");
	cr_assert_eq(r(VIRTIO_PCI_DEVICE_OFF + 0x100, 8), 0);
	w(VIRTIO_PCI_DEVICE_OFF + 7, 0xaa, 1);
	cr_assert_eq(fd.config[7], 0xaa);
	w(VIRTIO_PCI_DEVICE_OFF + 7, 0xbbbb, 2);
	cr_assert_eq(fd.config[7], 0xaa);
	cr_assert_eq(r(VIRTIO_PCI_ISR_OFF, 1), 0);
}

/* Every width at every offset of the BAR, twice; nothing may crash or leak. */
Test(virtio_pci, every_width_everywhere)
{
	static const unsigned int widths[] = { 1, 2, 4, 8 };
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (unsigned int pass = 0; pass < 2; pass++) {
		for (uint32_t off = 0; off < VIRTIO_PCI_BAR_SIZE + 16; off++) {
			for (unsigned int i = 0; i < ARRAY_SIZE(widths); i++) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				w(off, pass ? ~0ull : x, widths[i]);
				(void)r(off, widths[i]);
			}
		}
	}
	/* still a working device after a reset */
	w(C(STATUS), 0, 1);
	cr_assert_eq(r(C(NUMQ), 2), NQ);
	cr_assert_eq(status(), 0);
	w(C(Q_SELECT), 1, 2);
	cr_assert_eq(r(C(Q_SIZE), 2), QMAX);
}

Test(virtio_pci, pci_cfg_window)
{
	uint8_t p = (uint8_t)cfg_rd(PCI_CAPABILITY_LIST, 1);

	while (p && !(cfg_rd(p, 1) == PCI_CAP_ID_VNDR && cfg_rd(p + 3, 1) == VIRTIO_PCI_CAP_PCI_CFG))
		p = (uint8_t)cfg_rd(p + 1, 1);
	cr_assert_neq(p, 0);
	cfg_wr(p + 4, VIRTIO_PCI_BAR, 1);
	cfg_wr(p + 8, C(NUMQ), 4);
	cfg_wr(p + 12, 2, 4);
	cr_assert_eq(cfg_rd(p + 16, 2), NQ);
	/* write device_status through the window */
	cfg_wr(p + 8, C(STATUS), 4);
	cfg_wr(p + 12, 1, 4);
	cfg_wr(p + 16, VIRTIO_STATUS_ACKNOWLEDGE, 1);
	cr_assert_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE);
	/* a bad length or BAR does nothing */
	cfg_wr(p + 12, 3, 4);
	cfg_wr(p + 16, 0, 4);
	cr_assert_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE);
	cfg_wr(p + 4, 5, 1);
	cfg_wr(p + 12, 1, 4);
	cfg_wr(p + 16, 0, 4);
	cr_assert_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE);
}

Test(virtio_pci, msix_through_the_bar)
{
	int cfd = msix_vector_fd(&vp->msix, 1);

	w(VIRTIO_PCI_MSIX_TABLE_OFF + 16, 0xfee00000, 8);
	w(VIRTIO_PCI_MSIX_TABLE_OFF + 24, 0x51, 4);
	w(VIRTIO_PCI_MSIX_TABLE_OFF + 28, 0, 4);
	cfg_wr(vp->msix.cap + 2, MSIX_CTRL_ENABLE, 2);
	cr_assert_not_null(fake_hv_route_of_fd(&hv, cfd));
	cr_assert_eq(fake_hv_route_of_fd(&hv, cfd)->data, 0x51);
	w(VIRTIO_PCI_MSIX_TABLE_OFF + 28, 1, 4);
	cr_assert_eq(write(cfd, &(uint64_t){ 1 }, 8), 8);
	cr_assert_eq(r(VIRTIO_PCI_MSIX_PBA_OFF, 8), 2);
}

Test(virtio_pci, free_resets_a_started_device)
{
	w(C(STATUS), 1, 1);
	virtio_pci_free(vp);
	cr_assert_eq(fd.reset_calls, 1);
	cr_assert_eq(hv.nioev, 0);
	vp = NULL;
}

Test(virtio_pci, rejects_bad_devices)
{
	struct virtio_pci *v2;
	struct fdev d2 = fd;
	struct virtio_dev *d = &d2.dev;

	d->num_queues = 0;
	cr_assert_eq(virtio_pci_new(root, 2, d, &hv.hv, &gm, &v2), -EINVAL);
	d2 = fd;
	d->queue_max_size = 100;
	cr_assert_eq(virtio_pci_new(root, 2, d, &hv.hv, &gm, &v2), -EINVAL);
	d2 = fd;
	d->config_size = 0x2000;
	cr_assert_eq(virtio_pci_new(root, 2, d, &hv.hv, &gm, &v2), -EINVAL);
	d2 = fd;
	cr_assert_eq(virtio_pci_new(root, SLOT, d, &hv.hv, &gm, &v2), -EBUSY);
	d->num_queues = VIRTIO_MAX_QUEUES;
	cr_assert_eq(virtio_pci_new(root, 2, d, &hv.hv, &gm, &v2), 0);
	cr_assert_eq(({ uint32_t v; pci_root_cfg_read(root, 2 << 15, &v, 4); v; }), 0x10421af4);
	virtio_pci_free(v2);
	cr_assert_eq(({ uint32_t v; pci_root_cfg_read(root, 2 << 15, &v, 4); v; }), 0xffffffff);
}

Test(virtio_pci, config_change)
{
	struct pollfd p = { .fd = msix_vector_fd(&vp->msix, 0), .events = POLLIN };

	virtio_pci_config_changed(vp);
	cr_assert_eq(r(C(CFGGENERATION), 1), 1);
	cr_assert_eq(poll(&p, 1, 0), 0, "no configuration vector yet");
	w(C(MSIX), 0, 2);
	virtio_pci_config_changed(vp);
	cr_assert_eq(r(C(CFGGENERATION), 1), 2);
	cr_assert_eq(poll(&p, 1, 0), 1, "configuration vector raised");
}

Test(virtio_pci, needs_reset_from_the_device)
{
	struct pollfd p = { .fd = msix_vector_fd(&vp->msix, 0), .events = POLLIN };

	virtio_pci_needs_reset(vp);
	cr_assert_eq(status(), 0, "a reset device stays fresh");
	negotiate();
	w(C(MSIX), 0, 2);
	virtio_pci_needs_reset(vp);
	cr_assert_eq(status(), 0xb | VIRTIO_STATUS_NEEDS_RESET);
	cr_assert_eq(poll(&p, 1, 0), 1, "configuration vector raised");
	w(C(STATUS), 0, 1);
	cr_assert_eq(status(), 0);
}
