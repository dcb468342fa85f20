/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A worker thread with its own libev loop, for daemons that run queues off
 * the control thread. Cross-thread work is a locked list of calls plus an
 * ev_async, drained completely on the worker; the caller blocks until the
 * call is finished, which the worker may signal later than when the call
 * ran (a queue stop that waits for in-flight I/O):
 *
 *	static void stop_fn(struct vu_worker *w, struct vu_worker_call *c) {
 *		... runs on the worker; finish now or keep c and finish later ...
 *		vu_worker_call_done(w, c, 0);
 *	}
 *	struct vu_worker_call c = { .fn = stop_fn, .arg = q };
 *	r = vu_worker_call(w, &c);   // control thread, blocks until done
 */
#ifndef CNH_VU_WORKER_H
#define CNH_VU_WORKER_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>

#include "common/util.h"

struct vu_worker;
struct vu_worker_call;

typedef void (*vu_worker_fn)(struct vu_worker *w, struct vu_worker_call *c);
/* Runs on the worker thread before / after its loop (rings, seccomp). */
typedef int (*vu_worker_setup_fn)(struct vu_worker *w, void *arg);
typedef void (*vu_worker_teardown_fn)(struct vu_worker *w, void *arg);

struct vu_worker_call {
	vu_worker_fn fn;
	void *arg;
	int ret;
	bool done;
	struct vu_worker_call *next;
};

struct vu_worker {
	struct ev_loop *loop;
	ev_async async;
	pthread_t thread;
	bool thread_ok;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct vu_worker_call *head, *tail;
	vu_worker_setup_fn setup;
	vu_worker_teardown_fn teardown;
	void *arg;
	int setup_ret;
	bool setup_done;
};

/*
 * Start the thread: it runs setup(w, arg) (if any), then its loop until
 * vu_worker_stop(), then teardown(w, arg). Returns setup's result; on
 * failure the thread is gone and w is finished.
 */
int vu_worker_start(struct vu_worker *w, vu_worker_setup_fn setup, vu_worker_teardown_fn teardown,
		    void *arg) __must_check;
/* Stop the loop and join the thread. Accepts a zeroed or stopped worker. */
void vu_worker_stop(struct vu_worker *w);

/*
 * Run c->fn on the worker and wait until someone calls
 * vu_worker_call_done(c); returns its ret. Never call from the worker itself.
 */
int vu_worker_call(struct vu_worker *w, struct vu_worker_call *c);
/* Finish a call (on the worker thread, from fn or later). */
void vu_worker_call_done(struct vu_worker *w, struct vu_worker_call *c, int ret);

#endif
