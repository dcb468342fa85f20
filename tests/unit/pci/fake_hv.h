/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A struct pci_hv that records instead of calling KVM. Like KVM, binding an
 * irqfd whose eventfd is already signalled "injects" (consumes it and counts).
 */
#ifndef CNH_TESTS_FAKE_HV_H
#define CNH_TESTS_FAKE_HV_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/pci/pci.h"

#define FAKE_HV_MAX 256

struct fake_route {
	bool used, routed;
	uint64_t addr;
	uint32_t data;
	int irqfd; /* bound fd, -1 */
	unsigned int injected;
};

struct fake_ioevent {
	uint64_t addr;
	int fd;
};

struct fake_hv {
	struct pci_hv hv;
	struct fake_route routes[FAKE_HV_MAX]; /* GSI 24 + index */
	struct fake_ioevent ioev[FAKE_HV_MAX];
	unsigned int nioev;
	unsigned int route_commits;
};

void fake_hv_init(struct fake_hv *f);
struct fake_route *fake_hv_route(struct fake_hv *f, uint32_t gsi);
/* The fd bound at addr, -1 when none. */
int fake_hv_ioeventfd_at(const struct fake_hv *f, uint64_t addr);
/* Like KVM's irqfd wakeup: consume a signalled bound fd, then return the count. */
unsigned int fake_hv_injected(struct fake_route *r);
/* Route of the GSI bound to fd, NULL when fd has no irqfd. */
struct fake_route *fake_hv_route_of_fd(struct fake_hv *f, int fd);

#endif
