/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-blk's device: vu_dev hooks, and one worker thread per queue group
 * (queue q runs on worker q % nworkers, nworkers = min(num_queues, nproc)),
 * each with its own libev loop, io_uring and I/O engine.
 */
#ifndef CNH_BLK_H
#define CNH_BLK_H

#include <stdbool.h>

#include "common/seccomp.h"
#include "vhost-user/blk/blk_disk.h"
#include "vhost-user/blk/blk_io.h"
#include "vhost-user/lib/vu.h"
#include "vhost-user/lib/vu_stats.h"
#include "vhost-user/lib/vu_uring.h"
#include "vhost-user/lib/vu_worker.h"

struct blk_dev;
struct blk_worker;

/* One in-flight request slot of a queue. */
struct blk_slot {
	struct blk_io io;
	struct vu_elem *elem;    /* allocated on first use, kept */
	struct blk_queue *q;
	struct blk_slot *next_free;
};

struct blk_queue {
	struct blk_dev *b;
	struct blk_worker *w;
	unsigned int idx;
	ev_io kick;
	bool running;            /* worker side: kick watched, popping */
	bool in_process;         /* inside blk_queue_process: defer notify */
	bool starved;            /* stopped popping for lack of slots */
	unsigned int inflight;
	struct vu_worker_call *stop_call; /* queue_stop waiting for inflight == 0 */
	struct blk_slot *slots;  /* queue_size */
	struct blk_slot *free;
};

struct blk_worker {
	struct vu_worker w;
	struct blk_dev *b;
	unsigned int ring_entries;
	struct vu_uring ring;
	struct blk_engine eng;
};

struct blk_dev {
	struct vu_dev vu;
	struct blk_disk disk;
	unsigned int nworkers;
	struct blk_worker workers[BLK_MAX_QUEUES];
	struct blk_queue queues[BLK_MAX_QUEUES];
	enum sc_mode seccomp; /* the workers' filter (blk_worker_seccomp), set before blk_dev_start */
	struct vu_stats stats; /* BLK_ST_*, summed over the queues; registered by blk_dev_start */
};

/* The counters cnh-blk reports on --stats-fd (blk_stats_names). */
enum blk_stat {
	BLK_ST_READ_OPS,
	BLK_ST_WRITE_OPS,
	BLK_ST_FLUSH_OPS,
	BLK_ST_DISCARD_OPS,
	BLK_ST_READ_BYTES,
	BLK_ST_WRITE_BYTES,
	BLK_ST_ERRORS,
	BLK_ST_N,
};

extern const struct vu_dev_ops blk_ops;
/* The I/O workers' additions to the library's base seccomp table (blk.c). */
extern const struct sc_rule blk_worker_seccomp[];
extern const size_t blk_worker_seccomp_n;

/* Start the workers for an opened disk (b->disk). 0 or -errno. */
int blk_dev_start(struct blk_dev *b) __must_check;
/* Stop the workers and free the queues; accepts a half-started device. */
void blk_dev_stop(struct blk_dev *b);

#endif
