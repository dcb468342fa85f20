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
#include "common/seccomp.h"
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

/* --sandbox-level: forwarded to every daemon cnh spawns (vu_main's option of that name). */
enum config_sandbox_level {
	CONFIG_SANDBOX_BASIC = 0, /* namespaces, no capabilities, rlimits; zeroed configs get it */
	CONFIG_SANDBOX_NONE,
};

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

/* Other virtio devices (vmm/config_dev.c parses them). */
#define CONFIG_MAX_NETS 8
#define CONFIG_NET_DEFAULT_QUEUES 2 /* virtqueues: one rx/tx pair */
#define CONFIG_NET_DEFAULT_QUEUE_SIZE 256
#define CONFIG_NET_MAX_QUEUES 16
#define CONFIG_NET_MAX_QUEUE_SIZE 4096
#define CONFIG_NET_TAP_MAX_QUEUE_SIZE 1024 /* what cnh-net takes (NET_MAX_QUEUE_SIZE: a chain is one writev) */
#define CONFIG_NET_TAP_MAX 15 /* IFNAMSIZ - 1 */
#define CONFIG_MAX_FS 8
#define CONFIG_FS_TAG_MAX 36
#define CONFIG_FS_DEFAULT_QUEUES 1 /* request queues (plus the hiprio queue) */
#define CONFIG_FS_DEFAULT_QUEUE_SIZE 1024
#define CONFIG_FS_MAX_QUEUES 16
#define CONFIG_FS_MAX_QUEUE_SIZE 4096
#define CONFIG_MAX_PMEM 8
#define CONFIG_PMEM_ALIGN MiB(2)
#define CONFIG_PMEM_MAX_TOTAL GiB(32) /* half the 64-bit PCI window (see docs/design.md) */
#define CONFIG_VSOCK_MIN_CID 3
#define CONFIG_VSOCK_MAX_CID 0xfffffffeULL
/* Every virtio device sits on PCI bus 0, slots 1..31. */
#define CONFIG_MAX_VIRTIO_DEVS 31

/* One --net: a tap served by a spawned cnh-net, or an external back-end. */
struct net_config {
	char id[CONFIG_MAX_ID + 1]; /* "net0" unless id= */
	char tap[CONFIG_NET_TAP_MAX + 1];
	char *socket; /* vhost_user=true,socket= (malloc'd) */
	bool vhost_user;
	bool has_mac;
	uint8_t mac[6];
	char ip[16];   /* dotted IPv4, "" when not given */
	char mask[16]; /* with ip: defaults to 255.255.255.0 */
	unsigned int mtu; /* 0: not set */
	unsigned int num_queues; /* virtqueues, even: 2 per queue pair */
	unsigned int queue_size;
};

/* One --fs: an external virtiofsd-style back-end (socket=) or a spawned cnh-fs (path=). */
struct fs_config {
	char id[CONFIG_MAX_ID + 1]; /* "fs0" unless id= */
	char tag[CONFIG_FS_TAG_MAX + 1];
	char *socket; /* malloc'd */
	char *path;   /* shared directory (malloc'd) */
	char cache[8];    /* none|auto|always, "" = the daemon's default */
	char sandbox[12]; /* chroot|namespace|none, "" = the daemon's default */
	unsigned int num_queues; /* request queues */
	unsigned int queue_size;
};

/* One --pmem: a file mapped into a guest-physical window, flushes by cnh-pmem. */
struct pmem_config {
	char id[CONFIG_MAX_ID + 1]; /* "pmem0" unless id= */
	char *file;    /* malloc'd */
	uint64_t size; /* 0: the file's size; else a multiple of 2 MiB */
	bool discard_writes;
};

/* --vsock (at most one), served by cnh-vsock. */
struct vsock_config {
	char id[CONFIG_MAX_ID + 1];
	uint64_t cid;
	char *socket; /* host unix socket (Firecracker/Cloud Hypervisor hybrid vsock), malloc'd */
};

/* --rng, served by cnh-rng (getrandom). */
struct rng_config {
	char *src; /* accepted for Cloud Hypervisor compatibility, malloc'd; NULL: /dev/urandom */
	char *socket; /* vhost_user=true,socket= (malloc'd) */
	bool vhost_user;
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
	struct net_config nets[CONFIG_MAX_NETS];
	unsigned int nnets;
	struct fs_config fs[CONFIG_MAX_FS];
	unsigned int nfs;
	struct pmem_config pmem[CONFIG_MAX_PMEM];
	unsigned int npmem;
	struct vsock_config vsock;
	bool has_vsock;
	struct rng_config rng;
	bool has_rng;
	struct console_config console; /* virtio-console via cnh-console; default off */
	const char *event_monitor;     /* --event-monitor spec (path=...|fd=N), NULL: none */
	bool has_api;                  /* --api-socket given */
	enum sc_mode seccomp;          /* --seccomp: vCPU and API threads (default enforce) */
	enum sc_mode seccomp_main;     /* the main loop's: the same as seccomp (strict: true) */
	enum config_sandbox_level sandbox_level; /* --sandbox-level (default basic) */
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
/*
 * The device options (vmm/config_dev.c). Each parses one option value into
 * cfg (bounded: -EINVAL "at most N" when full); err gets "--net: ...".
 */
int config_net(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
int config_fs(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
int config_pmem(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
int config_vsock(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
int config_rng(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
int config_console(const char *s, struct vm_config *cfg, char *err, size_t errlen) __must_check;
/*
 * Checks across options (after every option was read): the virtio device
 * count, only one of --serial/--console on the terminal, unique ids.
 */
int config_check_devices(const struct vm_config *cfg, char *err, size_t errlen) __must_check;
/* 1..31 letters, digits, '_', '-', '.' */
bool config_id_ok(const char *id);
/* "12:34:56:78:9a:bc" -> 6 bytes. 0 or -EINVAL. */
int config_parse_mac(const char *s, uint8_t mac[6]) __must_check;
/* Free the device strings (config_fini calls it). */
void config_fini_devices(struct vm_config *cfg);

/* Free what config_parse allocated (disk paths). */
void config_fini(struct vm_config *cfg);
/* "basic" / "none". */
const char *config_sandbox_level_name(enum config_sandbox_level level);
/* The --help text. */
const char *config_usage(void);

#endif
