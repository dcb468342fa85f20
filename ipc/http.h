/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 codec for the API socket: an incremental request parser
 * (and its mirror for responses, for cnh-remote) and message writers.
 *
 * The parser is pure: feed it bytes in chunks of any size, it returns when a
 * whole message is in or when the input is bad, and tells how many bytes it
 * used so that pipelined messages can follow. Every limit is fixed:
 *   - request/status line: HTTP_MAX_LINE bytes (414 beyond),
 *   - each header line HTTP_MAX_LINE bytes, at most HTTP_MAX_HEADERS headers
 *     and HTTP_MAX_HEADER_BYTES bytes in all (431 beyond),
 *   - bodies only with Content-Length, up to the max_body given at init
 *     (413 beyond); Transfer-Encoding is refused (411, or 400 together
 *     with Content-Length).
 * Methods are any RFC 9110 token of at most 15 characters; the router
 * decides which it serves. HTTP/1.0 and 1.1 are accepted (505 otherwise);
 * keep-alive follows the version and the Connection header.
 */
#ifndef CNH_IPC_HTTP_H
#define CNH_IPC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

#define HTTP_MAX_LINE 4096
#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_HEADER_BYTES 16384
#define HTTP_MAX_METHOD 15
#define HTTP_DEFAULT_MAX_BODY KiB(64)

enum http_method {
	HTTP_OTHER = 0, /* a valid token we do not know; see method_name */
	HTTP_GET,
	HTTP_HEAD,
	HTTP_PUT,
	HTTP_POST,
	HTTP_DELETE,
	HTTP_PATCH,
	HTTP_OPTIONS,
};

/* One parsed message. Strings are NUL-terminated and owned by the parser. */
struct http_message {
	/* Requests. */
	enum http_method method;
	char method_name[HTTP_MAX_METHOD + 1];
	char path[HTTP_MAX_LINE]; /* origin-form target without the query */
	/* Responses. */
	int status;
	/* Both. */
	int version_minor; /* HTTP/1.<minor> */
	bool keep_alive;
	bool has_content_length;
	bool has_content_type_json; /* Content-Type: application/json */
	size_t content_length;
	char *body; /* NUL-terminated, NULL when there is none */
	size_t body_len;
};

enum http_parser_kind {
	HTTP_PARSE_REQUEST,
	HTTP_PARSE_RESPONSE,
};

struct http_parser {
	enum http_parser_kind kind;
	size_t max_body;
	int state;
	int error_status; /* 4xx/5xx to answer once feed failed */
	const char *error_reason;
	unsigned int blank_lines; /* empty lines tolerated before a request */
	unsigned int nheaders;
	size_t header_bytes;
	size_t line_len;
	bool line_cr;
	bool expect_continue; /* the client waits for "100 Continue" */
	bool hdr_te;          /* Transfer-Encoding seen */
	bool hdr_expect;      /* Expect: 100-continue seen */
	char line[HTTP_MAX_LINE + 1];
	size_t body_got;
	struct http_message msg;
};

/* Results of http_parser_feed(). */
#define HTTP_FEED_MORE 0 /* every byte used, message not complete yet */
#define HTTP_FEED_DONE 1 /* msg complete; *ret_used tells where the next one starts */

void http_parser_init(struct http_parser *p, enum http_parser_kind kind, size_t max_body);
/* Free the body and prepare for the next message on the same stream. */
void http_parser_reset(struct http_parser *p);
void http_parser_fini(struct http_parser *p);

/*
 * Feed len bytes. Returns HTTP_FEED_MORE, HTTP_FEED_DONE (p->msg holds the
 * message until the next reset) or -EPROTO when the input is bad: then
 * p->error_status is the HTTP status to answer (400, 411, 413, 414, 417,
 * 431, 501, 505) and p->error_reason a short explanation; the stream cannot
 * be resynchronised and must be closed after answering. -ENOMEM when a body
 * buffer cannot be allocated. *ret_used is set in every case.
 */
int http_parser_feed(struct http_parser *p, const char *data, size_t len,
		     size_t *ret_used) __must_check;
/*
 * True once the header of a request announcing "Expect: 100-continue" and
 * a body is in. The caller sends http_continue_line() once, then clears it
 * with http_parser_continue_sent().
 */
bool http_parser_wants_continue(const struct http_parser *p);
void http_parser_continue_sent(struct http_parser *p);
/* Response mode: the peer closed the stream; completes a message whose end is the close. */
int http_parser_finish(struct http_parser *p) __must_check;

const char *http_method_str(enum http_method m);
enum http_method http_method_parse(const char *s);
const char *http_status_reason(int status);
/* "HTTP/1.1 100 Continue\r\n\r\n" */
const char *http_continue_line(void);

/*
 * Write a response: status line, Server, Content-Type (when body is not
 * NULL; "application/json"), Content-Length (always), Allow (when allow is
 * not NULL), Connection (close when !keep_alive). Returns a malloc'd buffer.
 */
int http_format_response(int status, const char *allow, const char *body, size_t body_len,
			 bool keep_alive, char **ret_buf, size_t *ret_len) __must_check;
/* Write a request with Host: localhost; a body is sent as application/json. */
int http_format_request(const char *method, const char *path, const char *body, size_t body_len,
			char **ret_buf, size_t *ret_len) __must_check;

#endif
