/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "vhost-user/lib/vu_worker.h"

static void vu_worker_async_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct vu_worker *w = container_of(a, struct vu_worker, async);
	struct vu_worker_call *c;

	/* Drain completely: calls queued while we run get another async send. */
	for (;;) {
		pthread_mutex_lock(&w->lock);
		c = w->head;
		if (c) {
			w->head = c->next;
			if (!w->head)
				w->tail = NULL;
		}
		pthread_mutex_unlock(&w->lock);
		if (!c)
			break;
		c->fn(w, c);
	}
}

static void *vu_worker_main(void *p)
{
	struct vu_worker *w = p;
	int r = w->setup ? w->setup(w, w->arg) : 0;

	pthread_mutex_lock(&w->lock);
	w->setup_ret = r;
	w->setup_done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (r < 0)
		return NULL;
	ev_run(w->loop, 0);
	if (w->teardown)
		w->teardown(w, w->arg);
	return NULL;
}

static void vu_worker_free(struct vu_worker *w)
{
	if (w->loop) {
		ev_async_stop(w->loop, &w->async);
		ev_loop_destroy(w->loop);
		w->loop = NULL;
		pthread_cond_destroy(&w->cond);
		pthread_mutex_destroy(&w->lock);
	}
}

int vu_worker_start(struct vu_worker *w, vu_worker_setup_fn setup, vu_worker_teardown_fn teardown,
		    void *arg)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOSIGMASK);
	if (!w->loop)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->setup = setup;
	w->teardown = teardown;
	w->arg = arg;
	ev_async_init(&w->async, vu_worker_async_cb);
	ev_async_start(w->loop, &w->async);
	r = -pthread_create(&w->thread, NULL, vu_worker_main, w);
	if (r < 0) {
		vu_worker_free(w);
		return r;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->setup_done)
		pthread_cond_wait(&w->cond, &w->lock);
	r = w->setup_ret;
	pthread_mutex_unlock(&w->lock);
	if (r < 0) {
		pthread_join(w->thread, NULL);
		vu_worker_free(w);
		return r;
	}
	w->thread_ok = true;
	return 0;
}

static void vu_worker_quit_fn(struct vu_worker *w, struct vu_worker_call *c)
{
	ev_break(w->loop, EVBREAK_ALL);
	vu_worker_call_done(w, c, 0);
}

void vu_worker_stop(struct vu_worker *w)
{
	if (!w || !w->loop)
		return;
	if (w->thread_ok) {
		struct vu_worker_call c = { .fn = vu_worker_quit_fn };

		(void)!vu_worker_call(w, &c);
		pthread_join(w->thread, NULL);
		w->thread_ok = false;
	}
	vu_worker_free(w);
}

int vu_worker_call(struct vu_worker *w, struct vu_worker_call *c)
{
	c->done = false;
	c->ret = 0;
	c->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->tail)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	pthread_mutex_unlock(&w->lock);
	ev_async_send(w->loop, &w->async);

	pthread_mutex_lock(&w->lock);
	while (!c->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	return c->ret;
}

void vu_worker_call_done(struct vu_worker *w, struct vu_worker_call *c, int ret)
{
	pthread_mutex_lock(&w->lock);
	c->ret = ret;
	c->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}
