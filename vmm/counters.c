/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/counters.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* KVM statistics names are short ("halt_poll_success_ns"); refuse absurd headers. */
#define COUNTERS_KVM_MAX_NAME 256
#define COUNTERS_KVM_MAX_DESC 4096

const char *const counters_kvm_vcpu_names[COUNTERS_KVM_VCPU_N] = {
	"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits", "signal_exits", "insn_emulation",
};

static struct counters_virtio *counters_of(struct virtio_dev *dev)
{
	return container_of(dev, struct counters_virtio, dev);
}

static uint64_t counters_get_features(struct virtio_dev *dev)
{
	struct virtio_dev *in = counters_of(dev)->inner;

	return in->ops->get_features(in);
}

static int counters_set_features(struct virtio_dev *dev, uint64_t features)
{
	struct counters_virtio *c = counters_of(dev);

	atomic_fetch_add(&c->features_set, 1);
	return c->inner->ops->set_features(c->inner, features);
}

static void counters_config_read(struct virtio_dev *dev, uint32_t offset, void *data, uint32_t size)
{
	struct counters_virtio *c = counters_of(dev);

	atomic_fetch_add(&c->config_reads, 1);
	c->inner->ops->config_read(c->inner, offset, data, size);
}

static void counters_config_write(struct virtio_dev *dev, uint32_t offset, const void *data,
				  uint32_t size)
{
	struct counters_virtio *c = counters_of(dev);

	atomic_fetch_add(&c->config_writes, 1);
	c->inner->ops->config_write(c->inner, offset, data, size);
}

static int counters_activate(struct virtio_dev *dev, const struct guest_mem *gm,
			     const struct virtio_queue_state *queues, unsigned int nq)
{
	struct counters_virtio *c = counters_of(dev);
	int r = c->inner->ops->activate(c->inner, gm, queues, nq);

	atomic_fetch_add(r < 0 ? &c->activate_failures : &c->activations, 1);
	if (r == 0 && c->changed)
		c->changed(c->opaque);
	return r;
}

static void counters_reset(struct virtio_dev *dev)
{
	struct counters_virtio *c = counters_of(dev);

	c->inner->ops->reset(c->inner);
	atomic_fetch_add(&c->resets, 1);
	if (c->changed)
		c->changed(c->opaque);
}

static const struct virtio_dev_ops counters_virtio_ops = {
	.get_features = counters_get_features,
	.set_features = counters_set_features,
	.config_read = counters_config_read,
	.config_write = counters_config_write,
	.activate = counters_activate,
	.reset = counters_reset,
};

void counters_virtio_sync(struct counters_virtio *c)
{
	c->dev.name = c->inner->name;
	c->dev.device_id = c->inner->device_id;
	c->dev.num_queues = c->inner->num_queues;
	c->dev.queue_max_size = c->inner->queue_max_size;
	c->dev.config_size = c->inner->config_size;
}

void counters_virtio_init(struct counters_virtio *c, struct virtio_dev *inner,
			  void (*changed)(void *opaque), void *opaque)
{
	memset(c, 0, sizeof(*c));
	c->dev.ops = &counters_virtio_ops;
	c->inner = inner;
	c->changed = changed;
	c->opaque = opaque;
	counters_virtio_sync(c);
}

size_t counters_virtio_get(const struct counters_virtio *c, const char **names, uint64_t *values)
{
	size_t n = 0;

#define COUNTERS_PUT(field)                                      \
	do {                                                     \
		names[n] = #field;                               \
		values[n++] = atomic_load(&c->field);            \
	} while (0)
	COUNTERS_PUT(activations);
	COUNTERS_PUT(activate_failures);
	COUNTERS_PUT(resets);
	COUNTERS_PUT(features_set);
	COUNTERS_PUT(config_reads);
	COUNTERS_PUT(config_writes);
#undef COUNTERS_PUT
	return n;
}

static int counters_pread(int fd, void *buf, size_t len, uint64_t off)
{
	ssize_t got = pread(fd, buf, len, (off_t)off);

	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -EIO;
}

int counters_kvm_stats_fd(int kvm_fd)
{
	int fd = ioctl(kvm_fd, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		return -errno;
	/* KVM makes it O_RDONLY without O_CLOEXEC on older kernels. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

int counters_kvm_read(int fd, const char *const *names, size_t n, uint64_t *values)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d = NULL;
	size_t dsize;
	int r, found = 0;

	for (size_t i = 0; i < n; i++)
		values[i] = 0;
	if (fd < 0)
		return -EBADF;
	r = counters_pread(fd, &h, sizeof(h), 0);
	if (r < 0)
		goto out;
	if (h.name_size == 0 || h.name_size > COUNTERS_KVM_MAX_NAME || h.num_desc > COUNTERS_KVM_MAX_DESC) {
		r = -EPROTO;
		goto out;
	}
	dsize = sizeof(*d) + h.name_size;
	d = calloc(1, dsize + 1);
	if (!d) {
		r = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		uint64_t v;

		r = counters_pread(fd, d, dsize, (uint64_t)h.desc_offset + (uint64_t)i * dsize);
		if (r < 0)
			goto out;
		d->name[h.name_size - 1] = '\0';
		if (d->size == 0)
			continue;
		for (size_t k = 0; k < n; k++) {
			if (strcmp(d->name, names[k]) != 0)
				continue;
			r = counters_pread(fd, &v, sizeof(v), (uint64_t)h.data_offset + d->offset);
			if (r < 0)
				goto out;
			values[k] = v;
			found++;
		}
	}
	r = found;
out:
	free(d);
	return r;
}
