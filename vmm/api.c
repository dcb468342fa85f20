/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/api.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/opts.h"
#include "ipc/api.h"
#include "vmm/seccomp.h"

#define TAG "api"
#define API_READ_CHUNK 4096

struct api_conn {
	struct api_server *srv;
	struct api_conn *prev, *next;
	int fd;
	ev_io io;
	ev_timer timer;
	struct http_parser parser;
	char in[API_READ_CHUNK];
	size_t in_off, in_len;
	char *out;
	size_t out_off, out_len;
	bool close_after; /* close once out is written */
	bool eof;         /* the peer shut its side */
	struct api_call *inflight;
};

struct api_server {
	struct api_server_config cfg;
	int listen_fd;
	bool unlink_path;
	const struct api_route *routes;
	size_t nroutes;
	void *opaque;
	struct ev_loop *main_loop;
	struct ev_loop *loop; /* the API thread's */
	pthread_t thread;
	bool thread_started;
	ev_io accept_w;
	ev_async stop_w;
	struct api_queue requests; /* consumed on the main loop */
	struct api_queue replies;  /* consumed on the API loop */
	bool requests_started, replies_started;
	struct api_conn *conns;
	unsigned int nconns;
};

/* ---- the queue ---- */

void api_call_free(struct api_call *call)
{
	if (!call)
		return;
	free(call->body);
	free(call->reply.body);
	free(call);
}

void api_queue_push(struct api_queue *q, struct api_call *call)
{
	call->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = call;
	else
		q->head = call;
	q->tail = call;
	pthread_mutex_unlock(&q->lock);
	ev_async_send(q->loop, &q->async);
}

struct api_call *api_queue_take(struct api_queue *q)
{
	struct api_call *list;

	pthread_mutex_lock(&q->lock);
	list = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	return list;
}

static void api_queue_on_async(struct ev_loop *loop, ev_async *w, int revents)
{
	struct api_queue *q = container_of(w, struct api_queue, async);
	struct api_call *list, *next;

	(void)loop;
	(void)revents;
	/* Drain completely: calls pushed while consuming are taken on the next round. */
	while ((list = api_queue_take(q)) != NULL) {
		for (; list; list = next) {
			next = list->next;
			list->next = NULL;
			q->consume(q, list);
		}
	}
}

void api_queue_init(struct api_queue *q, struct ev_loop *loop,
		    void (*consume)(struct api_queue *q, struct api_call *call), void *data)
{
	pthread_mutex_init(&q->lock, NULL);
	q->head = q->tail = NULL;
	q->loop = loop;
	q->consume = consume;
	q->data = data;
	ev_async_init(&q->async, api_queue_on_async);
	ev_async_start(loop, &q->async);
}

void api_queue_fini(struct api_queue *q)
{
	struct api_call *list, *next;

	if (ev_is_active(&q->async))
		ev_async_stop(q->loop, &q->async);
	for (list = api_queue_take(q); list; list = next) {
		next = list->next;
		api_call_free(list);
	}
	pthread_mutex_destroy(&q->lock);
}

/* ---- --api-socket ---- */

static int api_server_set_path(struct api_server_config *cfg, const char *path, char *err,
			       size_t errlen)
{
	if (!path || !*path || strlen(path) >= sizeof(cfg->path)) {
		snprintf(err, errlen, "--api-socket: path must be 1 to %zu bytes", sizeof(cfg->path) - 1);
		return -EINVAL;
	}
	memcpy(cfg->path, path, strlen(path) + 1);
	return 0;
}

int api_server_parse(const char *spec, struct api_server_config *ret, char *err, size_t errlen)
{
	struct api_server_config cfg = { .fd = -1 };
	const char *path, *bad;
	struct opts o;
	uint64_t fd;
	int r, rfd;

	if (!spec || !*spec) {
		snprintf(err, errlen, "--api-socket: expected path=PATH, fd=N or PATH");
		return -EINVAL;
	}
	if (!strchr(spec, '=')) {
		r = api_server_set_path(&cfg, spec, err, errlen);
		goto out;
	}
	if (opts_parse(spec, &o) < 0) {
		snprintf(err, errlen, "--api-socket: cannot parse '%s'", spec);
		return -EINVAL;
	}
	path = opts_get(&o, "path");
	rfd = opts_get_u64(&o, "fd", &fd);
	bad = opts_unused(&o);
	r = -EINVAL;
	if (bad)
		snprintf(err, errlen, "--api-socket: unknown parameter '%s'", bad);
	else if (rfd == -EINVAL || rfd == -ERANGE || (rfd == 0 && fd > INT32_MAX))
		snprintf(err, errlen, "--api-socket: bad fd '%s'", opts_get(&o, "fd"));
	else if ((rfd == 0) == (path != NULL))
		snprintf(err, errlen, "--api-socket: give exactly one of path= and fd=");
	else if (rfd == 0) {
		cfg.fd = (int)fd;
		r = 0;
	} else
		r = api_server_set_path(&cfg, path, err, errlen);
	opts_fini(&o);
out:
	if (r == 0)
		*ret = cfg;
	return r;
}

/* ---- connections (API thread) ---- */

static void api_conn_free(struct api_conn *c)
{
	struct api_server *s = c->srv;

	ev_io_stop(s->loop, &c->io);
	ev_timer_stop(s->loop, &c->timer);
	if (c->inflight)
		c->inflight->conn = NULL; /* the reply frees it */
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	http_parser_fini(&c->parser);
	free(c->out);
	closep(&c->fd);
	free(c);
}

/* Queue bytes for the peer (out must be empty). Takes ownership of buf. */
static void api_conn_queue(struct api_conn *c, char *buf, size_t len)
{
	c->out = buf;
	c->out_len = len;
	c->out_off = 0;
}

static void api_conn_respond(struct api_conn *c, int status, const char *allow, char *json,
			     bool keep_alive)
{
	char *buf;
	size_t len;

	if (!keep_alive)
		c->close_after = true;
	if (http_format_response(status, allow, json, json ? strlen(json) : 0, !c->close_after, &buf,
				 &len) < 0) {
		c->close_after = true;
		free(json);
		return;
	}
	free(json);
	api_conn_queue(c, buf, len);
}

static void api_conn_error(struct api_conn *c, int status, const char *allow, const char *msg,
			   bool keep_alive)
{
	api_conn_respond(c, status, allow, api_error_to_json(msg), keep_alive);
}

/* Write what is pending. 0 when all is out, -EAGAIN to wait, <0 to close. */
static int api_conn_flush(struct api_conn *c)
{
	while (c->out && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -EAGAIN;
		if (n <= 0)
			return -EPIPE;
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 0;
}

static void api_conn_rearm(struct api_conn *c)
{
	ev_timer_stop(c->srv->loop, &c->timer);
	ev_timer_set(&c->timer, c->srv->cfg.timeout, 0.);
	ev_timer_start(c->srv->loop, &c->timer);
}

static const struct api_route *api_server_route(struct api_server *s, const char *name,
						const struct api_route **ret_other)
{
	*ret_other = NULL;
	for (size_t i = 0; i < s->nroutes; i++) {
		if (strcmp(s->routes[i].name, name) != 0)
			continue;
		*ret_other = &s->routes[i];
		return &s->routes[i];
	}
	return NULL;
}

/* A whole request is in c->parser.msg: answer it here or hand it to the main loop. */
static void api_conn_dispatch(struct api_conn *c)
{
	struct api_server *s = c->srv;
	struct http_message *m = &c->parser.msg;
	const struct api_route *route, *any;
	struct api_call *call;
	char msg[HTTP_MAX_LINE + 64];

	if (strncmp(m->path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    !(route = api_server_route(s, m->path + strlen(API_PREFIX), &any))) {
		snprintf(msg, sizeof(msg), "unknown endpoint %.*s", HTTP_MAX_LINE, m->path);
		api_conn_error(c, 404, NULL, msg, m->keep_alive);
		return;
	}
	if (route->method != m->method) {
		snprintf(msg, sizeof(msg), "%s takes %s, not %s", route->name,
			 http_method_str(route->method), m->method_name);
		api_conn_error(c, 405, http_method_str(any->method), msg, m->keep_alive);
		return;
	}
	if (route->needs_body && m->body_len == 0) {
		snprintf(msg, sizeof(msg), "%s needs a JSON body", route->name);
		api_conn_error(c, 400, NULL, msg, m->keep_alive);
		return;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		api_conn_error(c, 503, NULL, "out of memory", false);
		return;
	}
	call->route = route;
	call->body = m->body; /* steal it from the parser */
	call->body_len = m->body_len;
	m->body = NULL;
	m->body_len = 0;
	call->keep_alive = m->keep_alive;
	call->conn = c;
	c->inflight = call;
	api_queue_push(&s->requests, call);
}

static void api_conn_update(struct api_conn *c);

/* Parse what is buffered while no request is in flight and nothing waits to be written. */
static void api_conn_process(struct api_conn *c)
{
	while (!c->inflight && !c->out && !c->close_after && c->in_off < c->in_len) {
		size_t used;
		int r = http_parser_feed(&c->parser, c->in + c->in_off, c->in_len - c->in_off, &used);

		c->in_off += used;
		if (r == HTTP_FEED_DONE) {
			api_conn_dispatch(c);
			http_parser_reset(&c->parser);
		} else if (r < 0) {
			api_conn_error(c, c->parser.error_status ? c->parser.error_status : 400, NULL,
				       c->parser.error_reason ? c->parser.error_reason : "bad request",
				       false);
		} else if (http_parser_wants_continue(&c->parser)) {
			const char *line = http_continue_line();
			char *buf = strdup(line);

			http_parser_continue_sent(&c->parser);
			if (buf)
				api_conn_queue(c, buf, strlen(buf));
		}
	}
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
}

/* Watch for what the connection waits on next; close when done. */
static void api_conn_update(struct api_conn *c)
{
	struct ev_loop *loop = c->srv->loop;
	int events = 0;

	if (c->out) {
		int r = api_conn_flush(c);

		if (r == -EAGAIN) {
			events = EV_WRITE;
		} else if (r < 0) {
			api_conn_free(c);
			return;
		} else {
			if (c->close_after) {
				api_conn_free(c);
				return;
			}
			api_conn_rearm(c); /* a reply went out: the next request gets a fresh timeout */
			api_conn_process(c);
			api_conn_update(c);
			return;
		}
	} else if (c->close_after) {
		api_conn_free(c);
		return;
	} else if (!c->inflight) {
		if (c->eof) {
			api_conn_free(c);
			return;
		}
		events = EV_READ;
	}
	if (c->io.events != events || !ev_is_active(&c->io)) {
		ev_io_stop(loop, &c->io);
		if (events) {
			ev_io_set(&c->io, c->fd, events);
			ev_io_start(loop, &c->io);
		}
	}
}

static void api_conn_on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct api_conn *c = container_of(w, struct api_conn, io);

	(void)loop;
	if ((revents & EV_READ) && c->in_len == 0) {
		ssize_t n = recv(c->fd, c->in, sizeof(c->in), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n < 0) {
			api_conn_free(c);
			return;
		}
		if (n == 0) {
			c->eof = true;
			if (c->parser.state != 0 || c->parser.line_len) {
				/* Half a request, then the peer shut its side: it may still read. */
				api_conn_error(c, 400, NULL, "connection closed in the middle of a request",
					       false);
				api_conn_update(c);
				return;
			}
		}
		c->in_off = 0;
		c->in_len = (size_t)n;
		api_conn_process(c);
	}
	api_conn_update(c);
}

static void api_conn_on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct api_conn *c = container_of(w, struct api_conn, timer);

	(void)loop;
	(void)revents;
	if (c->inflight) {
		api_conn_rearm(c); /* the main loop is working on it */
		return;
	}
	if (c->out) {
		api_conn_free(c); /* the peer does not read its reply */
		return;
	}
	if (c->parser.state != 0 || c->parser.line_len) {
		api_conn_error(c, 408, NULL, "request not received in time", false);
		api_conn_update(c);
		return;
	}
	api_conn_free(c); /* idle */
}

static void api_server_on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct api_server *s = container_of(w, struct api_server, accept_w);

	(void)revents;
	for (;;) {
		struct api_conn *c;
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_debug(TAG, "accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= s->cfg.max_conns) {
			char *buf;
			size_t len;
			char *json = api_error_to_json("too many connections");

			if (json && http_format_response(503, NULL, json, strlen(json), false, &buf, &len) == 0) {
				if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
					log_debug(TAG, "503: %s", strerror(errno));
				free(buf);
			}
			free(json);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		http_parser_init(&c->parser, HTTP_PARSE_REQUEST, s->cfg.max_body);
		ev_io_init(&c->io, api_conn_on_io, fd, EV_READ);
		ev_timer_init(&c->timer, api_conn_on_timeout, s->cfg.timeout, 0.);
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nconns++;
		ev_io_start(loop, &c->io);
		ev_timer_start(loop, &c->timer);
	}
}

/* API thread: a call came back from the main loop. */
static void api_server_on_reply(struct api_queue *q, struct api_call *call)
{
	struct api_conn *c = call->conn;

	(void)q;
	if (!c) {
		api_call_free(call);
		return;
	}
	c->inflight = NULL;
	api_conn_respond(c, call->reply.status ? call->reply.status : 500, NULL, call->reply.body,
			 call->keep_alive);
	call->reply.body = NULL;
	api_call_free(call);
	api_conn_update(c);
}

/* Main loop: run the handler, send the call back. */
static void api_server_on_request(struct api_queue *q, struct api_call *call)
{
	struct api_server *s = q->data;

	call->reply.status = 500;
	call->route->handle(s->opaque, call->body, call->body_len, &call->reply);
	api_queue_push(&s->replies, call);
}

static void api_server_on_stop(struct ev_loop *loop, ev_async *w, int revents)
{
	struct api_server *s = container_of(w, struct api_server, stop_w);

	(void)revents;
	/* Replies produced before the stop still go out (vmm.shutdown's 204). */
	api_queue_on_async(loop, &s->replies.async, 0);
	while (s->conns) {
		struct api_conn *c = s->conns;

		if (c->out && api_conn_flush(c) < 0)
			log_debug(TAG, "reply dropped at shutdown");
		api_conn_free(c);
	}
	ev_break(loop, EVBREAK_ALL);
}

static void *api_server_thread(void *arg)
{
	struct api_server *s = arg;
	char err[128];

	pthread_setname_np(pthread_self(), "cnh-api");
	/* Loaded here, before the loop: the thread only accepts, parses and replies. */
	if (vmm_seccomp_load(VMM_SECCOMP_API, s->cfg.seccomp, err, sizeof(err)) < 0) {
		/* Fail closed: never serve the API unfiltered when a filter was asked for. */
		log_error(TAG, "%s", err);
		_exit(1);
	}
	ev_run(s->loop, 0);
	return NULL;
}

/* ---- set-up and teardown (main thread) ---- */

static int api_server_bind(struct api_server *s, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	memcpy(addr.sun_path, s->cfg.path, strlen(s->cfg.path) + 1);
	if (lstat(s->cfg.path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "--api-socket: %s exists and is not a socket", s->cfg.path);
			return -EEXIST;
		}
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
			close(fd);
			snprintf(err, errlen, "--api-socket: %s is in use by a running process", s->cfg.path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(s->cfg.path); /* stale */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "--api-socket: socket: %s", strerror(-r));
		return r;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = -errno;
		snprintf(err, errlen, "--api-socket: bind %s: %s", s->cfg.path, strerror(-r));
		close(fd);
		return r;
	}
	s->unlink_path = true;
	s->listen_fd = fd;
	/* Whoever can connect controls the VM: owner only. */
	if (chmod(s->cfg.path, 0600) < 0 || listen(fd, (int)s->cfg.max_conns) < 0) {
		r = -errno;
		snprintf(err, errlen, "--api-socket: %s: %s", s->cfg.path, strerror(-r));
		return r;
	}
	return 0;
}

static int api_server_adopt(struct api_server *s, char *err, size_t errlen)
{
	int type = 0, flags;
	socklen_t len = sizeof(type);

	s->listen_fd = s->cfg.fd;
	if (getsockopt(s->listen_fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		snprintf(err, errlen, "--api-socket: fd %d is not a stream socket", s->cfg.fd);
		return -ENOTSOCK;
	}
	flags = fcntl(s->listen_fd, F_GETFL);
	if (flags < 0 || fcntl(s->listen_fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
	    fcntl(s->listen_fd, F_SETFD, FD_CLOEXEC) < 0 || listen(s->listen_fd, (int)s->cfg.max_conns) < 0) {
		int r = -errno;

		snprintf(err, errlen, "--api-socket: fd %d: %s", s->cfg.fd, strerror(-r));
		return r;
	}
	return 0;
}

int api_server_new(const struct api_server_config *cfg, struct ev_loop *main_loop,
		   const struct api_route *routes, size_t nroutes, void *opaque,
		   struct api_server **ret, char *err, size_t errlen)
{
	struct api_server *s;
	sigset_t all, old;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s) {
		if (cfg->fd >= 0)
			close(cfg->fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = *cfg;
	if (!s->cfg.max_conns)
		s->cfg.max_conns = API_DEFAULT_MAX_CONNS;
	if (s->cfg.timeout <= 0)
		s->cfg.timeout = API_DEFAULT_TIMEOUT;
	if (!s->cfg.max_body)
		s->cfg.max_body = HTTP_DEFAULT_MAX_BODY;
	s->listen_fd = -1;
	s->routes = routes;
	s->nroutes = nroutes;
	s->opaque = opaque;
	s->main_loop = main_loop;

	r = cfg->fd >= 0 ? api_server_adopt(s, err, errlen) : api_server_bind(s, err, errlen);
	if (r < 0)
		goto fail;
	s->loop = ev_loop_new(EVFLAG_NOENV | EVFLAG_NOSIGMASK);
	if (!s->loop) {
		r = -ENOMEM;
		snprintf(err, errlen, "api: cannot create an event loop");
		goto fail;
	}
	api_queue_init(&s->requests, main_loop, api_server_on_request, s);
	s->requests_started = true;
	api_queue_init(&s->replies, s->loop, api_server_on_reply, s);
	s->replies_started = true;
	ev_io_init(&s->accept_w, api_server_on_accept, s->listen_fd, EV_READ);
	ev_io_start(s->loop, &s->accept_w);
	ev_async_init(&s->stop_w, api_server_on_stop);
	ev_async_start(s->loop, &s->stop_w);

	/* Signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, api_server_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		snprintf(err, errlen, "api: cannot start the API thread: %s", strerror(-r));
		goto fail;
	}
	s->thread_started = true;
	*ret = s;
	return 0;
fail:
	api_server_free(s);
	return r;
}

void api_server_free(struct api_server *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		ev_async_send(s->loop, &s->stop_w);
		pthread_join(s->thread, NULL);
	}
	if (s->requests_started)
		api_queue_fini(&s->requests);
	if (s->loop) {
		while (s->conns)
			api_conn_free(s->conns);
		if (s->replies_started)
			api_queue_fini(&s->replies);
		ev_io_stop(s->loop, &s->accept_w);
		ev_async_stop(s->loop, &s->stop_w);
		ev_loop_destroy(s->loop);
	}
	closep(&s->listen_fd);
	if (s->unlink_path)
		unlink(s->cfg.path);
	free(s);
}
