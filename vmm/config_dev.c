/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command-line options of the virtio devices other than --disk:
 * --net, --fs, --pmem, --vsock, --rng, --console (Cloud Hypervisor's names).
 * Pure: no I/O; files and sockets are checked when the devices are built.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/opts.h"
#include "vmm/config.h"

/* Parsing state of one option value. */
struct cdev {
	const char *opt; /* "--net" */
	struct opts o;
	char *err;
	size_t errlen;
};

static int cdev_open(struct cdev *c, const char *opt, const char *s, char *err, size_t errlen)
{
	c->opt = opt;
	c->err = err;
	c->errlen = errlen;
	if (opts_parse(s, &c->o) < 0) {
		snprintf(err, errlen, "%s: cannot parse '%s'", opt, s);
		return -EINVAL;
	}
	return 0;
}

static int cdev_fail(struct cdev *c, const char *fmt, const char *arg)
{
	char msg[200];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(c->err, c->errlen, "%s: %s", c->opt, msg);
	return -EINVAL;
}

static int cdev_bool(struct cdev *c, const char *key, bool *ret)
{
	if (opts_get_bool(&c->o, key, ret) == -EINVAL)
		return cdev_fail(c, "%s must be on or off", key);
	return 0;
}

/* An unsigned value in lo..hi (pow2: a power of two); absent leaves *ret. */
static int cdev_uint(struct cdev *c, const char *key, uint64_t lo, uint64_t hi, bool pow2, unsigned int *ret)
{
	char msg[160];
	uint64_t v;
	int r = opts_get_u64(&c->o, key, &v);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && v >= lo && v <= hi && (!pow2 || !(v & (v - 1)))) {
		*ret = (unsigned int)v;
		return 0;
	}
	snprintf(msg, sizeof(msg), "%s must be %s%llu..%llu, got '%%s'", key, pow2 ? "a power of two in " : "",
		 (unsigned long long)lo, (unsigned long long)hi);
	return cdev_fail(c, msg, opts_get(&c->o, key));
}

static int cdev_str(struct cdev *c, const char *key, char *buf, size_t len)
{
	const char *v = opts_get(&c->o, key);

	if (!v)
		return 0;
	if (!*v || strlen(v) >= len) {
		char msg[96];

		snprintf(msg, sizeof(msg), "%s must be 1..%zu bytes, got '%%s'", key, len - 1);
		return cdev_fail(c, msg, v);
	}
	strcpy(buf, v);
	return 0;
}

static int cdev_dup(struct cdev *c, const char *key, char **ret)
{
	const char *v = opts_get(&c->o, key);

	if (!v)
		return 0;
	if (!*v)
		return cdev_fail(c, "%s= needs a value", key);
	*ret = strdup(v);
	if (!*ret) {
		snprintf(c->err, c->errlen, "%s: out of memory", c->opt);
		return -ENOMEM;
	}
	return 0;
}

/* id= or "<prefix>N"; then the leftover check. */
static int cdev_finish(struct cdev *c, char *id, size_t idlen, const char *prefix, unsigned int n)
{
	const char *v = opts_get(&c->o, "id");
	const char *bad;

	if (v && !config_id_ok(v)) {
		char msg[120];

		snprintf(msg, sizeof(msg), "id must be 1..%d letters, digits, '_', '-' or '.', got '%%s'",
			 CONFIG_MAX_ID);
		return cdev_fail(c, msg, v);
	}
	if (v)
		snprintf(id, idlen, "%s", v);
	else
		snprintf(id, idlen, "%s%u", prefix, n);
	bad = opts_unused(&c->o);
	if (bad)
		return cdev_fail(c, "unknown parameter '%s'", bad);
	return 0;
}

bool config_id_ok(const char *id)
{
	if (!*id || strlen(id) > CONFIG_MAX_ID)
		return false;
	for (const char *c = id; *c; c++) {
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '_' || *c == '-' || *c == '.'))
			return false;
	}
	return true;
}

int config_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		char hex[3] = { s[i * 3], s[i * 3 + 1], 0 };
		char *end;

		if (i < 5 && s[i * 3 + 2] != ':')
			return -EINVAL;
		if (!((hex[0] >= '0' && hex[0] <= '9') || (hex[0] | 0x20) >= 'a') ||
		    !((hex[1] >= '0' && hex[1] <= '9') || (hex[1] | 0x20) >= 'a'))
			return -EINVAL;
		m[i] = (uint8_t)strtoul(hex, &end, 16);
		if (*end)
			return -EINVAL;
	}
	if (m[0] & 1) /* a multicast address cannot be a NIC's */
		return -EINVAL;
	memcpy(mac, m, 6);
	return 0;
}

static bool config_ipv4_ok(const char *s)
{
	struct in_addr a;

	return strlen(s) < 16 && inet_pton(AF_INET, s, &a) == 1;
}

static bool config_tap_ok(const char *s)
{
	if (!*s || strlen(s) > CONFIG_NET_TAP_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static int config_net_body(struct cdev *c, struct net_config *n, unsigned int idx)
{
	const char *tap = opts_get(&c->o, "tap"), *mac = opts_get(&c->o, "mac");
	const char *ip = opts_get(&c->o, "ip"), *mask = opts_get(&c->o, "mask");
	int r;

	if ((r = cdev_bool(c, "vhost_user", &n->vhost_user)) < 0 ||
	    (r = cdev_uint(c, "num_queues", 2, CONFIG_NET_MAX_QUEUES, false, &n->num_queues)) < 0 ||
	    (r = cdev_uint(c, "queue_size", 2, CONFIG_NET_MAX_QUEUE_SIZE, true, &n->queue_size)) < 0 ||
	    (r = cdev_uint(c, "mtu", 68, 65535, false, &n->mtu)) < 0)
		return r;
	if (n->num_queues % 2)
		return cdev_fail(c, "num_queues counts rx and tx queues and must be even, got '%s'",
				 opts_get(&c->o, "num_queues"));
	if (mac && config_parse_mac(mac, n->mac) < 0)
		return cdev_fail(c, "mac must be a unicast address like 52:54:00:12:34:56, got '%s'", mac);
	n->has_mac = mac != NULL;
	if (ip && !config_ipv4_ok(ip))
		return cdev_fail(c, "ip must be an IPv4 address, got '%s'", ip);
	if (mask && !config_ipv4_ok(mask))
		return cdev_fail(c, "mask must be an IPv4 netmask, got '%s'", mask);
	if (mask && !ip)
		return cdev_fail(c, "mask= needs ip=%s", "");
	if (ip) {
		snprintf(n->ip, sizeof(n->ip), "%s", ip);
		snprintf(n->mask, sizeof(n->mask), "%s", mask ? mask : "255.255.255.0");
	}
	r = cdev_dup(c, "socket", &n->socket);
	if (r < 0)
		return r;
	r = cdev_finish(c, n->id, sizeof(n->id), "net", idx);
	if (r < 0)
		return r;
	if (n->vhost_user) {
		if (tap || ip || n->mtu)
			return cdev_fail(c, "tap, ip, mask and mtu apply to tap= devices (the vhost-user back-end decides)%s", "");
		if (!n->socket)
			return cdev_fail(c, "vhost_user=true needs socket=PATH%s", "");
		return 0;
	}
	if (n->socket)
		return cdev_fail(c, "socket= needs vhost_user=true%s", "");
	if (!tap)
		return cdev_fail(c, "tap=NAME or vhost_user=true,socket=PATH is required%s", "");
	if (!config_tap_ok(tap))
		return cdev_fail(c, "tap must be an interface name of 1..15 characters, got '%s'", tap);
	if (n->queue_size > CONFIG_NET_TAP_MAX_QUEUE_SIZE)
		return cdev_fail(c, "queue_size of a tap= device is at most 1024 (cnh-net), got '%s'",
				 opts_get(&c->o, "queue_size"));
	strcpy(n->tap, tap);
	return 0;
}

int config_net(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct net_config n = {
		.num_queues = CONFIG_NET_DEFAULT_QUEUES,
		.queue_size = CONFIG_NET_DEFAULT_QUEUE_SIZE,
	};
	struct cdev c;
	int r;

	if (cfg->nnets >= CONFIG_MAX_NETS) {
		snprintf(err, errlen, "--net: at most %d network devices", CONFIG_MAX_NETS);
		return -EINVAL;
	}
	r = cdev_open(&c, "--net", s, err, errlen);
	if (r < 0)
		return r;
	r = config_net_body(&c, &n, cfg->nnets);
	opts_fini(&c.o);
	if (r < 0) {
		free(n.socket);
		return r;
	}
	cfg->nets[cfg->nnets++] = n;
	return 0;
}

static const char *const fs_caches[] = { "none", "auto", "always" };
static const char *const fs_sandboxes[] = { "chroot", "namespace", "none" };

static int cdev_enum(struct cdev *c, const char *key, const char *const *vals, size_t n, char *buf,
		     size_t len)
{
	const char *v = opts_get(&c->o, key);

	if (!v)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v, vals[i]) == 0) {
			snprintf(buf, len, "%s", v);
			return 0;
		}
	}
	return cdev_fail(c, strcmp(key, "cache") == 0 ? "cache must be none, auto or always, got '%s'"
						       : "sandbox must be chroot, namespace or none, got '%s'",
			 v);
}

static int config_fs_body(struct cdev *c, struct fs_config *f, unsigned int idx)
{
	int r;

	if ((r = cdev_str(c, "tag", f->tag, sizeof(f->tag))) < 0 ||
	    (r = cdev_uint(c, "num_queues", 1, CONFIG_FS_MAX_QUEUES, false, &f->num_queues)) < 0 ||
	    (r = cdev_uint(c, "queue_size", 2, CONFIG_FS_MAX_QUEUE_SIZE, true, &f->queue_size)) < 0 ||
	    (r = cdev_enum(c, "cache", fs_caches, ARRAY_SIZE(fs_caches), f->cache, sizeof(f->cache))) < 0 ||
	    (r = cdev_enum(c, "sandbox", fs_sandboxes, ARRAY_SIZE(fs_sandboxes), f->sandbox,
			   sizeof(f->sandbox))) < 0 ||
	    (r = cdev_dup(c, "socket", &f->socket)) < 0 || (r = cdev_dup(c, "path", &f->path)) < 0)
		return r;
	r = cdev_finish(c, f->id, sizeof(f->id), "fs", idx);
	if (r < 0)
		return r;
	if (!*f->tag)
		return cdev_fail(c, "tag=TAG is required (at most 36 bytes)%s", "");
	if (!!f->socket == !!f->path)
		return cdev_fail(c, "exactly one of socket=PATH (external back-end) or path=DIR (cnh-fs) is required%s", "");
	if (f->socket && (*f->cache || *f->sandbox))
		return cdev_fail(c, "cache and sandbox apply to path= devices (the back-end at socket= decides)%s", "");
	return 0;
}

int config_fs(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct fs_config f = {
		.num_queues = CONFIG_FS_DEFAULT_QUEUES,
		.queue_size = CONFIG_FS_DEFAULT_QUEUE_SIZE,
	};
	struct cdev c;
	int r;

	if (cfg->nfs >= CONFIG_MAX_FS) {
		snprintf(err, errlen, "--fs: at most %d file system devices", CONFIG_MAX_FS);
		return -EINVAL;
	}
	r = cdev_open(&c, "--fs", s, err, errlen);
	if (r < 0)
		return r;
	r = config_fs_body(&c, &f, cfg->nfs);
	opts_fini(&c.o);
	if (r < 0) {
		free(f.socket);
		free(f.path);
		return r;
	}
	cfg->fs[cfg->nfs++] = f;
	return 0;
}

static int config_pmem_body(struct cdev *c, struct pmem_config *p, unsigned int idx)
{
	int r = opts_get_size(&c->o, "size", &p->size);

	if (r == -EINVAL || r == -ERANGE)
		return cdev_fail(c, "bad size '%s'", opts_get(&c->o, "size"));
	if (r == 0 && (p->size == 0 || !IS_ALIGNED(p->size, CONFIG_PMEM_ALIGN)))
		return cdev_fail(c, "size must be a non-zero multiple of 2 MiB, got '%s'", opts_get(&c->o, "size"));
	if (p->size > CONFIG_PMEM_MAX_TOTAL)
		return cdev_fail(c, "size must be at most 32 GiB, got '%s'", opts_get(&c->o, "size"));
	if ((r = cdev_bool(c, "discard_writes", &p->discard_writes)) < 0 ||
	    (r = cdev_dup(c, "file", &p->file)) < 0)
		return r;
	r = cdev_finish(c, p->id, sizeof(p->id), "pmem", idx);
	if (r < 0)
		return r;
	if (!p->file)
		return cdev_fail(c, "file=PATH is required%s", "");
	return 0;
}

int config_pmem(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct pmem_config p = { 0 };
	struct cdev c;
	int r;

	if (cfg->npmem >= CONFIG_MAX_PMEM) {
		snprintf(err, errlen, "--pmem: at most %d pmem devices", CONFIG_MAX_PMEM);
		return -EINVAL;
	}
	r = cdev_open(&c, "--pmem", s, err, errlen);
	if (r < 0)
		return r;
	r = config_pmem_body(&c, &p, cfg->npmem);
	opts_fini(&c.o);
	if (r < 0) {
		free(p.file);
		return r;
	}
	cfg->pmem[cfg->npmem++] = p;
	return 0;
}

int config_vsock(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct vsock_config v = { 0 };
	struct cdev c;
	int r;

	if (cfg->has_vsock) {
		snprintf(err, errlen, "--vsock: at most one vsock device");
		return -EINVAL;
	}
	r = cdev_open(&c, "--vsock", s, err, errlen);
	if (r < 0)
		return r;
	r = opts_get_u64(&c.o, "cid", &v.cid);
	if (r == -ENOENT)
		r = cdev_fail(&c, "cid=N is required (3..4294967294)%s", "");
	else if (r < 0 || v.cid < CONFIG_VSOCK_MIN_CID || v.cid > CONFIG_VSOCK_MAX_CID)
		r = cdev_fail(&c, "cid must be 3..4294967294, got '%s'", opts_get(&c.o, "cid"));
	if (r == 0)
		r = cdev_dup(&c, "socket", &v.socket);
	if (r == 0)
		r = cdev_finish(&c, v.id, sizeof(v.id), "vsock", 0);
	if (r == 0 && !v.socket)
		r = cdev_fail(&c, "socket=PATH is required%s", "");
	opts_fini(&c.o);
	if (r < 0) {
		free(v.socket);
		return r;
	}
	cfg->vsock = v;
	cfg->has_vsock = true;
	return 0;
}

int config_rng(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct rng_config g = { 0 };
	const char *bad;
	struct cdev c;
	int r;

	if (cfg->has_rng) {
		snprintf(err, errlen, "--rng: at most one entropy device");
		return -EINVAL;
	}
	r = cdev_open(&c, "--rng", s, err, errlen);
	if (r < 0)
		return r;
	r = cdev_bool(&c, "vhost_user", &g.vhost_user);
	if (r == 0)
		r = cdev_dup(&c, "src", &g.src);
	if (r == 0)
		r = cdev_dup(&c, "socket", &g.socket);
	bad = r == 0 ? opts_unused(&c.o) : NULL;
	if (bad)
		r = cdev_fail(&c, "unknown parameter '%s'", bad);
	if (r == 0 && g.vhost_user && (!g.socket || g.src))
		r = cdev_fail(&c, "vhost_user=true needs socket=PATH (and no src=)%s", "");
	if (r == 0 && !g.vhost_user && g.socket)
		r = cdev_fail(&c, "socket= needs vhost_user=true%s", "");
	opts_fini(&c.o);
	if (r < 0) {
		free(g.src);
		free(g.socket);
		return r;
	}
	cfg->rng = g;
	cfg->has_rng = true;
	return 0;
}

int config_console(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	char e[200];
	int r = console_parse(s, &cfg->console, e, sizeof(e));

	if (r < 0) {
		/* console_parse speaks of the serial port. */
		const char *m = strncmp(e, "unknown serial mode", 19) == 0 ? e + 15 : e;

		snprintf(err, errlen, "--console: %s", m);
		return r;
	}
	return 0;
}

static int config_dup_id(const char *id, const char *const *seen, unsigned int n, char *err,
			 size_t errlen)
{
	for (unsigned int i = 0; i < n; i++) {
		if (strcmp(seen[i], id) == 0) {
			snprintf(err, errlen, "device id '%s' is used twice", id);
			return -EINVAL;
		}
	}
	return 0;
}

int config_check_devices(const struct vm_config *cfg, char *err, size_t errlen)
{
	const char *ids[CONFIG_MAX_DISKS + CONFIG_MAX_NETS + CONFIG_MAX_FS + CONFIG_MAX_PMEM + 1];
	unsigned int n = 0, total;
	uint64_t pmem = 0;
	int r = 0;

	total = cfg->ndisks + cfg->nnets + cfg->nfs + cfg->npmem + cfg->has_vsock + cfg->has_rng +
		(cfg->console.mode != CONSOLE_OFF);
	if (total > CONFIG_MAX_VIRTIO_DEVS) {
		snprintf(err, errlen, "at most %d virtio devices (disks, nets, fs, pmem, vsock, rng, console), got %u",
			 CONFIG_MAX_VIRTIO_DEVS, total);
		return -EINVAL;
	}
	if (cfg->serial.mode == CONSOLE_TTY && cfg->console.mode == CONSOLE_TTY) {
		snprintf(err, errlen, "--serial and --console cannot both be tty (use --serial off or --console pty|file=...)");
		return -EINVAL;
	}
	for (unsigned int i = 0; i < cfg->npmem; i++)
		pmem += cfg->pmem[i].size;
	if (pmem > CONFIG_PMEM_MAX_TOTAL) {
		snprintf(err, errlen, "--pmem: the sizes add up to more than 32 GiB");
		return -EINVAL;
	}
	for (unsigned int i = 0; r == 0 && i < cfg->ndisks; i++, n++)
		r = config_dup_id(ids[n] = cfg->disks[i].id, ids, n, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->nnets; i++, n++)
		r = config_dup_id(ids[n] = cfg->nets[i].id, ids, n, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->nfs; i++, n++)
		r = config_dup_id(ids[n] = cfg->fs[i].id, ids, n, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->npmem; i++, n++)
		r = config_dup_id(ids[n] = cfg->pmem[i].id, ids, n, err, errlen);
	if (r == 0 && cfg->has_vsock)
		r = config_dup_id(cfg->vsock.id, ids, n, err, errlen);
	return r;
}

void config_fini_devices(struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->nnets && i < CONFIG_MAX_NETS; i++) {
		free(cfg->nets[i].socket);
		cfg->nets[i].socket = NULL;
	}
	cfg->nnets = 0;
	for (unsigned int i = 0; i < cfg->nfs && i < CONFIG_MAX_FS; i++) {
		free(cfg->fs[i].socket);
		free(cfg->fs[i].path);
		cfg->fs[i].socket = cfg->fs[i].path = NULL;
	}
	cfg->nfs = 0;
	for (unsigned int i = 0; i < cfg->npmem && i < CONFIG_MAX_PMEM; i++) {
		free(cfg->pmem[i].file);
		cfg->pmem[i].file = NULL;
	}
	cfg->npmem = 0;
	free(cfg->vsock.socket);
	cfg->vsock.socket = NULL;
	cfg->has_vsock = false;
	free(cfg->rng.src);
	free(cfg->rng.socket);
	cfg->rng.src = cfg->rng.socket = NULL;
	cfg->has_rng = false;
}
