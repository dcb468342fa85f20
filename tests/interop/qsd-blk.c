/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh's vhost-user front-end against qemu-storage-daemon's vhost-user-blk
 * export, without a VM: handshake, GET_CONFIG (capacity = file size), then
 * activate with memfd guest memory, one read request through a split ring
 * (data must match the file), reset, and a second activation with new
 * memory (a guest reboot). Exit 77 when qemu-storage-daemon is missing.
 */
#include <fcntl.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/log.h"
#include "vmm/memory.h"
#include "vmm/vhost_user/blk.h"
#include "vmm/vhost_user/frontend.h"

#define QSD "qemu-storage-daemon"
#define DISK_SIZE (MiB(8) + 3 * 512)
#define QSIZE 128

#define FAIL(...)                                   \
	do {                                        \
		fprintf(stderr, "FAIL: " __VA_ARGS__); \
		fputc('\n', stderr);                \
		goto out;                           \
	} while (0)

static int find_qsd(char *buf, size_t len)
{
	const char *path = getenv("PATH");

	while (path && *path) {
		const char *end = strchrnul(path, ':');

		snprintf(buf, len, "%.*s/%s", (int)(end - path), path, QSD);
		if (access(buf, X_OK) == 0)
			return 0;
		path = *end ? end + 1 : end;
	}
	return -ENOENT;
}

static void fill_pattern(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed + (i >> 9));
}

/* One VIRTIO_BLK_T_IN of sector 1 through queue 0; 0 when the data matches. */
static int read_sector(struct virtio_dev *dev, struct guest_mem *gm, const uint8_t *expect)
{
	const uint64_t desc = 0x10000, avail = 0x11000, used = 0x12000;
	const uint64_t hdr = 0x20000, data = 0x21000, status = 0x22000;
	struct virtio_queue_state q = {
		.enabled = true, .size = QSIZE, .desc = desc, .avail = avail, .used = used,
	};
	struct vring_desc *d = gm_ptr(gm, desc, 16 * QSIZE);
	struct vring_avail *a = gm_ptr(gm, avail, 6 + 2 * QSIZE);
	struct vring_used *u = gm_ptr(gm, used, 6 + 8 * QSIZE);
	struct virtio_blk_outhdr *h = gm_ptr(gm, hdr, sizeof(*h));
	uint8_t *st = gm_ptr(gm, status, 1), *buf = gm_ptr(gm, data, 512);
	struct pollfd pfd;
	int r = -1;

	q.kick_fd = eventfd(0, EFD_CLOEXEC);
	q.call_fd = eventfd(0, EFD_CLOEXEC);
	h->type = VIRTIO_BLK_T_IN;
	h->ioprio = 0;
	h->sector = 1;
	*st = 0xff;
	memset(buf, 0, 512);
	d[0] = (struct vring_desc){ hdr, sizeof(*h), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ data, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2 };
	d[2] = (struct vring_desc){ status, 1, VRING_DESC_F_WRITE, 0 };
	a->flags = 0;
	a->ring[0] = 0;
	__atomic_store_n(&a->idx, 1, __ATOMIC_RELEASE);

	if (dev->ops->set_features(dev, 1ULL << VIRTIO_F_VERSION_1) != 0)
		FAIL("set_features refused VERSION_1");
	if (dev->ops->activate(dev, gm, &q, 1) != 0)
		FAIL("activate failed");
	if (eventfd_write(q.kick_fd, 1) < 0)
		FAIL("kick");
	/* libvhost-user signals the call fd once when it gets it: wait for the used ring. */
	pfd = (struct pollfd){ .fd = q.call_fd, .events = POLLIN };
	for (int i = 0; i < 50 && __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == 0; i++) {
		eventfd_t v;

		if (poll(&pfd, 1, 100) == 1)
			(void)eventfd_read(q.call_fd, &v);
	}
	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) != 1 || u->ring[0].id != 0)
		FAIL("used ring: idx %u id %u", u->idx, u->ring[0].id);
	if (*st != VIRTIO_BLK_S_OK)
		FAIL("request status %u", *st);
	if (memcmp(buf, expect + 512, 512) != 0)
		FAIL("sector 1 data differs from the file");
	r = 0;
out:
	dev->ops->reset(dev);
	close(q.kick_fd);
	close(q.call_fd);
	return r;
}

int main(void)
{
	char qsd[4096], dir[] = "/tmp/cnh-interop-XXXXXX", img[512], sock[512];
	char blockdev[1024], exp[1024], err[256] = "";
	struct vhost_user_fe *fe = NULL;
	struct guest_mem gm = { 0 };
	struct virtio_dev *dev;
	uint8_t *pattern = NULL;
	uint64_t capacity;
	pid_t pid = -1;
	int fd, r = 1;

	if (getenv("CNH_DEBUG"))
		log_set_level(LOG_LVL_DEBUG);
	if (find_qsd(qsd, sizeof(qsd)) < 0) {
		printf("SKIP: %s not found (Debian: apt-get install qemu-system-common)\n", QSD);
		return 77;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(img, sizeof(img), "%s/disk.img", dir);
	snprintf(sock, sizeof(sock), "%s/vub.sock", dir);
	pattern = malloc(DISK_SIZE);
	fill_pattern(pattern, DISK_SIZE, 3);
	fd = open(img, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || write_full(fd, pattern, DISK_SIZE) < 0)
		FAIL("cannot write %s", img);
	close(fd);

	snprintf(blockdev, sizeof(blockdev), "driver=file,node-name=file0,filename=%s", img);
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=exp0,node-name=file0,addr.type=unix,addr.path=%s,writable=on,num-queues=2",
		 sock);
	pid = fork();
	if (pid == 0) {
		execl(qsd, QSD, "--blockdev", blockdev, "--export", exp, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock, F_OK) < 0; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);

	struct vhost_user_fe_params p = {
		.name = "qsd0", .type = &vhost_user_blk_type, .max_queues = 4, .queue_size = QSIZE,
	};
	if (vhost_user_fe_connect(sock, &p, &fe, err, sizeof(err)) < 0)
		FAIL("connect: %s", err);
	dev = vhost_user_fe_dev(fe);
	printf("back-end features %#llx, protocol %#llx, offered %#llx, queues %u\n",
	       (unsigned long long)vhost_user_fe_backend_features(fe),
	       (unsigned long long)vhost_user_fe_protocol_features(fe),
	       (unsigned long long)dev->ops->get_features(dev), dev->num_queues);
	if (dev->device_id != 2 || dev->config_size < 36 || dev->config_size > sizeof(struct virtio_blk_config))
		FAIL("device id %u config size %u", dev->device_id, dev->config_size);
	if (dev->num_queues != 2)
		FAIL("num_queues %u, expected the export's 2", dev->num_queues);
	dev->ops->config_read(dev, 0, &capacity, sizeof(capacity));
	if (capacity != DISK_SIZE / 512)
		FAIL("capacity %llu sectors, file has %llu", (unsigned long long)capacity,
		     (unsigned long long)(DISK_SIZE / 512));
	if (dev->ops->get_features(dev) & ((1ULL << VIRTIO_F_ACCESS_PLATFORM) | (1ULL << VIRTIO_F_RING_PACKED)))
		FAIL("offers ACCESS_PLATFORM or RING_PACKED");
	printf("capacity %llu sectors: ok\n", (unsigned long long)capacity);

	for (int boot = 0; boot < 2; boot++) {
		if (gm_init(&gm, MiB(16), false) < 0)
			FAIL("gm_init");
		if (read_sector(dev, &gm, pattern) < 0)
			FAIL("boot %d: read through the ring failed", boot);
		gm_fini(&gm);
		printf("boot %d: read through the ring: ok\n", boot);
	}
	if (vhost_user_fe_is_broken(fe))
		FAIL("device marked broken");
	printf("PASS\n");
	r = 0;
out:
	gm_fini(&gm);
	vhost_user_fe_free(fe);
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	unlink(sock);
	unlink(img);
	rmdir(dir);
	free(pattern);
	return r;
}
