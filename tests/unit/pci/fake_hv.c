/* SPDX-License-Identifier: Apache-2.0 */
#include "fake_hv.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

#define FAKE_GSI_BASE 24

struct fake_route *fake_hv_route(struct fake_hv *f, uint32_t gsi)
{
	if (gsi < FAKE_GSI_BASE || gsi - FAKE_GSI_BASE >= FAKE_HV_MAX)
		return NULL;
	return &f->routes[gsi - FAKE_GSI_BASE];
}

static int fake_gsi_alloc(struct pci_hv *hv, uint32_t *ret)
{
	struct fake_hv *f = container_of(hv, struct fake_hv, hv);

	for (unsigned int i = 0; i < FAKE_HV_MAX; i++) {
		if (!f->routes[i].used) {
			f->routes[i] = (struct fake_route){ .used = true, .irqfd = -1 };
			*ret = FAKE_GSI_BASE + i;
			return 0;
		}
	}
	return -ENOSPC;
}

static void fake_gsi_free(struct pci_hv *hv, uint32_t gsi)
{
	struct fake_route *r = fake_hv_route(container_of(hv, struct fake_hv, hv), gsi);

	if (r)
		*r = (struct fake_route){ .irqfd = -1 };
}

static int fake_msi_route(struct pci_hv *hv, uint32_t gsi, uint64_t addr, uint32_t data)
{
	struct fake_hv *f = container_of(hv, struct fake_hv, hv);
	struct fake_route *r = fake_hv_route(f, gsi);

	if (!r || !r->used)
		return -EINVAL;
	r->routed = true;
	r->addr = addr;
	r->data = data;
	f->route_commits++;
	return 0;
}

static int fake_irqfd(struct pci_hv *hv, uint32_t gsi, int fd, bool assign)
{
	struct fake_route *r = fake_hv_route(container_of(hv, struct fake_hv, hv), gsi);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t cnt;

	if (!r || !r->used)
		return -EINVAL;
	if (!assign) {
		if (r->irqfd != fd)
			return -ENOENT;
		r->irqfd = -1;
		return 0;
	}
	if (r->irqfd >= 0)
		return -EBUSY;
	r->irqfd = fd;
	if (poll(&p, 1, 0) == 1 && read(fd, &cnt, sizeof(cnt)) == sizeof(cnt))
		r->injected++;
	return 0;
}

static int fake_ioeventfd(struct pci_hv *hv, uint64_t addr, int fd, bool assign)
{
	struct fake_hv *f = container_of(hv, struct fake_hv, hv);

	for (unsigned int i = 0; i < f->nioev; i++) {
		if (f->ioev[i].addr != addr)
			continue;
		if (assign)
			return -EEXIST;
		if (f->ioev[i].fd != fd)
			return -ENOENT;
		f->ioev[i] = f->ioev[--f->nioev];
		return 0;
	}
	if (!assign)
		return -ENOENT;
	if (f->nioev == FAKE_HV_MAX)
		return -ENOSPC;
	f->ioev[f->nioev++] = (struct fake_ioevent){ .addr = addr, .fd = fd };
	return 0;
}

static const struct pci_hv_ops fake_hv_ops = {
	.msi_gsi_alloc = fake_gsi_alloc,
	.msi_gsi_free = fake_gsi_free,
	.msi_route = fake_msi_route,
	.irqfd = fake_irqfd,
	.ioeventfd = fake_ioeventfd,
};

void fake_hv_init(struct fake_hv *f)
{
	memset(f, 0, sizeof(*f));
	f->hv.ops = &fake_hv_ops;
	for (unsigned int i = 0; i < FAKE_HV_MAX; i++)
		f->routes[i].irqfd = -1;
}

int fake_hv_ioeventfd_at(const struct fake_hv *f, uint64_t addr)
{
	for (unsigned int i = 0; i < f->nioev; i++)
		if (f->ioev[i].addr == addr)
			return f->ioev[i].fd;
	return -1;
}

struct fake_route *fake_hv_route_of_fd(struct fake_hv *f, int fd)
{
	for (unsigned int i = 0; i < FAKE_HV_MAX; i++)
		if (f->routes[i].used && f->routes[i].irqfd == fd)
			return &f->routes[i];
	return NULL;
}

unsigned int fake_hv_injected(struct fake_route *r)
{
	uint64_t cnt;

	if (r->irqfd >= 0 && read(r->irqfd, &cnt, sizeof(cnt)) == sizeof(cnt))
		r->injected++;
	return r->injected;
}
