// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: the net scenario (see net.h). Interrupts off, rings polled. */
#include "net.h"

#define VIRTIO_ID_NET 1
#define NET_F_CSUM 0
#define NET_F_MAC 5
#define NET_F_MRG_RXBUF 15
#define NET_F_CTRL_VQ 17
#define NET_F_MQ 22
#define NET_CFG_MAC 0
#define NET_CFG_MAX_PAIRS 8
#define NET_HDR_F_NEEDS_CSUM 1
#define NET_CTRL_MQ 4
#define NET_CTRL_MQ_VQ_PAIRS_SET 0
#define NET_OK 0

#define NET_MAX_PAIRS 2
#define NET_QSIZE 16
#define NET_RXBUF 2048
#define NET_HDR_LEN 12 /* VERSION_1: num_buffers is always there */
#define NET_ETH_LEN 14
#define NET_IP_LEN 20
#define NET_UDP_LEN 8
#define NET_TSC_PER_MS 4000000ull
#define NET_MARK "CNH-NET-MARK-"
#define NET_MARK_LEN 13
#define NET_MAX_RX 64

struct net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __packed;
_Static_assert(sizeof(struct net_hdr) == NET_HDR_LEN, "virtio_net_hdr_v1");

struct net {
	struct virtio_pci vp;
	uint8_t mac[6], peer[6];
	unsigned int pairs;
	uint64_t rx_want;
	uint64_t rx_seen; /* bit i: "RX-<i>" arrived */
	unsigned int rx_frames, echoes, other, tx_sent, tx_offloaded;
	char *detail;
	size_t size;
};

static uint8_t net_rxbufs[NET_MAX_PAIRS][NET_QSIZE][NET_RXBUF] __attribute__((aligned(4096)));
static uint8_t net_txbuf[NET_RXBUF] __attribute__((aligned(64)));
static uint8_t net_ctrlbuf[64] __attribute__((aligned(64)));

static uint64_t net_deadline(uint64_t ms)
{
	return rdtsc() + ms * NET_TSC_PER_MS;
}

static bool net_expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) > 0;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* One's complement sum of big-endian 16-bit words (odd byte padded), not folded. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += get_be16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static bool net_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17)
		return false;
	for (unsigned int i = 0; i < 6; i++) {
		uint8_t v = 0;

		for (unsigned int j = 0; j < 2; j++) {
			char c = s[3 * i + j];

			v = (uint8_t)(v << 4);
			if (c >= '0' && c <= '9')
				v |= (uint8_t)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (uint8_t)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (uint8_t)(c - 'A' + 10);
			else
				return false;
		}
		if (i < 5 && s[3 * i + 2] != ':')
			return false;
		mac[i] = v;
	}
	return true;
}

static void net_rx_post(struct virtq *vq, unsigned int pair, uint16_t i)
{
	vq->desc[i].addr = (uint64_t)(uintptr_t)net_rxbufs[pair][i];
	vq->desc[i].len = NET_RXBUF;
	vq->desc[i].flags = VIRTQ_DESC_F_WRITE;
	vq->desc[i].next = 0;
	virtq_submit(vq, i);
}

/*
 * Build header + IPv4/UDP frame carrying payload in net_txbuf; with offload
 * the checksum field holds the pseudo-header sum and NEEDS_CSUM is set.
 * Returns the length.
 */
static uint32_t net_build(const struct net *n, const char *payload, bool offload)
{
	struct net_hdr h = { 0 };
	uint8_t *f = net_txbuf + NET_HDR_LEN, *ip = f + NET_ETH_LEN, *udp = ip + NET_IP_LEN;
	size_t plen = strlen(payload);
	uint16_t ulen = (uint16_t)(NET_UDP_LEN + plen);
	uint32_t pseudo;

	memcpy(f, n->peer, 6);
	memcpy(f + 6, n->mac, 6);
	put_be16(f + 12, 0x0800);
	memset(ip, 0, NET_IP_LEN);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(NET_IP_LEN + ulen));
	ip[8] = 64;
	ip[9] = 17;
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 2;
	ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 1;
	put_be16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, NET_IP_LEN)));
	put_be16(udp, 5001);
	put_be16(udp + 2, 5000);
	put_be16(udp + 4, ulen);
	put_be16(udp + 6, 0);
	memcpy(udp + NET_UDP_LEN, payload, plen);
	pseudo = csum_add(0, ip + 12, 8) + 17 + ulen;
	if (offload) {
		h.flags = NET_HDR_F_NEEDS_CSUM;
		h.csum_start = NET_ETH_LEN + NET_IP_LEN;
		h.csum_offset = 6;
		put_be16(udp + 6, csum_fold(pseudo));
	} else {
		uint16_t c = (uint16_t)~csum_fold(csum_add(pseudo, udp, ulen));

		put_be16(udp + 6, c ? c : 0xffff);
	}
	memcpy(net_txbuf, &h, sizeof(h));
	return (uint32_t)(NET_HDR_LEN + NET_ETH_LEN + NET_IP_LEN + ulen);
}

static bool net_send(struct net *n, unsigned int pair, const char *payload, bool offload)
{
	struct virtq *vq = &n->vp.vq[2 * pair + 1];
	uint32_t id, len;

	vq->desc[0].addr = (uint64_t)(uintptr_t)net_txbuf;
	vq->desc[0].len = net_build(n, payload, offload);
	vq->desc[0].flags = 0;
	vq->desc[0].next = 0;
	virtq_submit(vq, 0);
	if (!virtq_wait(vq, 15000, &id, &len) || id != 0) {
		snprintf(n->detail, n->size, "pair %u: tx \"%s\" not completed (status 0x%x)", pair,
			 payload, virtio_pci_status(&n->vp));
		return false;
	}
	n->tx_sent++;
	n->tx_offloaded += offload;
	return true;
}

/* VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET on the control queue. */
static bool net_set_pairs(struct net *n, struct virtq *cvq)
{
	uint8_t *hdr = net_ctrlbuf, *data = net_ctrlbuf + 16;
	volatile uint8_t *ack = net_ctrlbuf + 32;
	uint32_t id, len;

	hdr[0] = NET_CTRL_MQ;
	hdr[1] = NET_CTRL_MQ_VQ_PAIRS_SET;
	data[0] = (uint8_t)n->pairs;
	data[1] = 0;
	*ack = 0xff;
	cvq->desc[0] = (struct virtq_desc){ (uint64_t)(uintptr_t)hdr, 2, VIRTQ_DESC_F_NEXT, 1 };
	cvq->desc[1] = (struct virtq_desc){ (uint64_t)(uintptr_t)data, 2, VIRTQ_DESC_F_NEXT, 2 };
	cvq->desc[2] = (struct virtq_desc){ (uint64_t)(uintptr_t)ack, 1, VIRTQ_DESC_F_WRITE, 0 };
	virtq_submit(cvq, 0);
	if (!virtq_wait(cvq, 15000, &id, &len)) {
		snprintf(n->detail, n->size, "control queue: VQ_PAIRS_SET %u not completed (status 0x%x)",
			 n->pairs, virtio_pci_status(&n->vp));
		return false;
	}
	if (*ack != NET_OK) {
		snprintf(n->detail, n->size, "control queue: VQ_PAIRS_SET %u answered %u", n->pairs, *ack);
		return false;
	}
	return true;
}

/* Classify one received frame (header included). */
static void net_rx_frame(struct net *n, const uint8_t *b, uint32_t len)
{
	const uint8_t *f = b + NET_HDR_LEN, *p;
	uint32_t flen = len - NET_HDR_LEN, i = 0;

	n->rx_frames++;
	p = f + NET_ETH_LEN + NET_IP_LEN + NET_UDP_LEN;
	if (flen < NET_ETH_LEN + NET_IP_LEN + NET_UDP_LEN + NET_MARK_LEN + 3 ||
	    get_be16(f + 12) != 0x0800 || f[NET_ETH_LEN] != 0x45 || f[NET_ETH_LEN + 9] != 17 ||
	    memcmp(p, NET_MARK, NET_MARK_LEN)) {
		n->other++;
		return;
	}
	p += NET_MARK_LEN;
	if (!memcmp(p, "RX-", 3)) {
		const uint8_t *end = f + flen;

		for (p += 3; p < end && *p >= '0' && *p <= '9'; p++)
			i = i * 10 + (uint32_t)(*p - '0');
		if (i < NET_MAX_RX)
			n->rx_seen |= 1ull << i;
		return;
	}
	n->echoes++; /* our TX/CSUM frames, returned by a forwarder (testpmd macswap) */
}

/* Take every used entry on the receive queues, re-posting the buffers. */
static bool net_rx_poll(struct net *n)
{
	for (unsigned int pr = 0; pr < n->pairs; pr++) {
		struct virtq *vq = &n->vp.vq[2 * pr];
		uint32_t id, len;

		while (virtq_wait(vq, 0, &id, &len)) {
			struct net_hdr h;

			if (id >= vq->size || len < NET_HDR_LEN || len > NET_RXBUF) {
				snprintf(n->detail, n->size, "pair %u: rx used id %u len %u", pr, id, len);
				return false;
			}
			memcpy(&h, net_rxbufs[pr][id], sizeof(h));
			if (h.num_buffers != 1) {
				/* Our frames fit one buffer; a merged frame is counted as other. */
				n->rx_frames++;
				n->other++;
			} else {
				net_rx_frame(n, net_rxbufs[pr][id], len);
			}
			net_rx_post(vq, pr, (uint16_t)id);
		}
	}
	return true;
}

static unsigned int net_popcount(uint64_t v)
{
	unsigned int c = 0;

	for (; v; v &= v - 1)
		c++;
	return c;
}

static bool net_rx_done(const struct net *n)
{
	return n->rx_want && net_popcount(n->rx_seen) >= n->rx_want;
}

static bool net_setup(struct net *n, struct scenario_ctx *ctx)
{
	char *detail = n->detail;
	size_t size = n->size;
	struct pci_fn fn;
	uint64_t want = 1ull << NET_F_MAC | 1ull << NET_F_MRG_RXBUF | 1ull << NET_F_CSUM;
	unsigned int nvq = 2 * n->pairs;
	uint16_t maxp = 1;

	if (!virtio_pci_find(ctx->pci, VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_NET, 0, &fn)) {
		snprintf(detail, size, "no virtio-net function (1af4:%04x) on bus 0",
			 VIRTIO_PCI_DEVICE_BASE + VIRTIO_ID_NET);
		return false;
	}
	if (!virtio_pci_probe(&n->vp, &fn, detail, size))
		return false;
	if (!n->vp.device) {
		snprintf(detail, size, "no device configuration capability");
		return false;
	}
	if (n->pairs > 1) {
		/* The control queue follows the max_virtqueue_pairs pairs. */
		want |= 1ull << NET_F_MQ | 1ull << NET_F_CTRL_VQ;
		/* Memory decoding on (virtio_pci_init does it later) to read the config now. */
		pci_write16(&fn, PCI_COMMAND,
			    (uint16_t)(pci_read16(&fn, PCI_COMMAND) | PCI_COMMAND_MEMORY));
		maxp = virtio_cfg_read16(&n->vp, NET_CFG_MAX_PAIRS);
		if (maxp < n->pairs || 2u * maxp + 1 > VIRTIO_MAX_VQ) {
			snprintf(detail, size, "max_virtqueue_pairs %u: need %u..%u", maxp, n->pairs,
				 (VIRTIO_MAX_VQ - 1) / 2);
			return false;
		}
		nvq = 2u * maxp + 1;
	}
	if (!virtio_pci_init(&n->vp, ctx->vv, want, nvq, NET_QSIZE, detail, size))
		return false;
	if (n->pairs > 1 && (!virtio_has(&n->vp, NET_F_MQ) || !virtio_has(&n->vp, NET_F_CTRL_VQ))) {
		snprintf(detail, size, "pairs %u but MQ/CTRL_VQ not offered (0x%lx)", n->pairs,
			 n->vp.offered);
		return false;
	}
	for (unsigned int i = 0; i < 6; i++)
		n->mac[i] = virtio_cfg_read8(&n->vp, NET_CFG_MAC + i);
	for (unsigned int pr = 0; pr < n->pairs; pr++)
		for (uint16_t i = 0; i < n->vp.vq[2 * pr].size; i++)
			net_rx_post(&n->vp.vq[2 * pr], pr, i);
	if (n->pairs > 1 && !net_set_pairs(n, &n->vp.vq[2 * maxp]))
		return false;
	return true;
}

bool net_scenario(struct scenario_ctx *ctx, char *detail, size_t size)
{
	static struct net n;
	uint64_t pairs = 1, wait_s = 120, linger_ms = 1000, deadline;
	const char *val;
	size_t vlen;
	char payload[40];
	bool irr = false;

	memset(&n, 0, sizeof(n));
	n.detail = detail;
	n.size = size;
	memset(n.peer, 0xff, sizeof(n.peer));
	boot_cmdline_u64(ctx->bi, "cnh.net.pairs", &pairs);
	boot_cmdline_u64(ctx->bi, "cnh.net.rx", &n.rx_want);
	boot_cmdline_u64(ctx->bi, "cnh.net.wait", &wait_s);
	boot_cmdline_u64(ctx->bi, "cnh.net.linger", &linger_ms);
	if (boot_cmdline_get(ctx->bi, "cnh.net.peer", &val, &vlen) &&
	    !net_parse_mac(val, vlen, n.peer)) {
		snprintf(detail, size, "cnh.net.peer: not a MAC address");
		return false;
	}
	if (pairs < 1 || pairs > NET_MAX_PAIRS || n.rx_want > NET_MAX_RX) {
		snprintf(detail, size, "cnh.net.pairs=%lu (1..%u), cnh.net.rx=%lu (0..%u)", pairs,
			 NET_MAX_PAIRS, n.rx_want, NET_MAX_RX);
		return false;
	}
	n.pairs = (unsigned int)pairs;
	if (!net_setup(&n, ctx))
		return false;
	printf("cnh-test-guest: net: listening\n");

	/* Devices may signal spuriously when queues start: settle, then a fresh vector. */
	udelay(200000);
	if (!virtq_vector_refresh(&n.vp, ctx->vv, &n.vp.vq[1])) {
		snprintf(detail, size, "no fresh MSI-X vector for the transmit queue");
		return false;
	}
	for (unsigned int pr = 0; pr < n.pairs; pr++) {
		snprintf(payload, sizeof(payload), NET_MARK "TX-%u", pr);
		if (!net_send(&n, pr, payload, false))
			return false;
		if (pr == 0)
			irr = virtq_irr_pending(&n.vp, &n.vp.vq[1]);
		snprintf(payload, sizeof(payload), NET_MARK "%s-%u",
			 virtio_has(&n.vp, NET_F_CSUM) ? "CSUM" : "SWSUM", pr);
		if (!net_send(&n, pr, payload, virtio_has(&n.vp, NET_F_CSUM)))
			return false;
	}
	if (!irr) {
		snprintf(detail, size, "transmit queue vector 0x%x not pending after a completion",
			 n.vp.vq[1].cpu_vector);
		return false;
	}

	deadline = net_deadline(n.rx_want ? wait_s * 1000 : linger_ms);
	while (!net_rx_done(&n) && !net_expired(deadline)) {
		if (!net_rx_poll(&n))
			return false;
		cpu_relax();
	}
	if (n.rx_want && !net_rx_done(&n)) {
		snprintf(detail, size,
			 "received %u of %lu marked frames (mask 0x%lx; %u frames, %u other) in %lu s",
			 net_popcount(n.rx_seen), n.rx_want, n.rx_seen, n.rx_frames, n.other, wait_s);
		return false;
	}
	virtio_pci_reset(&n.vp);
	snprintf(detail, size,
		 "mac %02x:%02x:%02x:%02x:%02x:%02x pairs %u features 0x%lx tx %u (%u csum-offload) "
		 "rx %u marked of %lu, %u echoes, %u other; tx vector pending",
		 n.mac[0], n.mac[1], n.mac[2], n.mac[3], n.mac[4], n.mac[5], n.pairs, n.vp.features,
		 n.tx_sent, n.tx_offloaded, net_popcount(n.rx_seen), n.rx_want, n.echoes, n.other);
	return true;
}
