/* SPDX-License-Identifier: Apache-2.0 */
#include "tools/cnh-remote/options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/opts.h"

/* Field readers: absent keys leave the default; bad values name the option and key. */
struct remote_ctx {
	struct opts o;
	const char *opt;
	char *err;
	size_t errlen;
	int r;
};

static void remote_str(struct remote_ctx *c, const char *key, char **dst)
{
	const char *v = opts_get(&c->o, key);

	if (!v || c->r < 0)
		return;
	free(*dst);
	*dst = strdup(v);
	if (!*dst) {
		snprintf(c->err, c->errlen, "out of memory");
		c->r = -ENOMEM;
	}
}

static void remote_bool(struct remote_ctx *c, const char *key, bool *dst)
{
	if (c->r < 0)
		return;
	if (opts_get_bool(&c->o, key, dst) == -EINVAL) {
		snprintf(c->err, c->errlen, "--%s: %s must be on or off", c->opt, key);
		c->r = -EINVAL;
	}
}

static void remote_u64(struct remote_ctx *c, const char *key, uint64_t *dst, bool size)
{
	int r;

	if (c->r < 0)
		return;
	r = size ? opts_get_size(&c->o, key, dst) : opts_get_u64(&c->o, key, dst);
	if (r == -EINVAL || r == -ERANGE) {
		snprintf(c->err, c->errlen, "--%s: bad %s '%s'", c->opt, key, opts_get(&c->o, key));
		c->r = -EINVAL;
	}
}

static void remote_uint(struct remote_ctx *c, const char *key, unsigned int *dst)
{
	uint64_t v = *dst;

	remote_u64(c, key, &v, false);
	if (c->r == 0 && v > UINT32_MAX) {
		snprintf(c->err, c->errlen, "--%s: %s too large", c->opt, key);
		c->r = -EINVAL;
	}
	if (c->r == 0)
		*dst = (unsigned int)v;
}

static int remote_begin(struct remote_ctx *c, const char *opt, const char *s, char *err, size_t errlen)
{
	c->opt = opt;
	c->err = err;
	c->errlen = errlen;
	c->r = 0;
	if (opts_parse(s, &c->o) < 0) {
		snprintf(err, errlen, "--%s: cannot parse '%s'", opt, s);
		return -EINVAL;
	}
	return 0;
}

static int remote_end(struct remote_ctx *c)
{
	const char *bad = c->r == 0 ? opts_unused(&c->o) : NULL;

	if (bad) {
		snprintf(c->err, c->errlen, "--%s: unknown parameter '%s'", c->opt, bad);
		c->r = -EINVAL;
	}
	opts_fini(&c->o);
	return c->r;
}

int remote_parse_disk(const char *s, struct api_disk *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_disk d;

	if (remote_begin(&c, "disk", s, err, errlen) < 0)
		return -EINVAL;
	api_disk_init(&d);
	remote_str(&c, "path", &d.path);
	remote_bool(&c, "readonly", &d.readonly);
	remote_bool(&c, "direct", &d.direct);
	remote_uint(&c, "num_queues", &d.num_queues);
	remote_uint(&c, "queue_size", &d.queue_size);
	remote_bool(&c, "vhost_user", &d.vhost_user);
	remote_str(&c, "socket", &d.vhost_socket); /* Cloud Hypervisor's --disk name */
	remote_str(&c, "vhost_socket", &d.vhost_socket);
	remote_str(&c, "serial", &d.serial);
	remote_str(&c, "id", &d.id);
	if (remote_end(&c) < 0) {
		api_disk_fini(&d);
		return c.r;
	}
	*ret = d;
	return 0;
}

int remote_parse_net(const char *s, struct api_net *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_net n;

	if (remote_begin(&c, "net", s, err, errlen) < 0)
		return -EINVAL;
	api_net_init(&n);
	remote_str(&c, "tap", &n.tap);
	remote_str(&c, "ip", &n.ip);
	remote_str(&c, "mask", &n.mask);
	remote_str(&c, "mac", &n.mac);
	remote_str(&c, "host_mac", &n.host_mac);
	remote_uint(&c, "mtu", &n.mtu);
	remote_uint(&c, "num_queues", &n.num_queues);
	remote_uint(&c, "queue_size", &n.queue_size);
	remote_bool(&c, "vhost_user", &n.vhost_user);
	remote_str(&c, "socket", &n.vhost_socket);
	remote_str(&c, "vhost_socket", &n.vhost_socket);
	remote_str(&c, "vhost_mode", &n.vhost_mode);
	remote_str(&c, "id", &n.id);
	if (remote_end(&c) < 0) {
		api_net_fini(&n);
		return c.r;
	}
	*ret = n;
	return 0;
}

int remote_parse_fs(const char *s, struct api_fs *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_fs f;

	if (remote_begin(&c, "fs", s, err, errlen) < 0)
		return -EINVAL;
	api_fs_init(&f);
	remote_str(&c, "tag", &f.tag);
	remote_str(&c, "socket", &f.socket);
	remote_uint(&c, "num_queues", &f.num_queues);
	remote_uint(&c, "queue_size", &f.queue_size);
	remote_str(&c, "id", &f.id);
	if (remote_end(&c) < 0) {
		api_fs_fini(&f);
		return c.r;
	}
	*ret = f;
	return 0;
}

int remote_parse_pmem(const char *s, struct api_pmem *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_pmem p;

	if (remote_begin(&c, "pmem", s, err, errlen) < 0)
		return -EINVAL;
	api_pmem_init(&p);
	remote_str(&c, "file", &p.file);
	remote_u64(&c, "size", &p.size, true);
	remote_bool(&c, "discard_writes", &p.discard_writes);
	remote_str(&c, "id", &p.id);
	if (remote_end(&c) < 0) {
		api_pmem_fini(&p);
		return c.r;
	}
	*ret = p;
	return 0;
}

int remote_parse_vsock(const char *s, struct api_vsock *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_vsock v;

	if (remote_begin(&c, "vsock", s, err, errlen) < 0)
		return -EINVAL;
	api_vsock_init(&v);
	remote_u64(&c, "cid", &v.cid, false);
	remote_str(&c, "socket", &v.socket);
	remote_str(&c, "id", &v.id);
	if (remote_end(&c) < 0) {
		api_vsock_fini(&v);
		return c.r;
	}
	*ret = v;
	return 0;
}

int remote_parse_cpus(const char *s, struct api_cpus *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	unsigned int boot = 1;

	if (remote_begin(&c, "cpus", s, err, errlen) < 0)
		return -EINVAL;
	remote_uint(&c, "boot", &boot);
	if (remote_end(&c) < 0)
		return c.r;
	ret->boot_vcpus = ret->max_vcpus = boot;
	return 0;
}

int remote_parse_memory(const char *s, struct api_memory *ret, char *err, size_t errlen)
{
	struct remote_ctx c;
	struct api_memory m = *ret;

	if (remote_begin(&c, "memory", s, err, errlen) < 0)
		return -EINVAL;
	remote_u64(&c, "size", &m.size, true);
	remote_bool(&c, "hugepages", &m.hugepages);
	remote_bool(&c, "shared", &m.shared);
	if (remote_end(&c) < 0)
		return c.r;
	*ret = m;
	return 0;
}

int remote_parse_serial(const char *s, struct api_serial *ret, char *err, size_t errlen)
{
	struct api_serial ser = { 0 };
	const char *eq = strchr(s, '=');
	char mode[16];

	if (eq) {
		size_t n = (size_t)(eq - s);

		if (n >= sizeof(mode))
			n = sizeof(mode) - 1;
		memcpy(mode, s, n);
		mode[n] = '\0';
	} else {
		snprintf(mode, sizeof(mode), "%s", s);
	}
	if (api_console_mode_parse(mode, &ser.mode) < 0 ||
	    (eq && ser.mode != API_CONSOLE_FILE && ser.mode != API_CONSOLE_SOCKET) ||
	    (!eq && (ser.mode == API_CONSOLE_FILE || ser.mode == API_CONSOLE_SOCKET)) ||
	    (eq && !eq[1])) {
		snprintf(err, errlen, "--serial: expected off|null|tty|pty|file=PATH|socket=PATH, got '%s'", s);
		return -EINVAL;
	}
	if (eq) {
		char *path = strdup(eq + 1);

		if (!path)
			return -ENOMEM;
		if (ser.mode == API_CONSOLE_FILE)
			ser.file = path;
		else
			ser.socket = path;
	}
	free(ret->file);
	free(ret->socket);
	*ret = ser;
	return 0;
}
