/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vhost_user/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>

#include "vmm/daemon.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/console.h"
#include "vmm/vhost_user/frontend.h"
#include "vmm/vhost_user/rng.h"

/* Queue sizes of the devices without a queue_size option (Cloud Hypervisor's). */
#define DEVICES_QUEUE_SIZE 256
#define DEVICES_MAX_ARGS 32

/*
 * A daemon command line: argv[0], --fd 3, --stats-fd 4, cnh's --seccomp and
 * --sandbox-level, the type's arguments.
 */
struct devices_argv {
	char *v[DEVICES_MAX_ARGS + 1];
	unsigned int n;
	char buf[8][64];
	unsigned int nbuf;
	char output[CONSOLE_PATH_MAX + 16];
};

/* What one device needs: its type, where its back-end is, and its daemon's arguments. */
struct devices_spec {
	const char *id;
	const struct vhost_user_fe_type *type;
	const char *socket; /* external back-end; NULL: spawn prog */
	const char *prog;
	unsigned int max_queues;
	unsigned int queue_size;
	uint64_t vmm_features;
	int pmem_index;
};

static void argv_add(struct devices_argv *a, const char *s)
{
	if (a->n < DEVICES_MAX_ARGS)
		a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

static void argv_addu(struct devices_argv *a, const char *opt, unsigned long long v)
{
	char *b = a->buf[a->nbuf++ % ARRAY_SIZE(a->buf)];

	snprintf(b, sizeof(a->buf[0]), "%llu", v);
	argv_add(a, opt);
	argv_add(a, b);
}

/* The options every daemon shares (vu_main.c); each type's come after them. */
static void argv_start(struct devices_argv *a, const struct vhost_user_set *set, const char *prog)
{
	a->n = a->nbuf = 0;
	argv_add(a, prog);
	argv_addu(a, "--fd", DAEMON_CHILD_FD);
	argv_addu(a, "--stats-fd", DAEMON_STATS_FD);
	/* Explicit even at the defaults: ps shows what each daemon runs with. */
	argv_add(a, "--seccomp");
	argv_add(a, seccomp_mode_name(set->seccomp));
	argv_add(a, "--sandbox-level");
	argv_add(a, config_sandbox_level_name(set->sandbox_level));
}

static void devices_daemon_exit(struct daemon *d, int wstatus, void *opaque)
{
	struct vhost_user_set_entry *e = opaque;

	(void)d;
	(void)wstatus;
	if (e->fe)
		vhost_user_fe_mark_broken(e->fe, "process exited");
}

static int devices_add(struct vhost_user_set *set, const struct devices_spec *s,
		       const struct devices_argv *a, struct ev_loop *loop, char *err, size_t errlen)
{
	struct vhost_user_set_entry *e = &set->ents[set->ndevs];
	struct vhost_user_fe_params p = {
		.name = s->id,
		.type = s->type,
		.max_queues = (uint16_t)s->max_queues,
		.queue_size = (uint16_t)s->queue_size,
		.type_arg = &e->arg,
		.vmm_features = s->vmm_features,
		.loop = loop,
		.notify = set->notify,
	};
	char exe[4096];
	int fd, r;

	e->pmem_index = s->pmem_index;
	if (s->socket)
		return vhost_user_fe_connect(s->socket, &p, &e->fe, err, errlen);
	r = daemon_find(s->prog, exe, sizeof(exe));
	if (r < 0) {
		snprintf(err, errlen,
			 "%s: cannot find %s next to cnh, in the build tree or in PATH (set CNH_DAEMON_DIR)",
			 s->id, s->prog);
		return r;
	}
	/* By name: the spawn helper resolves it itself (the lookup above is for the message). */
	r = daemon_spawn(loop, s->prog, a->v, s->id, devices_daemon_exit, e, &fd, &e->daemon);
	if (r < 0) {
		snprintf(err, errlen, "%s: cannot start %s: %s", s->id, exe, strerror(-r));
		return r;
	}
	/* On failure e->fe stays NULL: a dying daemon's callback has nothing to mark. */
	return vhost_user_fe_new_fd(fd, &p, &e->fe, err, errlen);
}

/* Finish an add: count the device, or drop a daemon spawned for a failed one. */
static int devices_commit(struct vhost_user_set *set, int r)
{
	struct vhost_user_set_entry *e = &set->ents[set->ndevs];

	if (r < 0) {
		daemon_free(e->daemon);
		e->daemon = NULL;
		return r;
	}
	set->devs[set->ndevs++] = vhost_user_fe_dev(e->fe);
	return 0;
}

static int devices_disk(struct vhost_user_set *set, const struct disk_config *dc, struct ev_loop *loop,
			char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = dc->id, .type = &vhost_user_blk_type, .prog = "cnh-blk", .pmem_index = -1,
		.socket = dc->vhost_user ? dc->socket : NULL,
		.max_queues = dc->num_queues, .queue_size = dc->queue_size,
	};
	struct devices_argv a;

	argv_start(&a, set, s.prog);
	argv_add(&a, "--path");
	argv_add(&a, dc->path ? dc->path : "");
	if (dc->readonly)
		argv_add(&a, "--readonly");
	if (dc->direct)
		argv_add(&a, "--direct");
	argv_addu(&a, "--num-queues", dc->num_queues);
	argv_addu(&a, "--queue-size", dc->queue_size);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static void devices_format_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int devices_net(struct vhost_user_set *set, const struct net_config *nc, struct ev_loop *loop,
		       char *err, size_t errlen)
{
	struct vhost_user_net_arg *arg = &set->ents[set->ndevs].arg.net;
	struct devices_spec s = {
		.id = nc->id, .type = &vhost_user_net_type, .prog = "cnh-net", .pmem_index = -1,
		.socket = nc->vhost_user ? nc->socket : NULL,
		.max_queues = nc->num_queues, .queue_size = nc->queue_size,
	};
	struct devices_argv a;
	char mac[18];

	memset(arg, 0, sizeof(*arg));
	if (nc->has_mac) {
		memcpy(arg->mac, nc->mac, sizeof(arg->mac));
	} else {
		/* As Cloud Hypervisor: a random, locally administered unicast address. */
		if (getrandom(arg->mac, sizeof(arg->mac), 0) != (ssize_t)sizeof(arg->mac)) {
			snprintf(err, errlen, "%s: getrandom failed", nc->id);
			return -EIO;
		}
		arg->mac[0] = (uint8_t)((arg->mac[0] & 0xfe) | 0x02);
	}
	arg->mtu = (uint16_t)nc->mtu;
	s.vmm_features = vhost_user_net_vmm_features(arg);
	argv_start(&a, set, s.prog);
	argv_add(&a, "--tap");
	argv_add(&a, nc->tap);
	if (nc->has_mac) {
		devices_format_mac(nc->mac, mac, sizeof(mac));
		argv_add(&a, "--mac");
		argv_add(&a, mac);
	}
	if (*nc->ip) {
		argv_add(&a, "--ip");
		argv_add(&a, nc->ip);
		argv_add(&a, "--mask");
		argv_add(&a, nc->mask);
	}
	if (nc->mtu)
		argv_addu(&a, "--mtu", nc->mtu);
	argv_addu(&a, "--num-queues", nc->num_queues);
	argv_addu(&a, "--queue-size", nc->queue_size);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_rng(struct vhost_user_set *set, const struct rng_config *rc, struct ev_loop *loop,
		       char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = "rng0", .type = &vhost_user_rng_type, .prog = "cnh-rng", .pmem_index = -1,
		.socket = rc->vhost_user ? rc->socket : NULL,
		.max_queues = 1, .queue_size = DEVICES_QUEUE_SIZE,
	};
	struct devices_argv a;

	argv_start(&a, set, s.prog);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_fs(struct vhost_user_set *set, const struct fs_config *fc, struct ev_loop *loop,
		      char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = fc->id, .type = &vhost_user_fs_type, .prog = "cnh-fs", .pmem_index = -1,
		.socket = fc->socket, /* path= devices have none */
		.max_queues = 1 + fc->num_queues, .queue_size = fc->queue_size,
	};
	struct devices_argv a;

	snprintf(set->ents[set->ndevs].arg.fs.tag, sizeof(set->ents[0].arg.fs.tag), "%s", fc->tag);
	argv_start(&a, set, s.prog);
	argv_add(&a, "--shared-dir");
	argv_add(&a, fc->path ? fc->path : "");
	argv_add(&a, "--tag");
	argv_add(&a, fc->tag);
	if (*fc->cache) {
		argv_add(&a, "--cache");
		argv_add(&a, fc->cache);
	}
	if (*fc->sandbox) {
		argv_add(&a, "--sandbox");
		argv_add(&a, fc->sandbox);
	}
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_pmem(struct vhost_user_set *set, const struct pmem_config *pc, struct ev_loop *loop,
			char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = pc->id, .type = &vhost_user_pmem_type, .prog = "cnh-pmem",
		.pmem_index = (int)set->npmem, .max_queues = 1, .queue_size = DEVICES_QUEUE_SIZE,
	};
	struct vhost_user_pmem_region *reg = &set->pmem[set->npmem];
	struct devices_argv a;
	int r;

	r = vhost_user_pmem_map(pc, reg, err, errlen);
	if (r < 0)
		return r;
	set->npmem++;
	set->ents[set->ndevs].arg.pmem = (struct vhost_user_pmem_arg){ .size = reg->size };
	argv_start(&a, set, s.prog);
	argv_add(&a, "--file");
	argv_add(&a, pc->file);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_vsock(struct vhost_user_set *set, const struct vsock_config *vc, struct ev_loop *loop,
			 char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = vc->id, .type = &vhost_user_vsock_type, .prog = "cnh-vsock", .pmem_index = -1,
		.max_queues = 3, .queue_size = DEVICES_QUEUE_SIZE,
	};
	struct devices_argv a;

	set->ents[set->ndevs].arg.vsock.cid = vc->cid;
	argv_start(&a, set, s.prog);
	argv_addu(&a, "--cid", vc->cid);
	argv_add(&a, "--uds-path");
	argv_add(&a, vc->socket);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_console(struct vhost_user_set *set, const struct console_config *cc,
			   struct ev_loop *loop, char *err, size_t errlen)
{
	struct devices_spec s = {
		.id = "console0", .type = &vhost_user_console_type, .prog = "cnh-console", .pmem_index = -1,
		.max_queues = 2, .queue_size = DEVICES_QUEUE_SIZE,
	};
	struct devices_argv a;

	argv_start(&a, set, s.prog);
	if (cc->mode == CONSOLE_FILE || cc->mode == CONSOLE_SOCKET)
		snprintf(a.output, sizeof(a.output), "%s=%s", console_mode_name(cc->mode), cc->path);
	else
		snprintf(a.output, sizeof(a.output), "%s", console_mode_name(cc->mode));
	argv_add(&a, "--output");
	argv_add(&a, a.output);
	return devices_commit(set, devices_add(set, &s, &a, loop, err, errlen));
}

static int devices_create_all(struct vhost_user_set *set, const struct vm_config *cfg, struct ev_loop *loop,
			      char *err, size_t errlen)
{
	int r = 0;

	for (unsigned int i = 0; r == 0 && i < cfg->ndisks; i++)
		r = devices_disk(set, &cfg->disks[i], loop, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->nnets; i++)
		r = devices_net(set, &cfg->nets[i], loop, err, errlen);
	if (r == 0 && cfg->has_rng)
		r = devices_rng(set, &cfg->rng, loop, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->nfs; i++)
		r = devices_fs(set, &cfg->fs[i], loop, err, errlen);
	for (unsigned int i = 0; r == 0 && i < cfg->npmem; i++)
		r = devices_pmem(set, &cfg->pmem[i], loop, err, errlen);
	if (r == 0 && cfg->has_vsock)
		r = devices_vsock(set, &cfg->vsock, loop, err, errlen);
	if (r == 0 && cfg->console.mode != CONSOLE_OFF)
		r = devices_console(set, &cfg->console, loop, err, errlen);
	return r;
}

int vhost_user_devices_create(const struct vm_config *cfg, struct ev_loop *loop,
			      const struct vhost_user_fe_notify *notify, struct vhost_user_set **ret,
			      char *err, size_t errlen)
{
	struct vhost_user_set *set;
	unsigned int total;
	int r;

	total = cfg->ndisks + cfg->nnets + cfg->has_rng + cfg->nfs + cfg->npmem + cfg->has_vsock +
		(cfg->console.mode != CONSOLE_OFF);
	if (total > VHOST_USER_SET_MAX || cfg->ndisks > CONFIG_MAX_DISKS || cfg->nnets > CONFIG_MAX_NETS ||
	    cfg->nfs > CONFIG_MAX_FS || cfg->npmem > CONFIG_MAX_PMEM) {
		snprintf(err, errlen, "too many virtio devices");
		return -EINVAL;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (notify)
		set->notify = *notify;
	set->seccomp = cfg->seccomp;
	set->sandbox_level = cfg->sandbox_level;
	r = devices_create_all(set, cfg, loop, err, errlen);
	if (r < 0) {
		vhost_user_devices_free(set);
		return r;
	}
	*ret = set;
	return 0;
}

void vhost_user_devices_free(struct vhost_user_set *set)
{
	if (!set)
		return;
	/* EOF on its socket lets a daemon exit cleanly; SIGTERM follows. */
	for (unsigned int i = 0; i < set->ndevs; i++) {
		vhost_user_fe_free(set->ents[i].fe);
		set->ents[i].fe = NULL;
	}
	for (unsigned int i = 0; i < set->ndevs; i++)
		daemon_stop(set->ents[i].daemon);
	for (unsigned int i = 0; i < set->ndevs; i++)
		daemon_free(set->ents[i].daemon);
	for (unsigned int i = 0; i < set->npmem; i++)
		vhost_user_pmem_unmap(&set->pmem[i]);
	free(set);
}

int vhost_user_devices_query_stats(struct vhost_user_set *set, const struct virtio_dev *dev, int timeout_ms,
				   char *buf, size_t len)
{
	if (!set)
		return -ENOENT;
	for (unsigned int i = 0; i < set->ndevs; i++) {
		if (set->devs[i] != dev)
			continue;
		if (!set->ents[i].daemon)
			return -ENOENT; /* an external back-end: no counters channel */
		return daemon_query_stats(set->ents[i].daemon, timeout_ms, buf, len);
	}
	return -ENOENT;
}
