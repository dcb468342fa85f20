/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API's HTTP/1.1 parser on a hostile stream, fed in chunks whose sizes
 * come from the input, in request mode (the server) and response mode
 * (cnh-remote).
 */
#include "ipc/http.h"
#include "tests/fuzz/fuzz.h"

static void feed(enum http_parser_kind kind, const uint8_t *data, size_t size, unsigned int step)
{
	struct http_parser p;
	size_t off = 0;

	http_parser_init(&p, kind, 4096);
	while (off < size) {
		size_t n = MIN(size - off, (size_t)step), used = 0;
		int r = http_parser_feed(&p, (const char *)data + off, n, &used);

		if (r < 0 || used > n)
			break;
		off += used;
		if (r == HTTP_FEED_DONE)
			http_parser_reset(&p);
		else if (used == 0)
			break;
		if (http_parser_wants_continue(&p))
			http_parser_continue_sent(&p);
	}
	if (kind == HTTP_PARSE_RESPONSE)
		fuzz_ignore(http_parser_finish(&p));
	http_parser_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int step;

	if (size < 1)
		return 0;
	step = data[0] ? data[0] : 1;
	feed(HTTP_PARSE_REQUEST, data + 1, size - 1, step);
	feed(HTTP_PARSE_RESPONSE, data + 1, size - 1, step);
	feed(HTTP_PARSE_REQUEST, data + 1, size - 1, 1 << 16);
	return 0;
}
