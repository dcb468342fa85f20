/* SPDX-License-Identifier: Apache-2.0 */
/*
 * struct vmm lives as long as the process: configuration, the main loop,
 * buses and legacy devices (whose state, such as CMOS NVRAM, survives a
 * guest reboot). struct vm is one boot of the machine: the KVM VM, guest
 * memory and vCPUs; a reboot tears it down and builds a new one.
 */
#ifndef CNH_VMM_VM_H
#define CNH_VMM_VM_H

#include <ev.h>
#include <pthread.h>
#include <stdatomic.h>

#include "devices/bus.h"
#include "devices/device.h"
#include "vmm/boot/boot.h"
#include "vmm/config.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"
#include "vmm/vcpu.h"

struct console;
struct serial;
struct ged;
struct vhost_user_set;
struct pci_kvm;
struct pci_root;
struct virtio_dev;
struct virtio_pci;

enum vmm_event {
	VMM_EVENT_NONE = 0,
	VMM_EVENT_REBOOT,
	VMM_EVENT_POWEROFF,
	VMM_EVENT_CRASH, /* a vCPU hit a fatal exit */
};

#define VMM_MAX_GSI 24
/* Virtio devices on PCI bus 0: device n sits at 00:(n+1).0. */
#define VMM_MAX_VIRTIO_DEVS 31

struct vmm_irq {
	struct irq_line line;
	struct vmm *vmm;
	unsigned int gsi;
};

struct vm {
	struct vmm *vmm;
	struct kvm kvm;
	struct guest_mem mem;
	struct boot_info boot;
	unsigned int ncpus;
	struct vcpu *vcpus;
	atomic_bool stopping;
	/* PCI: the root, MSI routes/irqfds/ioeventfds on this VM, one function per virtio_dev. */
	uint64_t mmio64_base;
	struct pci_kvm *pci_hv;
	struct pci_root *pci;
	struct virtio_pci *vpci[VMM_MAX_VIRTIO_DEVS];
};

struct vmm {
	const struct vm_config *cfg;
	struct ev_loop *loop;
	struct bus pio;
	struct bus mmio;
	struct dev_ctx ctx;
	struct vmm_irq irqs[VMM_MAX_GSI];
	struct device *devices[8];
	unsigned int ndevices;
	struct serial *serial;
	struct ged *ged;
	struct console *console;

	/*
	 * Virtio devices (vhost-user front-ends), process-lifetime, not owned:
	 * each boot builds a virtio-pci function around each. See vmm_add_virtio_dev.
	 */
	struct virtio_dev *virtio_devs[VMM_MAX_VIRTIO_DEVS];
	unsigned int nvirtio_devs;
	struct vhost_user_set *vu_devices; /* --disk ... front-ends and their daemons */

	/* The VM fd legacy interrupts go to; -1 while no VM runs. */
	pthread_rwlock_t irq_lock;
	int irq_vm_fd;

	/* Platform events posted by vCPU threads, handled on the main loop. */
	pthread_mutex_t event_lock;
	enum vmm_event event;
	ev_async event_async;
	ev_signal sig_term, sig_int, sig_hup;

	struct vm *vm;
	unsigned int boots;
	int exit_code;
};

/* Build devices and the first VM. err gets a one-line reason on failure. */
int vmm_init(struct vmm *vmm, const struct vm_config *cfg, struct ev_loop *loop, char *err,
	     size_t errlen) __must_check;
/* Start the vCPUs and run the main loop until power-off, crash or signal. Returns the exit code. */
int vmm_run(struct vmm *vmm);
void vmm_fini(struct vmm *vmm);
/*
 * Register a virtio device (not owned; it must outlive vmm_fini). Call it
 * after vmm_init and before vmm_run, or from inside vmm_init before the
 * first VM is built: device n (in call order) appears at PCI 00:(n+1).0 in
 * this and every later boot. -ENOSPC when full, -EBUSY once the vCPUs run,
 * -EINVAL for a device the transport rejects; err gets a one-line reason.
 */
int vmm_add_virtio_dev(struct vmm *vmm, struct virtio_dev *dev, char *err, size_t errlen) __must_check;
/*
 * A registered device's configuration space changed: the current boot's
 * transport bumps config_generation and raises the configuration interrupt.
 * Call on the main loop thread (the VM is replaced there on reboot).
 */
void vmm_virtio_config_changed(struct vmm *vmm, struct virtio_dev *dev);
/* The device broke (back-end gone): DEVICE_NEEDS_RESET for the guest. Main loop thread. */
void vmm_virtio_needs_reset(struct vmm *vmm, struct virtio_dev *dev);
/* Post an event from any thread. */
void vmm_post_event(struct vmm *vmm, enum vmm_event ev);

#endif
