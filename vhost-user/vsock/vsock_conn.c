/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/vsock/vsock_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

uint32_t vsock_conn_peer_credit(const struct vsock_conn *c)
{
	uint32_t used = c->tx_cnt - c->peer_fwd_cnt;

	return used >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - used;
}

uint32_t vsock_conn_rx_space(const struct vsock_conn *c)
{
	uint32_t used = c->rx_cnt - c->fwd_cnt;

	return used >= c->buf_alloc ? 0 : c->buf_alloc - used;
}

void vsock_conn_set_peer(struct vsock_conn *c, uint32_t buf_alloc, uint32_t fwd_cnt)
{
	c->peer_buf_alloc = buf_alloc;
	c->peer_fwd_cnt = fwd_cnt;
}

int vsock_conn_guest_rx(struct vsock_conn *c, uint32_t len)
{
	if (len > vsock_conn_rx_space(c))
		return -ENOSPC;
	c->rx_cnt += len;
	return 0;
}

bool vsock_conn_want_credit_update(const struct vsock_conn *c)
{
	/* What the guest believes is free, from the fwd_cnt it last saw. */
	uint32_t seen_used = c->rx_cnt - c->last_fwd_sent;
	uint32_t seen_free = seen_used >= c->buf_alloc ? 0 : c->buf_alloc - seen_used;

	return c->fwd_cnt != c->last_fwd_sent && seen_free <= c->buf_alloc / 2;
}

void vsock_conn_hdr(struct vsock_conn *c, uint64_t guest_cid, uint16_t op, struct vsock_hdr *h)
{
	vsock_hdr_init(h, guest_cid, c->host_port, c->guest_port, op);
	h->buf_alloc = c->buf_alloc;
	h->fwd_cnt = c->fwd_cnt;
	c->last_fwd_sent = c->fwd_cnt;
}

static ssize_t vsock_conn_write(int fd, const void *p, size_t len)
{
	ssize_t n;

	do
		n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

int vsock_conn_flush(struct vsock_conn *c)
{
	ssize_t n;

	while (c->ok_off < c->ok_len) {
		n = vsock_conn_write(c->fd, c->ok_line + c->ok_off, c->ok_len - c->ok_off);
		if (n <= 0)
			return (int)n;
		c->ok_off = (uint8_t)(c->ok_off + n);
	}
	while (c->buf_used) {
		uint32_t chunk = MIN(c->buf_used, c->buf_alloc - c->buf_head);

		n = vsock_conn_write(c->fd, c->buf + c->buf_head, chunk);
		if (n <= 0)
			return (int)n;
		c->buf_head = (uint32_t)((c->buf_head + (uint32_t)n) % c->buf_alloc);
		c->buf_used -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n;
	}
	c->buf_head = 0;
	return 0;
}

int vsock_conn_send_host(struct vsock_conn *c, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint32_t tail;

	if (!vsock_conn_has_output(c)) {
		ssize_t n = vsock_conn_write(c->fd, p, len);

		if (n < 0)
			return (int)n;
		c->fwd_cnt += (uint32_t)n;
		p += n;
		len -= (uint32_t)n;
	}
	if (!len)
		return 0;
	/* The credit check bounds this: rx_cnt - fwd_cnt <= buf_alloc. */
	if (len > c->buf_alloc - c->buf_used)
		return -ENOSPC;
	if (!c->buf) {
		c->buf = malloc(c->buf_alloc);
		if (!c->buf)
			return -ENOMEM;
		c->buf_head = 0;
	}
	tail = (c->buf_head + c->buf_used) % c->buf_alloc;
	for (uint32_t done = 0; done < len;) {
		uint32_t chunk = MIN(len - done, c->buf_alloc - tail);

		memcpy(c->buf + tail, p + done, chunk);
		done += chunk;
		tail = (tail + chunk) % c->buf_alloc;
	}
	c->buf_used += len;
	return 0;
}

static unsigned int vsock_table_hash(const struct vsock_table *t, uint32_t host_port, uint32_t guest_port)
{
	uint64_t k = ((uint64_t)host_port << 32 | guest_port) * 0x9e3779b97f4a7c15ULL;

	return (unsigned int)(k >> 32) & (t->nbuckets - 1);
}

int vsock_table_init(struct vsock_table *t, unsigned int max)
{
	memset(t, 0, sizeof(*t));
	t->free_head = -1;
	if (max == 0 || max > VSOCK_MAX_CONNS_LIMIT)
		return -EINVAL;
	t->nbuckets = 1;
	while (t->nbuckets < 2 * max)
		t->nbuckets <<= 1;
	t->conns = calloc(max, sizeof(*t->conns));
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	if (!t->conns || !t->buckets) {
		vsock_table_fini(t);
		return -ENOMEM;
	}
	t->max = max;
	for (unsigned int i = 0; i < t->nbuckets; i++)
		t->buckets[i] = -1;
	for (unsigned int i = max; i-- > 0;) {
		t->conns[i].fd = -1;
		t->conns[i].next = t->free_head;
		t->free_head = (int32_t)i;
	}
	t->next_local_port = VSOCK_LOCAL_PORT_MIN;
	return 0;
}

void vsock_table_fini(struct vsock_table *t)
{
	for (unsigned int i = 0; t->conns && i < t->max; i++) {
		closep(&t->conns[i].fd);
		free(t->conns[i].buf);
	}
	free(t->conns);
	free(t->buckets);
	memset(t, 0, sizeof(*t));
	t->free_head = -1;
}

struct vsock_conn *vsock_table_lookup(const struct vsock_table *t, uint32_t host_port, uint32_t guest_port)
{
	if (!t->max)
		return NULL;
	for (int32_t i = t->buckets[vsock_table_hash(t, host_port, guest_port)]; i >= 0; i = t->conns[i].next) {
		struct vsock_conn *c = &t->conns[i];

		if (c->host_port == host_port && c->guest_port == guest_port)
			return c;
	}
	return NULL;
}

int vsock_table_add(struct vsock_table *t, uint32_t host_port, uint32_t guest_port, struct vsock_conn **ret)
{
	unsigned int h;
	struct vsock_conn *c;
	int32_t i;

	if (vsock_table_lookup(t, host_port, guest_port))
		return -EEXIST;
	if (t->free_head < 0)
		return -ENOSPC;
	i = t->free_head;
	c = &t->conns[i];
	t->free_head = c->next;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->host_port = host_port;
	c->guest_port = guest_port;
	c->buf_alloc = VSOCK_CONN_BUF_ALLOC;
	h = vsock_table_hash(t, host_port, guest_port);
	c->next = t->buckets[h];
	t->buckets[h] = i;
	t->count++;
	*ret = c;
	return 0;
}

void vsock_table_remove(struct vsock_table *t, struct vsock_conn *c)
{
	int32_t idx = (int32_t)vsock_table_index(t, c);
	int32_t *p = &t->buckets[vsock_table_hash(t, c->host_port, c->guest_port)];

	while (*p >= 0 && *p != idx)
		p = &t->conns[*p].next;
	if (*p == idx)
		*p = c->next;
	closep(&c->fd);
	free(c->buf);
	c->buf = NULL;
	c->state = VSOCK_CONN_FREE;
	c->next = t->free_head;
	t->free_head = idx;
	t->count--;
}

uint32_t vsock_table_local_port(struct vsock_table *t, uint32_t guest_port)
{
	for (;;) {
		uint32_t p = t->next_local_port;

		t->next_local_port = p == UINT32_MAX - 1 ? VSOCK_LOCAL_PORT_MIN : p + 1;
		if (!vsock_table_lookup(t, p, guest_port))
			return p; /* the table holds at most 65536: this ends quickly */
	}
}
