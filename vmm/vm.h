/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Three lifetimes:
 * - struct vmm lives as long as the process: the main loop, signals,
 *   platform events, the API (vmm/vmm.c);
 * - the machine lives from vm.create/boot (or the command line) to
 *   vm.shutdown: its configuration, buses, legacy devices (whose state, such
 *   as CMOS NVRAM, survives a guest reboot), the console, and the vhost-user
 *   devices with their daemons (vmm/vmm.c: vmm_machine_*);
 * - struct vm is one boot of the machine: the KVM VM, guest memory, PCI and
 *   vCPUs; a reboot tears it down and builds a new one (vmm/vm.c).
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
#include "vmm/counters.h"
#include "vmm/kvm.h"
#include "vmm/memory.h"
#include "vmm/vcpu.h"

struct console;
struct event_monitor;
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
	/* vm.pause: vCPUs park outside KVM_RUN; see vm_pause(). */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool paused;
	unsigned int parked;
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
	/* virtio_devs[n] is &vcount[n].dev: counts what the VMM sees of device n (vm.counters). */
	struct counters_virtio vcount[VMM_MAX_VIRTIO_DEVS];
	/* Control plane (vmm.c): --event-monitor (NULL: none; owned by main) and daemon exits. */
	struct event_monitor *events;
	enum sc_mode seccomp; /* --seccomp for vCPU threads (vmm/seccomp.c), set by main */
	ev_child daemon_watch[VMM_MAX_VIRTIO_DEVS];
	pid_t daemon_watch_pid[VMM_MAX_VIRTIO_DEVS]; /* 0: not watched */
	/* KVM_GET_STATS_FD per vCPU of the current boot, opened before KVM_RUN (-1: none). */
	int *vcpu_stats_fds;
	unsigned int nvcpu_stats;

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
	/* With an API socket, a guest power-off ends the machine, not the process. */
	bool keep_running;
	/* Called on the main loop after the machine stopped on its own (power-off, crash). */
	void (*on_machine_stopped)(struct vmm *vmm, enum vmm_event why);
	void *api; /* struct vm_control owner, for on_machine_stopped */
};

/* The process part: main loop hooks, signals, events. No machine yet. */
void vmm_init(struct vmm *vmm, struct ev_loop *loop);
/*
 * Build the machine from cfg (kept by pointer until vmm_machine_destroy):
 * legacy devices, console, vhost-user devices (spawning daemons), and the
 * first VM. err gets a one-line reason on failure; the machine is then
 * already destroyed.
 */
int vmm_machine_create(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen) __must_check;
/* Start the vCPUs of the machine's VM. */
int vmm_machine_start(struct vmm *vmm, char *err, size_t errlen) __must_check;
/* Stop the VM and free everything vmm_machine_create made. Accepts no machine. */
void vmm_machine_destroy(struct vmm *vmm);
bool vmm_machine_exists(const struct vmm *vmm);
/* Run the main loop until power-off, crash, signal or vmm.shutdown. Returns the exit code. */
int vmm_run(struct vmm *vmm);
/* Leave vmm_run with this exit code (main loop thread). */
void vmm_quit(struct vmm *vmm, int code);
void vmm_fini(struct vmm *vmm);
/* ACPI power button (GED event) to the running guest. */
int vmm_power_button(struct vmm *vmm);
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

/* ---- one boot (vmm/vm.c); used by vmm.c ---- */
int vm_new(struct vmm *vmm, struct vm **ret, char *err, size_t errlen) __must_check;
void vm_free(struct vm *vm);
int vm_start(struct vm *vm) __must_check;
int vm_add_virtio(struct vm *vm, unsigned int n, char *err, size_t errlen) __must_check;
/* Stop every vCPU for good (they leave their loops). Any thread. */
void vm_kick_all(struct vm *vm);
/* Park all vCPUs outside KVM_RUN and wait for them / let them run again. Main loop. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
/* vCPU thread, after KVM_RUN was interrupted: wait here while the VM is paused. */
void vm_vcpu_park_if_paused(struct vm *vm);

#endif
