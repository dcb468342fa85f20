/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API server, queue and endpoint table over a real unix socket, with
 * fake VMM operations: the main loop runs in a thread of its own, the
 * client is this test.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <ev.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "ipc/api.h"
#include "ipc/http.h"
#include "vmm/api.h"
#include "vmm/vm_api.h"

/* ---- fake VMM ---- */

struct fake_vmm {
	int creates, boots, shutdowns, reboots, buttons, pauses, resumes, vmm_shutdowns, hot_disks;
	int boot_result; /* what boot returns */
	char boot_kernel[64];
	unsigned int boot_ndisks;
};

static int fake_create(void *o, const struct api_vm_config *cfg, char *err, size_t errlen)
{
	struct fake_vmm *f = o;

	f->creates++;
	if (strcmp(cfg->payload.kernel, "/missing") == 0) {
		snprintf(err, errlen, "payload.kernel: /missing: No such file or directory");
		return -EINVAL;
	}
	return 0;
}

static int fake_boot(void *o, const struct api_vm_config *cfg, char *err, size_t errlen)
{
	struct fake_vmm *f = o;

	f->boots++;
	snprintf(f->boot_kernel, sizeof(f->boot_kernel), "%s", cfg->payload.kernel);
	f->boot_ndisks = cfg->ndisks;
	if (f->boot_result)
		snprintf(err, errlen, "KVM said no");
	return f->boot_result;
}

#define FAKE_OP(name, field)                                       \
	static int fake_##name(void *o, char *err, size_t errlen) \
	{                                                          \
		((struct fake_vmm *)o)->field++;                   \
		return 0;                                          \
	}
FAKE_OP(shutdown, shutdowns)
FAKE_OP(reboot, reboots)
FAKE_OP(power_button, buttons)
FAKE_OP(pause, pauses)
FAKE_OP(resume, resumes)

static int fake_info(void *o, uint64_t *ret)
{
	*ret = 12345;
	return 0;
}

static int fake_counters(void *o, struct api_counter **ret, size_t *ret_n)
{
	struct api_counter *c = calloc(1, sizeof(*c));

	*c = (struct api_counter){ "_disk0", "read_ops", 7 };
	*ret = c;
	*ret_n = 1;
	return 0;
}

static void fake_shutdown_vmm(void *o)
{
	((struct fake_vmm *)o)->vmm_shutdowns++;
}

static const struct vm_control_ops fake_ops = {
	.create = fake_create,
	.boot = fake_boot,
	.shutdown = fake_shutdown,
	.reboot = fake_reboot,
	.power_button = fake_power_button,
	.pause = fake_pause,
	.resume = fake_resume,
	.info = fake_info,
	.counters = fake_counters,
	.shutdown_vmm = fake_shutdown_vmm,
};

/* ---- fixture: main loop thread + server ---- */

static struct fake_vmm fake;
static struct vm_api vmapi;
static struct ev_loop *main_loop;
static ev_async main_stop;
static pthread_t main_thread;
static struct api_server *server;
static char sock_path[108];

static void on_main_stop(struct ev_loop *loop, ev_async *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

static void *main_run(void *arg)
{
	ev_run(main_loop, 0);
	return NULL;
}

static void start_server(unsigned int max_conns, double timeout)
{
	struct api_server_config cfg = { .fd = -1, .max_conns = max_conns, .timeout = timeout };
	const struct api_route *routes;
	char err[256];
	size_t n;

	memset(&fake, 0, sizeof(fake));
	snprintf(sock_path, sizeof(sock_path), "/tmp/cnh-api-test-%d.sock", (int)getpid());
	cr_assert_eq(api_server_parse(sock_path, &cfg, err, sizeof(err)), 0, "%s", err);
	cfg.max_conns = max_conns;
	cfg.timeout = timeout;
	main_loop = ev_loop_new(EVFLAG_NOSIGMASK);
	vm_api_init(&vmapi, &fake_ops, &fake);
	routes = vm_api_routes(&n);
	cr_assert_eq(api_server_new(&cfg, main_loop, routes, n, &vmapi, &server, err, sizeof(err)), 0,
		     "%s", err);
	ev_async_init(&main_stop, on_main_stop);
	ev_async_start(main_loop, &main_stop);
	cr_assert_eq(pthread_create(&main_thread, NULL, main_run, NULL), 0);
}

static void setup(void)
{
	start_server(4, 5.0);
}

static void teardown(void)
{
	ev_async_send(main_loop, &main_stop);
	pthread_join(main_thread, NULL);
	api_server_free(server);
	ev_async_stop(main_loop, &main_stop);
	ev_loop_destroy(main_loop);
	vm_api_fini(&vmapi);
	cr_assert_neq(access(sock_path, F_OK), 0, "the socket path is removed");
}

/* ---- client ---- */

static int conn_open(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, sock_path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0, "connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

struct resp {
	int status;
	char body[8192];
	char head[1024];
	bool keep_alive;
};

/*
 * Read one response from fd, keeping bytes of the next in the parser's
 * stream buffer. Returns 0, or -1 when the peer closed with nothing.
 */
struct stream {
	int fd;
	char buf[16384];
	size_t off, len;
};

static int read_resp(struct stream *s, struct resp *r)
{
	struct http_parser p;
	size_t used;
	int ret;

	http_parser_init(&p, HTTP_PARSE_RESPONSE, sizeof(r->body) - 1);
	memset(r, 0, sizeof(*r));
	for (;;) {
		if (s->off == s->len) {
			ssize_t n = recv(s->fd, s->buf, sizeof(s->buf), 0);

			if (n <= 0) {
				ret = http_parser_finish(&p);
				if (ret != HTTP_FEED_DONE) {
					http_parser_fini(&p);
					return -1;
				}
				break;
			}
			s->off = 0;
			s->len = (size_t)n;
		}
		ret = http_parser_feed(&p, s->buf + s->off, s->len - s->off, &used);
		cr_assert_geq(ret, 0, "bad response: %s", p.error_reason);
		s->off += used;
		if (ret == HTTP_FEED_DONE) {
			if (p.msg.status == 100) {
				http_parser_reset(&p);
				continue;
			}
			break;
		}
	}
	r->status = p.msg.status;
	r->keep_alive = p.msg.keep_alive;
	if (p.msg.body)
		snprintf(r->body, sizeof(r->body), "%s", p.msg.body);
	http_parser_fini(&p);
	return 0;
}

static void send_all(int fd, const void *buf, size_t len)
{
	cr_assert_eq(write_full(fd, buf, len), 0);
}

/* One request on a fresh connection. */
static struct resp call(const char *method, const char *endpoint, const char *body)
{
	struct stream s = { .fd = conn_open() };
	struct resp r;
	char path[256], *req;
	size_t len;

	snprintf(path, sizeof(path), "/api/v1/%s", endpoint);
	cr_assert_eq(http_format_request(method, path, body, body ? strlen(body) : 0, &req, &len), 0);
	send_all(s.fd, req, len);
	free(req);
	cr_assert_eq(read_resp(&s, &r), 0, "no response to %s %s", method, endpoint);
	close(s.fd);
	return r;
}

static struct resp expect_status(const char *method, const char *ep, const char *req_body, int want)
{
	struct resp r = call(method, ep, req_body);

	cr_assert_eq(r.status, want, "%s %s: got %d %s", method, ep, r.status, r.body);
	return r;
}

#define EXPECT expect_status

static const char *const vm_json = "{\"payload\":{\"kernel\":\"/vmlinux\",\"cmdline\":\"console=ttyS0\"},"
				   "\"cpus\":{\"boot_vcpus\":2},\"memory\":{\"size\":268435456}}";

TestSuite(server, .init = setup, .fini = teardown, .timeout = 60);
TestSuite(remote, .init = setup, .fini = teardown, .timeout = 60);

Test(server, ping)
{
	struct resp r = EXPECT("GET", "vmm.ping", NULL, 200);

	cr_assert_not_null(strstr(r.body, "\"version\":\"" CNH_VERSION "\""), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"pid\":"));
	cr_assert(r.keep_alive);
}

Test(server, lifecycle_and_state_machine)
{
	struct resp r;

	r = EXPECT("GET", "vm.info", NULL, 409);
	cr_assert_not_null(strstr(r.body, "not created"), "%s", r.body);
	EXPECT("PUT", "vm.boot", NULL, 409);
	r = EXPECT("PUT", "vm.create", "{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":\"1G\"}}", 400);
	cr_assert_str_eq(r.body, "{\"error\":\"memory.size: expected an integer\"}");
	r = EXPECT("PUT", "vm.create", "{\"payload\":{\"kernel\":\"/missing\"}}", 400);
	cr_assert_not_null(strstr(r.body, "No such file"), "%s", r.body);
	cr_assert_eq(fake.boots, 0);
	EXPECT("PUT", "vm.create", vm_json, 204);
	EXPECT("PUT", "vm.create", vm_json, 409);
	r = EXPECT("GET", "vm.info", NULL, 200);
	cr_assert_not_null(strstr(r.body, "\"state\":\"Created\""), "%s", r.body);
	EXPECT("PUT", "vm.pause", NULL, 409);
	EXPECT("PUT", "vm.boot", NULL, 204);
	cr_assert_eq(fake.boots, 1);
	cr_assert_str_eq(fake.boot_kernel, "/vmlinux");
	EXPECT("PUT", "vm.boot", NULL, 409);
	EXPECT("PUT", "vm.resume", NULL, 409);
	EXPECT("PUT", "vm.pause", NULL, 204);
	EXPECT("PUT", "vm.pause", NULL, 409);
	EXPECT("PUT", "vm.reboot", NULL, 409);
	r = EXPECT("GET", "vm.info", NULL, 200);
	cr_assert_not_null(strstr(r.body, "\"state\":\"Paused\""), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"memory_actual_size\":12345"), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"boot_vcpus\":2"), "%s", r.body);
	EXPECT("PUT", "vm.resume", NULL, 204);
	EXPECT("PUT", "vm.reboot", NULL, 204);
	EXPECT("PUT", "vm.power-button", NULL, 204);
	r = EXPECT("GET", "vm.counters", NULL, 200);
	cr_assert_str_eq(r.body, "{\"_disk0\":{\"read_ops\":7}}");
	EXPECT("PUT", "vm.shutdown", NULL, 204);
	EXPECT("PUT", "vm.shutdown", NULL, 409);
	EXPECT("PUT", "vm.power-button", NULL, 409);
	EXPECT("PUT", "vm.boot", NULL, 204);
	cr_assert_eq(fake.boots, 2);
	EXPECT("PUT", "vm.delete", NULL, 204);
	cr_assert_eq(fake.shutdowns, 2, "delete shuts a running VM down");
	EXPECT("GET", "vm.info", NULL, 409);
	EXPECT("PUT", "vm.delete", NULL, 204);
	cr_assert_eq(fake.pauses, 1);
	cr_assert_eq(fake.resumes, 1);
	cr_assert_eq(fake.reboots, 1);
	cr_assert_eq(fake.buttons, 1);
}

Test(server, op_failure_keeps_state)
{
	struct resp r;

	EXPECT("PUT", "vm.create", vm_json, 204);
	fake.boot_result = -EINVAL;
	r = EXPECT("PUT", "vm.boot", NULL, 400);
	cr_assert_str_eq(r.body, "{\"error\":\"vm.boot: KVM said no\"}");
	fake.boot_result = -EIO;
	EXPECT("PUT", "vm.boot", NULL, 500);
	r = EXPECT("GET", "vm.info", NULL, 200);
	cr_assert_not_null(strstr(r.body, "\"state\":\"Created\""), "%s", r.body);
}

Test(server, routing_errors)
{
	struct stream s;
	struct resp r;
	char *req, *big;
	size_t len;

	r = EXPECT("GET", "vm.teleport", NULL, 404);
	cr_assert_not_null(strstr(r.body, "unknown endpoint /api/v1/vm.teleport"), "%s", r.body);
	r = call("GET", "../vm.info", NULL);
	cr_assert_eq(r.status, 404);
	EXPECT("PUT", "vmm.ping", NULL, 405);
	EXPECT("GET", "vm.boot", NULL, 405);
	EXPECT("POST", "vm.create", vm_json, 405);
	r = EXPECT("PUT", "vm.create", NULL, 400);
	cr_assert_not_null(strstr(r.body, "needs a JSON body"), "%s", r.body);

	/* 405 carries Allow. */
	s = (struct stream){ .fd = conn_open() };
	send_all(s.fd, "PUT /api/v1/vm.info HTTP/1.1\r\n\r\n", 32);
	char head[512] = "";
	ssize_t n = recv(s.fd, head, sizeof(head) - 1, 0);
	cr_assert_gt(n, 0);
	cr_assert_not_null(strstr(head, "405 Method Not Allowed"), "%s", head);
	cr_assert_not_null(strstr(head, "Allow: GET\r\n"), "%s", head);
	close(s.fd);

	/* 413: a body over 64 KiB, refused from its header alone. */
	big = malloc(KiB(64) + 2);
	memset(big, ' ', KiB(64) + 1);
	big[KiB(64) + 1] = '\0';
	cr_assert_eq(http_format_request("PUT", "/api/v1/vm.create", big, KiB(64) + 1, &req, &len), 0);
	s = (struct stream){ .fd = conn_open() };
	send_all(s.fd, req, len - KiB(64)); /* headers and a little body */
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 413);
	cr_assert_not(r.keep_alive, "an error that desynchronises the stream closes it");
	close(s.fd);
	free(req);
	free(big);
	EXPECT("GET", "vmm.ping", NULL, 200);
}

Test(server, cold_plug_and_hotplug_refusal)
{
	struct resp r;

	EXPECT("PUT", "vm.add-disk", "{\"path\":\"/d\"}", 409); /* not created */
	EXPECT("PUT", "vm.create", vm_json, 204);
	EXPECT("PUT", "vm.add-disk", "{\"path\":5}", 400);
	EXPECT("PUT", "vm.add-disk", "{\"path\":\"/d0\"}", 204);
	EXPECT("PUT", "vm.add-disk", "{\"path\":\"/d1\",\"id\":\"data\"}", 204);
	r = EXPECT("PUT", "vm.add-disk", "{\"path\":\"/d2\",\"id\":\"data\"}", 409);
	cr_assert_not_null(strstr(r.body, "'data' exists"), "%s", r.body);
	EXPECT("PUT", "vm.add-net", "{\"tap\":\"tap0\"}", 204);
	EXPECT("PUT", "vm.add-fs", "{\"tag\":\"t\",\"socket\":\"/fs\"}", 204);
	EXPECT("PUT", "vm.add-pmem", "{\"file\":\"/p\"}", 204);
	EXPECT("PUT", "vm.add-vsock", "{\"cid\":3,\"socket\":\"/v\"}", 204);
	EXPECT("PUT", "vm.add-vsock", "{\"cid\":4,\"socket\":\"/v\"}", 409);
	r = EXPECT("GET", "vm.info", NULL, 200);
	cr_assert_not_null(strstr(r.body, "\"id\":\"_disk0\""), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"id\":\"_net0\""), "%s", r.body);
	cr_assert_not_null(strstr(r.body, "\"id\":\"_vsock0\""), "%s", r.body);
	EXPECT("PUT", "vm.remove-device", "{\"id\":\"_disk0\"}", 204);
	EXPECT("PUT", "vm.remove-device", "{\"id\":\"_disk0\"}", 404);
	EXPECT("PUT", "vm.remove-device", "{\"nope\":1}", 400);
	EXPECT("PUT", "vm.boot", NULL, 204);
	cr_assert_eq(fake.boot_ndisks, 1, "cold-added disks reach boot");
	r = EXPECT("PUT", "vm.add-disk", "{\"path\":\"/d3\"}", 409);
	cr_assert_not_null(strstr(r.body, "hotplug is not supported yet"), "%s", r.body);
	r = EXPECT("PUT", "vm.remove-device", "{\"id\":\"data\"}", 409);
	cr_assert_not_null(strstr(r.body, "hotplug is not supported yet"), "%s", r.body);
	r = EXPECT("GET", "vm.info", NULL, 200);
	cr_assert_null(strstr(r.body, "/d3"), "a refused hot-add leaves the config alone");
}

Test(server, pipelined_keep_alive)
{
	static const char reqs[] = "GET /api/v1/vmm.ping HTTP/1.1\r\n\r\n"
				   "PUT /api/v1/vm.boot HTTP/1.1\r\n\r\n"
				   "GET /api/v1/vm.nothing HTTP/1.1\r\n\r\n"
				   "GET /api/v1/vmm.ping HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct stream s = { .fd = conn_open() };
	struct resp r;

	send_all(s.fd, reqs, strlen(reqs));
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 409);
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 404);
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 200);
	cr_assert_not(r.keep_alive);
	cr_assert_eq(read_resp(&s, &r), -1, "closed after Connection: close");
	close(s.fd);
}

Test(server, expect_continue)
{
	char head[256];
	struct stream s = { .fd = conn_open() };
	struct resp r;
	ssize_t n;

	snprintf(head, sizeof(head),
		 "PUT /api/v1/vm.create HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
		 strlen(vm_json));
	send_all(s.fd, head, strlen(head));
	n = recv(s.fd, head, sizeof(head) - 1, 0);
	cr_assert_gt(n, 0);
	head[n] = '\0';
	cr_assert_str_eq(head, "HTTP/1.1 100 Continue\r\n\r\n");
	send_all(s.fd, vm_json, strlen(vm_json));
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 204);
	close(s.fd);
}

Test(server, connection_limit)
{
	int fds[4];
	struct stream s;
	struct resp r;

	for (int i = 0; i < 4; i++)
		fds[i] = conn_open();
	/* Make sure the server has accepted all four. */
	for (int i = 0; i < 4; i++) {
		s = (struct stream){ .fd = fds[i] };
		send_all(fds[i], "GET /api/v1/vmm.ping HTTP/1.1\r\n\r\n", 34);
		cr_assert_eq(read_resp(&s, &r), 0);
		cr_assert_eq(r.status, 200);
	}
	s = (struct stream){ .fd = conn_open() };
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 503);
	cr_assert_not_null(strstr(r.body, "too many connections"));
	close(s.fd);
	close(fds[0]);
	/* The slot frees up once the server sees the close. */
	for (int tries = 0;; tries++) {
		r = call("GET", "vmm.ping", NULL);
		if (r.status == 200)
			break;
		cr_assert_lt(tries, 100);
		usleep(10000);
	}
	for (int i = 1; i < 4; i++)
		close(fds[i]);
}

Test(server, corpus_of_malformed_requests)
{
	DIR *d = opendir(API_CORPUS_DIR);
	struct dirent *e;
	int count = 0;

	cr_assert_not_null(d, "%s", API_CORPUS_DIR);
	while ((e = readdir(d)) != NULL) {
		char path[512];
		void *buf;
		size_t len;
		struct stream s;
		struct resp r;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", API_CORPUS_DIR, e->d_name);
		cr_assert_eq(read_file(path, MiB(1), &buf, &len), 0, "%s", path);
		s = (struct stream){ .fd = conn_open() };
		send_all(s.fd, buf, len);
		shutdown(s.fd, SHUT_WR);
		cr_assert_eq(read_resp(&s, &r), 0, "%s: no answer", e->d_name);
		cr_assert(r.status >= 400 && r.status < 500, "%s: got %d %s", e->d_name, r.status, r.body);
		close(s.fd);
		free(buf);
		count++;
		EXPECT("GET", "vmm.ping", NULL, 200);
	}
	closedir(d);
	cr_assert_geq(count, 20);
	/* Nothing in the corpus created a VM. */
	EXPECT("GET", "vm.info", NULL, 409);
}

Test(server, vmm_shutdown)
{
	EXPECT("PUT", "vmm.shutdown", NULL, 204);
	cr_assert_eq(fake.vmm_shutdowns, 1);
}

Test(server, socket_in_use_is_refused)
{
	struct api_server_config cfg;
	struct api_server *other;
	char err[256];

	cr_assert_eq(api_server_parse(sock_path, &cfg, err, sizeof(err)), 0);
	cr_assert_eq(api_server_new(&cfg, main_loop, NULL, 0, NULL, &other, err, sizeof(err)), -EADDRINUSE);
	cr_assert_not_null(strstr(err, "in use"), "%s", err);
	EXPECT("GET", "vmm.ping", NULL, 200);
}

/* Timeouts, with a short deadline. */
static void setup_fast(void)
{
	start_server(4, 0.3);
}

Test(timeout, slow_request_gets_408, .init = setup_fast, .fini = teardown, .timeout = 30)
{
	struct stream s = { .fd = conn_open() };
	struct resp r;

	send_all(s.fd, "GET /api/v1/vmm.ping HTTP/1.1\r\nHost:", 36);
	cr_assert_eq(read_resp(&s, &r), 0);
	cr_assert_eq(r.status, 408);
	cr_assert_eq(read_resp(&s, &r), -1);
	close(s.fd);
	s = (struct stream){ .fd = conn_open() };
	cr_assert_eq(read_resp(&s, &r), -1, "an idle connection is closed quietly");
	close(s.fd);
	EXPECT("GET", "vmm.ping", NULL, 200);
}

Test(parse, api_socket_option)
{
	struct api_server_config c;
	char err[256];

	cr_assert_eq(api_server_parse("/run/cnh.sock", &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.path, "/run/cnh.sock");
	cr_assert_eq(c.fd, -1);
	cr_assert_eq(api_server_parse("path=/run/x.sock", &c, err, sizeof(err)), 0);
	cr_assert_str_eq(c.path, "/run/x.sock");
	cr_assert_eq(api_server_parse("fd=3", &c, err, sizeof(err)), 0);
	cr_assert_eq(c.fd, 3);
	cr_assert_str_eq(c.path, "");
	cr_assert_eq(api_server_parse("fd=3,path=/x", &c, err, sizeof(err)), -EINVAL);
	cr_assert_eq(api_server_parse("fd=x", &c, err, sizeof(err)), -EINVAL);
	cr_assert_eq(api_server_parse("size=3", &c, err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "--api-socket: unknown parameter 'size'");
	cr_assert_eq(api_server_parse("", &c, err, sizeof(err)), -EINVAL);
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	cr_assert_eq(api_server_parse(longp, &c, err, sizeof(err)), -EINVAL);
}

/* ---- cnh-remote against the server (the binary's path comes from meson) ---- */

/* Run cnh-remote with args; capture stdout+stderr into out; return the exit status. */
static int remote(char *out, size_t outlen, const char *args)
{
	const char *bin = getenv("CNH_REMOTE");
	char cmd[2048];
	FILE *f;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --api-socket %s %s 2>&1", bin, sock_path, args);
	f = popen(cmd, "r");
	cr_assert_not_null(f);
	n = fread(out, 1, outlen - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(remote, subcommands_and_exit_codes)
{
	char out[8192];

	if (!getenv("CNH_REMOTE"))
		cr_skip_test("CNH_REMOTE not set");
	cr_assert_eq(remote(out, sizeof(out), "ping"), 0, "%s", out);
	cr_assert_not_null(strstr(out, "cnh " CNH_VERSION), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "--json ping"), 0, "%s", out);
	cr_assert_eq(out[0], '{', "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "boot"), 1);
	cr_assert_not_null(strstr(out, "409 Conflict: cannot boot: the VM is not created"), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "create --kernel /vmlinux --cmdline 'console=ttyS0 quiet' "
					     "--cpus boot=2 --memory size=256M "
					     "--disk path=/img,readonly=on,id=root --serial file=/tmp/x"),
		     0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "create --kernel /vmlinux"), 1);
	cr_assert_eq(remote(out, sizeof(out), "add-disk path=/data"), 0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "add-disk path=/data,bogus=1"), 2, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "boot"), 0, "%s", out);
	cr_assert_eq(fake.boot_ndisks, 2);
	cr_assert_eq(remote(out, sizeof(out), "info"), 0, "%s", out);
	cr_assert_not_null(strstr(out, "state: Running"), "%s", out);
	cr_assert_not_null(strstr(out, "cpus: 2"), "%s", out);
	cr_assert_not_null(strstr(out, "memory: 256 MiB"), "%s", out);
	cr_assert_not_null(strstr(out, "cmdline: console=ttyS0 quiet"), "%s", out);
	cr_assert_not_null(strstr(out, "disks root:"), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "add-net tap=tap0"), 1, "%s", out);
	cr_assert_not_null(strstr(out, "hotplug is not supported yet"), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "counters"), 0, "%s", out);
	cr_assert_not_null(strstr(out, "_disk0.read_ops: 7"), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "pause"), 0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "resume"), 0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "remove-device"), 2, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "frobnicate"), 2, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "shutdown extra"), 2, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "add-disk --help"), 0, "%s", out);
	cr_assert_not_null(strstr(out, "PUT /api/v1/vm.add-disk"), "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "shutdown"), 0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "delete"), 0, "%s", out);
	cr_assert_eq(remote(out, sizeof(out), "shutdown-vmm"), 0, "%s", out);
	cr_assert_eq(fake.vmm_shutdowns, 1);
	snprintf(sock_path + strlen(sock_path) - 5, 6, ".none");
	cr_assert_eq(remote(out, sizeof(out), "ping"), 3, "%s", out);
	snprintf(sock_path + strlen(sock_path) - 5, 6, ".sock");
}
