/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/pci/virtio_pci.h"

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"

#define TAG "virtio-pci"

/* struct virtio_pci_cap (16 bytes), the notify cap adds notify_off_multiplier. */
#define VPCI_CAP_LEN 16
#define VPCI_NOTIFY_CAP_LEN 20
#define VPCI_PCI_CFG_CAP_LEN 20
#define VPCI_CAP_BAR 4
#define VPCI_CAP_OFFSET 8
#define VPCI_CAP_LENGTH 12
#define VPCI_PCI_CFG_DATA 16

uint32_t virtio_pci_class(uint16_t device_id)
{
	switch (device_id) {
	case 1: /* net */
		return 0x020000;
	case 2:  /* block */
	case 26: /* fs */
	case 27: /* pmem */
		return 0x018000;
	case 3: /* console */
		return 0x078000;
	case 19: /* vsock */
		return 0x088000;
	default: /* entropy and the rest: unclassified */
		return 0x00ff00;
	}
}

static struct virtio_pci_queue *vpci_cur_queue(struct virtio_pci *vp)
{
	return vp->queue_select < vp->nq ? &vp->q[vp->queue_select] : NULL;
}

static void vpci_put(uint8_t *img, uint32_t off, uint64_t v, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

static uint64_t vpci_get(const uint8_t *img, uint32_t off, unsigned int size)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint64_t)img[off + i] << (8 * i);
	return v;
}

/* The common configuration as the driver sees it now. Lock held. */
static void vpci_common_image(struct virtio_pci *vp, uint8_t img[VIRTIO_PCI_COMMON_LEN])
{
	const struct virtio_pci_queue *q = vpci_cur_queue(vp);
	uint64_t df = vp->dfselect < 2 ? vp->dev_features >> (32 * vp->dfselect) : 0;
	uint64_t gf = vp->gfselect < 2 ? vp->drv_features >> (32 * vp->gfselect) : 0;

	memset(img, 0, VIRTIO_PCI_COMMON_LEN);
	vpci_put(img, VIRTIO_PCI_COMMON_DFSELECT, vp->dfselect, 4);
	vpci_put(img, VIRTIO_PCI_COMMON_DF, (uint32_t)df, 4);
	vpci_put(img, VIRTIO_PCI_COMMON_GFSELECT, vp->gfselect, 4);
	vpci_put(img, VIRTIO_PCI_COMMON_GF, (uint32_t)gf, 4);
	vpci_put(img, VIRTIO_PCI_COMMON_MSIX, vp->config_vector, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_NUMQ, vp->nq, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_STATUS, vp->status, 1);
	vpci_put(img, VIRTIO_PCI_COMMON_CFGGENERATION, vp->generation, 1);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_SELECT, vp->queue_select, 2);
	if (!q)
		return; /* a queue past num_queues reads size 0 and all zeros */
	vpci_put(img, VIRTIO_PCI_COMMON_Q_SIZE, q->size, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_MSIX, q->msix_vector, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_ENABLE, q->enabled, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_NOFF, vp->queue_select, 2);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_DESC, q->desc, 8);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_DRIVER, q->driver, 8);
	vpci_put(img, VIRTIO_PCI_COMMON_Q_DEVICE, q->device, 8);
}

static void vpci_drain(int fd)
{
	uint64_t cnt;

	if (fd >= 0 && read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_debug(TAG, "draining an eventfd: %s", strerror(errno));
}

/* Device reset: the device stops, every register returns to its initial value. Lock held. */
static void vpci_reset(struct virtio_pci *vp)
{
	vp->dev->ops->reset(vp->dev);
	vp->activated = false;
	vp->dev_features = vp->dev->ops->get_features(vp->dev) & ~VIRTIO_PCI_F_UNSUPPORTED;
	vp->drv_features = 0;
	vp->dfselect = vp->gfselect = 0;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	vp->status = 0;
	vp->queue_select = 0;
	for (unsigned int i = 0; i < vp->nq; i++) {
		struct virtio_pci_queue *q = &vp->q[i];

		q->size = vp->dev->queue_max_size;
		q->msix_vector = VIRTIO_MSI_NO_VECTOR;
		q->enabled = false;
		q->desc = q->driver = q->device = 0;
		vpci_drain(q->kick_fd);
	}
}

static int vpci_activate(struct virtio_pci *vp)
{
	struct virtio_queue_state qs[VIRTIO_MAX_QUEUES];

	for (unsigned int i = 0; i < vp->nq; i++) {
		const struct virtio_pci_queue *q = &vp->q[i];

		qs[i] = (struct virtio_queue_state){
			.enabled = q->enabled,
			.size = q->size,
			.desc = q->desc,
			.avail = q->driver,
			.used = q->device,
			.kick_fd = q->kick_fd,
			.call_fd = msix_vector_fd(&vp->msix, q->msix_vector),
		};
	}
	return vp->dev->ops->activate(vp->dev, vp->gm, qs, vp->nq);
}

static void vpci_write_status(struct virtio_pci *vp, uint8_t v)
{
	uint8_t added;

	if (v == 0) {
		vpci_reset(vp);
		return;
	}
	/* DEVICE_NEEDS_RESET belongs to the device; the driver cannot clear bits but by reset. */
	v = (uint8_t)((v & ~VIRTIO_STATUS_NEEDS_RESET) | (vp->status & VIRTIO_STATUS_NEEDS_RESET));
	if (vp->status & ~v)
		return;
	added = v & ~vp->status;
	if (added & VIRTIO_STATUS_FEATURES_OK) {
		bool ok = !(vp->drv_features & ~vp->dev_features) &&
			  (vp->drv_features & (1ull << VIRTIO_F_VERSION_1)) &&
			  vp->dev->ops->set_features(vp->dev, vp->drv_features) == 0;

		if (!ok)
			v &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	if (added & VIRTIO_STATUS_DRIVER_OK) {
		if (!(v & VIRTIO_STATUS_FEATURES_OK)) {
			v &= (uint8_t)~VIRTIO_STATUS_DRIVER_OK;
		} else if (vpci_activate(vp) < 0) {
			log_debug(TAG, "%s: activate failed", vp->dev->name);
			v |= VIRTIO_STATUS_NEEDS_RESET;
		} else {
			vp->activated = true;
		}
	}
	vp->status = v;
}

static uint16_t vpci_vector(const struct virtio_pci *vp, uint64_t v)
{
	return v < vp->msix.nvec ? (uint16_t)v : VIRTIO_MSI_NO_VECTOR;
}

/* One common-config field at off (of size bytes) took the value v. Lock held. */
static void vpci_common_field(struct virtio_pci *vp, uint32_t off, uint64_t v)
{
	struct virtio_pci_queue *q = vpci_cur_queue(vp);
	bool live = vp->status & VIRTIO_STATUS_DRIVER_OK;

	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vp->dfselect = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vp->gfselect = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GF:
		if ((vp->status & VIRTIO_STATUS_FEATURES_OK) || vp->gfselect > 1)
			return;
		vp->drv_features &= ~(0xffffffffull << (32 * vp->gfselect));
		vp->drv_features |= (v & 0xffffffffull) << (32 * vp->gfselect);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		vp->config_vector = vpci_vector(vp, v);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		vpci_write_status(vp, (uint8_t)v);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vp->queue_select = (uint16_t)v;
		return;
	default:
		break;
	}
	if (!q || live)
		return;
	switch (off) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		if (v && !(v & (v - 1)) && v <= vp->dev->queue_max_size)
			q->size = (uint16_t)v;
		return;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		q->msix_vector = vpci_vector(vp, v);
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		if (v == 1)
			q->enabled = true;
		return;
	case VIRTIO_PCI_COMMON_Q_DESC:
		q->desc = v;
		return;
	case VIRTIO_PCI_COMMON_Q_DRIVER:
		q->driver = v;
		return;
	case VIRTIO_PCI_COMMON_Q_DEVICE:
		q->device = v;
		return;
	default:
		return; /* read-only */
	}
}

static const struct {
	uint8_t off, size;
} vpci_common_fields[] = {
	{ VIRTIO_PCI_COMMON_DFSELECT, 4 }, { VIRTIO_PCI_COMMON_DF, 4 },
	{ VIRTIO_PCI_COMMON_GFSELECT, 4 }, { VIRTIO_PCI_COMMON_GF, 4 },
	{ VIRTIO_PCI_COMMON_MSIX, 2 },     { VIRTIO_PCI_COMMON_NUMQ, 2 },
	{ VIRTIO_PCI_COMMON_STATUS, 1 },   { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
	{ VIRTIO_PCI_COMMON_Q_SELECT, 2 }, { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	{ VIRTIO_PCI_COMMON_Q_MSIX, 2 },   { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
	{ VIRTIO_PCI_COMMON_Q_NOFF, 2 },   { VIRTIO_PCI_COMMON_Q_DESC, 8 },
	{ VIRTIO_PCI_COMMON_Q_DRIVER, 8 }, { VIRTIO_PCI_COMMON_Q_DEVICE, 8 },
	{ VIRTIO_PCI_COMMON_Q_NDATA, 2 },  { VIRTIO_PCI_COMMON_Q_RESET, 2 },
};

static void vpci_common_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned int size)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN];

	vpci_common_image(vp, img);
	for (unsigned int i = 0; i < size; i++)
		data[i] = off + i < VIRTIO_PCI_COMMON_LEN ? img[off + i] : 0;
}

/*
 * Any width at any offset: overlay the written bytes on the current image,
 * then apply each field the write touched with its merged value.
 */
static void vpci_common_write(struct virtio_pci *vp, uint32_t off, const uint8_t *data,
			      unsigned int size)
{
	uint8_t img[VIRTIO_PCI_COMMON_LEN];

	if (off >= VIRTIO_PCI_COMMON_LEN)
		return;
	size = MIN(size, VIRTIO_PCI_COMMON_LEN - off);
	vpci_common_image(vp, img);
	memcpy(&img[off], data, size);
	for (unsigned int i = 0; i < ARRAY_SIZE(vpci_common_fields); i++) {
		uint32_t f = vpci_common_fields[i].off, fs = vpci_common_fields[i].size;

		if (f < off + size && off < f + fs)
			vpci_common_field(vp, f, vpci_get(img, f, fs));
	}
}

static void vpci_device_cfg(struct virtio_pci *vp, uint32_t off, void *data, unsigned int size,
			    bool write)
{
	if (off >= vp->dev->config_size || size > vp->dev->config_size - off) {
		if (!write)
			memset(data, 0, size);
		return;
	}
	if (write)
		vp->dev->ops->config_write(vp->dev, off, data, size);
	else
		vp->dev->ops->config_read(vp->dev, off, data, size);
}

static void vpci_bar_access(struct virtio_pci *vp, uint64_t off, void *data, unsigned int size,
			    bool write)
{
	uint64_t region = off / VIRTIO_PCI_REGION_SIZE * VIRTIO_PCI_REGION_SIZE;
	uint32_t roff = (uint32_t)(off - region);

	if (!write)
		memset(data, 0, size);
	if (size == 0 || size > 8 || off >= VIRTIO_PCI_BAR_SIZE)
		return;
	/* Accesses that straddle two structures are dropped. */
	if ((off + size - 1) / VIRTIO_PCI_REGION_SIZE != off / VIRTIO_PCI_REGION_SIZE)
		return;
	if (region == VIRTIO_PCI_MSIX_TABLE_OFF || region == VIRTIO_PCI_MSIX_TABLE_OFF + 0x1000) {
		uint32_t t = (uint32_t)(off - VIRTIO_PCI_MSIX_TABLE_OFF);

		if (write)
			msix_table_write(&vp->msix, t, data, size);
		else
			msix_table_read(&vp->msix, t, data, size);
		return;
	}
	if (region >= VIRTIO_PCI_MSIX_PBA_OFF) {
		if (!write)
			msix_pba_read(&vp->msix, (uint32_t)(off - VIRTIO_PCI_MSIX_PBA_OFF), data, size);
		return;
	}
	pthread_mutex_lock(&vp->lock);
	switch (region) {
	case VIRTIO_PCI_COMMON_OFF:
		if (write)
			vpci_common_write(vp, roff, data, size);
		else
			vpci_common_read(vp, roff, data, size);
		break;
	case VIRTIO_PCI_ISR_OFF:
		break; /* MSI-X only: the ISR never has a bit set; reading clears nothing */
	case VIRTIO_PCI_DEVICE_OFF:
		vpci_device_cfg(vp, roff, data, size, write);
		break;
	case VIRTIO_PCI_NOTIFY_OFF:
		/* Only reached without an ioeventfd (or in tests): kick by hand. */
		if (write && roff / VIRTIO_PCI_NOTIFY_MULT < vp->nq) {
			uint64_t one = 1;

			vp->notify_exits++;
			if (write_full(vp->q[roff / VIRTIO_PCI_NOTIFY_MULT].kick_fd, &one, 8) < 0)
				log_debug(TAG, "kick eventfd write failed");
		}
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&vp->lock);
}

static void vpci_bar_read(struct pci_dev *pdev, unsigned int bar, uint64_t off, void *data,
			  unsigned int size)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (bar != VIRTIO_PCI_BAR) {
		memset(data, 0xff, size);
		return;
	}
	vpci_bar_access(vp, off, data, size, false);
}

static void vpci_bar_write(struct pci_dev *pdev, unsigned int bar, uint64_t off, const void *data,
			   unsigned int size)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (bar == VIRTIO_PCI_BAR)
		vpci_bar_access(vp, off, (void *)data, size, true);
}

/* Root lock held: the notify addresses follow the BAR. */
static void vpci_bar_remap(struct pci_dev *pdev, unsigned int bar, uint64_t addr, bool mapped)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);

	if (bar != VIRTIO_PCI_BAR)
		return;
	for (unsigned int i = 0; i < vp->nq; i++) {
		struct virtio_pci_queue *q = &vp->q[i];
		uint64_t a = addr + VIRTIO_PCI_NOTIFY_OFF + (uint64_t)i * VIRTIO_PCI_NOTIFY_MULT;

		if (q->ioeventfd == mapped)
			continue;
		if (vp->hv->ops->ioeventfd(vp->hv, a, q->kick_fd, mapped) < 0) {
			log_debug(TAG, "%s: ioeventfd for queue %u failed", vp->dev->name, i);
			continue;
		}
		q->ioeventfd = mapped;
	}
}

/* VIRTIO_PCI_CAP_PCI_CFG: a window into the BARs through configuration space. */
static bool vpci_pci_cfg_target(struct virtio_pci *vp, uint64_t *ret_off, unsigned int *ret_len)
{
	uint32_t c = vp->pci_cfg_cap;
	uint32_t bar = pci_cfg_get(&vp->pdev, c + VPCI_CAP_BAR, 1);
	uint32_t off = pci_cfg_get(&vp->pdev, c + VPCI_CAP_OFFSET, 4);
	uint32_t len = pci_cfg_get(&vp->pdev, c + VPCI_CAP_LENGTH, 4);

	if (bar != VIRTIO_PCI_BAR || (len != 1 && len != 2 && len != 4) || (off & (len - 1)))
		return false;
	*ret_off = off;
	*ret_len = len;
	return true;
}

static bool vpci_touches_cfg_data(const struct virtio_pci *vp, uint32_t off, uint32_t size)
{
	uint32_t d = vp->pci_cfg_cap + VPCI_PCI_CFG_DATA;

	return off < d + 4 && d < off + size;
}

static void vpci_config_read(struct pci_dev *pdev, uint32_t off, uint32_t size)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);
	uint8_t buf[4] = { 0 };
	uint64_t boff;
	unsigned int len;

	if (!vpci_touches_cfg_data(vp, off, size) || !vpci_pci_cfg_target(vp, &boff, &len))
		return;
	vpci_bar_access(vp, boff, buf, len, false);
	memcpy(&pdev->cfg[vp->pci_cfg_cap + VPCI_PCI_CFG_DATA], buf, 4);
}

static void vpci_config_written(struct pci_dev *pdev, uint32_t off, uint32_t size)
{
	struct virtio_pci *vp = container_of(pdev, struct virtio_pci, pdev);
	uint8_t buf[4];
	uint64_t boff;
	unsigned int len;

	msix_config_written(&vp->msix, off, size);
	if (!vpci_touches_cfg_data(vp, off, size) || !vpci_pci_cfg_target(vp, &boff, &len))
		return;
	memcpy(buf, &pdev->cfg[vp->pci_cfg_cap + VPCI_PCI_CFG_DATA], 4);
	vpci_bar_access(vp, boff, buf, len, true);
}

static const struct pci_dev_ops virtio_pci_ops = {
	.name = "virtio-pci",
	.bar_read = vpci_bar_read,
	.bar_write = vpci_bar_write,
	.bar_remap = vpci_bar_remap,
	.config_read = vpci_config_read,
	.config_written = vpci_config_written,
};

static int vpci_add_cap(struct virtio_pci *vp, uint8_t type, uint32_t off, uint32_t len,
			uint8_t cap_len, uint8_t *ret_off)
{
	uint8_t cap[VPCI_NOTIFY_CAP_LEN] = { PCI_CAP_ID_VNDR, 0, cap_len, type, VIRTIO_PCI_BAR };

	vpci_put(cap, VPCI_CAP_OFFSET, off, 4);
	vpci_put(cap, VPCI_CAP_LENGTH, len, 4);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
		vpci_put(cap, VPCI_CAP_LEN, VIRTIO_PCI_NOTIFY_MULT, 4);
	if (type == VIRTIO_PCI_CAP_PCI_CFG)
		cap[VPCI_CAP_BAR] = 0; /* the driver picks bar, offset and length */
	return pci_dev_add_cap(&vp->pdev, cap, cap_len, ret_off);
}

static int vpci_build(struct virtio_pci *vp)
{
	const struct virtio_dev *dev = vp->dev;
	uint8_t c;
	int r;

	pci_dev_init(&vp->pdev, &virtio_pci_ops, VIRTIO_PCI_VENDOR,
		     (uint16_t)(VIRTIO_PCI_DEVICE_BASE + dev->device_id), virtio_pci_class(dev->device_id),
		     VIRTIO_PCI_REVISION, VIRTIO_PCI_VENDOR,
		     (uint16_t)(VIRTIO_PCI_DEVICE_BASE + dev->device_id));
	r = pci_dev_add_bar(&vp->pdev, VIRTIO_PCI_BAR, PCI_BAR_MEM64, VIRTIO_PCI_BAR_SIZE, false);
	if (r < 0)
		return r;
	r = vpci_add_cap(vp, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF, VIRTIO_PCI_COMMON_LEN,
			 VPCI_CAP_LEN, NULL);
	if (r >= 0)
		r = vpci_add_cap(vp, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF, 1, VPCI_CAP_LEN, NULL);
	if (r >= 0 && dev->config_size)
		r = vpci_add_cap(vp, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF, dev->config_size,
				 VPCI_CAP_LEN, NULL);
	if (r >= 0)
		r = vpci_add_cap(vp, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
				 vp->nq * VIRTIO_PCI_NOTIFY_MULT, VPCI_NOTIFY_CAP_LEN, NULL);
	if (r >= 0)
		r = vpci_add_cap(vp, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, VPCI_PCI_CFG_CAP_LEN, &c);
	if (r < 0)
		return r;
	vp->pci_cfg_cap = c;
	pci_dev_set_wmask(&vp->pdev, c + VPCI_CAP_BAR, 0xff, 1);
	pci_dev_set_wmask(&vp->pdev, c + VPCI_CAP_OFFSET, 0xffffffff, 4);
	pci_dev_set_wmask(&vp->pdev, c + VPCI_CAP_LENGTH, 0xffffffff, 4);
	pci_dev_set_wmask(&vp->pdev, c + VPCI_PCI_CFG_DATA, 0xffffffff, 4);
	/* One vector per queue plus one for configuration changes. */
	return msix_init(&vp->msix, &vp->pdev, vp->hv, vp->nq + 1, VIRTIO_PCI_BAR,
			 VIRTIO_PCI_MSIX_TABLE_OFF, VIRTIO_PCI_MSIX_PBA_OFF);
}

static bool vpci_dev_ok(const struct virtio_dev *dev)
{
	const struct virtio_dev_ops *o = dev->ops;
	uint16_t qmax = dev->queue_max_size;

	return o && o->get_features && o->set_features && o->config_read && o->config_write &&
	       o->activate && o->reset && dev->num_queues >= 1 &&
	       dev->num_queues <= VIRTIO_MAX_QUEUES && qmax && !(qmax & (qmax - 1)) &&
	       dev->config_size <= VIRTIO_PCI_DEVICE_MAX;
}

int virtio_pci_new(struct pci_root *root, unsigned int slot, struct virtio_dev *dev,
		   struct pci_hv *hv, const struct guest_mem *gm, struct virtio_pci **ret)
{
	struct virtio_pci *vp;
	int r;

	if (!vpci_dev_ok(dev))
		return -EINVAL;
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	pthread_mutex_init(&vp->lock, NULL);
	vp->dev = dev;
	vp->hv = hv;
	vp->gm = gm;
	vp->nq = dev->num_queues;
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->q[i].kick_fd = -1;
	for (unsigned int i = 0; i < vp->nq; i++) {
		vp->q[i].kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->q[i].kick_fd < 0) {
			r = -errno;
			goto fail;
		}
	}
	r = vpci_build(vp);
	if (r < 0)
		goto fail;
	/* Initial register values, without telling the device anything. */
	vp->dev_features = dev->ops->get_features(dev) & ~VIRTIO_PCI_F_UNSUPPORTED;
	vp->config_vector = VIRTIO_MSI_NO_VECTOR;
	for (unsigned int i = 0; i < vp->nq; i++) {
		vp->q[i].size = dev->queue_max_size;
		vp->q[i].msix_vector = VIRTIO_MSI_NO_VECTOR;
	}
	r = pci_root_add(root, &vp->pdev, slot);
	if (r < 0)
		goto fail;
	*ret = vp;
	return 0;
fail:
	virtio_pci_free(vp);
	return r;
}

static void vpci_config_event(struct virtio_pci *vp, bool needs_reset)
{
	uint16_t vec;

	pthread_mutex_lock(&vp->lock);
	if (needs_reset) {
		/* Only a started device can need a reset; a reset one is already fresh. */
		if (!vp->status) {
			pthread_mutex_unlock(&vp->lock);
			return;
		}
		vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	} else {
		vp->generation++;
	}
	vec = vp->config_vector;
	pthread_mutex_unlock(&vp->lock);
	if (vec != VIRTIO_MSI_NO_VECTOR)
		msix_notify(&vp->msix, vec);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vpci_config_event(vp, false);
}

void virtio_pci_needs_reset(struct virtio_pci *vp)
{
	vpci_config_event(vp, true);
}

void virtio_pci_free(struct virtio_pci *vp)
{
	if (!vp)
		return;
	if (vp->pdev.root)
		pci_root_remove(vp->pdev.root, &vp->pdev);
	if (vp->status || vp->activated)
		vp->dev->ops->reset(vp->dev);
	msix_fini(&vp->msix);
	for (unsigned int i = 0; i < VIRTIO_MAX_QUEUES; i++)
		closep(&vp->q[i].kick_fd);
	pthread_mutex_destroy(&vp->lock);
	free(vp);
}
