/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A virtio device as the virtio-pci transport sees it. cnh has no virtio
 * device emulation of its own: every device is a vhost-user back-end, and
 * the vhost-user front-end (vmm/vhost_user/) implements these ops. The
 * transport (vmm/pci/virtio_pci.c) owns everything PCI: capabilities,
 * common configuration, MSI-X, notify addresses bound to KVM ioeventfds,
 * and MSI-X vectors delivered through KVM irqfds.
 *
 * Lifetime: a struct virtio_dev lives as long as the VMM process (its
 * back-end connection survives guest reboots); the transport around it is
 * per boot and calls reset() when the guest resets the device or the VM
 * is torn down.
 */
#ifndef CNH_VMM_VIRTIO_DEV_H
#define CNH_VMM_VIRTIO_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

struct guest_mem;
struct virtio_dev;

#define VIRTIO_MAX_QUEUES 64

/* One virtqueue as the driver configured it, handed over at DRIVER_OK. */
struct virtio_queue_state {
	bool enabled;
	uint16_t size;  /* power of two (split) , <= queue_max_size */
	uint64_t desc;  /* guest-physical addresses */
	uint64_t avail; /* driver area */
	uint64_t used;  /* device area */
	int kick_fd;    /* eventfd signalled by KVM on a notify write (ioeventfd); owned by the transport */
	int call_fd;    /* eventfd that raises the queue's MSI-X vector (irqfd); owned by the transport */
};

struct virtio_dev_ops {
	/* Device feature bits offered to the driver (VIRTIO_F_VERSION_1 included). */
	uint64_t (*get_features)(struct virtio_dev *dev);
	/*
	 * Driver set FEATURES_OK with these features (a subset of the offer).
	 * Return 0, or -errno to make the transport clear FEATURES_OK.
	 */
	int (*set_features)(struct virtio_dev *dev, uint64_t features);
	/* Device-specific configuration space; offsets are within config_size. */
	void (*config_read)(struct virtio_dev *dev, uint32_t offset, void *data, uint32_t size);
	void (*config_write)(struct virtio_dev *dev, uint32_t offset, const void *data, uint32_t size);
	/*
	 * DRIVER_OK: start the device with guest memory gm and nq queues
	 * (disabled ones have enabled=false). The fds stay owned by the
	 * transport and valid until reset(). Return -errno to make the
	 * transport set DEVICE_NEEDS_RESET.
	 */
	int (*activate)(struct virtio_dev *dev, const struct guest_mem *gm,
			const struct virtio_queue_state *queues, unsigned int nq);
	/* The driver wrote 0 to device_status, or the VM is going away: stop all queues. */
	void (*reset)(struct virtio_dev *dev);
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	const char *name;        /* for logs: "disk0" */
	uint16_t device_id;      /* virtio device id: 1 net, 2 block, ... */
	uint16_t num_queues;     /* queues the device offers */
	uint16_t queue_max_size; /* largest queue size it accepts */
	uint32_t config_size;    /* bytes of device-specific configuration */
};

#endif
