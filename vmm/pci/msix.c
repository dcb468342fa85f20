/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/pci/msix.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"

#define TAG "msix"

/* x86 MSI messages target the LAPIC range 0xfeexxxxx; anything else is not delivered. */
#define MSIX_X86_ADDR_MASK 0xfff00000u
#define MSIX_X86_ADDR_BASE 0xfee00000u

static bool msix_fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static bool msix_fd_consume(int fd)
{
	uint64_t cnt;

	return read(fd, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt) && cnt;
}

static void msix_fd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		log_debug(TAG, "eventfd write failed");
}

/* Bring vector v's irqfd and route in line with the masks. Lock held. */
static void msix_vector_update(struct msix *m, unsigned int v)
{
	struct msix_vector *e = &m->vec[v];
	struct pci_hv *hv = m->hv;
	bool active = m->enabled && !m->fmask && !(e->ctrl & MSIX_VECTOR_MASKED) &&
		      (e->addr_lo & MSIX_X86_ADDR_MASK) == MSIX_X86_ADDR_BASE && e->addr_hi == 0;
	uint64_t addr = (uint64_t)e->addr_hi << 32 | e->addr_lo;
	bool pend;

	if (!active) {
		if (e->irqfd && hv->ops->irqfd(hv, e->gsi, e->fd, false) < 0)
			log_debug(TAG, "vector %u: irqfd deassign failed", v);
		e->irqfd = false;
		return;
	}
	if (!e->has_gsi) {
		if (hv->ops->msi_gsi_alloc(hv, &e->gsi) < 0) {
			log_debug(TAG, "vector %u: no GSI left", v);
			return;
		}
		e->has_gsi = true;
	}
	if (!e->routed || e->r_addr != addr || e->r_data != e->data) {
		if (hv->ops->msi_route(hv, e->gsi, addr, e->data) < 0) {
			log_debug(TAG, "vector %u: MSI route failed", v);
			e->routed = false;
			return;
		}
		e->routed = true;
		e->r_addr = addr;
		e->r_data = e->data;
	}
	if (e->irqfd)
		return;
	/* Signals that arrived while masked are delivered once the irqfd is back. */
	pend = msix_fd_consume(e->fd) || e->pending;
	if (hv->ops->irqfd(hv, e->gsi, e->fd, true) < 0) {
		log_debug(TAG, "vector %u: irqfd assign failed", v);
		e->pending = pend;
		return;
	}
	e->irqfd = true;
	e->pending = false;
	if (pend)
		msix_fd_signal(e->fd);
}

static void msix_update_all(struct msix *m)
{
	for (unsigned int v = 0; v < m->nvec; v++)
		msix_vector_update(m, v);
}

int msix_init(struct msix *m, struct pci_dev *pdev, struct pci_hv *hv, unsigned int nvec,
	      unsigned int bar, uint32_t table_off, uint32_t pba_off)
{
	uint8_t cap[MSIX_CAP_LEN] = { PCI_CAP_ID_MSIX, 0 };
	int r;

	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	if (!nvec || nvec > MSIX_MAX_VECTORS || bar >= PCI_NUM_BARS || (table_off & 7) ||
	    (pba_off & 7))
		return -EINVAL;
	m->vec = calloc(nvec, sizeof(*m->vec));
	if (!m->vec)
		return -ENOMEM;
	m->nvec = nvec;
	for (unsigned int v = 0; v < nvec; v++)
		m->vec[v].fd = -1;
	for (unsigned int v = 0; v < nvec; v++) {
		m->vec[v].ctrl = MSIX_VECTOR_MASKED;
		m->vec[v].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->vec[v].fd < 0)
			return -errno;
	}
	m->hv = hv;
	m->pdev = pdev;
	m->bar = bar;
	m->table_off = table_off;
	m->pba_off = pba_off;
	cap[2] = (uint8_t)(nvec - 1);
	cap[3] = (uint8_t)((nvec - 1) >> 8);
	memcpy(&cap[4], &(uint32_t){ table_off | bar }, 4);
	memcpy(&cap[8], &(uint32_t){ pba_off | bar }, 4);
	r = pci_dev_add_cap(pdev, cap, sizeof(cap), &m->cap);
	if (r < 0)
		return r;
	pci_dev_set_wmask(pdev, m->cap + 2, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK, 2);
	return 0;
}

void msix_fini(struct msix *m)
{
	if (!m || !m->vec)
		return;
	for (unsigned int v = 0; v < m->nvec; v++) {
		struct msix_vector *e = &m->vec[v];

		if (e->irqfd)
			(void)m->hv->ops->irqfd(m->hv, e->gsi, e->fd, false);
		if (e->has_gsi)
			m->hv->ops->msi_gsi_free(m->hv, e->gsi);
		closep(&e->fd);
	}
	free(m->vec);
	m->vec = NULL;
	m->nvec = 0;
	pthread_mutex_destroy(&m->lock);
}

void msix_config_written(struct msix *m, uint32_t off, uint32_t size)
{
	uint16_t ctrl;

	if (!m->vec || off + size <= m->cap + 2u || off >= m->cap + 4u)
		return;
	ctrl = (uint16_t)pci_cfg_get(m->pdev, m->cap + 2, 2);
	pthread_mutex_lock(&m->lock);
	m->enabled = ctrl & MSIX_CTRL_ENABLE;
	m->fmask = ctrl & MSIX_CTRL_FMASK;
	msix_update_all(m);
	pthread_mutex_unlock(&m->lock);
}

static bool msix_access_ok(uint32_t off, unsigned int size, uint32_t limit)
{
	return size >= 1 && size <= 8 && off < limit && size <= limit - off;
}

static uint8_t msix_entry_byte(const struct msix_vector *e, unsigned int b)
{
	uint32_t w[4] = { e->addr_lo, e->addr_hi, e->data, e->ctrl };

	return (uint8_t)(w[b / 4] >> (8 * (b % 4)));
}

void msix_table_read(struct msix *m, uint32_t off, void *data, unsigned int size)
{
	uint8_t *out = data;

	if (!msix_access_ok(off, size, msix_table_size(m->nvec))) {
		memset(data, 0xff, size);
		return;
	}
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < size; i++) {
		uint32_t o = off + i;

		out[i] = msix_entry_byte(&m->vec[o / MSIX_ENTRY_SIZE], o % MSIX_ENTRY_SIZE);
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_table_write(struct msix *m, uint32_t off, const void *data, unsigned int size)
{
	const uint8_t *in = data;
	unsigned int first, last;

	if (!msix_access_ok(off, size, msix_table_size(m->nvec)))
		return;
	first = off / MSIX_ENTRY_SIZE;
	last = (off + size - 1) / MSIX_ENTRY_SIZE;
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < size; i++) {
		uint32_t o = off + i, b = o % MSIX_ENTRY_SIZE;
		struct msix_vector *e = &m->vec[o / MSIX_ENTRY_SIZE];
		uint32_t *w[4] = { &e->addr_lo, &e->addr_hi, &e->data, &e->ctrl };
		unsigned int shift = 8 * (b % 4);

		*w[b / 4] = (*w[b / 4] & ~(0xffu << shift)) | ((uint32_t)in[i] << shift);
	}
	for (unsigned int v = first; v <= last; v++) {
		m->vec[v].addr_lo &= ~3u;              /* dword aligned */
		m->vec[v].ctrl &= MSIX_VECTOR_MASKED;  /* other bits reserved */
		msix_vector_update(m, v);
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_read(struct msix *m, uint32_t off, void *data, unsigned int size)
{
	uint8_t *out = data;

	if (!msix_access_ok(off, size, msix_pba_size(m->nvec))) {
		memset(data, 0xff, size);
		return;
	}
	memset(data, 0, size);
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < size; i++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			unsigned int v = (off + i) * 8 + bit;
			const struct msix_vector *e;

			if (v >= m->nvec)
				break;
			e = &m->vec[v];
			if (e->pending || (!e->irqfd && msix_fd_readable(e->fd)))
				out[i] |= (uint8_t)(1u << bit);
		}
	}
	pthread_mutex_unlock(&m->lock);
}

int msix_vector_fd(const struct msix *m, unsigned int v)
{
	return v < m->nvec ? m->vec[v].fd : -1;
}

void msix_notify(struct msix *m, unsigned int v)
{
	if (v < m->nvec)
		msix_fd_signal(m->vec[v].fd);
}
