/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VM configuration and its command-line parser (Cloud Hypervisor's
 * option names). Pure: no I/O, so every rule is unit-tested.
 */
#ifndef CNH_VMM_CONFIG_H
#define CNH_VMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "vmm/console.h"

#define CONFIG_DEFAULT_MEMORY MiB(512)
#define CONFIG_MIN_MEMORY MiB(16)
#define CONFIG_MAX_CMDLINE 4095

struct vm_config {
	const char *kernel;    /* points into argv */
	const char *initramfs; /* NULL: none */
	const char *cmdline;   /* NULL: "" */
	unsigned int cpus_boot;
	uint64_t mem_size;
	bool hugepages;
	struct console_config serial;
	enum log_level log_level;
	const char *kvm_path; /* default /dev/kvm */
};

enum config_result {
	CONFIG_RUN,     /* boot a VM */
	CONFIG_HELP,    /* --help printed: exit 0 */
	CONFIG_VERSION, /* --version printed: exit 0 */
};

/*
 * Parse argv. On error returns -EINVAL with a one-line message in err
 * ("--memory: bad size 'x'"). ret is filled on success.
 */
int config_parse(int argc, char **argv, struct vm_config *ret, enum config_result *ret_action,
		 char *err, size_t errlen) __must_check;
void config_fini(struct vm_config *cfg);
/* The --help text. */
const char *config_usage(void);

#endif
