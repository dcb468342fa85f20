/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM's seccomp roles (docs/security.md): one commented rule table per
 * thread role, loaded inside the thread just before its loop or KVM_RUN.
 */
#ifndef CNH_VMM_SECCOMP_H
#define CNH_VMM_SECCOMP_H

#include <stddef.h>

#include "common/seccomp.h"

enum vmm_seccomp_role {
	VMM_SECCOMP_MAIN, /* main loop: machine lifecycle, devices, spawning daemons */
	VMM_SECCOMP_API,  /* REST API server thread */
	VMM_SECCOMP_VCPU, /* vCPU threads: KVM_RUN and exit handling */
};

/*
 * Load role's filter on the calling thread, then run the selftest hook
 * (CNH_SECCOMP_SELFTEST=main|api|vcpu). 0 or -errno with a message in err.
 */
int vmm_seccomp_load(enum vmm_seccomp_role role, enum sc_mode mode, char *err, size_t errlen) __must_check;

#endif
