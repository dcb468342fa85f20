/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/config_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	enum api_console_mode api;
	enum console_mode console;
} console_modes[] = {
	{ API_CONSOLE_OFF, CONSOLE_OFF },   { API_CONSOLE_PTY, CONSOLE_PTY },
	{ API_CONSOLE_TTY, CONSOLE_TTY },   { API_CONSOLE_FILE, CONSOLE_FILE },
	{ API_CONSOLE_SOCKET, CONSOLE_SOCKET }, { API_CONSOLE_NULL, CONSOLE_NULL },
};

static int serial_from_api(const struct api_serial *s, struct console_config *ret, char *err,
			   size_t errlen)
{
	const char *path = s->mode == API_CONSOLE_FILE ? s->file : s->mode == API_CONSOLE_SOCKET ? s->socket : NULL;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < ARRAY_SIZE(console_modes); i++)
		if (console_modes[i].api == s->mode)
			ret->mode = console_modes[i].console;
	if (path) {
		if (strlen(path) >= sizeof(ret->path)) {
			snprintf(err, errlen, "serial: path longer than %zu bytes", sizeof(ret->path) - 1);
			return -EINVAL;
		}
		strcpy(ret->path, path);
	}
	return 0;
}

static int disk_from_api(const struct api_disk *d, unsigned int i, struct disk_config *ret, char *err,
			 size_t errlen)
{
	memset(ret, 0, sizeof(*ret));
	if (d->id && strlen(d->id) > CONFIG_MAX_ID) {
		snprintf(err, errlen, "disks[%u].id: longer than %d bytes", i, CONFIG_MAX_ID);
		return -EINVAL;
	}
	if (d->id)
		strcpy(ret->id, d->id);
	else
		snprintf(ret->id, sizeof(ret->id), "disk%u", i);
	ret->vhost_user = d->vhost_user;
	ret->readonly = d->readonly;
	ret->direct = d->direct;
	ret->num_queues = d->num_queues;
	ret->queue_size = d->queue_size;
	if (d->path && !(ret->path = strdup(d->path)))
		return -ENOMEM;
	if (d->vhost_socket && !(ret->socket = strdup(d->vhost_socket)))
		return -ENOMEM;
	return 0;
}

/*
 * The API's device objects go through the command-line parsers (one set of
 * rules and limits): each becomes an option value. Strings holding ',' would
 * split it and are refused.
 */
struct optbuf {
	char s[2 * 4096 + 512];
	bool bad;
};

static void ob_str(struct optbuf *b, const char *key, const char *v)
{
	size_t n = strlen(b->s);

	if (!v)
		return;
	if (strchr(v, ','))
		b->bad = true;
	snprintf(b->s + n, sizeof(b->s) - n, "%s%s=%s", n ? "," : "", key, v);
}

static void ob_u64(struct optbuf *b, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	ob_str(b, key, num);
}

typedef int (*config_opt_fn)(const char *s, struct vm_config *cfg, char *err, size_t errlen);

static int ob_apply(struct optbuf *b, config_opt_fn fn, const char *what, struct vm_config *c,
		    char *err, size_t errlen)
{
	char e[256];
	int r;

	if (b->bad) {
		snprintf(err, errlen, "%s: values containing ',' are not supported", what);
		return -EINVAL;
	}
	r = fn(b->s, c, e, sizeof(e));
	if (r < 0)
		snprintf(err, errlen, "%s: %s", what, e);
	return r;
}

static int devices_from_api(const struct api_vm_config *a, struct vm_config *c, char *err, size_t errlen)
{
	char what[32];
	int r = 0;

	for (unsigned int i = 0; r == 0 && i < a->nnet; i++) {
		const struct api_net *n = &a->net[i];
		struct optbuf b = { .s = "" };

		snprintf(what, sizeof(what), "net[%u]", i);
		if (n->host_mac || (n->vhost_mode && strcasecmp(n->vhost_mode, "client") != 0)) {
			snprintf(err, errlen, "%s: host_mac and vhost_mode Server are not supported", what);
			return -EOPNOTSUPP;
		}
		ob_str(&b, "tap", n->tap);
		ob_str(&b, "mac", n->mac);
		ob_str(&b, "ip", n->ip);
		ob_str(&b, "mask", n->mask);
		if (n->mtu)
			ob_u64(&b, "mtu", n->mtu);
		ob_u64(&b, "num_queues", n->num_queues);
		ob_u64(&b, "queue_size", n->queue_size);
		if (n->vhost_user)
			ob_str(&b, "vhost_user", "true");
		ob_str(&b, "socket", n->vhost_socket);
		ob_str(&b, "id", n->id);
		r = ob_apply(&b, config_net, what, c, err, errlen);
	}
	for (unsigned int i = 0; r == 0 && i < a->nfs; i++) {
		const struct api_fs *f = &a->fs[i];
		struct optbuf b = { .s = "" };

		snprintf(what, sizeof(what), "fs[%u]", i);
		ob_str(&b, "tag", f->tag);
		ob_str(&b, "socket", f->socket);
		ob_str(&b, "path", f->path);
		ob_str(&b, "cache", f->cache);
		ob_str(&b, "sandbox", f->sandbox);
		ob_u64(&b, "num_queues", f->num_queues);
		ob_u64(&b, "queue_size", f->queue_size);
		ob_str(&b, "id", f->id);
		r = ob_apply(&b, config_fs, what, c, err, errlen);
	}
	for (unsigned int i = 0; r == 0 && i < a->npmem; i++) {
		const struct api_pmem *p = &a->pmem[i];
		struct optbuf b = { .s = "" };

		snprintf(what, sizeof(what), "pmem[%u]", i);
		ob_str(&b, "file", p->file);
		if (p->size)
			ob_u64(&b, "size", p->size);
		if (p->discard_writes)
			ob_str(&b, "discard_writes", "on");
		ob_str(&b, "id", p->id);
		r = ob_apply(&b, config_pmem, what, c, err, errlen);
	}
	for (unsigned int i = 0; r == 0 && i < a->nvsock && a->vsock; i++) {
		struct optbuf b = { .s = "" };

		ob_u64(&b, "cid", a->vsock[i].cid);
		ob_str(&b, "socket", a->vsock[i].socket);
		ob_str(&b, "id", a->vsock[i].id);
		r = ob_apply(&b, config_vsock, "vsock", c, err, errlen);
	}
	if (r == 0 && a->has_rng) {
		struct optbuf b = { .s = "" };

		ob_str(&b, "src", a->rng.src);
		if (a->rng.socket)
			ob_str(&b, "vhost_user", "true");
		ob_str(&b, "socket", a->rng.socket);
		r = ob_apply(&b, config_rng, "rng", c, err, errlen);
	}
	if (r == 0)
		r = serial_from_api(&a->console, &c->console, err, errlen);
	if (r == 0)
		r = config_check_devices(c, err, errlen);
	return r;
}

int config_from_api(const struct api_vm_config *a, const struct vm_config *base,
		    struct vm_config *ret, char *err, size_t errlen)
{
	struct vm_config c = {
		.log_level = base->log_level,
		.kvm_path = base->kvm_path,
		.trace_boot = base->trace_boot,
		/* Process-wide too: a zeroed seccomp would start the daemons with --seccomp false. */
		.seccomp = base->seccomp,
		.seccomp_main = base->seccomp_main,
		.sandbox_level = base->sandbox_level,
		.has_api = base->has_api,
		.api = base->api,
		.kernel = a->payload.kernel,
		.initramfs = a->payload.initramfs,
		.cmdline = a->payload.cmdline,
		.cpus_boot = a->cpus.boot_vcpus,
		.mem_size = a->memory.size,
		.hugepages = a->memory.hugepages,
	};
	int r;

	if (!c.kernel) {
		snprintf(err, errlen, "payload.kernel: required");
		return -EINVAL;
	}
	if (a->ndisks > CONFIG_MAX_DISKS) {
		snprintf(err, errlen, "disks: at most %d", CONFIG_MAX_DISKS);
		return -EINVAL;
	}
	r = serial_from_api(&a->serial, &c.serial, err, errlen);
	if (r < 0)
		return r;
	for (unsigned int i = 0; i < a->ndisks; i++) {
		c.ndisks = i + 1;
		r = disk_from_api(&a->disks[i], i, &c.disks[i], err, errlen);
		if (r < 0) {
			if (r == -ENOMEM)
				snprintf(err, errlen, "out of memory");
			config_fini(&c);
			return r;
		}
	}
	r = devices_from_api(a, &c, err, errlen);
	if (r < 0) {
		config_fini(&c);
		return r;
	}
	*ret = c;
	return 0;
}

static int dup_or_null(const char *s, char **ret)
{
	*ret = NULL;
	if (s && !(*ret = strdup(s)))
		return -ENOMEM;
	return 0;
}

static int console_to_api(const struct console_config *cc, struct api_serial *o)
{
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(console_modes); i++)
		if (console_modes[i].console == cc->mode)
			o->mode = console_modes[i].api;
	if (cc->mode == CONSOLE_FILE)
		r |= dup_or_null(cc->path, &o->file);
	if (cc->mode == CONSOLE_SOCKET)
		r |= dup_or_null(cc->path, &o->socket);
	return r;
}

static char *mac_str(const uint8_t *m, char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* Every device string copied; -ENOMEM (a is then freed by the caller). */
static int devices_to_api(const struct vm_config *c, struct api_vm_config *a)
{
	char mac[18];
	int r = 0;

	if (c->nnets && !(a->net = calloc(c->nnets, sizeof(*a->net))))
		return -ENOMEM;
	for (unsigned int i = 0; i < c->nnets; i++) {
		const struct net_config *n = &c->nets[i];
		struct api_net *o = &a->net[i];

		api_net_init(o);
		a->nnet = i + 1;
		r |= dup_or_null(*n->tap ? n->tap : NULL, &o->tap);
		r |= dup_or_null(n->has_mac ? mac_str(n->mac, mac) : NULL, &o->mac);
		r |= dup_or_null(*n->ip ? n->ip : NULL, &o->ip);
		r |= dup_or_null(*n->ip ? n->mask : NULL, &o->mask);
		r |= dup_or_null(n->socket, &o->vhost_socket);
		r |= dup_or_null(n->id, &o->id);
		o->mtu = n->mtu;
		o->num_queues = n->num_queues;
		o->queue_size = n->queue_size;
		o->vhost_user = n->vhost_user;
	}
	if (c->nfs && !(a->fs = calloc(c->nfs, sizeof(*a->fs))))
		return -ENOMEM;
	for (unsigned int i = 0; i < c->nfs; i++) {
		const struct fs_config *f = &c->fs[i];
		struct api_fs *o = &a->fs[i];

		api_fs_init(o);
		a->nfs = i + 1;
		r |= dup_or_null(f->tag, &o->tag);
		r |= dup_or_null(f->socket, &o->socket);
		r |= dup_or_null(f->path, &o->path);
		r |= dup_or_null(*f->cache ? f->cache : NULL, &o->cache);
		r |= dup_or_null(*f->sandbox ? f->sandbox : NULL, &o->sandbox);
		r |= dup_or_null(f->id, &o->id);
		o->num_queues = f->num_queues;
		o->queue_size = f->queue_size;
	}
	if (c->npmem && !(a->pmem = calloc(c->npmem, sizeof(*a->pmem))))
		return -ENOMEM;
	for (unsigned int i = 0; i < c->npmem; i++) {
		const struct pmem_config *p = &c->pmem[i];
		struct api_pmem *o = &a->pmem[i];

		api_pmem_init(o);
		a->npmem = i + 1;
		r |= dup_or_null(p->file, &o->file);
		r |= dup_or_null(p->id, &o->id);
		o->size = p->size;
		o->discard_writes = p->discard_writes;
	}
	if (c->has_vsock) {
		if (!(a->vsock = calloc(1, sizeof(*a->vsock))))
			return -ENOMEM;
		api_vsock_init(a->vsock);
		a->nvsock = 1;
		r |= dup_or_null(c->vsock.socket, &a->vsock->socket);
		r |= dup_or_null(c->vsock.id, &a->vsock->id);
		a->vsock->cid = c->vsock.cid;
	}
	if (c->has_rng) {
		a->has_rng = true;
		r |= dup_or_null(c->rng.src, &a->rng.src);
		r |= dup_or_null(c->rng.socket, &a->rng.socket);
	}
	r |= console_to_api(&c->console, &a->console);
	return r ? -ENOMEM : 0;
}

int config_to_api(const struct vm_config *c, struct api_vm_config *ret)
{
	struct api_vm_config a;
	int r = 0;

	api_vm_config_init(&a);
	r |= dup_or_null(c->kernel, &a.payload.kernel);
	r |= dup_or_null(c->initramfs, &a.payload.initramfs);
	r |= dup_or_null(c->cmdline, &a.payload.cmdline);
	a.cpus.boot_vcpus = a.cpus.max_vcpus = c->cpus_boot;
	a.memory.size = c->mem_size;
	a.memory.hugepages = c->hugepages;
	a.memory.shared = true;
	for (size_t i = 0; i < ARRAY_SIZE(console_modes); i++)
		if (console_modes[i].console == c->serial.mode)
			a.serial.mode = console_modes[i].api;
	if (c->serial.mode == CONSOLE_FILE)
		r |= dup_or_null(c->serial.path, &a.serial.file);
	if (c->serial.mode == CONSOLE_SOCKET)
		r |= dup_or_null(c->serial.path, &a.serial.socket);
	if (c->ndisks) {
		a.disks = calloc(c->ndisks, sizeof(*a.disks));
		if (!a.disks)
			r = -ENOMEM;
	}
	for (unsigned int i = 0; a.disks && i < c->ndisks; i++) {
		const struct disk_config *d = &c->disks[i];
		struct api_disk *o = &a.disks[i];

		api_disk_init(o);
		a.ndisks = i + 1;
		r |= dup_or_null(d->path, &o->path);
		r |= dup_or_null(d->socket, &o->vhost_socket);
		r |= dup_or_null(d->id, &o->id);
		o->vhost_user = d->vhost_user;
		o->readonly = d->readonly;
		o->direct = d->direct;
		o->num_queues = d->num_queues;
		o->queue_size = d->queue_size;
	}
	r |= devices_to_api(c, &a);
	if (r) {
		api_vm_config_fini(&a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}
