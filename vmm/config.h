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
#include "vmm/api.h"
#include "vmm/console.h"

#define CONFIG_DEFAULT_MEMORY MiB(512)
#define CONFIG_MIN_MEMORY MiB(16)
#define CONFIG_MAX_CMDLINE 4095

#define CONFIG_MAX_DISKS 8
#define CONFIG_DISK_DEFAULT_QUEUES 1   /* Cloud Hypervisor's defaults */
#define CONFIG_DISK_DEFAULT_QUEUE_SIZE 128
#define CONFIG_DISK_MAX_QUEUES 16
#define CONFIG_DISK_MAX_QUEUE_SIZE 1024
#define CONFIG_MAX_ID 31

/* One --disk: a file served by a spawned cnh-blk, or an external back-end. */
struct disk_config {
	char id[CONFIG_MAX_ID + 1]; /* "disk0" unless id= */
	char *path;                 /* path=: cnh spawns cnh-blk (malloc'd) */
	char *socket;               /* vhost_user=true,socket=: external back-end (malloc'd) */
	bool vhost_user;
	bool readonly;
	bool direct;
	unsigned int num_queues;
	unsigned int queue_size;
};

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
	bool trace_boot;     /* --trace-boot: cnh-trace lines on stderr */
	struct disk_config disks[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	const char *event_monitor;     /* --event-monitor spec (path=...|fd=N), NULL: none */
	bool has_api;                  /* --api-socket given */
	struct api_server_config api;
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
/* Free what config_parse allocated (disk paths). */
void config_fini(struct vm_config *cfg);
/* The --help text. */
const char *config_usage(void);

#endif
