/* SPDX-License-Identifier: Apache-2.0 */
#include "vhost-user/console/console_port.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"
#include "ipc/vhost_user.h"

int console_port_init(struct console_port *p, uint16_t cols, uint16_t rows)
{
	memset(p, 0, sizeof(*p));
	p->cfg.cols = cols;
	p->cfg.rows = rows;
	p->cfg.max_nr_ports = 1;
	p->elem = vu_elem_new(CONSOLE_QUEUE_SIZE);
	return p->elem ? 0 : -ENOMEM;
}

void console_port_fini(struct console_port *p)
{
	vu_elem_free(p->elem);
	p->elem = NULL;
}

size_t console_port_room(const struct console_port *p)
{
	return CONSOLE_PENDING_MAX - p->len;
}

size_t console_port_input(struct console_port *p, const void *buf, size_t len)
{
	size_t n = MIN(len, console_port_room(p));
	const uint8_t *src = buf;

	for (size_t i = 0; i < n; i++)
		p->pending[(p->head + p->len + i) % CONSOLE_PENDING_MAX] = src[i];
	p->len += n;
	p->dropped += len - n;
	(void)!console_port_flush_rx(p);
	return n;
}

/* Copy up to the pending bytes into the iovecs; bytes copied. */
static size_t console_port_copy_out(struct console_port *p, const struct iovec *iov, unsigned int n)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && p->len; i++) {
		uint8_t *dst = iov[i].iov_base;
		size_t want = MIN(iov[i].iov_len, p->len);

		while (want) {
			size_t chunk = MIN(want, CONSOLE_PENDING_MAX - p->head);

			memcpy(dst, p->pending + p->head, chunk);
			dst += chunk;
			want -= chunk;
			done += chunk;
			p->len -= chunk;
			p->head = (p->head + chunk) % CONSOLE_PENDING_MAX;
		}
	}
	if (!p->len)
		p->head = 0;
	return done;
}

ssize_t console_port_flush_rx(struct console_port *p)
{
	size_t total = 0;
	bool pushed = false;
	int ret = 0;

	if (!p->rxq || !p->elem)
		return 0;
	while (p->len) {
		size_t n;

		ret = vu_virtq_pop(p->rxq, p->elem);
		if (ret < 0)
			break;
		n = console_port_copy_out(p, p->elem->in_sg, p->elem->in_num);
		vu_virtq_push(p->rxq, p->elem, (uint32_t)n);
		pushed = true;
		total += n;
	}
	if (pushed)
		vu_virtq_notify(p->rxq);
	p->rx_bytes += total;
	return ret == -EPROTO ? -EPROTO : (ssize_t)total;
}

ssize_t console_port_drain_tx(struct console_port *p, console_out_fn out, void *opaque)
{
	size_t total = 0;
	bool pushed = false;
	int ret;

	if (!p->txq || !p->elem)
		return 0;
	while ((ret = vu_virtq_pop(p->txq, p->elem)) == 0) {
		for (unsigned int i = 0; i < p->elem->out_num; i++)
			out(opaque, p->elem->out_sg[i].iov_base, p->elem->out_sg[i].iov_len);
		total += p->elem->out_len;
		vu_virtq_push(p->txq, p->elem, 0);
		pushed = true;
	}
	if (pushed)
		vu_virtq_notify(p->txq);
	p->tx_bytes += total;
	return ret == -EPROTO ? -EPROTO : (ssize_t)total;
}

bool console_port_resize(struct console_port *p, uint16_t cols, uint16_t rows)
{
	if (p->cfg.cols == cols && p->cfg.rows == rows)
		return false;
	p->cfg.cols = cols;
	p->cfg.rows = rows;
	return true;
}

int console_port_get_config(const struct console_port *p, uint8_t *buf, uint32_t offset, uint32_t len)
{
	if (offset > VHOST_USER_MAX_CONFIG_SIZE || len > VHOST_USER_MAX_CONFIG_SIZE - offset)
		return -EINVAL;
	memset(buf, 0, len);
	if (offset < sizeof(p->cfg))
		memcpy(buf, (const uint8_t *)&p->cfg + offset, MIN(len, (uint32_t)sizeof(p->cfg) - offset));
	return 0;
}

int console_port_set_config(struct console_port *p, const uint8_t *buf, uint32_t offset, uint32_t len,
			    console_out_fn out, void *opaque)
{
	if (offset > VHOST_USER_MAX_CONFIG_SIZE || len > VHOST_USER_MAX_CONFIG_SIZE - offset)
		return -EINVAL;
	if (offset == CONSOLE_CFG_EMERG_WR && len == 4) {
		out(opaque, buf, 1); /* the low byte of the le32 is the character */
		p->tx_bytes++;
	}
	return 0; /* everything else is read-only: ignored */
}
