/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/pci/pci.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"

#define TAG "pci"

/* CONFIG_ADDRESS: enable, bus, device, function, dword-aligned register. */
#define PCI_CF8_ENABLE 0x80000000u
#define PCI_CF8_MASK 0x80fffffcu

/* ---- configuration space of one function ---- */

uint32_t pci_cfg_get(const struct pci_dev *pdev, uint32_t off, unsigned int size)
{
	uint32_t v = 0;

	if (size > 4 || off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return 0;
	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)pdev->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_set(struct pci_dev *pdev, uint32_t off, uint32_t val, unsigned int size)
{
	if (size > 4 || off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return;
	for (unsigned int i = 0; i < size; i++)
		pdev->cfg[off + i] = (uint8_t)(val >> (8 * i));
}

void pci_dev_set_wmask(struct pci_dev *pdev, uint32_t off, uint32_t mask, unsigned int size)
{
	if (size > 4 || off >= PCI_CFG_SIZE || size > PCI_CFG_SIZE - off)
		return;
	for (unsigned int i = 0; i < size; i++)
		pdev->wmask[off + i] = (uint8_t)(mask >> (8 * i));
}

void pci_dev_init(struct pci_dev *pdev, const struct pci_dev_ops *ops, uint16_t vendor,
		  uint16_t device, uint32_t class_code, uint8_t revision, uint16_t subsys_vendor,
		  uint16_t subsys_id)
{
	memset(pdev, 0, sizeof(*pdev));
	pdev->ops = ops;
	pci_cfg_set(pdev, PCI_VENDOR_ID, vendor, 2);
	pci_cfg_set(pdev, PCI_DEVICE_ID, device, 2);
	pci_cfg_set(pdev, PCI_REVISION_ID, revision, 1);
	pci_cfg_set(pdev, PCI_CLASS_PROG, class_code & 0xffffff, 3);
	pci_cfg_set(pdev, PCI_HEADER_TYPE, 0, 1);
	pci_cfg_set(pdev, PCI_SUBSYSTEM_VENDOR_ID, subsys_vendor, 2);
	pci_cfg_set(pdev, PCI_SUBSYSTEM_ID, subsys_id, 2);
	/* No INTx: interrupt pin 0; the line register is scratch for the OS. */
	pci_dev_set_wmask(pdev, PCI_COMMAND,
			  PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE, 2);
	pci_dev_set_wmask(pdev, PCI_CACHE_LINE_SIZE, 0xff, 1);
	pci_dev_set_wmask(pdev, PCI_INTERRUPT_LINE, 0xff, 1);
	pdev->cap_end = PCI_CAP_START;
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		pdev->bars[i].pdev = pdev;
		pdev->bars[i].index = i;
	}
}

int pci_dev_add_bar(struct pci_dev *pdev, unsigned int n, enum pci_bar_type type, uint64_t size,
		    bool prefetchable)
{
	uint32_t off = PCI_BAR0 + 4 * n;
	uint64_t mask = ~(size - 1);
	uint32_t flags = prefetchable ? PCI_BAR_MEM_PREFETCH : 0;

	if (n >= PCI_NUM_BARS || size < KiB(4) || (size & (size - 1)))
		return -EINVAL;
	if (pdev->bars[n].type != PCI_BAR_NONE || (n > 0 && pdev->bars[n - 1].type == PCI_BAR_MEM64))
		return -EBUSY;
	switch (type) {
	case PCI_BAR_MEM32:
		if (size > GiB(2))
			return -EINVAL;
		pci_cfg_set(pdev, off, flags, 4);
		pci_dev_set_wmask(pdev, off, (uint32_t)mask & ~0xfu, 4);
		break;
	case PCI_BAR_MEM64:
		if (n + 1 >= PCI_NUM_BARS || pdev->bars[n + 1].type != PCI_BAR_NONE)
			return -EINVAL;
		pci_cfg_set(pdev, off, flags | PCI_BAR_MEM_TYPE_64, 4);
		pci_dev_set_wmask(pdev, off, (uint32_t)mask & ~0xfu, 4);
		pci_dev_set_wmask(pdev, off + 4, (uint32_t)(mask >> 32), 4);
		break;
	default:
		return -EINVAL;
	}
	pdev->bars[n].type = type;
	pdev->bars[n].size = size;
	pdev->bars[n].prefetchable = prefetchable;
	return 0;
}

int pci_dev_add_cap(struct pci_dev *pdev, const void *cap, uint8_t len, uint8_t *ret_off)
{
	uint32_t off = ALIGN_UP((uint32_t)pdev->cap_end, 4u);

	if (len < 2 || off + len > PCI_CFG_LEGACY_SIZE)
		return -ENOSPC;
	memcpy(&pdev->cfg[off], cap, len);
	pdev->cfg[off + 1] = 0;
	if (pdev->last_cap)
		pdev->cfg[pdev->last_cap + 1] = (uint8_t)off;
	else
		pdev->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	pci_cfg_set(pdev, PCI_STATUS, pci_cfg_get(pdev, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST, 2);
	pdev->last_cap = (uint8_t)off;
	pdev->cap_end = (uint16_t)(off + len);
	if (ret_off)
		*ret_off = (uint8_t)off;
	return 0;
}

uint64_t pci_dev_bar_addr(const struct pci_dev *pdev, unsigned int n)
{
	uint64_t addr;

	if (n >= PCI_NUM_BARS)
		return 0;
	addr = pci_cfg_get(pdev, PCI_BAR0 + 4 * n, 4) & ~0xfull;
	if (pdev->bars[n].type == PCI_BAR_MEM64)
		addr |= (uint64_t)pci_cfg_get(pdev, PCI_BAR0 + 4 * (n + 1), 4) << 32;
	return addr;
}

/* ---- BAR decoding ---- */

static bool pci_in_window(uint64_t addr, uint64_t size, uint64_t base, uint64_t wsize)
{
	return wsize && addr >= base && size <= wsize && addr - base <= wsize - size;
}

static bool pci_bar_decodable(const struct pci_root *root, const struct pci_bar *bar, uint64_t addr)
{
	const struct pci_root_config *c = &root->cfg;

	if (range_overflows(addr, bar->size))
		return false;
	if (pci_in_window(addr, bar->size, c->mmio32_base, c->mmio32_size))
		return true;
	return bar->type == PCI_BAR_MEM64 &&
	       pci_in_window(addr, bar->size, c->mmio64_base, c->mmio64_size);
}

static void pci_bar_unmap(struct pci_root *root, struct pci_bar *bar)
{
	struct pci_dev *pdev = bar->pdev;

	if (!bar->mapped)
		return;
	if (bus_unregister(&root->bar_bus, bar->mapped_addr) < 0)
		log_debug(TAG, "%s: BAR %u was not on the bus", pdev->ops->name, bar->index);
	bar->mapped = false;
	if (pdev->ops->bar_remap)
		pdev->ops->bar_remap(pdev, bar->index, bar->mapped_addr, false);
}

/* Decode each BAR where the guest put it, if memory decoding is on. Root lock held. */
static void pci_dev_update_bars(struct pci_dev *pdev)
{
	struct pci_root *root = pdev->root;
	bool mem = pci_cfg_get(pdev, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;

	if (!root)
		return;
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *bar = &pdev->bars[i];
		uint64_t addr = pci_dev_bar_addr(pdev, i);
		bool want;

		if (bar->type == PCI_BAR_NONE)
			continue;
		want = mem && pci_bar_decodable(root, bar, addr);
		if (bar->mapped && (!want || addr != bar->mapped_addr))
			pci_bar_unmap(root, bar);
		if (!want || bar->mapped)
			continue;
		if (bus_register(&root->bar_bus, addr, bar->size, &bar->bus_dev) < 0) {
			/* Overlaps another BAR: leave it undecoded, as a conflict would be. */
			log_debug(TAG, "%s: BAR %u at 0x%llx overlaps another BAR", pdev->ops->name, i,
				  (unsigned long long)addr);
			continue;
		}
		bar->mapped = true;
		bar->mapped_addr = addr;
		if (pdev->ops->bar_remap)
			pdev->ops->bar_remap(pdev, i, addr, true);
	}
}

static void pci_bar_dev_read(struct device *dev, uint64_t off, void *data, unsigned int size)
{
	struct pci_bar *bar = container_of(dev, struct pci_bar, bus_dev);

	if (bar->pdev->ops->bar_read)
		bar->pdev->ops->bar_read(bar->pdev, bar->index, off, data, size);
	else
		memset(data, 0xff, size);
}

static void pci_bar_dev_write(struct device *dev, uint64_t off, const void *data, unsigned int size)
{
	struct pci_bar *bar = container_of(dev, struct pci_bar, bus_dev);

	if (bar->pdev->ops->bar_write)
		bar->pdev->ops->bar_write(bar->pdev, bar->index, off, data, size);
}

static const struct dev_ops pci_bar_dev_ops = {
	.name = "pci-bar",
	.read = pci_bar_dev_read,
	.write = pci_bar_dev_write,
};

/* ---- configuration access ---- */

static struct pci_dev *pci_root_lookup(struct pci_root *root, uint32_t addr)
{
	unsigned int slot = (addr >> 15) & 0x1f, fn = (addr >> 12) & 7;

	if (fn != 0)
		return NULL;
	return root->slots[slot];
}

static bool pci_cfg_access_ok(uint32_t reg, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4) && (reg & (size - 1)) == 0;
}

static void pci_root_cfg_read_locked(struct pci_root *root, uint32_t addr, void *data,
				     unsigned int size)
{
	uint32_t reg = addr & 0xfff;
	struct pci_dev *pdev = pci_root_lookup(root, addr);

	if (!pdev || !pci_cfg_access_ok(reg, size)) {
		memset(data, 0xff, size);
		return;
	}
	if (pdev->ops->config_read)
		pdev->ops->config_read(pdev, reg, size);
	memcpy(data, &pdev->cfg[reg], size);
}

static void pci_root_cfg_write_locked(struct pci_root *root, uint32_t addr, const void *data,
				      unsigned int size)
{
	uint32_t reg = addr & 0xfff;
	struct pci_dev *pdev = pci_root_lookup(root, addr);
	const uint8_t *b = data;

	if (!pdev || !pci_cfg_access_ok(reg, size))
		return;
	for (unsigned int i = 0; i < size; i++) {
		uint8_t old = pdev->cfg[reg + i], wm = pdev->wmask[reg + i];
		uint8_t v = (uint8_t)((old & ~wm) | (b[i] & wm));

		pdev->cfg[reg + i] = (uint8_t)(v & ~(b[i] & pdev->w1cmask[reg + i]));
	}
	/* Command register or BARs: re-decode. */
	if (reg < PCI_BAR0 + 4 * PCI_NUM_BARS && reg + size > PCI_COMMAND)
		pci_dev_update_bars(pdev);
	if (pdev->ops->config_written)
		pdev->ops->config_written(pdev, reg, size);
}

void pci_root_cfg_read(struct pci_root *root, uint32_t addr, void *data, unsigned int size)
{
	pthread_mutex_lock(&root->lock);
	pci_root_cfg_read_locked(root, addr, data, size);
	pthread_mutex_unlock(&root->lock);
}

void pci_root_cfg_write(struct pci_root *root, uint32_t addr, const void *data, unsigned int size)
{
	pthread_mutex_lock(&root->lock);
	pci_root_cfg_write_locked(root, addr, data, size);
	pthread_mutex_unlock(&root->lock);
}

/* ECAM: bus << 20 | device << 15 | function << 12 | register; only bus 0 exists. */
static void pci_ecam_read(struct device *dev, uint64_t off, void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, ecam_dev);

	if (off >> 20) {
		memset(data, 0xff, size);
		return;
	}
	pci_root_cfg_read(root, (uint32_t)off, data, size);
}

static void pci_ecam_write(struct device *dev, uint64_t off, const void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, ecam_dev);

	if (off >> 20)
		return;
	pci_root_cfg_write(root, (uint32_t)off, data, size);
}

static const struct dev_ops pci_ecam_ops = {
	.name = "pci-ecam",
	.read = pci_ecam_read,
	.write = pci_ecam_write,
};

/*
 * CONFIG_ADDRESS at +0 (dword writes only; any read returns its bytes) and
 * CONFIG_DATA at +4..+7 (byte, word or dword inside the dword). Returns the
 * ECAM-form address for a data access, or -1 when it decodes nothing.
 */
static int64_t pci_cf8_target(const struct pci_root *root, uint64_t off, unsigned int size)
{
	uint32_t cf8 = root->cf8, byte = (uint32_t)off - 4;

	if (!(cf8 & PCI_CF8_ENABLE) || ((cf8 >> 16) & 0xff) != 0 || byte + size > 4)
		return -1;
	return (int64_t)(((cf8 >> 8) & 0xff) << 12 | ((cf8 & 0xfc) + byte));
}

static void pci_pio_read(struct device *dev, uint64_t off, void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, pio_dev);
	int64_t target;

	memset(data, 0xff, size);
	pthread_mutex_lock(&root->lock);
	if (off < 4) {
		if (off + size <= 4) {
			uint32_t v = root->cf8 >> (8 * off);

			memcpy(data, &v, size);
		}
	} else {
		target = pci_cf8_target(root, off, size);
		if (target >= 0)
			pci_root_cfg_read_locked(root, (uint32_t)target, data, size);
	}
	pthread_mutex_unlock(&root->lock);
}

static void pci_pio_write(struct device *dev, uint64_t off, const void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, pio_dev);
	int64_t target;

	pthread_mutex_lock(&root->lock);
	if (off == 0 && size == 4) {
		uint32_t v;

		memcpy(&v, data, 4);
		root->cf8 = v & PCI_CF8_MASK;
	} else if (off >= 4) {
		target = pci_cf8_target(root, off, size);
		if (target >= 0)
			pci_root_cfg_write_locked(root, (uint32_t)target, data, size);
	}
	/* Byte and word writes to 0xcf8..0xcfb (e.g. 0xcf9 reset control) are ignored. */
	pthread_mutex_unlock(&root->lock);
}

static const struct dev_ops pci_pio_ops = {
	.name = "pci-cf8",
	.read = pci_pio_read,
	.write = pci_pio_write,
};

/* The MMIO windows forward to the bar bus; undecoded addresses read all ones. */
static void pci_win32_read(struct device *dev, uint64_t off, void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, win32_dev);

	bus_read(&root->bar_bus, root->cfg.mmio32_base + off, data, size);
}

static void pci_win32_write(struct device *dev, uint64_t off, const void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, win32_dev);

	bus_write(&root->bar_bus, root->cfg.mmio32_base + off, data, size);
}

static void pci_win64_read(struct device *dev, uint64_t off, void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, win64_dev);

	bus_read(&root->bar_bus, root->cfg.mmio64_base + off, data, size);
}

static void pci_win64_write(struct device *dev, uint64_t off, const void *data, unsigned int size)
{
	struct pci_root *root = container_of(dev, struct pci_root, win64_dev);

	bus_write(&root->bar_bus, root->cfg.mmio64_base + off, data, size);
}

static const struct dev_ops pci_win32_ops = {
	.name = "pci-mmio32",
	.read = pci_win32_read,
	.write = pci_win32_write,
};

static const struct dev_ops pci_win64_ops = {
	.name = "pci-mmio64",
	.read = pci_win64_read,
	.write = pci_win64_write,
};

/* ---- the root ---- */

static void pci_bus_drop(struct bus *bus, uint64_t base)
{
	if (bus_unregister(bus, base) < 0)
		log_debug(TAG, "%s: nothing registered at 0x%llx", bus->name, (unsigned long long)base);
}

static const struct pci_dev_ops pci_host_bridge_ops = {
	.name = "host-bridge",
};

int pci_root_new(const struct pci_root_config *cfg, struct pci_root **ret)
{
	struct pci_root *root;

	if (!cfg->ecam_size || range_overflows(cfg->ecam_base, cfg->ecam_size) ||
	    !cfg->mmio32_size || range_overflows(cfg->mmio32_base, cfg->mmio32_size) ||
	    cfg->mmio32_base + cfg->mmio32_size > (1ull << 32) ||
	    range_overflows(cfg->mmio64_base, cfg->mmio64_size))
		return -EINVAL;
	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	root->cfg = *cfg;
	pthread_mutex_init(&root->lock, NULL);
	bus_init(&root->bar_bus, "pci-bars");
	root->ecam_dev.ops = &pci_ecam_ops;
	root->pio_dev.ops = &pci_pio_ops;
	root->win32_dev.ops = &pci_win32_ops;
	root->win64_dev.ops = &pci_win64_ops;
	root->next32 = cfg->mmio32_base;
	root->next64 = cfg->mmio64_base;
	pci_dev_init(&root->host_bridge, &pci_host_bridge_ops, PCI_HOST_BRIDGE_VENDOR,
		     PCI_HOST_BRIDGE_DEVICE, PCI_CLASS_BRIDGE_HOST, 0, 0, 0);
	root->host_bridge.root = root;
	root->slots[0] = &root->host_bridge;
	*ret = root;
	return 0;
}

void pci_root_free(struct pci_root *root)
{
	if (!root)
		return;
	pci_root_detach(root);
	for (unsigned int i = 1; i < PCI_NUM_SLOTS; i++)
		if (root->slots[i])
			pci_root_remove(root, root->slots[i]);
	bus_fini(&root->bar_bus);
	pthread_mutex_destroy(&root->lock);
	free(root);
}

int pci_root_attach(struct pci_root *root, struct bus *mmio, struct bus *pio)
{
	const struct pci_root_config *c = &root->cfg;
	int r;

	if (root->mmio || root->pio)
		return -EBUSY;
	r = bus_register(mmio, c->ecam_base, c->ecam_size, &root->ecam_dev);
	if (r < 0)
		return r;
	r = bus_register(mmio, c->mmio32_base, c->mmio32_size, &root->win32_dev);
	if (r < 0)
		goto fail_ecam;
	if (c->mmio64_size) {
		r = bus_register(mmio, c->mmio64_base, c->mmio64_size, &root->win64_dev);
		if (r < 0)
			goto fail_win32;
	}
	r = bus_register(pio, c->pio_base, 8, &root->pio_dev);
	if (r < 0)
		goto fail_win64;
	root->mmio = mmio;
	root->pio = pio;
	return 0;
fail_win64:
	if (c->mmio64_size)
		pci_bus_drop(mmio, c->mmio64_base);
fail_win32:
	pci_bus_drop(mmio, c->mmio32_base);
fail_ecam:
	pci_bus_drop(mmio, c->ecam_base);
	return r;
}

void pci_root_detach(struct pci_root *root)
{
	const struct pci_root_config *c = &root->cfg;

	if (root->mmio) {
		pci_bus_drop(root->mmio, c->ecam_base);
		pci_bus_drop(root->mmio, c->mmio32_base);
		if (c->mmio64_size)
			pci_bus_drop(root->mmio, c->mmio64_base);
	}
	if (root->pio)
		pci_bus_drop(root->pio, c->pio_base);
	root->mmio = root->pio = NULL;
}

static int pci_alloc(uint64_t *cursor, uint64_t base, uint64_t wsize, uint64_t size,
		     uint64_t *ret_addr)
{
	uint64_t addr = ALIGN_UP(*cursor, size);

	if (addr < *cursor || !pci_in_window(addr, size, base, wsize))
		return -ENOSPC;
	*cursor = addr + size;
	*ret_addr = addr;
	return 0;
}

int pci_root_add(struct pci_root *root, struct pci_dev *pdev, unsigned int slot)
{
	const struct pci_root_config *c = &root->cfg;
	uint64_t save32, save64;
	int r = 0;

	if (slot == 0 || slot >= PCI_NUM_SLOTS)
		return -EINVAL;
	pthread_mutex_lock(&root->lock);
	if (root->slots[slot]) {
		r = -EBUSY;
		goto out;
	}
	save32 = root->next32;
	save64 = root->next64;
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *bar = &pdev->bars[i];
		uint64_t addr;

		bar->bus_dev.ops = &pci_bar_dev_ops;
		if (bar->type == PCI_BAR_NONE)
			continue;
		if (bar->type == PCI_BAR_MEM64 && c->mmio64_size)
			r = pci_alloc(&root->next64, c->mmio64_base, c->mmio64_size, bar->size, &addr);
		else
			r = pci_alloc(&root->next32, c->mmio32_base, c->mmio32_size, bar->size, &addr);
		if (r < 0) {
			root->next32 = save32;
			root->next64 = save64;
			goto out;
		}
		pci_cfg_set(pdev, PCI_BAR0 + 4 * i,
			    (pci_cfg_get(pdev, PCI_BAR0 + 4 * i, 4) & 0xf) | (uint32_t)addr, 4);
		if (bar->type == PCI_BAR_MEM64)
			pci_cfg_set(pdev, PCI_BAR0 + 4 * (i + 1), (uint32_t)(addr >> 32), 4);
	}
	pdev->root = root;
	pdev->slot = slot;
	root->slots[slot] = pdev;
out:
	pthread_mutex_unlock(&root->lock);
	return r;
}

void pci_root_remove(struct pci_root *root, struct pci_dev *pdev)
{
	if (!pdev || pdev->root != root || root->slots[pdev->slot] != pdev)
		return;
	pthread_mutex_lock(&root->lock);
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++)
		pci_bar_unmap(root, &pdev->bars[i]);
	root->slots[pdev->slot] = NULL;
	pdev->root = NULL;
	pthread_mutex_unlock(&root->lock);
}
