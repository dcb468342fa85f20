/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vhost_user/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "vmm/daemon.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/frontend.h"

static void devices_daemon_exit(struct daemon *d, int wstatus, void *opaque)
{
	struct vhost_user_set_entry *e = opaque;

	if (e->fe)
		vhost_user_fe_mark_broken(e->fe, "process exited");
}

/* Spawn cnh-blk for a path= disk; *ret_fd is cnh's end of its socket. */
static int devices_spawn_blk(const struct disk_config *dc, struct ev_loop *loop,
			     struct vhost_user_set_entry *e, int *ret_fd, char *err, size_t errlen)
{
	char exe[4096], fd[16], nq[16], qs[16];
	char *argv[16];
	unsigned int n = 0;
	int r;

	r = daemon_find("cnh-blk", exe, sizeof(exe));
	if (r < 0) {
		snprintf(err, errlen,
			 "%s: cannot find cnh-blk next to cnh, in the build tree or in PATH (set CNH_DAEMON_DIR)",
			 dc->id);
		return r;
	}
	snprintf(fd, sizeof(fd), "%d", DAEMON_CHILD_FD);
	snprintf(nq, sizeof(nq), "%u", dc->num_queues);
	snprintf(qs, sizeof(qs), "%u", dc->queue_size);
	argv[n++] = "cnh-blk";
	argv[n++] = "--fd";
	argv[n++] = fd;
	argv[n++] = "--path";
	argv[n++] = dc->path;
	if (dc->readonly)
		argv[n++] = "--readonly";
	if (dc->direct)
		argv[n++] = "--direct";
	argv[n++] = "--num-queues";
	argv[n++] = nq;
	argv[n++] = "--queue-size";
	argv[n++] = qs;
	argv[n] = NULL;
	r = daemon_spawn(loop, exe, argv, dc->id, devices_daemon_exit, e, ret_fd, &e->daemon);
	if (r < 0)
		snprintf(err, errlen, "%s: cannot start %s: %s", dc->id, exe, strerror(-r));
	return r;
}

static int devices_add_disk(struct vhost_user_set *set, const struct disk_config *dc,
			    struct ev_loop *loop, char *err, size_t errlen)
{
	struct vhost_user_set_entry *e = &set->ents[set->ndevs];
	struct vhost_user_fe_params p = {
		.name = dc->id,
		.type = &vhost_user_blk_type,
		.max_queues = (uint16_t)dc->num_queues,
		.queue_size = (uint16_t)dc->queue_size,
	};
	int fd, r;

	if (dc->vhost_user) {
		r = vhost_user_fe_connect(dc->socket, &p, &e->fe, err, errlen);
	} else {
		r = devices_spawn_blk(dc, loop, e, &fd, err, errlen);
		if (r < 0)
			return r;
		r = vhost_user_fe_new_fd(fd, &p, &e->fe, err, errlen);
	}
	if (r < 0) {
		/* e->fe stays NULL: a dying daemon's callback has nothing to mark. */
		return r;
	}
	set->devs[set->ndevs++] = vhost_user_fe_dev(e->fe);
	return 0;
}

int vhost_user_devices_create(const struct vm_config *cfg, struct ev_loop *loop,
			      struct vhost_user_set **ret, char *err, size_t errlen)
{
	struct vhost_user_set *set;
	int r;

	if (cfg->ndisks > VHOST_USER_SET_MAX) {
		snprintf(err, errlen, "too many disks");
		return -EINVAL;
	}
	set = calloc(1, sizeof(*set));
	if (!set) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		r = devices_add_disk(set, &cfg->disks[i], loop, err, errlen);
		if (r < 0) {
			/* A daemon spawned for the failed disk is not yet counted. */
			daemon_free(set->ents[set->ndevs].daemon);
			set->ents[set->ndevs].daemon = NULL;
			vhost_user_devices_free(set);
			return r;
		}
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
	free(set);
}
