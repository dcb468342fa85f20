/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/config_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int config_from_api(const struct api_vm_config *a, const struct vm_config *base,
		    struct vm_config *ret, char *err, size_t errlen)
{
	struct vm_config c = {
		.log_level = base->log_level,
		.kvm_path = base->kvm_path,
		.trace_boot = base->trace_boot,
		.has_api = base->has_api,
		.api = base->api,
		.kernel = a->payload.kernel,
		.initramfs = a->payload.initramfs,
		.cmdline = a->payload.cmdline,
		.cpus_boot = a->cpus.boot_vcpus,
		.mem_size = a->memory.size,
		.hugepages = a->memory.hugepages,
	};
	const char *unsupported = a->nnet ? "net" : a->nfs ? "fs" : a->npmem ? "pmem" : a->nvsock ? "vsock" : NULL;
	int r;

	if (unsupported) {
		snprintf(err, errlen, "%s: this device type is not supported by cnh yet", unsupported);
		return -EOPNOTSUPP;
	}
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
	if (r) {
		api_vm_config_fini(&a);
		return -ENOMEM;
	}
	*ret = a;
	return 0;
}
