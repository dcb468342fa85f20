/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/http.h"

/* Parse all of s; return the status (0 when a request completed) and keep the message in p. */
static int parse_one(struct http_parser *p, const char *s, size_t max_body)
{
	size_t used;
	int r;

	http_parser_init(p, HTTP_PARSE_REQUEST, max_body);
	r = http_parser_feed(p, s, strlen(s), &used);
	if (r == HTTP_FEED_DONE)
		return 0;
	if (r == HTTP_FEED_MORE)
		return -1;
	return p->error_status;
}

Test(http, get_request)
{
	struct http_parser p;

	cr_assert_eq(parse_one(&p, "GET /api/v1/vmm.ping HTTP/1.1\r\nHost: localhost\r\n\r\n", 1024), 0);
	cr_assert_eq(p.msg.method, HTTP_GET);
	cr_assert_str_eq(p.msg.path, "/api/v1/vmm.ping");
	cr_assert(p.msg.keep_alive);
	cr_assert_null(p.msg.body);
	cr_assert_eq(p.msg.version_minor, 1);
	http_parser_fini(&p);
}

Test(http, put_with_body_no_host_query_stripped)
{
	struct http_parser p;

	cr_assert_eq(parse_one(&p, "PUT /api/v1/vm.create?x=1 HTTP/1.1\r\nContent-Type: application/json\r\n"
				   "Content-Length: 7\r\n\r\n{\"a\":1}",
			       1024),
		     0);
	cr_assert_eq(p.msg.method, HTTP_PUT);
	cr_assert_str_eq(p.msg.path, "/api/v1/vm.create");
	cr_assert_eq(p.msg.body_len, 7);
	cr_assert_str_eq(p.msg.body, "{\"a\":1}");
	cr_assert(p.msg.has_content_type_json);
	http_parser_fini(&p);
}

Test(http, bare_lf_and_leading_blank_lines)
{
	struct http_parser p;

	cr_assert_eq(parse_one(&p, "\r\n\nGET / HTTP/1.0\nConnection: keep-alive\n\n", 16), 0);
	cr_assert_eq(p.msg.version_minor, 0);
	cr_assert(p.msg.keep_alive);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET / HTTP/1.0\r\n\r\n", 16), 0);
	cr_assert_not(p.msg.keep_alive, "HTTP/1.0 closes by default");
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", 16), 0);
	cr_assert_not(p.msg.keep_alive);
	http_parser_fini(&p);
}

static const char pipeline[] =
	"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	"PUT /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
	"DELETE /c HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

struct seen {
	int n;
	char paths[4][16];
	char bodies[4][16];
};

/* Feed s in two chunks split at cut (or byte by byte when cut < 0); collect messages. */
static void feed_split(const char *s, size_t len, long cut, struct seen *seen)
{
	struct http_parser p;
	size_t off = 0;

	memset(seen, 0, sizeof(*seen));
	http_parser_init(&p, HTTP_PARSE_REQUEST, 64);
	while (off < len) {
		size_t end = cut < 0 ? off + 1 : (off < (size_t)cut ? (size_t)cut : len);
		size_t pos = off;

		while (pos < end) {
			size_t used;
			int r = http_parser_feed(&p, s + pos, end - pos, &used);

			cr_assert_geq(r, 0, "feed failed at %zu (cut %ld): %s", pos, cut, p.error_reason);
			pos += used;
			if (r == HTTP_FEED_DONE) {
				cr_assert_lt(seen->n, 4);
				snprintf(seen->paths[seen->n], 16, "%.15s", p.msg.path);
				snprintf(seen->bodies[seen->n], 16, "%.15s", p.msg.body ? p.msg.body : "");
				seen->n++;
				http_parser_reset(&p);
			}
		}
		off = end;
	}
	http_parser_fini(&p);
}

Test(http, pipelined_split_at_every_byte)
{
	size_t len = strlen(pipeline);
	struct seen seen;

	for (long cut = -1; cut <= (long)len; cut++) {
		feed_split(pipeline, len, cut, &seen);
		cr_assert_eq(seen.n, 3, "cut %ld: %d messages", cut, seen.n);
		cr_assert_str_eq(seen.paths[0], "/a");
		cr_assert_str_eq(seen.paths[1], "/b");
		cr_assert_str_eq(seen.bodies[1], "hello", "cut %ld", cut);
		cr_assert_str_eq(seen.paths[2], "/c");
	}
}

Test(http, limits)
{
	struct http_parser p;
	char *big = malloc(HTTP_MAX_LINE * 2 + 64);
	char *hdrs = malloc(HTTP_MAX_HEADERS * 16 + 64);

	/* request line */
	strcpy(big, "GET /");
	memset(big + 5, 'a', HTTP_MAX_LINE + 10);
	strcpy(big + 5 + HTTP_MAX_LINE + 10, " HTTP/1.1\r\n\r\n");
	cr_assert_eq(parse_one(&p, big, 64), 414);
	http_parser_fini(&p);
	/* one header line */
	strcpy(big, "GET / HTTP/1.1\r\nX: ");
	memset(big + 19, 'b', HTTP_MAX_LINE + 10);
	strcpy(big + 19 + HTTP_MAX_LINE + 10, "\r\n\r\n");
	cr_assert_eq(parse_one(&p, big, 64), 431);
	http_parser_fini(&p);
	/* header count */
	strcpy(hdrs, "GET / HTTP/1.1\r\n");
	for (int i = 0; i <= HTTP_MAX_HEADERS; i++)
		sprintf(hdrs + strlen(hdrs), "X-%d: y\r\n", i);
	strcat(hdrs, "\r\n");
	cr_assert_eq(parse_one(&p, hdrs, 64), 431);
	http_parser_fini(&p);
	/* body */
	cr_assert_eq(parse_one(&p, "PUT / HTTP/1.1\r\nContent-Length: 65\r\n\r\n", 64), 413);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 64), 413);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "PUT / HTTP/1.1\r\nContent-Length: 64\r\n\r\n", 64), -1, "at the limit: waits for the body");
	http_parser_fini(&p);
	free(big);
	free(hdrs);
}

Test(http, bad_content_length_and_transfer_encoding)
{
	static const char *const bad[] = {
		"PUT / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length:\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"PUT / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	struct http_parser p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse_one(&p, bad[i], 64), 400, "case %zu", i);
		http_parser_fini(&p);
	}
	cr_assert_eq(parse_one(&p, "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 64), 411);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "PUT / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 64), 0,
		     "repeated equal lengths are fine");
	http_parser_fini(&p);
}

Test(http, methods_and_versions)
{
	struct http_parser p;

	cr_assert_eq(parse_one(&p, "DELETE / HTTP/1.1\r\n\r\n", 64), 0);
	cr_assert_eq(p.msg.method, HTTP_DELETE);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "BREW /pot HTTP/1.1\r\n\r\n", 64), 0);
	cr_assert_eq(p.msg.method, HTTP_OTHER);
	cr_assert_str_eq(p.msg.method_name, "BREW");
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "G(T / HTTP/1.1\r\n\r\n", 64), 400);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "AVERYVERYLONGMETHODNAME / HTTP/1.1\r\n\r\n", 64), 501);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET / HTTP/2.0\r\n\r\n", 64), 505);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET / FTP/1.1\r\n\r\n", 64), 400);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET  / HTTP/1.1\r\n\r\n", 64), 400);
	http_parser_fini(&p);
	cr_assert_eq(parse_one(&p, "GET http://x/ HTTP/1.1\r\n\r\n", 64), 400);
	http_parser_fini(&p);
	cr_assert_eq(http_method_parse("PUT"), HTTP_PUT);
	cr_assert_str_eq(http_method_str(HTTP_GET), "GET");
}

Test(http, malformed_headers)
{
	static const char *const bad[] = {
		"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\n: empty\r\n\r\n",
		"GET / HTTP/1.1\rX: y\r\n\r\n",
		"GET / HTTP/1.1\r\nX: a\x01 b\r\n\r\n",
		"GET /\x7f HTTP/1.1\r\n\r\n",
	};
	struct http_parser p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(parse_one(&p, bad[i], 64), 400, "case %zu", i);
		http_parser_fini(&p);
	}
	cr_assert_eq(parse_one(&p, "GET / HTTP/1.1\r\nExpect: something\r\n\r\n", 64), 417);
	http_parser_fini(&p);
}

Test(http, error_is_sticky)
{
	struct http_parser p;
	size_t used;

	cr_assert_eq(parse_one(&p, "GET / HTTP/9.9\r\n\r\n", 64), 505);
	cr_assert_eq(http_parser_feed(&p, "GET / HTTP/1.1\r\n\r\n", 18, &used), -EPROTO);
	http_parser_fini(&p);
}

Test(http, expect_continue)
{
	struct http_parser p;
	size_t used;
	const char *h = "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";

	http_parser_init(&p, HTTP_PARSE_REQUEST, 64);
	cr_assert_eq(http_parser_feed(&p, h, strlen(h), &used), HTTP_FEED_MORE);
	cr_assert(http_parser_wants_continue(&p));
	http_parser_continue_sent(&p);
	cr_assert_not(http_parser_wants_continue(&p));
	cr_assert_eq(http_parser_feed(&p, "abc", 3, &used), HTTP_FEED_DONE);
	cr_assert_str_eq(p.msg.body, "abc");
	cr_assert_str_eq(http_continue_line(), "HTTP/1.1 100 Continue\r\n\r\n");
	http_parser_fini(&p);
}

Test(http, responses)
{
	struct http_parser p;
	size_t used;
	char *buf;
	size_t len;

	cr_assert_eq(http_format_response(405, "GET", "{}", 2, true, &buf, &len), 0);
	cr_assert_not_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
	cr_assert_not_null(strstr(buf, "Allow: GET\r\n"));
	cr_assert_not_null(strstr(buf, "Content-Length: 2\r\n"));
	cr_assert_null(strstr(buf, "Connection: close"));
	http_parser_init(&p, HTTP_PARSE_RESPONSE, 1024);
	cr_assert_eq(http_parser_feed(&p, buf, len, &used), HTTP_FEED_DONE);
	cr_assert_eq(used, len);
	cr_assert_eq(p.msg.status, 405);
	cr_assert_str_eq(p.msg.body, "{}");
	http_parser_fini(&p);
	free(buf);

	cr_assert_eq(http_format_response(204, NULL, NULL, 0, false, &buf, &len), 0);
	cr_assert_not_null(strstr(buf, "Connection: close\r\n"));
	cr_assert_not_null(strstr(buf, "Content-Length: 0\r\n"));
	http_parser_init(&p, HTTP_PARSE_RESPONSE, 1024);
	cr_assert_eq(http_parser_feed(&p, buf, len, &used), HTTP_FEED_DONE);
	cr_assert_eq(p.msg.status, 204);
	cr_assert_not(p.msg.keep_alive);
	http_parser_fini(&p);
	free(buf);

	/* A body delimited by the close. */
	http_parser_init(&p, HTTP_PARSE_RESPONSE, 1024);
	cr_assert_eq(http_parser_feed(&p, "HTTP/1.0 200 OK\r\n\r\nabc", 22, &used), HTTP_FEED_MORE);
	cr_assert_eq(http_parser_finish(&p), HTTP_FEED_DONE);
	cr_assert_str_eq(p.msg.body, "abc");
	http_parser_fini(&p);

	cr_assert_eq(http_format_request("PUT", "/api/v1/vm.boot", "{}", 2, &buf, &len), 0);
	http_parser_init(&p, HTTP_PARSE_REQUEST, 1024);
	cr_assert_eq(http_parser_feed(&p, buf, len, &used), HTTP_FEED_DONE);
	cr_assert_str_eq(p.msg.path, "/api/v1/vm.boot");
	cr_assert_str_eq(p.msg.body, "{}");
	http_parser_fini(&p);
	free(buf);
}
