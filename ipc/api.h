/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's JSON bodies (Cloud Hypervisor's schema names, the subset
 * cnh implements): parsers that validate a request body into C structs,
 * and writers for the responses. Pure, jansson inside, no jansson in the
 * interface.
 *
 * Parsers reject what they do not know: unknown fields, wrong types,
 * values out of range. The error (written to err) names the field with
 * its JSON path: "memory.size: expected an integer",
 * "disks[1].path: required". Strings are copied (owned by the struct),
 * free with the matching *_fini().
 */
#ifndef CNH_IPC_API_H
#define CNH_IPC_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/util.h"

#define API_MAX_DISKS 8 /* as --disk */
#define API_MAX_NETS 16
#define API_MAX_FS 8
#define API_MAX_PMEM 8
#define API_MAX_STRING 4096 /* paths, sockets, ids... */
#define API_MAX_CMDLINE 4095
#define API_MAX_VCPUS 254
#define API_MAX_QUEUES 64
#define API_MAX_QUEUE_SIZE 32768
#define API_MAX_DISK_QUEUES 16
#define API_MAX_DISK_QUEUE_SIZE 1024
#define API_MIN_MEMORY MiB(16)
#define API_MAX_ID 31 /* letters, digits, _ - . (as --disk id=) */

enum api_vm_state {
	API_VM_NOT_CREATED = 0,
	API_VM_CREATED,
	API_VM_RUNNING,
	API_VM_PAUSED,
	API_VM_SHUTDOWN,
};

enum api_console_mode {
	API_CONSOLE_OFF = 0,
	API_CONSOLE_PTY,
	API_CONSOLE_TTY,
	API_CONSOLE_FILE,
	API_CONSOLE_SOCKET,
	API_CONSOLE_NULL,
};

struct api_payload {
	char *kernel; /* required */
	char *initramfs;
	char *cmdline;
};

struct api_cpus {
	unsigned int boot_vcpus; /* default 1 */
	unsigned int max_vcpus;  /* default boot_vcpus; must equal it (no CPU hotplug) */
};

struct api_memory {
	uint64_t size; /* bytes, default 512 MiB; a multiple of 1 MiB, >= 16 MiB */
	bool hugepages;
	bool shared; /* accepted; cnh's RAM is always shared */
};

struct api_serial {
	enum api_console_mode mode; /* default Tty */
	char *file;                 /* mode File */
	char *socket;               /* mode Socket */
};

struct api_disk {
	char *path;
	bool readonly;
	bool direct;
	unsigned int num_queues; /* default 1, at most API_MAX_DISK_QUEUES */
	unsigned int queue_size; /* default 128, a power of two, 2..API_MAX_DISK_QUEUE_SIZE */
	bool vhost_user;
	char *vhost_socket; /* required with vhost_user */
	char *serial;
	char *id;
};

struct api_net {
	char *tap;
	char *ip;
	char *mask;
	char *mac;
	char *host_mac;
	unsigned int mtu; /* 0: default */
	unsigned int num_queues; /* default 2, even */
	unsigned int queue_size; /* default 256 */
	bool vhost_user;
	char *vhost_socket;
	char *vhost_mode; /* "Client" (default) or "Server" */
	char *id;
};

struct api_fs {
	char *tag;    /* required, at most 36 bytes */
	char *socket; /* external back-end; exactly one of socket and path */
	char *path;    /* cnh extension: a directory shared by a cnh-fs that cnh starts */
	char *cache;   /* cnh extension, with path: "none", "auto" or "always" */
	char *sandbox; /* cnh extension, with path: "chroot", "namespace" or "none" */
	unsigned int num_queues; /* default 1 */
	unsigned int queue_size; /* default 1024 */
	char *id;
};

struct api_pmem {
	char *file; /* required */
	uint64_t size; /* 0: the file's size */
	bool discard_writes;
	char *id;
};

struct api_vsock {
	uint64_t cid; /* required, >= 3 */
	char *socket; /* required */
	char *id;
};

/* Cloud Hypervisor's RngConfig; socket is a cnh extension (an external vhost-user back-end). */
struct api_rng {
	char *src;
	char *socket;
};

struct api_vm_config {
	struct api_payload payload;
	struct api_cpus cpus;
	struct api_memory memory;
	struct api_serial serial;
	struct api_disk *disks;
	unsigned int ndisks;
	struct api_net *net;
	unsigned int nnet;
	struct api_fs *fs;
	unsigned int nfs;
	struct api_pmem *pmem;
	unsigned int npmem;
	struct api_vsock *vsock; /* one object in JSON (Cloud Hypervisor); NULL: none */
	unsigned int nvsock;     /* 0 or 1 */
	bool has_rng;            /* "rng" present */
	struct api_rng rng;
	struct api_serial console; /* virtio-console; default Off (not Tty as in Cloud Hypervisor) */
};

struct api_remove_device {
	char *id;
};

/* A counter for vm.counters: {"<device>": {"<name>": value}}. */
struct api_counter {
	const char *device;
	const char *name;
	uint64_t value;
};

/* Defaults as if the body were {"payload": {}} without the kernel check. */
void api_vm_config_init(struct api_vm_config *cfg);
void api_vm_config_fini(struct api_vm_config *cfg);
void api_disk_init(struct api_disk *d);
void api_disk_fini(struct api_disk *d);
void api_net_init(struct api_net *n);
void api_net_fini(struct api_net *n);
void api_fs_init(struct api_fs *f);
void api_fs_fini(struct api_fs *f);
void api_pmem_init(struct api_pmem *p);
void api_pmem_fini(struct api_pmem *p);
void api_vsock_init(struct api_vsock *v);
void api_vsock_fini(struct api_vsock *v);
void api_remove_device_fini(struct api_remove_device *r);

/*
 * Body parsers: body is len bytes (need not be NUL-terminated). 0, or
 * -EINVAL with a one-line message in err naming the field, or -ENOMEM.
 * ret is written only on success.
 */
int api_parse_vm_config(const char *body, size_t len, struct api_vm_config *ret, char *err,
			size_t errlen) __must_check;
int api_parse_disk(const char *body, size_t len, struct api_disk *ret, char *err,
		   size_t errlen) __must_check;
int api_parse_net(const char *body, size_t len, struct api_net *ret, char *err,
		  size_t errlen) __must_check;
int api_parse_fs(const char *body, size_t len, struct api_fs *ret, char *err,
		 size_t errlen) __must_check;
int api_parse_pmem(const char *body, size_t len, struct api_pmem *ret, char *err,
		   size_t errlen) __must_check;
int api_parse_vsock(const char *body, size_t len, struct api_vsock *ret, char *err,
		    size_t errlen) __must_check;
int api_parse_remove_device(const char *body, size_t len, struct api_remove_device *ret, char *err,
			    size_t errlen) __must_check;

/* Deep copy (for cold-plug bookkeeping). 0 or -ENOMEM. */
int api_disk_copy(const struct api_disk *src, struct api_disk *ret) __must_check;
int api_net_copy(const struct api_net *src, struct api_net *ret) __must_check;
int api_fs_copy(const struct api_fs *src, struct api_fs *ret) __must_check;
int api_pmem_copy(const struct api_pmem *src, struct api_pmem *ret) __must_check;
int api_vsock_copy(const struct api_vsock *src, struct api_vsock *ret) __must_check;

/*
 * Writers: each returns a malloc'd NUL-terminated JSON text, NULL on
 * out-of-memory. The VmConfig writer emits every field, defaults included,
 * so that parsing its output gives back the same struct.
 */
char *api_vm_config_to_json(const struct api_vm_config *cfg);
char *api_disk_to_json(const struct api_disk *d);
char *api_net_to_json(const struct api_net *n);
char *api_fs_to_json(const struct api_fs *f);
char *api_pmem_to_json(const struct api_pmem *p);
char *api_vsock_to_json(const struct api_vsock *v);
char *api_remove_device_to_json(const char *id);
/* VmInfo: {"config": VmConfig, "state": "Running", "memory_actual_size": N}. */
char *api_vm_info_to_json(const struct api_vm_config *cfg, enum api_vm_state state,
			  uint64_t memory_actual_size);
/* VmmPingResponse: {"version", "pid", "features": [...]}. */
char *api_ping_to_json(const char *version, pid_t pid, const char *const *features, size_t nfeatures);
char *api_counters_to_json(const struct api_counter *c, size_t n);
/* {"error": "message"} */
char *api_error_to_json(const char *msg);

/* "Created", "Running", ...; NotCreated is "NotCreated". */
const char *api_vm_state_name(enum api_vm_state s);
/* "Off", "Pty", "Tty", "File", "Socket", "Null"; parse is case-insensitive. */
const char *api_console_mode_name(enum api_console_mode m);
int api_console_mode_parse(const char *s, enum api_console_mode *ret) __must_check;

#endif
