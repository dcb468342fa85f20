/* SPDX-License-Identifier: Apache-2.0 */
/* The API structs' life cycle (init, fini, copy) and the JSON writers. */
#include "ipc/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names ---- */

static const char *const api_state_names[] = {
	[API_VM_NOT_CREATED] = "NotCreated", [API_VM_CREATED] = "Created",
	[API_VM_RUNNING] = "Running",        [API_VM_PAUSED] = "Paused",
	[API_VM_SHUTDOWN] = "Shutdown",
};

static const char *const api_console_names[] = {
	[API_CONSOLE_OFF] = "Off",   [API_CONSOLE_PTY] = "Pty",       [API_CONSOLE_TTY] = "Tty",
	[API_CONSOLE_FILE] = "File", [API_CONSOLE_SOCKET] = "Socket", [API_CONSOLE_NULL] = "Null",
};

const char *api_vm_state_name(enum api_vm_state s)
{
	return (unsigned int)s < ARRAY_SIZE(api_state_names) ? api_state_names[s] : "Unknown";
}

const char *api_console_mode_name(enum api_console_mode m)
{
	return (unsigned int)m < ARRAY_SIZE(api_console_names) ? api_console_names[m] : "Unknown";
}

int api_console_mode_parse(const char *s, enum api_console_mode *ret)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(api_console_names); i++) {
		if (strcasecmp(s, api_console_names[i]) == 0) {
			*ret = (enum api_console_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- init / fini / copy ---- */

void api_disk_init(struct api_disk *d)
{
	*d = (struct api_disk){ .num_queues = 1, .queue_size = 128 };
}

void api_disk_fini(struct api_disk *d)
{
	if (!d)
		return;
	free(d->path);
	free(d->vhost_socket);
	free(d->serial);
	free(d->id);
	api_disk_init(d);
}

void api_net_init(struct api_net *n)
{
	*n = (struct api_net){ .num_queues = 2, .queue_size = 256 };
}

void api_net_fini(struct api_net *n)
{
	if (!n)
		return;
	free(n->tap);
	free(n->ip);
	free(n->mask);
	free(n->mac);
	free(n->host_mac);
	free(n->vhost_socket);
	free(n->vhost_mode);
	free(n->id);
	api_net_init(n);
}

void api_fs_init(struct api_fs *f)
{
	*f = (struct api_fs){ .num_queues = 1, .queue_size = 1024 };
}

void api_fs_fini(struct api_fs *f)
{
	if (!f)
		return;
	free(f->tag);
	free(f->socket);
	free(f->path);
	free(f->cache);
	free(f->sandbox);
	free(f->id);
	api_fs_init(f);
}

void api_pmem_init(struct api_pmem *p)
{
	*p = (struct api_pmem){ 0 };
}

void api_pmem_fini(struct api_pmem *p)
{
	if (!p)
		return;
	free(p->file);
	free(p->id);
	api_pmem_init(p);
}

void api_vsock_init(struct api_vsock *v)
{
	*v = (struct api_vsock){ 0 };
}

void api_vsock_fini(struct api_vsock *v)
{
	if (!v)
		return;
	free(v->socket);
	free(v->id);
	api_vsock_init(v);
}

void api_remove_device_fini(struct api_remove_device *r)
{
	if (!r)
		return;
	free(r->id);
	r->id = NULL;
}

void api_vm_config_init(struct api_vm_config *cfg)
{
	*cfg = (struct api_vm_config){
		.cpus = { .boot_vcpus = 1, .max_vcpus = 1 },
		.memory = { .size = MiB(512) },
		.serial = { .mode = API_CONSOLE_TTY },
		.console = { .mode = API_CONSOLE_OFF },
	};
}

void api_vm_config_fini(struct api_vm_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->payload.kernel);
	free(cfg->payload.initramfs);
	free(cfg->payload.cmdline);
	free(cfg->serial.file);
	free(cfg->serial.socket);
	free(cfg->console.file);
	free(cfg->console.socket);
	free(cfg->rng.src);
	free(cfg->rng.socket);
	for (unsigned int i = 0; i < cfg->ndisks; i++)
		api_disk_fini(&cfg->disks[i]);
	free(cfg->disks);
	for (unsigned int i = 0; i < cfg->nnet; i++)
		api_net_fini(&cfg->net[i]);
	free(cfg->net);
	for (unsigned int i = 0; i < cfg->nfs; i++)
		api_fs_fini(&cfg->fs[i]);
	free(cfg->fs);
	for (unsigned int i = 0; i < cfg->npmem; i++)
		api_pmem_fini(&cfg->pmem[i]);
	free(cfg->pmem);
	for (unsigned int i = 0; i < cfg->nvsock; i++)
		api_vsock_fini(&cfg->vsock[i]);
	free(cfg->vsock);
	api_vm_config_init(cfg);
}

/* Duplicate *s into *d; NULL stays NULL. */
static int api_dup(char **d, const char *s)
{
	*d = NULL;
	if (!s)
		return 0;
	*d = strdup(s);
	return *d ? 0 : -ENOMEM;
}

int api_disk_copy(const struct api_disk *src, struct api_disk *ret)
{
	struct api_disk d = *src;

	if (api_dup(&d.path, src->path) | api_dup(&d.vhost_socket, src->vhost_socket) |
	    api_dup(&d.serial, src->serial) | api_dup(&d.id, src->id)) {
		api_disk_fini(&d);
		return -ENOMEM;
	}
	*ret = d;
	return 0;
}

int api_net_copy(const struct api_net *src, struct api_net *ret)
{
	struct api_net n = *src;

	if (api_dup(&n.tap, src->tap) | api_dup(&n.ip, src->ip) | api_dup(&n.mask, src->mask) |
	    api_dup(&n.mac, src->mac) | api_dup(&n.host_mac, src->host_mac) |
	    api_dup(&n.vhost_socket, src->vhost_socket) | api_dup(&n.vhost_mode, src->vhost_mode) |
	    api_dup(&n.id, src->id)) {
		api_net_fini(&n);
		return -ENOMEM;
	}
	*ret = n;
	return 0;
}

int api_fs_copy(const struct api_fs *src, struct api_fs *ret)
{
	struct api_fs f = *src;

	if (api_dup(&f.tag, src->tag) | api_dup(&f.socket, src->socket) | api_dup(&f.path, src->path) |
	    api_dup(&f.cache, src->cache) | api_dup(&f.sandbox, src->sandbox) | api_dup(&f.id, src->id)) {
		api_fs_fini(&f);
		return -ENOMEM;
	}
	*ret = f;
	return 0;
}

int api_pmem_copy(const struct api_pmem *src, struct api_pmem *ret)
{
	struct api_pmem p = *src;

	if (api_dup(&p.file, src->file) | api_dup(&p.id, src->id)) {
		api_pmem_fini(&p);
		return -ENOMEM;
	}
	*ret = p;
	return 0;
}

int api_vsock_copy(const struct api_vsock *src, struct api_vsock *ret)
{
	struct api_vsock v = *src;

	if (api_dup(&v.socket, src->socket) | api_dup(&v.id, src->id)) {
		api_vsock_fini(&v);
		return -ENOMEM;
	}
	*ret = v;
	return 0;
}

/* ---- writers ---- */

/* Build helpers: a NULL object or failed set makes the whole result NULL. */
static void api_set(json_t *o, const char *k, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, k, v) < 0)
		*ok = false;
}

static void api_set_str(json_t *o, const char *k, const char *s, bool *ok)
{
	if (s)
		api_set(o, k, json_string(s), ok);
}

static void api_set_u64(json_t *o, const char *k, uint64_t v, bool *ok)
{
	api_set(o, k, json_integer((json_int_t)v), ok);
}

static void api_set_bool(json_t *o, const char *k, bool v, bool *ok)
{
	api_set(o, k, json_boolean(v), ok);
}

static json_t *api_disk_json(const struct api_disk *d)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set_str(o, "path", d->path, &ok);
	api_set_bool(o, "readonly", d->readonly, &ok);
	api_set_bool(o, "direct", d->direct, &ok);
	api_set_u64(o, "num_queues", d->num_queues, &ok);
	api_set_u64(o, "queue_size", d->queue_size, &ok);
	api_set_bool(o, "vhost_user", d->vhost_user, &ok);
	api_set_str(o, "vhost_socket", d->vhost_socket, &ok);
	api_set_str(o, "serial", d->serial, &ok);
	api_set_str(o, "id", d->id, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *api_net_json(const struct api_net *n)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set_str(o, "tap", n->tap, &ok);
	api_set_str(o, "ip", n->ip, &ok);
	api_set_str(o, "mask", n->mask, &ok);
	api_set_str(o, "mac", n->mac, &ok);
	api_set_str(o, "host_mac", n->host_mac, &ok);
	if (n->mtu)
		api_set_u64(o, "mtu", n->mtu, &ok);
	api_set_u64(o, "num_queues", n->num_queues, &ok);
	api_set_u64(o, "queue_size", n->queue_size, &ok);
	api_set_bool(o, "vhost_user", n->vhost_user, &ok);
	api_set_str(o, "vhost_socket", n->vhost_socket, &ok);
	api_set_str(o, "vhost_mode", n->vhost_mode, &ok);
	api_set_str(o, "id", n->id, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *api_fs_json(const struct api_fs *f)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set_str(o, "tag", f->tag, &ok);
	api_set_str(o, "socket", f->socket, &ok);
	api_set_str(o, "path", f->path, &ok);
	api_set_str(o, "cache", f->cache, &ok);
	api_set_str(o, "sandbox", f->sandbox, &ok);
	api_set_u64(o, "num_queues", f->num_queues, &ok);
	api_set_u64(o, "queue_size", f->queue_size, &ok);
	api_set_str(o, "id", f->id, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *api_pmem_json(const struct api_pmem *p)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set_str(o, "file", p->file, &ok);
	if (p->size)
		api_set_u64(o, "size", p->size, &ok);
	api_set_bool(o, "discard_writes", p->discard_writes, &ok);
	api_set_str(o, "id", p->id, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *api_vsock_json(const struct api_vsock *v)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set_u64(o, "cid", v->cid, &ok);
	api_set_str(o, "socket", v->socket, &ok);
	api_set_str(o, "id", v->id, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* An array of n elements built by fn; NULL when empty is not wanted: callers skip n == 0. */
#define API_ARRAY_JSON(name, type, fn)                                  \
	static json_t *name(const type *a, unsigned int n)              \
	{                                                               \
		json_t *arr = json_array();                             \
                                                                        \
		if (!arr)                                               \
			return NULL;                                    \
		for (unsigned int i = 0; i < n; i++) {                  \
			if (json_array_append_new(arr, fn(&a[i])) < 0) { \
				json_decref(arr);                       \
				return NULL;                            \
			}                                               \
		}                                                       \
		return arr;                                             \
	}

API_ARRAY_JSON(api_disks_json, struct api_disk, api_disk_json)
API_ARRAY_JSON(api_nets_json, struct api_net, api_net_json)
API_ARRAY_JSON(api_fss_json, struct api_fs, api_fs_json)
API_ARRAY_JSON(api_pmems_json, struct api_pmem, api_pmem_json)

static json_t *api_vm_config_json(const struct api_vm_config *cfg)
{
	json_t *o = json_object(), *payload = json_object(), *cpus = json_object(),
	       *mem = json_object(), *serial = json_object();
	bool ok = o && payload && cpus && mem && serial;

	if (!ok) {
		json_decref(o);
		json_decref(payload);
		json_decref(cpus);
		json_decref(mem);
		json_decref(serial);
		return NULL;
	}
	api_set_str(payload, "kernel", cfg->payload.kernel, &ok);
	api_set_str(payload, "initramfs", cfg->payload.initramfs, &ok);
	api_set_str(payload, "cmdline", cfg->payload.cmdline, &ok);
	api_set(o, "payload", payload, &ok);
	api_set_u64(cpus, "boot_vcpus", cfg->cpus.boot_vcpus, &ok);
	api_set_u64(cpus, "max_vcpus", cfg->cpus.max_vcpus ? cfg->cpus.max_vcpus : cfg->cpus.boot_vcpus,
		    &ok);
	api_set(o, "cpus", cpus, &ok);
	api_set_u64(mem, "size", cfg->memory.size, &ok);
	api_set_bool(mem, "hugepages", cfg->memory.hugepages, &ok);
	api_set_bool(mem, "shared", cfg->memory.shared, &ok);
	api_set(o, "memory", mem, &ok);
	api_set(serial, "mode", json_string(api_console_mode_name(cfg->serial.mode)), &ok);
	api_set_str(serial, "file", cfg->serial.file, &ok);
	api_set_str(serial, "socket", cfg->serial.socket, &ok);
	api_set(o, "serial", serial, &ok);
	if (cfg->ndisks)
		api_set(o, "disks", api_disks_json(cfg->disks, cfg->ndisks), &ok);
	if (cfg->nnet)
		api_set(o, "net", api_nets_json(cfg->net, cfg->nnet), &ok);
	if (cfg->nfs)
		api_set(o, "fs", api_fss_json(cfg->fs, cfg->nfs), &ok);
	if (cfg->npmem)
		api_set(o, "pmem", api_pmems_json(cfg->pmem, cfg->npmem), &ok);
	if (cfg->nvsock)
		api_set(o, "vsock", api_vsock_json(cfg->vsock), &ok);
	if (ok) {
		json_t *con = json_object();

		api_set(con, "mode", json_string(api_console_mode_name(cfg->console.mode)), &ok);
		api_set_str(con, "file", cfg->console.file, &ok);
		api_set_str(con, "socket", cfg->console.socket, &ok);
		api_set(o, "console", con, &ok);
	}
	if (ok && cfg->has_rng) {
		json_t *rng = json_object();

		api_set_str(rng, "src", cfg->rng.src, &ok);
		api_set_str(rng, "socket", cfg->rng.socket, &ok);
		api_set(o, "rng", rng, &ok);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Serialise and release. */
static char *api_dump(json_t *o)
{
	char *s;

	if (!o)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

char *api_vm_config_to_json(const struct api_vm_config *cfg)
{
	return api_dump(api_vm_config_json(cfg));
}

char *api_disk_to_json(const struct api_disk *d)
{
	return api_dump(api_disk_json(d));
}

char *api_net_to_json(const struct api_net *n)
{
	return api_dump(api_net_json(n));
}

char *api_fs_to_json(const struct api_fs *f)
{
	return api_dump(api_fs_json(f));
}

char *api_pmem_to_json(const struct api_pmem *p)
{
	return api_dump(api_pmem_json(p));
}

char *api_vsock_to_json(const struct api_vsock *v)
{
	return api_dump(api_vsock_json(v));
}

char *api_remove_device_to_json(const char *id)
{
	return api_dump(json_pack("{s:s}", "id", id));
}

char *api_vm_info_to_json(const struct api_vm_config *cfg, enum api_vm_state state,
			  uint64_t memory_actual_size)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	api_set(o, "config", api_vm_config_json(cfg), &ok);
	api_set(o, "state", json_string(api_vm_state_name(state)), &ok);
	api_set_u64(o, "memory_actual_size", memory_actual_size, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return api_dump(o);
}

char *api_ping_to_json(const char *version, pid_t pid, const char *const *features, size_t nfeatures)
{
	json_t *o = json_object(), *f = json_array();
	bool ok = o && f;

	if (!ok) {
		json_decref(o);
		json_decref(f);
		return NULL;
	}
	for (size_t i = 0; i < nfeatures; i++)
		if (json_array_append_new(f, json_string(features[i])) < 0)
			ok = false;
	api_set_str(o, "version", version, &ok);
	api_set_u64(o, "pid", (uint64_t)pid, &ok);
	api_set(o, "features", f, &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return api_dump(o);
}

char *api_counters_to_json(const struct api_counter *c, size_t n)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n && ok; i++) {
		json_t *dev = json_object_get(o, c[i].device);

		if (!dev) {
			dev = json_object();
			api_set(o, c[i].device, dev, &ok);
			if (!ok)
				break;
		}
		api_set_u64(dev, c[i].name, c[i].value, &ok);
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return api_dump(o);
}

char *api_error_to_json(const char *msg)
{
	return api_dump(json_pack("{s:s}", "error", msg ? msg : ""));
}
