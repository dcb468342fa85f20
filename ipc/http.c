/* SPDX-License-Identifier: Apache-2.0 */
#include "ipc/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum {
	ST_START = 0,
	ST_HEADERS,
	ST_BODY,       /* Content-Length bytes */
	ST_BODY_CLOSE, /* responses without a length: until the peer closes */
	ST_DONE,
	ST_ERROR,
};

#define HTTP_MAX_BLANK_LINES 8

static const char *const http_method_names[] = {
	[HTTP_OTHER] = "",       [HTTP_GET] = "GET",     [HTTP_HEAD] = "HEAD",
	[HTTP_PUT] = "PUT",      [HTTP_POST] = "POST",   [HTTP_DELETE] = "DELETE",
	[HTTP_PATCH] = "PATCH",  [HTTP_OPTIONS] = "OPTIONS",
};

const char *http_method_str(enum http_method m)
{
	if ((unsigned int)m >= ARRAY_SIZE(http_method_names))
		return "";
	return http_method_names[m];
}

enum http_method http_method_parse(const char *s)
{
	for (unsigned int i = 1; i < ARRAY_SIZE(http_method_names); i++)
		if (strcmp(s, http_method_names[i]) == 0)
			return (enum http_method)i;
	return HTTP_OTHER;
}

const char *http_status_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

const char *http_continue_line(void)
{
	return "HTTP/1.1 100 Continue\r\n\r\n";
}

void http_parser_init(struct http_parser *p, enum http_parser_kind kind, size_t max_body)
{
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->max_body = max_body;
	p->state = ST_START;
}

void http_parser_reset(struct http_parser *p)
{
	enum http_parser_kind kind = p->kind;
	size_t max_body = p->max_body;

	free(p->msg.body);
	http_parser_init(p, kind, max_body);
}

void http_parser_fini(struct http_parser *p)
{
	if (!p)
		return;
	free(p->msg.body);
	p->msg.body = NULL;
}

bool http_parser_wants_continue(const struct http_parser *p)
{
	return p->expect_continue;
}

void http_parser_continue_sent(struct http_parser *p)
{
	p->expect_continue = false;
}

static int http_fail(struct http_parser *p, int status, const char *reason)
{
	p->state = ST_ERROR;
	p->error_status = status;
	p->error_reason = reason;
	return -EPROTO;
}

/* RFC 9110 tchar. */
static bool http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Request line, header and status line bytes: no controls except HTAB. */
static bool http_line_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static int http_parse_version(struct http_parser *p, const char *v)
{
	if (strncmp(v, "HTTP/", 5) != 0 || !(v[5] >= '0' && v[5] <= '9') || v[6] != '.' ||
	    !(v[7] >= '0' && v[7] <= '9') || v[8] != '\0')
		return http_fail(p, 400, "malformed HTTP version");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return http_fail(p, 505, "only HTTP/1.0 and HTTP/1.1 are supported");
	p->msg.version_minor = v[7] - '0';
	p->msg.keep_alive = p->msg.version_minor == 1;
	return 0;
}

static int http_request_line(struct http_parser *p, char *line)
{
	char *sp1 = strchr(line, ' '), *sp2, *target, *q;
	size_t mlen;
	int r;

	if (!sp1)
		return http_fail(p, 400, "malformed request line");
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || strchr(sp2 + 1, ' '))
		return http_fail(p, 400, "malformed request line");
	mlen = (size_t)(sp1 - line);
	if (mlen == 0)
		return http_fail(p, 400, "missing method");
	for (size_t i = 0; i < mlen; i++)
		if (!http_is_tchar((unsigned char)line[i]))
			return http_fail(p, 400, "invalid method");
	if (mlen > HTTP_MAX_METHOD)
		return http_fail(p, 501, "unknown method");
	*sp1 = *sp2 = '\0';
	r = http_parse_version(p, sp2 + 1);
	if (r < 0)
		return r;
	memcpy(p->msg.method_name, line, mlen + 1);
	p->msg.method = http_method_parse(p->msg.method_name);
	target = sp1 + 1;
	if (target[0] != '/')
		return http_fail(p, 400, "request target must be an absolute path");
	q = strpbrk(target, "?#");
	if (q)
		*q = '\0';
	for (char *c = target; *c; c++)
		if ((unsigned char)*c >= 0x7f)
			return http_fail(p, 400, "invalid byte in request target");
	snprintf(p->msg.path, sizeof(p->msg.path), "%s", target);
	return 0;
}

static int http_status_line(struct http_parser *p, char *line)
{
	char *sp = strchr(line, ' ');
	int r;

	if (!sp)
		return http_fail(p, 400, "malformed status line");
	*sp = '\0';
	r = http_parse_version(p, line);
	if (r < 0)
		return r;
	if (!(sp[1] >= '1' && sp[1] <= '5') || !(sp[2] >= '0' && sp[2] <= '9') ||
	    !(sp[3] >= '0' && sp[3] <= '9') || (sp[4] != ' ' && sp[4] != '\0'))
		return http_fail(p, 400, "malformed status code");
	p->msg.status = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	return 0;
}

/* Does the comma-separated list s hold token tok (case-insensitive)? */
static bool http_list_has(const char *s, const char *tok)
{
	size_t n = strlen(tok);

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (strncasecmp(s, tok, n) == 0) {
			const char *e = s + n;

			while (*e == ' ' || *e == '\t')
				e++;
			if (*e == ',' || *e == '\0')
				return true;
		}
		while (*s && *s != ',')
			s++;
	}
	return false;
}

static int http_header_line(struct http_parser *p, char *line, size_t len, bool *te, bool *expect)
{
	char *colon, *v, *end;

	if (line[0] == ' ' || line[0] == '\t')
		return http_fail(p, 400, "obsolete header line folding");
	if (++p->nheaders > HTTP_MAX_HEADERS)
		return http_fail(p, 431, "too many header fields");
	p->header_bytes += len + 2;
	if (p->header_bytes > HTTP_MAX_HEADER_BYTES)
		return http_fail(p, 431, "header section too large");
	colon = strchr(line, ':');
	if (!colon || colon == line)
		return http_fail(p, 400, "malformed header field");
	for (char *c = line; c < colon; c++)
		if (!http_is_tchar((unsigned char)*c))
			return http_fail(p, 400, "invalid header field name");
	*colon = '\0';
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	if (strcasecmp(line, "content-length") == 0) {
		unsigned long long n = 0;

		if (*v == '\0')
			return http_fail(p, 400, "empty Content-Length");
		for (char *c = v; *c; c++) {
			if (*c < '0' || *c > '9')
				return http_fail(p, 400, "invalid Content-Length");
			if (n > (~0ULL - 9) / 10)
				return http_fail(p, 413, "Content-Length too large");
			n = n * 10 + (unsigned long long)(*c - '0');
		}
		if (p->msg.has_content_length && p->msg.content_length != n)
			return http_fail(p, 400, "conflicting Content-Length fields");
		if (n > SIZE_MAX)
			return http_fail(p, 413, "Content-Length too large");
		p->msg.has_content_length = true;
		p->msg.content_length = (size_t)n;
	} else if (strcasecmp(line, "transfer-encoding") == 0) {
		*te = true;
	} else if (strcasecmp(line, "connection") == 0) {
		if (http_list_has(v, "close"))
			p->msg.keep_alive = false;
		else if (http_list_has(v, "keep-alive"))
			p->msg.keep_alive = true;
	} else if (strcasecmp(line, "expect") == 0 && p->kind == HTTP_PARSE_REQUEST) {
		if (strcasecmp(v, "100-continue") != 0)
			return http_fail(p, 417, "only Expect: 100-continue is supported");
		*expect = true;
	} else if (strcasecmp(line, "content-type") == 0) {
		size_t n = strlen("application/json");

		p->msg.has_content_type_json =
			strncasecmp(v, "application/json", n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
	}
	return 0;
}

static int http_headers_done(struct http_parser *p, bool te, bool expect)
{
	struct http_message *m = &p->msg;

	if (te && m->has_content_length)
		return http_fail(p, 400, "both Transfer-Encoding and Content-Length");
	if (te)
		return http_fail(p, p->kind == HTTP_PARSE_REQUEST ? 411 : 400,
				 "Transfer-Encoding is not supported; send Content-Length");
	if (p->kind == HTTP_PARSE_RESPONSE && !m->has_content_length) {
		if ((m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304) {
			p->state = ST_DONE;
			return 0;
		}
		p->state = ST_BODY_CLOSE;
		return 0;
	}
	if (m->content_length > p->max_body)
		return http_fail(p, 413, "body too large");
	if (m->content_length == 0) {
		p->state = ST_DONE;
		return 0;
	}
	m->body = malloc(m->content_length + 1);
	if (!m->body) {
		p->state = ST_ERROR;
		p->error_status = 500;
		p->error_reason = "out of memory";
		return -ENOMEM;
	}
	m->body[0] = '\0';
	p->expect_continue = expect;
	p->state = ST_BODY;
	return 0;
}

/* A whole line (without its CR LF) is in p->line. */
static int http_line(struct http_parser *p, bool *te, bool *expect)
{
	char *line = p->line;
	size_t len = p->line_len;

	line[len] = '\0';
	if (!http_line_ok(line, len))
		return http_fail(p, 400, "control character in message header");
	if (p->state == ST_START) {
		if (len == 0) {
			/* RFC 9112 2.2: ignore empty lines before a request line. */
			if (p->kind == HTTP_PARSE_REQUEST && ++p->blank_lines <= HTTP_MAX_BLANK_LINES)
				return 0;
			return http_fail(p, 400, "empty start line");
		}
		p->state = ST_HEADERS;
		return p->kind == HTTP_PARSE_REQUEST ? http_request_line(p, line) : http_status_line(p, line);
	}
	if (len == 0)
		return http_headers_done(p, *te, *expect);
	return http_header_line(p, line, len, te, expect);
}

int http_parser_feed(struct http_parser *p, const char *data, size_t len, size_t *ret_used)
{
	size_t i = 0;
	int r;

	*ret_used = 0;
	if (p->state == ST_ERROR)
		return -EPROTO;
	if (p->state == ST_DONE)
		return HTTP_FEED_DONE;
	while (i < len) {
		struct http_message *m = &p->msg;
		char c;

		if (p->state == ST_BODY) {
			size_t n = MIN(len - i, m->content_length - p->body_got);

			memcpy(m->body + p->body_got, data + i, n);
			p->body_got += n;
			i += n;
			if (p->body_got == m->content_length) {
				m->body[p->body_got] = '\0';
				m->body_len = p->body_got;
				p->expect_continue = false;
				p->state = ST_DONE;
				*ret_used = i;
				return HTTP_FEED_DONE;
			}
			continue;
		}
		if (p->state == ST_BODY_CLOSE) {
			size_t n = len - i;
			char *nb;

			if (p->body_got + n > p->max_body) {
				*ret_used = i;
				return http_fail(p, 413, "body too large");
			}
			nb = realloc(m->body, p->body_got + n + 1);
			if (!nb) {
				*ret_used = i;
				return -ENOMEM;
			}
			m->body = nb;
			memcpy(m->body + p->body_got, data + i, n);
			p->body_got += n;
			m->body[p->body_got] = '\0';
			i = len;
			continue;
		}

		c = data[i++];
		if (c == '\n') {
			r = http_line(p, &p->hdr_te, &p->hdr_expect);
			p->line_len = 0;
			p->line_cr = false;
			if (r < 0) {
				*ret_used = i;
				return r;
			}
			if (p->state == ST_DONE) {
				*ret_used = i;
				return HTTP_FEED_DONE;
			}
			continue;
		}
		if (p->line_cr) {
			*ret_used = i;
			return http_fail(p, 400, "bare CR in message header");
		}
		if (c == '\r') {
			p->line_cr = true;
			continue;
		}
		if (p->line_len >= HTTP_MAX_LINE) {
			*ret_used = i;
			if (p->state == ST_START && p->kind == HTTP_PARSE_REQUEST)
				return http_fail(p, 414, "request line too long");
			return http_fail(p, 431, "header field too long");
		}
		p->line[p->line_len++] = c;
	}
	*ret_used = len;
	return HTTP_FEED_MORE;
}

int http_parser_finish(struct http_parser *p)
{
	if (p->state == ST_DONE)
		return HTTP_FEED_DONE;
	if (p->state == ST_BODY_CLOSE) {
		p->msg.body_len = p->body_got;
		p->state = ST_DONE;
		return HTTP_FEED_DONE;
	}
	if (p->state != ST_ERROR)
		http_fail(p, 400, "connection closed in the middle of a message");
	return -EPROTO;
}

int http_format_response(int status, const char *allow, const char *body, size_t body_len,
			 bool keep_alive, char **ret_buf, size_t *ret_len)
{
	char head[512];
	char *buf;
	int n;

	if (!body)
		body_len = 0;
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nServer: cnh\r\n%s%s%s%sContent-Length: %zu\r\n%s\r\n", status,
		     http_status_reason(status), allow ? "Allow: " : "", allow ? allow : "",
		     allow ? "\r\n" : "", body ? "Content-Type: application/json\r\n" : "", body_len,
		     keep_alive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	buf = malloc((size_t)n + body_len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, head, (size_t)n);
	if (body_len)
		memcpy(buf + n, body, body_len);
	buf[(size_t)n + body_len] = '\0';
	*ret_buf = buf;
	*ret_len = (size_t)n + body_len;
	return 0;
}

int http_format_request(const char *method, const char *path, const char *body, size_t body_len,
			char **ret_buf, size_t *ret_len)
{
	char *head = NULL, *buf;
	int n;

	if (!body)
		body_len = 0;
	if (body)
		n = asprintf(&head,
			     "%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			     method, path, body_len);
	else
		n = asprintf(&head, "%s %s HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\r\n",
			     method, path);
	if (n < 0)
		return -ENOMEM;
	buf = realloc(head, (size_t)n + body_len + 1);
	if (!buf) {
		free(head);
		return -ENOMEM;
	}
	if (body_len)
		memcpy(buf + n, body, body_len);
	buf[(size_t)n + body_len] = '\0';
	*ret_buf = buf;
	*ret_len = (size_t)n + body_len;
	return 0;
}
