/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libev adapter for vu_dev: watches the front-end socket (calling
 * vu_dispatch) and implements vu_watch_ops with ev_io watchers embedded in
 * struct vu_ev (found again with container_of). One vu_ev per connection,
 * on the control thread's loop.
 */
#ifndef CNH_VHOST_USER_LIB_VU_EV_H
#define CNH_VHOST_USER_LIB_VU_EV_H

#include <ev.h>

#include "vhost-user/lib/vu.h"

struct vu_ev;

struct vu_ev_watch {
	ev_io io;           /* io.fd == -1: free slot */
	struct vu_ev *owner;
	vu_watch_cb cb;
	void *opaque;
};

/*
 * Called once when vu_dispatch failed or the front-end hung up (err < 0),
 * from inside the socket watcher: the callee typically calls
 * vu_dev_fini(ev->dev) then vu_ev_detach(ev). The adapter touches nothing
 * after it returns.
 */
typedef void (*vu_ev_disconnect_cb)(struct vu_ev *ev, int err);

struct vu_ev {
	struct ev_loop *loop;
	struct vu_dev *dev;
	ev_io sock_io;
	vu_ev_disconnect_cb disconnected;
	unsigned int nwatches;
	struct vu_ev_watch *watches;
};

/*
 * Watch dev->sock on loop and install the watch ops on dev. Room for one
 * watch per queue plus a few. 0 or -ENOMEM.
 */
int vu_ev_attach(struct vu_ev *ev, struct ev_loop *loop, struct vu_dev *dev,
		 vu_ev_disconnect_cb disconnected) __must_check;
/* Stop every watcher and free the slots. Accepts a zeroed or detached ev. */
void vu_ev_detach(struct vu_ev *ev);

#endif
