/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API server (Cloud Hypervisor's /api/v1 over a unix socket,
 * Firecracker's threading): a dedicated thread with its own libev loop
 * accepts connections, parses HTTP (ipc/http.h), routes /api/v1/<name>
 * against a route table and answers 404/405/4xx itself. A routed request
 * becomes an api_call pushed to the main loop's api_queue; the main loop
 * runs the route's handler (the only code that touches VM state) and
 * pushes the call back to the API thread's queue, which writes the reply.
 * Requests on one connection are answered in order (pipelining works);
 * connections are served concurrently.
 *
 * Limits: cfg.max_conns connections (the next one gets 503 and is
 * closed), a request must arrive whole within cfg.timeout seconds of the
 * previous reply (or of the connect), then 408 and close; bodies up to
 * cfg.max_body bytes (413).
 */
#ifndef CNH_VMM_API_H
#define CNH_VMM_API_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#include "common/seccomp.h"
#include "common/util.h"
#include "ipc/http.h"

#define API_PREFIX "/api/v1/"
#define API_DEFAULT_MAX_CONNS 16
#define API_DEFAULT_TIMEOUT 30.0

/* What a handler answers: status and an optional malloc'd JSON body (the server frees it). */
struct api_reply {
	int status;
	char *body;
};

/* One endpoint. The handler runs on the main loop's thread. */
struct api_route {
	const char *name; /* "vm.boot", served at /api/v1/vm.boot */
	enum http_method method;
	bool needs_body; /* 400 when the request carries none */
	void (*handle)(void *opaque, const char *body, size_t len, struct api_reply *ret);
};

/* A request in flight between the API thread and the main loop. */
struct api_call {
	struct api_call *next;
	const struct api_route *route;
	char *body; /* NUL-terminated, NULL when empty */
	size_t body_len;
	bool keep_alive;
	struct api_reply reply;
	struct api_conn *conn; /* API thread only; NULL once the connection is gone */
};

/*
 * Cross-thread queue: a locked list and an ev_async on the consumer's loop.
 * The consumer's callback gets every queued call (drained completely).
 */
struct api_queue {
	pthread_mutex_t lock;
	struct api_call *head, *tail;
	struct ev_loop *loop;
	ev_async async;
	void (*consume)(struct api_queue *q, struct api_call *call);
	void *data;
};

/* Start the ev_async on loop: call on the loop's thread, or before it runs. */
void api_queue_init(struct api_queue *q, struct ev_loop *loop,
		    void (*consume)(struct api_queue *q, struct api_call *call), void *data);
/* Any thread. Takes ownership of call. */
void api_queue_push(struct api_queue *q, struct api_call *call);
/* Unlink and return every queued call (a list through ->next). */
struct api_call *api_queue_take(struct api_queue *q);
/* Stop the watcher (loop's thread, or loop not running) and free what is queued. */
void api_queue_fini(struct api_queue *q);
void api_call_free(struct api_call *call);

struct api_server_config {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" with fd */
	int fd;                 /* an inherited socket (fd=N), else -1 */
	unsigned int max_conns; /* 0: API_DEFAULT_MAX_CONNS */
	double timeout;         /* seconds, 0: API_DEFAULT_TIMEOUT */
	size_t max_body;        /* 0: HTTP_DEFAULT_MAX_BODY */
	enum sc_mode seccomp;   /* the API thread's filter (vmm/seccomp.c); 0: none */
};

/*
 * Parse an --api-socket value: "path=PATH", "fd=N" or a bare PATH (Cloud
 * Hypervisor's syntax). Pure. -EINVAL with a one-line message in err.
 */
int api_server_parse(const char *spec, struct api_server_config *ret, char *err,
		     size_t errlen) __must_check;

struct api_server;

/*
 * Bind (path: a stale socket is replaced, a live one or any other file is
 * refused; the socket is made 0600) or adopt cfg.fd (ownership passes to
 * the server, also on failure), start the API thread and the request
 * queue on main_loop. Call on main_loop's thread. routes must outlive the
 * server; opaque is passed to every handler.
 */
int api_server_new(const struct api_server_config *cfg, struct ev_loop *main_loop,
		   const struct api_route *routes, size_t nroutes, void *opaque,
		   struct api_server **ret, char *err, size_t errlen) __must_check;
/*
 * Stop: replies already produced are written, the thread joined, calls
 * never handled dropped, connections closed, the socket path removed.
 * Call on main_loop's thread, from outside the handlers. NULL ok.
 */
void api_server_free(struct api_server *s);

#endif
