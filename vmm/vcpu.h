/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vCPU threads: each runs KVM_RUN in a loop and dispatches port I/O and MMIO
 * exits to the buses. They run no event loop. A vCPU is stopped by setting
 * vm->stopping, immediate_exit, and a SIGUSR1 that interrupts KVM_RUN.
 */
#ifndef CNH_VMM_VCPU_H
#define CNH_VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/util.h"

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int id; /* also the APIC id */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
};

/* Create the KVM vCPU and load its CPUID, MSRs, FPU and LAPIC state. */
int vcpu_init(struct vcpu *vcpu, struct vm *vm, unsigned int id, char *err, size_t errlen) __must_check;
/* Set the boot register state of the BSP from the loaded kernel. */
int vcpu_setup_boot(struct vcpu *vcpu, char *err, size_t errlen) __must_check;
int vcpu_start(struct vcpu *vcpu) __must_check;
/* Ask the thread to leave KVM_RUN; vm->stopping must already be set. */
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);
void vcpu_fini(struct vcpu *vcpu);
/* Print the register state to stderr (crash reports). */
void vcpu_dump(struct vcpu *vcpu);
/* Install the SIGUSR1 handler used by vcpu_kick; once per process. */
void vcpu_signals_init(void);

#endif
