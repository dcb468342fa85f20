/* SPDX-License-Identifier: Apache-2.0 */
#include "common/opts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int opts_parse(const char *s, struct opts *ret)
{
	struct opts o = { 0 };
	char *p, *tok, *save = NULL;

	if (!s || strlen(s) >= OPTS_MAX_LEN)
		return -EINVAL;
	o.buf = strdup(s);
	if (!o.buf)
		return -ENOMEM;
	p = o.buf;
	while ((tok = strtok_r(p, ",", &save))) {
		char *eq = strchr(tok, '=');

		p = NULL;
		if (o.n == OPTS_MAX_KEYS)
			goto bad;
		if (eq)
			*eq = '\0';
		if (*tok == '\0')
			goto bad;
		for (unsigned int i = 0; i < o.n; i++)
			if (strcmp(o.kv[i].key, tok) == 0)
				goto bad;
		o.kv[o.n].key = tok;
		o.kv[o.n].value = eq ? eq + 1 : "";
		o.n++;
	}
	*ret = o;
	return 0;
bad:
	free(o.buf);
	return -EINVAL;
}

void opts_fini(struct opts *o)
{
	if (!o)
		return;
	free(o->buf);
	o->buf = NULL;
	o->n = 0;
}

const char *opts_get(struct opts *o, const char *key)
{
	for (unsigned int i = 0; i < o->n; i++) {
		if (strcmp(o->kv[i].key, key) == 0) {
			o->kv[i].used = true;
			return o->kv[i].value;
		}
	}
	return NULL;
}

const char *opts_unused(const struct opts *o)
{
	for (unsigned int i = 0; i < o->n; i++)
		if (!o->kv[i].used)
			return o->kv[i].key;
	return NULL;
}

int parse_u64(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_size(const char *s, uint64_t *ret)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	default:
		return -EINVAL;
	}
	/* Accept an optional "iB"/"B" suffix: 512MiB, 2GB. */
	if (shift && (*end == 'i' || *end == 'I'))
		end++;
	if (shift && (*end == 'b' || *end == 'B'))
		end++;
	if (*end != '\0')
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t)v << shift;
	return 0;
}

int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "on", "true", "yes", "1" };
	static const char *const no[] = { "off", "false", "no", "0" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int opts_get_size(struct opts *o, const char *key, uint64_t *ret)
{
	const char *v = opts_get(o, key);

	return v ? parse_size(v, ret) : -ENOENT;
}

int opts_get_bool(struct opts *o, const char *key, bool *ret)
{
	const char *v = opts_get(o, key);

	return v ? parse_bool(v, ret) : -ENOENT;
}

int opts_get_u64(struct opts *o, const char *key, uint64_t *ret)
{
	const char *v = opts_get(o, key);

	return v ? parse_u64(v, ret) : -ENOENT;
}
