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

enum vmm_event {
	VMM_EVENT_NONE = 0,
	VMM_EVENT_REBOOT,
	VMM_EVENT_POWEROFF,
	VMM_EVENT_CRASH, /* a vCPU hit a fatal exit */
};

#define VMM_MAX_GSI 24

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
/* Post an event from any thread. */
void vmm_post_event(struct vmm *vmm, enum vmm_event ev);

#endif
