/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/lib/virtq.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "common/log.h"

/*
 * Memory ordering (virtio 1.2 2.7.13): the driver writes ring entries, then
 * avail->idx; we load avail->idx with acquire before reading entries. We
 * write used entries, then used->idx with release. Before deciding on an
 * interrupt (and after publishing avail_event) a full fence orders our
 * stores against the driver's next loads.
 */

static inline uint16_t ring_load16(const uint16_t *p, int order)
{
	return le16toh(__atomic_load_n(p, order));
}

static inline void ring_store16(uint16_t *p, uint16_t v, int order)
{
	__atomic_store_n(p, htole16(v), order);
}

static inline uint16_t *virtq_used_event(struct vu_virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

static inline uint16_t *virtq_avail_event(struct vu_virtq *vq)
{
	return (uint16_t *)&vq->used->ring[vq->size];
}

struct vu_elem *vu_elem_new(unsigned int max_sg)
{
	struct vu_elem *e;

	if (max_sg == 0 || max_sg > VIRTQ_MAX_SIZE)
		return NULL;
	e = calloc(1, sizeof(*e) + (size_t)max_sg * sizeof(struct iovec));
	if (!e)
		return NULL;
	e->max_sg = max_sg;
	e->out_sg = e->in_sg = e->sg;
	return e;
}

void vu_elem_free(struct vu_elem *elem)
{
	free(elem);
}

void vu_virtq_init(struct vu_virtq *vq, unsigned int index, const struct vu_mem *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->index = index;
	vq->mem = mem;
	vq->kick_fd = vq->call_fd = vq->err_fd = -1;
	ratelimit_init(&vq->rl, 5000, 5);
}

void vu_virtq_close_fds(struct vu_virtq *vq)
{
	closep(&vq->kick_fd);
	closep(&vq->call_fd);
	closep(&vq->err_fd);
}

void vu_virtq_set_broken(struct vu_virtq *vq, const char *why)
{
	if (vq->broken)
		return;
	vq->broken = true;
	if (ratelimit_ok(&vq->rl))
		log_warn("vhost-user", "queue %u: broken ring, stopped: %s", vq->index, why);
	if (vq->err_fd >= 0)
		(void)eventfd_write(vq->err_fd, 1);
}

static int virtq_fail(struct vu_virtq *vq, const char *why)
{
	vu_virtq_set_broken(vq, why);
	return -EPROTO;
}

int vu_virtq_map(struct vu_virtq *vq)
{
	void *desc, *avail, *used;

	vu_virtq_unmap(vq);
	if (!vq->mem || vq->size == 0 || !vq->addr_set)
		return -EINVAL;
	if (!IS_ALIGNED(vq->desc_uva, 16) || !IS_ALIGNED(vq->avail_uva, 2) || !IS_ALIGNED(vq->used_uva, 4))
		return -EINVAL;
	desc = vu_mem_translate(vq->mem, VU_ADDR_UVA, vq->desc_uva, VIRTQ_DESC_BYTES(vq->size));
	avail = vu_mem_translate(vq->mem, VU_ADDR_UVA, vq->avail_uva, VIRTQ_AVAIL_BYTES(vq->size));
	used = vu_mem_translate(vq->mem, VU_ADDR_UVA, vq->used_uva, VIRTQ_USED_BYTES(vq->size));
	if (!desc || !avail || !used)
		return -EINVAL;
	/* mmap_offset need not be page aligned: check the local pointers too. */
	if (!IS_ALIGNED((uintptr_t)desc, 16) || !IS_ALIGNED((uintptr_t)avail, 2) || !IS_ALIGNED((uintptr_t)used, 4))
		return -EINVAL;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->used_idx = ring_load16(&vq->used->idx, __ATOMIC_ACQUIRE);
	vq->signalled_used_valid = false;
	vq->broken = false;
	/*
	 * After a restart the driver may hold a stale avail_event, or see a
	 * NO_NOTIFY left by the previous run: ask for the next kick.
	 */
	vq->notify_off = true;
	(void)vu_virtq_set_notify(vq, true);
	return 0;
}

void vu_virtq_unmap(struct vu_virtq *vq)
{
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
}

bool vu_virtq_mapped(const struct vu_virtq *vq)
{
	return vq->desc && vq->avail && vq->used;
}

static void virtq_read_desc(const struct virtq_desc *table, uint16_t i, struct virtq_desc *out)
{
	struct virtq_desc d;

	/* One copy: every check and use below sees the same values. */
	memcpy(&d, &table[i], sizeof(d));
	out->addr = le64toh(d.addr);
	out->len = le32toh(d.len);
	out->flags = le16toh(d.flags);
	out->next = le16toh(d.next);
}

static int virtq_add_buf(struct vu_virtq *vq, struct vu_elem *elem, const struct virtq_desc *d)
{
	unsigned int n = elem->out_num + elem->in_num;
	void *p;

	if (d->len == 0)
		return virtq_fail(vq, "zero-length buffer");
	if (n >= elem->max_sg)
		return virtq_fail(vq, "chain longer than the element allows");
	p = vu_mem_translate(vq->mem, VU_ADDR_GPA, d->addr, d->len);
	if (!p)
		return virtq_fail(vq, "buffer outside guest memory");
	elem->sg[n].iov_base = p;
	elem->sg[n].iov_len = d->len;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		elem->in_num++;
		elem->in_len += d->len;
	} else {
		if (elem->in_num)
			return virtq_fail(vq, "device-readable buffer after a writable one");
		elem->out_num++;
		elem->out_len += d->len;
	}
	return 0;
}

/* Walk the chain starting at head into elem. 0 or -EPROTO (queue broken). */
static int virtq_walk(struct vu_virtq *vq, struct vu_elem *elem, uint16_t head)
{
	const struct virtq_desc *table = vq->desc;
	uint32_t table_size = vq->size;
	bool indirect = false;
	struct virtq_desc d;
	uint16_t i = head;
	int ret;

	virtq_read_desc(table, i, &d);
	if (d.flags & VIRTQ_DESC_F_INDIRECT) {
		if (!vq->indirect)
			return virtq_fail(vq, "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC");
		if (d.flags & VIRTQ_DESC_F_NEXT)
			return virtq_fail(vq, "indirect descriptor with NEXT");
		if (d.len == 0 || d.len % sizeof(struct virtq_desc))
			return virtq_fail(vq, "indirect table size not a non-zero multiple of 16");
		if (d.len / sizeof(struct virtq_desc) > VIRTQ_MAX_SIZE)
			return virtq_fail(vq, "indirect table too large");
		table = vu_mem_translate(vq->mem, VU_ADDR_GPA, d.addr, d.len);
		if (!table)
			return virtq_fail(vq, "indirect table outside guest memory");
		table_size = d.len / sizeof(struct virtq_desc);
		indirect = true;
		i = 0;
		virtq_read_desc(table, i, &d);
	}

	for (uint32_t steps = 0;; steps++) {
		if (steps >= table_size)
			return virtq_fail(vq, "descriptor chain loops or exceeds the queue size");
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return virtq_fail(vq, indirect ? "nested indirect table" : "indirect descriptor inside a chain");
		ret = virtq_add_buf(vq, elem, &d);
		if (ret < 0)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= table_size)
			return virtq_fail(vq, "next descriptor index out of range");
		i = d.next;
		virtq_read_desc(table, i, &d);
	}
}

int vu_virtq_pop(struct vu_virtq *vq, struct vu_elem *elem)
{
	uint16_t avail_idx, head;
	int ret;

	if (!vu_virtq_mapped(vq))
		return -EINVAL;
	if (vq->broken)
		return -EPROTO;
	avail_idx = ring_load16(&vq->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail_idx) {
		if (!vq->event_idx || vq->notify_off)
			return -ENOENT;
		/* Ask for a kick on the next buffer, then look again. */
		ring_store16(virtq_avail_event(vq), vq->last_avail_idx, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = ring_load16(&vq->avail->idx, __ATOMIC_ACQUIRE);
		if (avail_idx == vq->last_avail_idx)
			return -ENOENT;
	}
	if ((uint16_t)(avail_idx - vq->last_avail_idx) > vq->size)
		return virtq_fail(vq, "avail index moved by more than the queue size");

	head = ring_load16(&vq->avail->ring[vq->last_avail_idx % vq->size], __ATOMIC_RELAXED);
	if (head >= vq->size)
		return virtq_fail(vq, "head descriptor index out of range");

	elem->head = head;
	elem->avail_idx = vq->last_avail_idx;
	elem->out_num = elem->in_num = 0;
	elem->out_len = elem->in_len = 0;
	ret = virtq_walk(vq, elem, head);
	elem->out_sg = elem->sg;
	elem->in_sg = elem->sg + elem->out_num;
	if (ret < 0) {
		elem->out_num = elem->in_num = 0;
		return ret;
	}
	vq->last_avail_idx++;
	if (vq->event_idx && !vq->notify_off)
		ring_store16(virtq_avail_event(vq), vq->last_avail_idx, __ATOMIC_RELAXED);
	return 0;
}

bool vu_virtq_set_notify(struct vu_virtq *vq, bool on)
{
	uint16_t flags;

	if (!vu_virtq_mapped(vq) || on == !vq->notify_off)
		return false;
	vq->notify_off = !on;
	if (vq->event_idx) {
		if (!on)
			return false; /* avail_event stays behind: the driver does not kick */
		ring_store16(virtq_avail_event(vq), vq->last_avail_idx, __ATOMIC_RELAXED);
	} else {
		/* Only the device writes used->flags: no read-modify-write race. */
		flags = ring_load16(&vq->used->flags, __ATOMIC_RELAXED);
		flags = on ? flags & ~VIRTQ_USED_F_NO_NOTIFY : flags | VIRTQ_USED_F_NO_NOTIFY;
		ring_store16(&vq->used->flags, flags, __ATOMIC_RELAXED);
		if (!on)
			return false;
	}
	/* Our store before the driver's next avail->idx load, as in pop. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return ring_load16(&vq->avail->idx, __ATOMIC_ACQUIRE) != vq->last_avail_idx;
}

void vu_virtq_unpop(struct vu_virtq *vq)
{
	vq->last_avail_idx--;
}

void vu_virtq_push(struct vu_virtq *vq, const struct vu_elem *elem, uint32_t written)
{
	struct virtq_used_elem *u;

	if (!vu_virtq_mapped(vq))
		return;
	if (written > elem->in_len)
		written = (uint32_t)MIN(elem->in_len, (uint64_t)UINT32_MAX);
	u = &vq->used->ring[vq->used_idx % vq->size];
	__atomic_store_n(&u->id, htole32(elem->head), __ATOMIC_RELAXED);
	__atomic_store_n(&u->len, htole32(written), __ATOMIC_RELAXED);
	vq->used_idx++;
	ring_store16(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

/* virtio 1.2 2.7.10: interrupt when new_idx passed event since old_idx. */
static bool virtq_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool vu_virtq_should_notify(struct vu_virtq *vq)
{
	if (!vu_virtq_mapped(vq))
		return false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		uint16_t old_idx = vq->signalled_used, new_idx = vq->used_idx;
		bool valid = vq->signalled_used_valid;
		uint16_t event = ring_load16(virtq_used_event(vq), __ATOMIC_RELAXED);

		vq->signalled_used = new_idx;
		vq->signalled_used_valid = true;
		return !valid || virtq_need_event(event, new_idx, old_idx);
	}
	return !(ring_load16(&vq->avail->flags, __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

bool vu_virtq_notify(struct vu_virtq *vq)
{
	if (!vu_virtq_should_notify(vq) || vq->call_fd < 0)
		return false;
	return eventfd_write(vq->call_fd, 1) == 0;
}
