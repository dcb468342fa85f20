/* SPDX-License-Identifier: Apache-2.0 */
#include "ipc/api.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- a table-driven object reader ---- */

enum api_kind {
	K_STR,
	K_BOOL,
	K_UINT, /* unsigned int */
	K_U64,
	K_IGNORE, /* accepted and dropped (Cloud Hypervisor fields with no meaning here) */
};

struct api_field {
	const char *name;
	enum api_kind kind;
	size_t off;
	uint64_t min, max; /* K_UINT/K_U64; K_STR: max is the length limit */
	bool required;
};

#define FSTR(s, f, maxlen, req) { #f, K_STR, offsetof(s, f), 0, maxlen, req }
#define FBOOL(s, f) { #f, K_BOOL, offsetof(s, f), 0, 0, false }
#define FUINT(s, f, lo, hi, req) { #f, K_UINT, offsetof(s, f), lo, hi, req }
#define FU64(s, f, lo, hi, req) { #f, K_U64, offsetof(s, f), lo, hi, req }
#define FIGNORE(n) { n, K_IGNORE, 0, 0, 0, false }

struct api_ctx {
	char *err;
	size_t errlen;
};

static int __printf(3, 4) api_fail(struct api_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		snprintf(c->err, c->errlen, "%s: %s", path, msg);
	else
		snprintf(c->err, c->errlen, "%s", msg);
	return -EINVAL;
}

static void api_join(char *out, size_t outlen, const char *prefix, const char *name)
{
	if (prefix && *prefix)
		snprintf(out, outlen, "%s.%s", prefix, name);
	else
		snprintf(out, outlen, "%s", name);
}

/* api_fail for the field name of the object at prefix. */
static int api_fail_field(struct api_ctx *c, const char *prefix, const char *name, const char *msg)
{
	char path[256];

	api_join(path, sizeof(path), prefix, name);
	return api_fail(c, path, "%s", msg);
}

static int api_read_string(struct api_ctx *c, const char *path, json_t *v, size_t maxlen, char **ret)
{
	const char *s;
	size_t len;
	char *copy;

	if (!json_is_string(v))
		return api_fail(c, path, "expected a string");
	s = json_string_value(v);
	len = json_string_length(v);
	if (strlen(s) != len)
		return api_fail(c, path, "contains a NUL character");
	if (len > maxlen)
		return api_fail(c, path, "longer than %zu bytes", maxlen);
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*ret);
	*ret = copy;
	return 0;
}

static int api_read_u64(struct api_ctx *c, const char *path, json_t *v, uint64_t min, uint64_t max,
			uint64_t *ret)
{
	json_int_t n;

	if (!json_is_integer(v))
		return api_fail(c, path, "expected an integer");
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < min || (uint64_t)n > max)
		return api_fail(c, path, "must be between %llu and %llu", (unsigned long long)min,
				(unsigned long long)max);
	*ret = (uint64_t)n;
	return 0;
}

static int api_read_object(struct api_ctx *c, const char *prefix, json_t *obj,
			   const struct api_field *fields, size_t nfields, void *out)
{
	char path[256];
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(obj))
		return api_fail(c, prefix, "expected an object");
	json_object_foreach(obj, key, v) {
		const struct api_field *f = NULL;
		char *dst;

		for (size_t i = 0; i < nfields; i++)
			if (strcmp(fields[i].name, key) == 0)
				f = &fields[i];
		api_join(path, sizeof(path), prefix, key);
		if (!f)
			return api_fail(c, path, "unknown field");
		dst = (char *)out + f->off;
		switch (f->kind) {
		case K_STR:
			r = api_read_string(c, path, v, f->max, (char **)dst);
			break;
		case K_BOOL:
			if (!json_is_boolean(v))
				return api_fail(c, path, "expected true or false");
			*(bool *)dst = json_is_true(v);
			r = 0;
			break;
		case K_UINT: {
			uint64_t n = 0;

			r = api_read_u64(c, path, v, f->min, f->max, &n);
			if (r == 0)
				*(unsigned int *)dst = (unsigned int)n;
			break;
		}
		case K_U64:
			r = api_read_u64(c, path, v, f->min, f->max, (uint64_t *)dst);
			break;
		case K_IGNORE:
		default:
			r = 0;
			break;
		}
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < nfields; i++) {
		if (fields[i].required && !json_object_get(obj, fields[i].name))
		return api_fail_field(c, prefix, fields[i].name, "required");
	}
	return 0;
}

static bool api_pow2(unsigned int n)
{
	return n && !(n & (n - 1));
}

/* ---- schema: one table per object ---- */

static const struct api_field api_disk_fields[] = {
	FSTR(struct api_disk, path, API_MAX_STRING, false),
	FBOOL(struct api_disk, readonly),
	FBOOL(struct api_disk, direct),
	FUINT(struct api_disk, num_queues, 1, API_MAX_DISK_QUEUES, false),
	FUINT(struct api_disk, queue_size, 2, API_MAX_DISK_QUEUE_SIZE, false),
	FBOOL(struct api_disk, vhost_user),
	FSTR(struct api_disk, vhost_socket, API_MAX_STRING, false),
	FSTR(struct api_disk, serial, 20, false), /* virtio-blk serial: 20 bytes */
	FSTR(struct api_disk, id, API_MAX_ID, false),
	FIGNORE("iommu"),
	FIGNORE("pci_segment"),
};

static int api_check_id(struct api_ctx *c, const char *prefix, const char *id)
{
	char path[256];

	if (!id)
		return 0;
	api_join(path, sizeof(path), prefix, "id");
	if (!*id)
		return api_fail(c, path, "must not be empty");
	if (id[0] == '_')
		return api_fail(c, path, "ids starting with '_' are reserved");
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == '-' || *p == '.'))
			return api_fail(c, path, "letters, digits, '_', '-' and '.' only");
	return 0;
}

static int api_read_disk(struct api_ctx *c, const char *prefix, json_t *v, struct api_disk *d)
{
	int r;

	r = api_read_object(c, prefix, v, api_disk_fields, ARRAY_SIZE(api_disk_fields), d);
	if (r < 0)
		return r;
	if (!api_pow2(d->queue_size))
		return api_fail_field(c, prefix, "queue_size", "must be a power of two");
	if (d->vhost_user && !d->vhost_socket)
		return api_fail_field(c, prefix, "vhost_socket", "required with vhost_user");
	if (!d->vhost_user && d->vhost_socket)
		return api_fail_field(c, prefix, "vhost_user", "must be true with vhost_socket");
	if (!d->vhost_user && !d->path)
		return api_fail_field(c, prefix, "path", "required (or vhost_user with vhost_socket)");
	return api_check_id(c, prefix, d->id);
}

static const struct api_field api_net_fields[] = {
	FSTR(struct api_net, tap, 15, false), /* IFNAMSIZ - 1 */
	FSTR(struct api_net, ip, 64, false),
	FSTR(struct api_net, mask, 64, false),
	FSTR(struct api_net, mac, 17, false),
	FSTR(struct api_net, host_mac, 17, false),
	FUINT(struct api_net, mtu, 68, 65535, false),
	FUINT(struct api_net, num_queues, 2, API_MAX_QUEUES, false),
	FUINT(struct api_net, queue_size, 1, API_MAX_QUEUE_SIZE, false),
	FBOOL(struct api_net, vhost_user),
	FSTR(struct api_net, vhost_socket, API_MAX_STRING, false),
	FSTR(struct api_net, vhost_mode, 16, false),
	FSTR(struct api_net, id, API_MAX_ID, false),
	FIGNORE("iommu"),
	FIGNORE("pci_segment"),
	FIGNORE("offload_tso"),
	FIGNORE("offload_ufo"),
	FIGNORE("offload_csum"),
};

static bool api_mac_ok(const char *s)
{
	unsigned int b[6];
	char tail;

	return strlen(s) == 17 &&
	       sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) == 6;
}

static int api_read_net(struct api_ctx *c, const char *prefix, json_t *v, struct api_net *n)
{
	int r;

	r = api_read_object(c, prefix, v, api_net_fields, ARRAY_SIZE(api_net_fields), n);
	if (r < 0)
		return r;
	if (n->num_queues % 2)
		return api_fail_field(c, prefix, "num_queues",
				      "must be even (one rx and one tx queue per pair)");
	if (!api_pow2(n->queue_size))
		return api_fail_field(c, prefix, "queue_size", "must be a power of two");
	if (n->mac && !api_mac_ok(n->mac))
		return api_fail_field(c, prefix, "mac", "expected xx:xx:xx:xx:xx:xx");
	if (n->host_mac && !api_mac_ok(n->host_mac))
		return api_fail_field(c, prefix, "host_mac", "expected xx:xx:xx:xx:xx:xx");
	if (n->vhost_user && !n->vhost_socket)
		return api_fail_field(c, prefix, "vhost_socket", "required with vhost_user");
	if (n->vhost_mode && strcasecmp(n->vhost_mode, "client") != 0 &&
	    strcasecmp(n->vhost_mode, "server") != 0)
		return api_fail_field(c, prefix, "vhost_mode", "expected Client or Server");
	return api_check_id(c, prefix, n->id);
}

static const struct api_field api_fs_fields[] = {
	FSTR(struct api_fs, tag, 36, true), /* virtio-fs tag: 36 bytes */
	FSTR(struct api_fs, socket, API_MAX_STRING, false),
	FSTR(struct api_fs, path, API_MAX_STRING, false),
	FSTR(struct api_fs, cache, 16, false),
	FSTR(struct api_fs, sandbox, 16, false),
	FUINT(struct api_fs, num_queues, 1, API_MAX_QUEUES, false),
	FUINT(struct api_fs, queue_size, 1, API_MAX_QUEUE_SIZE, false),
	FSTR(struct api_fs, id, API_MAX_ID, false),
	FIGNORE("pci_segment"),
};

static int api_read_fs(struct api_ctx *c, const char *prefix, json_t *v, struct api_fs *f)
{
	int r;

	r = api_read_object(c, prefix, v, api_fs_fields, ARRAY_SIZE(api_fs_fields), f);
	if (r < 0)
		return r;
	if (!*f->tag)
		return api_fail_field(c, prefix, "tag", "must not be empty");
	if (!f->socket == !f->path)
		return api_fail_field(c, prefix, "socket", "exactly one of socket and path is required");
	if ((f->cache || f->sandbox) && !f->path)
		return api_fail_field(c, prefix, f->cache ? "cache" : "sandbox", "only with path");
	if (!api_pow2(f->queue_size))
		return api_fail_field(c, prefix, "queue_size", "must be a power of two");
	return api_check_id(c, prefix, f->id);
}

static const struct api_field api_pmem_fields[] = {
	FSTR(struct api_pmem, file, API_MAX_STRING, true),
	FU64(struct api_pmem, size, 0, UINT64_C(1) << 46, false),
	FBOOL(struct api_pmem, discard_writes),
	FSTR(struct api_pmem, id, API_MAX_ID, false),
	FIGNORE("iommu"),
	FIGNORE("pci_segment"),
};

static int api_read_pmem(struct api_ctx *c, const char *prefix, json_t *v, struct api_pmem *p)
{
	int r;

	r = api_read_object(c, prefix, v, api_pmem_fields, ARRAY_SIZE(api_pmem_fields), p);
	if (r < 0)
		return r;
	if (p->size && !IS_ALIGNED(p->size, MiB(2)))
		return api_fail_field(c, prefix, "size", "must be a multiple of 2 MiB");
	return api_check_id(c, prefix, p->id);
}

static const struct api_field api_vsock_fields[] = {
	FU64(struct api_vsock, cid, 3, UINT32_MAX - 1, true),
	FSTR(struct api_vsock, socket, API_MAX_STRING, true),
	FSTR(struct api_vsock, id, API_MAX_ID, false),
	FIGNORE("iommu"),
	FIGNORE("pci_segment"),
};

static int api_read_vsock(struct api_ctx *c, const char *prefix, json_t *v, struct api_vsock *vs)
{
	int r = api_read_object(c, prefix, v, api_vsock_fields, ARRAY_SIZE(api_vsock_fields), vs);

	if (r < 0)
		return r;
	return api_check_id(c, prefix, vs->id);
}

/* ---- VmConfig ---- */

static const struct api_field api_payload_fields[] = {
	FSTR(struct api_payload, kernel, API_MAX_STRING, true),
	FSTR(struct api_payload, initramfs, API_MAX_STRING, false),
	FSTR(struct api_payload, cmdline, API_MAX_CMDLINE, false),
};

static const struct api_field api_cpus_fields[] = {
	FUINT(struct api_cpus, boot_vcpus, 1, API_MAX_VCPUS, false),
	FUINT(struct api_cpus, max_vcpus, 1, API_MAX_VCPUS, false),
};

static const struct api_field api_memory_fields[] = {
	FU64(struct api_memory, size, API_MIN_MEMORY, UINT64_C(1) << 46, false),
	FBOOL(struct api_memory, hugepages),
	FBOOL(struct api_memory, shared),
};

static const struct api_field api_serial_fields[] = {
	FIGNORE("mode"), /* read by hand: an enum */
	FSTR(struct api_serial, file, API_MAX_STRING, false),
	FSTR(struct api_serial, socket, API_MAX_STRING, false),
};

static const struct api_field api_rng_fields[] = {
	FSTR(struct api_rng, src, API_MAX_STRING, false),
	FSTR(struct api_rng, socket, API_MAX_STRING, false), /* cnh extension */
	FIGNORE("iommu"),
};

static int api_read_cpus(struct api_ctx *c, json_t *v, struct api_cpus *cpus)
{
	int r;

	cpus->max_vcpus = 0;
	r = api_read_object(c, "cpus", v, api_cpus_fields, ARRAY_SIZE(api_cpus_fields), cpus);
	if (r < 0)
		return r;
	if (cpus->max_vcpus == 0)
		cpus->max_vcpus = cpus->boot_vcpus;
	if (cpus->max_vcpus != cpus->boot_vcpus)
		return api_fail(c, "cpus.max_vcpus", "must equal boot_vcpus (no CPU hotplug)");
	return 0;
}

static int api_read_memory(struct api_ctx *c, json_t *v, struct api_memory *m)
{
	int r = api_read_object(c, "memory", v, api_memory_fields, ARRAY_SIZE(api_memory_fields), m);

	if (r < 0)
		return r;
	if (!IS_ALIGNED(m->size, MiB(1)))
		return api_fail(c, "memory.size", "must be a multiple of 1 MiB");
	if (m->hugepages && !IS_ALIGNED(m->size, MiB(2)))
		return api_fail(c, "memory.size", "must be a multiple of 2 MiB with hugepages");
	return 0;
}

static int api_read_serial(struct api_ctx *c, const char *name, json_t *v, struct api_serial *s)
{
	char mpath[32], fpath[32], spath[32];
	json_t *mode;
	int r;

	snprintf(mpath, sizeof(mpath), "%s.mode", name);
	snprintf(fpath, sizeof(fpath), "%s.file", name);
	snprintf(spath, sizeof(spath), "%s.socket", name);

	r = api_read_object(c, name, v, api_serial_fields, ARRAY_SIZE(api_serial_fields), s);
	if (r < 0)
		return r;
	mode = json_object_get(v, "mode");
	if (!mode)
		return api_fail(c, mpath, "required");
	if (!json_is_string(mode) || api_console_mode_parse(json_string_value(mode), &s->mode) < 0)
		return api_fail(c, mpath, "expected one of Off, Pty, Tty, File, Socket, Null");
	if (s->mode == API_CONSOLE_FILE && !s->file)
		return api_fail(c, fpath, "required with mode File");
	if (s->mode == API_CONSOLE_SOCKET && !s->socket)
		return api_fail(c, spath, "required with mode Socket");
	if (s->file && s->mode != API_CONSOLE_FILE)
		return api_fail(c, fpath, "only with mode File");
	if (s->socket && s->mode != API_CONSOLE_SOCKET)
		return api_fail(c, spath, "only with mode Socket");
	return 0;
}

/*
 * Read an array of objects: *ret_arr gets calloc'd elements (each set up
 * by init before read), *ret_n their count.
 */
static int api_read_array(struct api_ctx *c, const char *name, json_t *v, size_t max, size_t elsize,
			  void (*init)(void *), int (*read)(struct api_ctx *, const char *, json_t *, void *),
			  void **ret_arr, unsigned int *ret_n)
{
	char path[64];
	size_t n, i;
	char *arr;
	int r;

	if (!json_is_array(v))
		return api_fail(c, name, "expected an array");
	n = json_array_size(v);
	if (n > max)
		return api_fail(c, name, "at most %zu entries", max);
	if (n == 0)
		return 0;
	arr = calloc(n, elsize);
	if (!arr)
		return -ENOMEM;
	*ret_arr = arr;
	for (i = 0; i < n; i++)
		init(arr + i * elsize);
	*ret_n = (unsigned int)n; /* set now so that fini frees a half-read array */
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s[%zu]", name, i);
		r = read(c, path, json_array_get(v, i), arr + i * elsize);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Adapters with the generic signature. */
#define API_ADAPT(type, fn)                                                                       \
	static void fn##_init_v(void *p) { fn##_init((type *)p); }                                 \
	static int fn##_read_v(struct api_ctx *c, const char *path, json_t *v, void *p)            \
	{                                                                                          \
		return api_read_##fn(c, path, v, (type *)p);                                       \
	}
#define api_read_api_disk api_read_disk
#define api_read_api_net api_read_net
#define api_read_api_fs api_read_fs
#define api_read_api_pmem api_read_pmem
API_ADAPT(struct api_disk, api_disk)
API_ADAPT(struct api_net, api_net)
API_ADAPT(struct api_fs, api_fs)
API_ADAPT(struct api_pmem, api_pmem)

static int api_read_vm_config(struct api_ctx *c, json_t *root, struct api_vm_config *cfg)
{
	static const char *const known[] = { "payload", "cpus", "memory", "serial", "disks",
					     "net", "fs", "pmem", "vsock", "rng", "console" };
	const char *key;
	json_t *v;
	int r;

	if (!json_is_object(root))
		return api_fail(c, NULL, "expected a JSON object (VmConfig)");
	json_object_foreach(root, key, v) {
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok |= strcmp(known[i], key) == 0;
		if (!ok)
			return api_fail(c, key, "unknown field");
	}
	v = json_object_get(root, "payload");
	if (!v)
		return api_fail(c, "payload", "required");
	r = api_read_object(c, "payload", v, api_payload_fields, ARRAY_SIZE(api_payload_fields),
			    &cfg->payload);
	if (r < 0)
		return r;
	if (!*cfg->payload.kernel)
		return api_fail(c, "payload.kernel", "must not be empty");
	v = json_object_get(root, "cpus");
	if (v && (r = api_read_cpus(c, v, &cfg->cpus)) < 0)
		return r;
	v = json_object_get(root, "memory");
	if (v && (r = api_read_memory(c, v, &cfg->memory)) < 0)
		return r;
	v = json_object_get(root, "serial");
	if (v && (r = api_read_serial(c, "serial", v, &cfg->serial)) < 0)
		return r;
	v = json_object_get(root, "console");
	if (v && (r = api_read_serial(c, "console", v, &cfg->console)) < 0)
		return r;
	v = json_object_get(root, "rng");
	if (v && !json_is_null(v)) {
		r = api_read_object(c, "rng", v, api_rng_fields, ARRAY_SIZE(api_rng_fields), &cfg->rng);
		if (r < 0)
			return r;
		cfg->has_rng = true;
	}
	v = json_object_get(root, "disks");
	if (v && (r = api_read_array(c, "disks", v, API_MAX_DISKS, sizeof(struct api_disk),
				     api_disk_init_v, api_disk_read_v, (void **)&cfg->disks,
				     &cfg->ndisks)) < 0)
		return r;
	v = json_object_get(root, "net");
	if (v && (r = api_read_array(c, "net", v, API_MAX_NETS, sizeof(struct api_net), api_net_init_v,
				     api_net_read_v, (void **)&cfg->net, &cfg->nnet)) < 0)
		return r;
	v = json_object_get(root, "fs");
	if (v && (r = api_read_array(c, "fs", v, API_MAX_FS, sizeof(struct api_fs), api_fs_init_v,
				     api_fs_read_v, (void **)&cfg->fs, &cfg->nfs)) < 0)
		return r;
	v = json_object_get(root, "pmem");
	if (v && (r = api_read_array(c, "pmem", v, API_MAX_PMEM, sizeof(struct api_pmem),
				     api_pmem_init_v, api_pmem_read_v, (void **)&cfg->pmem,
				     &cfg->npmem)) < 0)
		return r;
	v = json_object_get(root, "vsock");
	if (v && !json_is_null(v)) {
		cfg->vsock = calloc(1, sizeof(*cfg->vsock));
		if (!cfg->vsock)
			return -ENOMEM;
		api_vsock_init(cfg->vsock);
		cfg->nvsock = 1;
		r = api_read_vsock(c, "vsock", v, cfg->vsock);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- public parsers ---- */

static int api_load(struct api_ctx *c, const char *body, size_t len, json_t **ret)
{
	json_error_t jerr;
	json_t *root;

	if (!body || len == 0)
		return api_fail(c, NULL, "a JSON body is required");
	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return api_fail(c, NULL, "invalid JSON at line %d column %d: %s", jerr.line, jerr.column,
				jerr.text);
	*ret = root;
	return 0;
}

int api_parse_vm_config(const char *body, size_t len, struct api_vm_config *ret, char *err,
			size_t errlen)
{
	struct api_ctx c = { err, errlen };
	struct api_vm_config cfg;
	json_t *root;
	int r;

	r = api_load(&c, body, len, &root);
	if (r < 0)
		return r;
	api_vm_config_init(&cfg);
	r = api_read_vm_config(&c, root, &cfg);
	json_decref(root);
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		api_vm_config_fini(&cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

/* One parser per device body: load, init, read, fini on failure. */
#define API_PARSE_ONE(type, fn)                                                                  \
	int api_parse_##fn(const char *body, size_t len, struct api_##fn *ret, char *err,         \
			   size_t errlen)                                                         \
	{                                                                                         \
		struct api_ctx c = { err, errlen };                                               \
		struct api_##fn obj;                                                              \
		json_t *root;                                                                     \
		int r;                                                                            \
                                                                                                  \
		r = api_load(&c, body, len, &root);                                               \
		if (r < 0)                                                                        \
			return r;                                                                 \
		api_##fn##_init(&obj);                                                            \
		r = api_read_##fn(&c, "", root, &obj);                                            \
		json_decref(root);                                                                \
		if (r < 0) {                                                                      \
			if (r == -ENOMEM)                                                         \
				snprintf(err, errlen, "out of memory");                           \
			api_##fn##_fini(&obj);                                                    \
			return r;                                                                 \
		}                                                                                 \
		*ret = obj;                                                                       \
		return 0;                                                                         \
	}

API_PARSE_ONE(struct api_disk, disk)
API_PARSE_ONE(struct api_net, net)
API_PARSE_ONE(struct api_fs, fs)
API_PARSE_ONE(struct api_pmem, pmem)
API_PARSE_ONE(struct api_vsock, vsock)

static const struct api_field api_remove_fields[] = {
	FSTR(struct api_remove_device, id, API_MAX_ID, true),
};

int api_parse_remove_device(const char *body, size_t len, struct api_remove_device *ret, char *err,
			    size_t errlen)
{
	struct api_ctx c = { err, errlen };
	struct api_remove_device rd = { 0 };
	json_t *root;
	int r;

	r = api_load(&c, body, len, &root);
	if (r < 0)
		return r;
	r = api_read_object(&c, "", root, api_remove_fields, ARRAY_SIZE(api_remove_fields), &rd);
	json_decref(root);
	if (r == 0 && !*rd.id)
		r = api_fail(&c, "id", "must not be empty");
	if (r < 0) {
		if (r == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		api_remove_device_fini(&rd);
		return r;
	}
	*ret = rd;
	return 0;
}
