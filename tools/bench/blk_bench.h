/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-bench-blk internals: the run configuration, one driver thread per
 * virtqueue (blk_queue.c) and the virtio-blk wire structures (virtio 1.2
 * section 5.2).
 */
#ifndef CNH_BENCH_BLK_BENCH_H
#define CNH_BENCH_BLK_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hist.h"
#include "vq_drv.h"

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_S_OK 0

#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_RING_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector; /* always 512-byte units */
};

enum bb_pattern { BB_RANDREAD, BB_RANDWRITE, BB_READ, BB_WRITE, BB_VERIFY };

enum bb_phase { BB_RAMP, BB_MEASURE, BB_STOP, BB_ABORT };

struct bb_config {
	enum bb_pattern pattern;
	uint64_t bs;
	unsigned int depth, queues, qsize;
	double runtime_s, ramp_s;
	bool poll, event_idx, hugepages;
	uint64_t size;        /* bytes of the disk the run touches */
	uint64_t seed;
};

struct bb_queue {
	struct bench *b;
	unsigned int idx;
	struct vq_drv vq;
	int kick_fd, call_fd;
	uint8_t *mem;           /* guest memory base (guest physical 0) */
	uint64_t hdr_gpa;       /* slot i: header at +32*i, status byte at +32*i+16 */
	uint64_t data_gpa;      /* slot i: data at +i*data_stride */
	uint64_t data_stride;
	uint64_t *slot_t0;      /* submit time, ns */
	uint64_t *slot_off;     /* disk byte offset */
	bool *slot_write;
	unsigned int inflight;
	uint64_t rng, seq_next;
	/* verify: 0 write pass, 1 read-back pass, 2 random verified reads */
	unsigned int vstage;
	uint64_t vnext;
	/* results */
	struct hist hist;
	uint64_t ios, bytes, io_errors, verify_errors, first_bad_off, wakeups;
	int fatal;              /* -errno: the device broke the protocol */
	pthread_t thr;
};

struct bench {
	struct bb_config cfg;
	int phase;              /* enum bb_phase, atomic */
	struct bb_queue *q;
};

/* Guest memory one queue needs (rings, headers, data buffers), page multiple. */
uint64_t bb_queue_layout(const struct bb_config *cfg);
int bb_queue_init(struct bb_queue *q, struct bench *b, unsigned int idx, uint8_t *mem,
		  uint64_t base) __must_check;
void bb_queue_fini(struct bb_queue *q);
/* Thread body: drive queue arg until the phase says stop; q->fatal on a protocol error. */
void *bb_queue_thread(void *arg);
/* The verify pattern: u64 word at disk byte offset off (little-endian). */
static inline uint64_t bb_pattern_word(uint64_t off, uint64_t seed)
{
	return (off * 0x9E3779B97F4A7C15ull) ^ seed;
}

#endif
