/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small io_uring wrapper for back-end worker loops: one ring per thread,
 * completions signalled through a registered eventfd watched by an ev_io on
 * that thread's libev loop. Each submission carries a struct vu_uring_op
 * whose callback receives the CQE result (bytes or -errno).
 *
 * Ring flags: SUBMIT_ALL (a bad SQE does not stop the batch) and CQSIZE
 * (completion ring twice the submission ring; the kernel's NODROP feature
 * backs up overflow). No SQPOLL (it burns a core per ring) and no
 * COOP/DEFER_TASKRUN (they post completions only when this thread enters
 * the kernel for the ring, which an eventfd-driven loop sleeping in epoll
 * does not do). Kernels without SUBMIT_ALL fall back to no flags.
 *
 * Not thread-safe: use a ring only from the thread that runs its loop.
 */
#ifndef CNH_VU_URING_H
#define CNH_VU_URING_H

#include <ev.h>
#include <liburing.h>

#include "common/util.h"

struct vu_uring_op;
/* res is the CQE result: >= 0 on success, -errno on failure. */
typedef void (*vu_uring_cb)(struct vu_uring_op *op, int res);

struct vu_uring_op {
	vu_uring_cb cb;
};

struct vu_uring {
	struct io_uring ring;
	bool ring_ok;
	int efd;
	struct ev_loop *loop;
	ev_io watcher;
	unsigned int queued; /* SQEs prepared but not submitted */
};

/*
 * Create a ring with at least entries SQEs and start watching its eventfd
 * on loop. Call from the thread that will run loop.
 */
int vu_uring_init(struct vu_uring *u, struct ev_loop *loop, unsigned int entries) __must_check;
/* Stop the watcher and free the ring; accepts a zeroed or half-built ring. */
void vu_uring_fini(struct vu_uring *u);

/*
 * An SQE for op (its user_data is set); when the SQ is full the queued
 * entries are submitted first. NULL only if the kernel refuses submission.
 */
struct io_uring_sqe *vu_uring_sqe(struct vu_uring *u, struct vu_uring_op *op);
/* Submit every queued SQE in one system call; 0 or -errno. */
int vu_uring_submit(struct vu_uring *u) __must_check;
/*
 * Run the callbacks of every available completion, then submit what they
 * queued. The ev_io calls this; tests may call it directly after waiting.
 */
void vu_uring_reap(struct vu_uring *u);

#endif
