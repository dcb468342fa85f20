/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/trace.h"
#include "vmm/vcpu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/seccomp.h"
#include "vmm/vm.h"
#include "vmm/x86/cpuid.h"
#include "vmm/x86/msr.h"
#include "vmm/x86/regs.h"

#define TAG "vcpu"

static void vcpu_sig_handler(int sig)
{
	(void)sig;
}

void vcpu_signals_init(void)
{
	struct sigaction sa = { .sa_handler = vcpu_sig_handler };

	/* No SA_RESTART: the signal must make KVM_RUN return -EINTR. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	struct kvm *kvm = &vcpu->vm->kvm;
	struct x86_cpuid_config cfg = {
		.vcpu_id = vcpu->id,
		.nr_vcpus = vcpu->vm->ncpus,
		.tsc_deadline = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0,
		.pmu = true,
	};
	struct kvm_cpuid2 *c;
	int r;

	r = x86_cpuid_for_vcpu(kvm->supported_cpuid, &cfg, &c);
	if (r < 0)
		return r;
	r = ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
	free(c);
	return r;
}

static int vcpu_set_msrs(struct vcpu *vcpu)
{
	struct kvm_msrs *m = x86_msr_boot_alloc();
	int r;

	if (!m)
		return -ENOMEM;
	r = ioctl(vcpu->fd, KVM_SET_MSRS, m);
	if (r < 0) {
		r = -errno;
	} else if ((unsigned int)r != m->nmsrs) {
		/* KVM_SET_MSRS returns how many it set: entry r is the one refused. */
		log_debug(TAG, "KVM refused boot MSR 0x%x", m->entries[r].index);
		r = -EINVAL;
	} else {
		r = 0;
	}
	free(m);
	return r;
}

static int vcpu_set_fpu_lapic(struct vcpu *vcpu)
{
	struct kvm_fpu fpu;
	struct kvm_lapic_state lapic = { 0 };

	x86_regs_boot_fpu(&fpu);
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	x86_lapic_set_lint(&lapic);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

int vcpu_init(struct vcpu *vcpu, struct vm *vm, unsigned int id, char *err, size_t errlen)
{
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = -1;
	vcpu->fd = ioctl(vm->kvm.vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (vcpu->fd < 0) {
		r = -errno;
		snprintf(err, errlen, "vCPU %u: KVM_CREATE_VCPU: %s", id, strerror(errno));
		return r;
	}
	vcpu->run = mmap(NULL, (size_t)vm->kvm.vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		r = -errno;
		vcpu->run = NULL;
		snprintf(err, errlen, "vCPU %u: mmap of kvm_run: %s", id, strerror(errno));
		return r;
	}
	r = vcpu_set_cpuid(vcpu);
	if (r < 0) {
		snprintf(err, errlen, "vCPU %u: KVM_SET_CPUID2: %s", id, strerror(-r));
		return r;
	}
	r = vcpu_set_msrs(vcpu);
	if (r < 0) {
		snprintf(err, errlen, "vCPU %u: KVM_SET_MSRS: %s", id, strerror(-r));
		return r;
	}
	r = vcpu_set_fpu_lapic(vcpu);
	if (r < 0) {
		snprintf(err, errlen, "vCPU %u: FPU/LAPIC set-up: %s", id, strerror(-r));
		return r;
	}
	return 0;
}

int vcpu_setup_boot(struct vcpu *vcpu, char *err, size_t errlen)
{
	const struct boot_info *bi = &vcpu->vm->boot;
	enum x86_boot_mode mode = bi->protocol == BOOT_PVH ? X86_BOOT_PVH32 : X86_BOOT_LONG64;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	int r;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return r;
	}
	r = x86_regs_write_boot_tables(&vcpu->vm->mem, mode);
	if (r < 0) {
		snprintf(err, errlen, "writing boot GDT and page tables: %s", strerror(-r));
		return r;
	}
	x86_regs_boot_sregs(&sregs, mode);
	x86_regs_boot_regs(&regs, mode, bi->entry, bi->params_gpa);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0) {
		r = -errno;
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return r;
	}
	return 0;
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vmm *vmm = vcpu->vm->vmm;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;

	/* data_offset comes from KVM; still keep the access inside the mapping. */
	if (run->io.data_offset + (uint64_t)size * run->io.count > (uint64_t)vcpu->vm->kvm.vcpu_mmap_size)
		return;
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			bus_write(&vmm->pio, run->io.port, data, size);
		else
			bus_read(&vmm->pio, run->io.port, data, size);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vmm *vmm = vcpu->vm->vmm;
	unsigned int len = run->mmio.len;

	if (len > sizeof(run->mmio.data))
		return;
	if (run->mmio.is_write)
		bus_write(&vmm->mmio, run->mmio.phys_addr, run->mmio.data, len);
	else
		bus_read(&vmm->mmio, run->mmio.phys_addr, run->mmio.data, len);
}

/* Returns false when the vCPU must stop: a fatal exit was reported. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vmm *vmm = vcpu->vm->vmm;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		switch (run->system_event.type) {
		case KVM_SYSTEM_EVENT_SHUTDOWN:
			vmm_post_event(vmm, VMM_EVENT_POWEROFF);
			return false;
		case KVM_SYSTEM_EVENT_RESET:
			vmm_post_event(vmm, VMM_EVENT_REBOOT);
			return false;
		default:
			break;
		}
		break;
	case KVM_EXIT_SHUTDOWN:
		log_error(TAG, "vCPU %u: triple fault (KVM_EXIT_SHUTDOWN)", vcpu->id);
		vcpu_dump(vcpu);
		vmm_post_event(vmm, VMM_EVENT_CRASH);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		log_error(TAG, "vCPU %u: KVM internal error, suberror %u%s", vcpu->id,
			  run->internal.suberror,
			  run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? " (emulation failure)" : "");
		vcpu_dump(vcpu);
		vmm_post_event(vmm, VMM_EVENT_CRASH);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		log_error(TAG, "vCPU %u: VM entry failed, hardware reason 0x%llx", vcpu->id,
			  (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		vcpu_dump(vcpu);
		vmm_post_event(vmm, VMM_EVENT_CRASH);
		return false;
	case KVM_EXIT_HLT:
		/* The in-kernel LAPIC handles HLT; seeing it means a halted guest with no irqchip. */
		break;
	default:
		break;
	}
	log_error(TAG, "vCPU %u: unexpected exit reason %u", vcpu->id, run->exit_reason);
	vcpu_dump(vcpu);
	vmm_post_event(vmm, VMM_EVENT_CRASH);
	return false;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	char name[16], err[128];

	snprintf(name, sizeof(name), "cnh-vcpu%u", vcpu->id);
	pthread_setname_np(pthread_self(), name);
	/* The vCPU role's filter, just before the first KVM_RUN; fail closed. */
	if (vmm_seccomp_load(VMM_SECCOMP_VCPU, vm->vmm->seccomp, err, sizeof(err)) < 0) {
		log_error(TAG, "vCPU %u: %s", vcpu->id, err);
		_exit(1);
	}
	if (vcpu->id == 0)
		trace_point(TRACE_FIRST_KVM_RUN);
	while (!atomic_load(&vm->stopping)) {
		int r = ioctl(vcpu->fd, KVM_RUN, 0);

		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				vcpu->run->immediate_exit = 0;
				vm_vcpu_park_if_paused(vm);
				continue;
			}
			log_error(TAG, "vCPU %u: KVM_RUN: %s", vcpu->id, strerror(errno));
			vmm_post_event(vm->vmm, VMM_EVENT_CRASH);
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	sigset_t set, old;
	int r;

	/* vCPU threads take only SIGUSR1; process signals go to the main loop. */
	sigfillset(&set);
	sigdelset(&set, SIGUSR1);
	sigdelset(&set, SIGSEGV);
	sigdelset(&set, SIGBUS);
	sigdelset(&set, SIGFPE);
	sigdelset(&set, SIGILL);
	pthread_sigmask(SIG_SETMASK, &set, &old);
	r = -pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		vcpu->thread_started = true;
	return r;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->run)
		vcpu->run->immediate_exit = 1;
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, SIGUSR1);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!vcpu->thread_started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->thread_started = false;
}

void vcpu_fini(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	vcpu_join(vcpu);
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->kvm.vcpu_mmap_size);
	vcpu->run = NULL;
	closep(&vcpu->fd);
}

static void vcpu_dump_seg(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s sel=%04x base=%016llx limit=%08x type=%x p=%u dpl=%u db=%u s=%u l=%u g=%u\n",
		name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->present, s->dpl,
		s->db, s->s, s->l, s->g);
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "vCPU %u: cannot read registers: %s\n", vcpu->id, strerror(errno));
		return;
	}
	fprintf(stderr,
		"vCPU %u registers:\n"
		"  rip=%016llx rsp=%016llx rflags=%016llx\n"
		"  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		"  rsi=%016llx rdi=%016llx rbp=%016llx\n"
		"  r8 =%016llx r9 =%016llx r10=%016llx r11=%016llx\n"
		"  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
		"  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n",
		vcpu->id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4,
		s.efer);
	vcpu_dump_seg("cs", &s.cs);
	vcpu_dump_seg("ds", &s.ds);
	vcpu_dump_seg("ss", &s.ss);
	vcpu_dump_seg("tr", &s.tr);
	fprintf(stderr, "  gdt base=%016llx limit=%04x idt base=%016llx limit=%04x\n",
		(unsigned long long)s.gdt.base, s.gdt.limit, (unsigned long long)s.idt.base, s.idt.limit);
}
