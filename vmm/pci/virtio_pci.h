/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-pci modern transport (virtio 1.2, "Virtio Over PCI Bus"; no
 * legacy interface) around a struct virtio_dev. One 64-bit memory BAR (BAR 0)
 * holds every structure:
 *
 *   0x0000  common configuration (struct virtio_pci_common_cfg, 0x3c bytes)
 *   0x1000  ISR status (always 0: interrupts are MSI-X only)
 *   0x2000  device-specific configuration (dev->config_size <= 4 KiB)
 *   0x3000  notify region: queue n at 0x3000 + 4 * n (notify_off_multiplier 4),
 *           each address bound to the queue's kick eventfd with an ioeventfd
 *   0x4000  MSI-X table (num_queues + 1 vectors)
 *   0x6000  MSI-X PBA
 *
 * At DRIVER_OK the transport calls dev->ops->activate() with the queues:
 * kick_fd is the queue's ioeventfd, call_fd the eventfd of its MSI-X vector
 * (irqfd), so the back-end and KVM talk directly. Writing 0 to device_status
 * calls dev->ops->reset(); so does virtio_pci_free() on a live device.
 */
#ifndef CNH_VMM_PCI_VIRTIO_PCI_H
#define CNH_VMM_PCI_VIRTIO_PCI_H

#include <pthread.h>

#include "vmm/pci/msix.h"
#include "vmm/pci/pci.h"
#include "vmm/virtio/virtio_dev.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_DEVICE_BASE 0x1040
#define VIRTIO_PCI_REVISION 1

#define VIRTIO_PCI_BAR 0
#define VIRTIO_PCI_BAR_SIZE 0x8000
#define VIRTIO_PCI_COMMON_OFF 0x0000
#define VIRTIO_PCI_COMMON_LEN 0x3c
#define VIRTIO_PCI_ISR_OFF 0x1000
#define VIRTIO_PCI_DEVICE_OFF 0x2000
#define VIRTIO_PCI_DEVICE_MAX 0x1000
#define VIRTIO_PCI_NOTIFY_OFF 0x3000
#define VIRTIO_PCI_NOTIFY_MULT 4
#define VIRTIO_PCI_MSIX_TABLE_OFF 0x4000
#define VIRTIO_PCI_MSIX_PBA_OFF 0x6000
#define VIRTIO_PCI_REGION_SIZE 0x1000

/* Capability cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG 5

/* Common configuration offsets. */
#define VIRTIO_PCI_COMMON_DFSELECT 0x00
#define VIRTIO_PCI_COMMON_DF 0x04
#define VIRTIO_PCI_COMMON_GFSELECT 0x08
#define VIRTIO_PCI_COMMON_GF 0x0c
#define VIRTIO_PCI_COMMON_MSIX 0x10
#define VIRTIO_PCI_COMMON_NUMQ 0x12
#define VIRTIO_PCI_COMMON_STATUS 0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION 0x15
#define VIRTIO_PCI_COMMON_Q_SELECT 0x16
#define VIRTIO_PCI_COMMON_Q_SIZE 0x18
#define VIRTIO_PCI_COMMON_Q_MSIX 0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE 0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF 0x1e
#define VIRTIO_PCI_COMMON_Q_DESC 0x20
#define VIRTIO_PCI_COMMON_Q_DRIVER 0x28
#define VIRTIO_PCI_COMMON_Q_DEVICE 0x30
#define VIRTIO_PCI_COMMON_Q_NDATA 0x38
#define VIRTIO_PCI_COMMON_Q_RESET 0x3a

#define VIRTIO_MSI_NO_VECTOR 0xffff

/* device_status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

#define VIRTIO_F_VERSION_1 32
/* Features the transport cannot carry over vhost-user eventfds; never offered. */
#define VIRTIO_PCI_F_UNSUPPORTED \
	((1ull << 37) /* SR_IOV */ | (1ull << 38) /* NOTIFICATION_DATA */ | \
	 (1ull << 39) /* NOTIF_CONFIG_DATA */ | (1ull << 40) /* RING_RESET */)

struct virtio_pci_queue {
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc, driver, device;
	int kick_fd;       /* eventfd bound to the notify address */
	bool ioeventfd;    /* bound (root lock) */
};

struct virtio_pci {
	struct pci_dev pdev;
	struct msix msix;
	struct virtio_dev *dev; /* not owned */
	struct pci_hv *hv;
	const struct guest_mem *gm;
	pthread_mutex_t lock; /* the virtio state below */
	uint64_t dev_features, drv_features;
	uint32_t dfselect, gfselect;
	uint16_t config_vector;
	uint8_t status, generation;
	uint16_t queue_select;
	bool activated;
	unsigned int nq;
	struct virtio_pci_queue q[VIRTIO_MAX_QUEUES];
	uint8_t pci_cfg_cap; /* offset of the VIRTIO_PCI_CAP_PCI_CFG capability */
	/* Notify writes that exited to the VMM; stays 0 while the ioeventfds work. */
	unsigned int notify_exits;
};

/* PCI class code for a virtio device id. */
uint32_t virtio_pci_class(uint16_t device_id);

/*
 * Build the function for dev and plug it in at slot of root. hv binds
 * ioeventfds, irqfds and MSI routes; gm is handed to activate(). Neither
 * dev, hv nor gm is owned; all must outlive the function.
 */
int virtio_pci_new(struct pci_root *root, unsigned int slot, struct virtio_dev *dev,
		   struct pci_hv *hv, const struct guest_mem *gm, struct virtio_pci **ret) __must_check;
/*
 * The device configuration changed (e.g. a disk was resized): bump
 * config_generation and raise the configuration vector. Any thread.
 */
void virtio_pci_config_changed(struct virtio_pci *vp);
/*
 * The device broke (e.g. its back-end went away): set DEVICE_NEEDS_RESET
 * and raise the configuration vector, as virtio 1.2 2.1.2 asks. Any thread.
 */
void virtio_pci_needs_reset(struct virtio_pci *vp);
/* Unplug, reset the device if the driver had started it, release fds. Accepts NULL. */
void virtio_pci_free(struct virtio_pci *vp);

#endif
