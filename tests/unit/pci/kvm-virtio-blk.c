/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-pci transport under KVM, before any vhost-user back-end exists:
 * cnh's VMM in this process with one in-process virtio-blk device (a RAM
 * disk served by a thread), booting the test guest's pci and blk scenarios.
 * It checks what unit tests cannot: notify writes reach the kick eventfd
 * through KVM_IOEVENTFD (also after the guest moves the BAR), and the call
 * eventfd raises the queue's MSI-X vector through KVM_IRQFD and
 * KVM_SET_GSI_ROUTING (the guest sees it pending in its LAPIC IRR).
 *
 * usage: kvm-virtio-blk GUEST_ELF "EXTRA GUEST CMDLINE" [enable-first]
 * enable-first turns memory decoding on before the guest starts, as firmware
 * would, so that a BAR the guest moves is already decoded (and its
 * ioeventfds bound) at the old address. Exit 77 without /dev/kvm.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/config.h"
#include "vmm/memory.h"
#include "vmm/pci/pci.h"
#include "vmm/pci/virtio_pci.h"
#include "vmm/vm.h"
#include "vmm/virtio/virtio_dev.h"

#define SKIP 77
#define RB_SECTORS 4096
#define RB_QUEUES 2
#define RB_CHAIN_MAX 16
#define VIRTQ_DESC_F_NEXT 1
#define BLK_F_FLUSH 9
#define BLK_F_MQ 12
#define BLK_CFG_NUM_QUEUES 34
#define BLK_CFG_SIZE 60

struct rb_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct ramblk {
	struct virtio_dev dev;
	uint8_t disk[RB_SECTORS * 512];
	struct virtio_queue_state q[RB_QUEUES];
	uint16_t last_avail[RB_QUEUES];
	unsigned int nq;
	const struct guest_mem *gm;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	unsigned int served, activations, resets;
	struct vmm *vmm;
	int notify_exits; /* seen at the guest's reset, -1 if never */
};

static struct ramblk *rb_of(struct virtio_dev *d)
{
	return container_of(d, struct ramblk, dev);
}

static uint64_t rb_get_features(struct virtio_dev *d)
{
	(void)d;
	return (1ull << 32) | (1ull << BLK_F_FLUSH) | (1ull << BLK_F_MQ);
}

static int rb_set_features(struct virtio_dev *d, uint64_t f)
{
	(void)d;
	return f & (1ull << 32) ? 0 : -EINVAL;
}

static void rb_config_read(struct virtio_dev *d, uint32_t off, void *data, uint32_t size)
{
	uint8_t cfg[BLK_CFG_SIZE] = { 0 };
	uint64_t cap = RB_SECTORS;
	uint16_t nq = RB_QUEUES;

	(void)d;
	memcpy(cfg, &cap, sizeof(cap));
	memcpy(cfg + BLK_CFG_NUM_QUEUES, &nq, sizeof(nq));
	memcpy(data, cfg + off, size); /* the transport keeps off + size inside config_size */
}

static void rb_config_write(struct virtio_dev *d, uint32_t off, const void *data, uint32_t size)
{
	(void)d;
	(void)off;
	(void)data;
	(void)size;
}

/* One request: header, data descriptors, status byte. Returns the bytes written. */
static uint32_t rb_request(struct ramblk *rb, struct rb_desc **d, unsigned int n)
{
	const uint8_t *hdr = gm_ptr(rb->gm, d[0]->addr, 16);
	uint8_t *status = gm_ptr(rb->gm, d[n - 1]->addr, 1);
	uint32_t type, written = 1;
	uint64_t sector, off;
	uint8_t st = 0;

	if (!hdr || !status || n < 2)
		return 0;
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	off = sector * 512;
	for (unsigned int k = 1; k + 1 < n; k++) {
		uint8_t *buf = gm_ptr(rb->gm, d[k]->addr, d[k]->len);

		if (!buf || off > sizeof(rb->disk) || d[k]->len > sizeof(rb->disk) - off) {
			st = 1;
			break;
		}
		if (type == 0) {
			memcpy(buf, rb->disk + off, d[k]->len);
			written += d[k]->len;
		} else if (type == 1) {
			memcpy(rb->disk + off, buf, d[k]->len);
		} else if (type == 8) {
			memset(buf, 0, d[k]->len);
			memcpy(buf, "cnh-ramblk", MIN(d[k]->len, 10u));
			written += d[k]->len;
		}
		off += d[k]->len;
	}
	*status = st;
	return written;
}

static void rb_process(struct ramblk *rb, unsigned int qi)
{
	const struct virtio_queue_state *q = &rb->q[qi];
	uint16_t *avail = gm_ptr(rb->gm, q->avail, 4 + 2ull * q->size);
	uint16_t *used = gm_ptr(rb->gm, q->used, 4 + 8ull * q->size);
	struct rb_desc *dt = gm_ptr(rb->gm, q->desc, 16ull * q->size);
	uint64_t one = 1;

	if (!avail || !used || !dt)
		return;
	while (rb->last_avail[qi] != __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE)) {
		uint16_t head = avail[2 + rb->last_avail[qi] % q->size], i = head, ui = used[1];
		struct rb_desc *chain[RB_CHAIN_MAX];
		unsigned int n = 0;
		uint32_t *ue = (uint32_t *)(used + 2) + 2 * (ui % q->size);

		do {
			chain[n] = &dt[i % q->size];
			i = chain[n++]->next;
		} while ((chain[n - 1]->flags & VIRTQ_DESC_F_NEXT) && n < RB_CHAIN_MAX);
		ue[0] = head;
		ue[1] = rb_request(rb, chain, n);
		__atomic_store_n(&used[1], (uint16_t)(ui + 1), __ATOMIC_RELEASE);
		rb->last_avail[qi]++;
		rb->served++;
		if (q->call_fd >= 0 && write(q->call_fd, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "ramblk: call eventfd write failed\n");
	}
}

static void *rb_thread(void *arg)
{
	struct ramblk *rb = arg;

	while (!atomic_load(&rb->stop)) {
		struct pollfd p[RB_QUEUES];
		uint64_t cnt;

		for (unsigned int i = 0; i < rb->nq; i++)
			p[i] = (struct pollfd){ .fd = rb->q[i].enabled ? rb->q[i].kick_fd : -1,
						.events = POLLIN };
		if (poll(p, rb->nq, 50) <= 0)
			continue;
		for (unsigned int i = 0; i < rb->nq; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			if (read(p[i].fd, &cnt, sizeof(cnt)) < 0)
				continue;
			rb_process(rb, i);
		}
	}
	return NULL;
}

static void rb_reset(struct virtio_dev *d)
{
	struct ramblk *rb = rb_of(d);

	rb->resets++;
	/* A guest reset runs on a vCPU thread: the current boot's transport is stable. */
	if (rb->vmm->vm && rb->vmm->vm->vpci[0])
		rb->notify_exits = (int)rb->vmm->vm->vpci[0]->notify_exits;
	if (!rb->running)
		return;
	atomic_store(&rb->stop, true);
	pthread_join(rb->thread, NULL);
	rb->running = false;
}

static int rb_activate(struct virtio_dev *d, const struct guest_mem *gm,
		       const struct virtio_queue_state *q, unsigned int nq)
{
	struct ramblk *rb = rb_of(d);

	if (nq != RB_QUEUES || rb->running)
		return -EINVAL;
	memcpy(rb->q, q, nq * sizeof(*q));
	memset(rb->last_avail, 0, sizeof(rb->last_avail));
	rb->nq = nq;
	rb->gm = gm;
	rb->activations++;
	atomic_store(&rb->stop, false);
	if (pthread_create(&rb->thread, NULL, rb_thread, rb) != 0)
		return -EAGAIN;
	rb->running = true;
	return 0;
}

static const struct virtio_dev_ops rb_ops = {
	.get_features = rb_get_features,
	.set_features = rb_set_features,
	.config_read = rb_config_read,
	.config_write = rb_config_write,
	.activate = rb_activate,
	.reset = rb_reset,
};

int main(int argc, char **argv)
{
	char serial[] = "/tmp/cnh-kvm-virtio-XXXXXX", serial_opt[64], cmdline[512], err[512] = "";
	static struct ramblk rb;
	struct vm_config cfg;
	enum config_result action;
	struct ev_loop *loop;
	struct vmm vmm;
	char *out = NULL;
	size_t len = 0;
	int fd, code, ok;

	if (argc < 2) {
		fprintf(stderr, "usage: %s GUEST_ELF [EXTRA_CMDLINE]\n", argv[0]);
		return 2;
	}
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		printf("SKIP: /dev/kvm is not accessible\n");
		return SKIP;
	}
	fd = mkstemp(serial);
	if (fd < 0)
		return 1;
	close(fd);
	snprintf(serial_opt, sizeof(serial_opt), "file=%s", serial);
	snprintf(cmdline, sizeof(cmdline), "cnh.tests=pci,blk cnh.pci=1 cnh.blk.sectors=%u %s",
		 RB_SECTORS, argc > 2 ? argv[2] : "");
	char *args[] = { "cnh", "--kernel", argv[1], "--cmdline", cmdline, "--memory", "size=128M",
			 "--serial", serial_opt, NULL };

	rb.dev = (struct virtio_dev){ .ops = &rb_ops, .name = "ramblk", .device_id = 2,
				      .num_queues = RB_QUEUES, .queue_max_size = 128,
				      .config_size = BLK_CFG_SIZE };
	rb.vmm = &vmm;
	rb.notify_exits = -1;
	log_set_ident("cnh");
	if (config_parse((int)ARRAY_SIZE(args) - 1, args, &cfg, &action, err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	loop = ev_default_loop(EVFLAG_SIGNALFD);
	vmm_init(&vmm, loop);
	/* Registered before the machine exists: every boot plugs it in at 00:01.0. */
	if (vmm_add_virtio_dev(&vmm, &rb.dev, err, sizeof(err)) < 0 ||
	    vmm_machine_create(&vmm, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		vmm_fini(&vmm);
		return 1;
	}
	if (argc > 3 && !strcmp(argv[3], "enable-first")) {
		uint16_t cmd = PCI_COMMAND_MEMORY;

		pci_root_cfg_write(vmm.vm->pci, 1 << 15 | PCI_COMMAND, &cmd, 2);
		if (!vmm.vm->vpci[0]->pdev.bars[0].mapped) {
			fprintf(stderr, "BAR 0 not decoded after memory enable\n");
			return 1;
		}
	}
	if (vmm_machine_start(&vmm, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		vmm_fini(&vmm);
		return 1;
	}
	code = vmm_run(&vmm);
	vmm_fini(&vmm);
	config_fini(&cfg);
	if (read_file(serial, 1 << 20, (void **)&out, &len) < 0) {
		fprintf(stderr, "cannot read the serial log %s\n", serial);
		return 1;
	}
	unlink(serial);
	out = realloc(out, len + 1);
	if (!out)
		return 1;
	out[len] = '\0';
	fputs(out, stdout);
	ok = code == 0 && strstr(out, "TEST pci PASS") && strstr(out, "TEST blk PASS") &&
	     rb.activations >= 1 && rb.served >= 6 && rb.resets >= 2 && !rb.running &&
	     rb.notify_exits == 0;
	printf("cnh exit %d, %u activation(s), %u requests served, %u resets, %d notify exits: %s\n",
	       code, rb.activations, rb.served, rb.resets, rb.notify_exits, ok ? "ok" : "FAILED");
	free(out);
	return ok ? 0 : 1;
}
