/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "key=value,key=value" option strings, as Cloud Hypervisor's command line
 * uses them (--memory size=512M,hugepages=on). Parsers are pure functions.
 */
#ifndef CNH_COMMON_OPTS_H
#define CNH_COMMON_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/util.h"

#define OPTS_MAX_KEYS 32
#define OPTS_MAX_LEN 4096

struct opt_kv {
	const char *key;
	const char *value; /* "" when the key had no '=' */
	bool used;         /* set by opts_get* so that leftovers can be reported */
};

struct opts {
	char *buf; /* owned copy of the input, split in place */
	unsigned int n;
	struct opt_kv kv[OPTS_MAX_KEYS];
};

/*
 * Split s into key/value pairs. Duplicate keys, empty keys and more than
 * OPTS_MAX_KEYS pairs are -EINVAL. On success free with opts_fini().
 */
int opts_parse(const char *s, struct opts *ret) __must_check;
void opts_fini(struct opts *o);

/* Value of key or NULL; marks the key as used. */
const char *opts_get(struct opts *o, const char *key);
/* First key not read by opts_get*, or NULL when every key was used. */
const char *opts_unused(const struct opts *o);

/* Typed getters: 0 when present and valid, -ENOENT when absent (ret untouched), -EINVAL when bad. */
int opts_get_size(struct opts *o, const char *key, uint64_t *ret) __must_check;
int opts_get_bool(struct opts *o, const char *key, bool *ret) __must_check;
int opts_get_u64(struct opts *o, const char *key, uint64_t *ret) __must_check;

/* "4096", "512K", "512M", "2G", "1T" (binary units). Overflow is -ERANGE. */
int parse_size(const char *s, uint64_t *ret) __must_check;
/* "on|off|true|false|yes|no|1|0". */
int parse_bool(const char *s, bool *ret) __must_check;
/* Decimal or 0x-prefixed hexadecimal, whole string. */
int parse_u64(const char *s, uint64_t *ret) __must_check;

#endif
