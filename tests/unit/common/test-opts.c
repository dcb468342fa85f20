/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common/opts.h"

Test(opts, split_and_get)
{
	struct opts o;
	uint64_t v;
	bool b;

	cr_assert_eq(opts_parse("size=512M,hugepages=on,flag", &o), 0);
	cr_assert_eq(o.n, 3);
	cr_assert_eq(opts_get_size(&o, "size", &v), 0);
	cr_assert_eq(v, 512ULL << 20);
	cr_assert_eq(opts_get_bool(&o, "hugepages", &b), 0);
	cr_assert(b);
	cr_assert_str_eq(opts_unused(&o), "flag");
	cr_assert_str_eq(opts_get(&o, "flag"), "");
	cr_assert_null(opts_unused(&o));
	cr_assert_eq(opts_get_u64(&o, "absent", &v), -ENOENT);
	cr_assert_eq(v, 512ULL << 20, "absent key must not touch the output");
	opts_fini(&o);
}

Test(opts, rejects)
{
	struct opts o;

	cr_assert_eq(opts_parse("a=1,a=2", &o), -EINVAL, "duplicate key");
	cr_assert_eq(opts_parse("=1", &o), -EINVAL, "empty key");
	cr_assert_eq(opts_parse(NULL, &o), -EINVAL);
	{
		char many[OPTS_MAX_KEYS * 8 + 16] = "";
		for (int i = 0; i <= OPTS_MAX_KEYS; i++)
			sprintf(many + strlen(many), "k%d=1,", i);
		cr_assert_eq(opts_parse(many, &o), -EINVAL, "too many keys");
	}
}

Test(opts, sizes)
{
	uint64_t v;

	cr_assert_eq(parse_size("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_eq(parse_size("2G", &v), 0);
	cr_assert_eq(v, 2ULL << 30);
	cr_assert_eq(parse_size("1GiB", &v), 0);
	cr_assert_eq(v, 1ULL << 30);
	cr_assert_eq(parse_size("3k", &v), 0);
	cr_assert_eq(v, 3072);
	cr_assert_eq(parse_size("1T", &v), 0);
	cr_assert_eq(v, 1ULL << 40);
	cr_assert_eq(parse_size("", &v), -EINVAL);
	cr_assert_eq(parse_size("-1M", &v), -EINVAL);
	cr_assert_eq(parse_size("12Q", &v), -EINVAL);
	cr_assert_eq(parse_size("1Mx", &v), -EINVAL);
	cr_assert_eq(parse_size("17179869184G", &v), -ERANGE);
	cr_assert_eq(parse_size("99999999999999999999999", &v), -ERANGE);
}

Test(opts, bools_and_numbers)
{
	bool b = false;
	uint64_t v;

	cr_assert_eq(parse_bool("true", &b), 0);
	cr_assert(b);
	cr_assert_eq(parse_bool("off", &b), 0);
	cr_assert(!b);
	cr_assert_eq(parse_bool("maybe", &b), -EINVAL);
	cr_assert_eq(parse_u64("0x10", &v), 0);
	cr_assert_eq(v, 16);
	cr_assert_eq(parse_u64("10a", &v), -EINVAL);
	cr_assert_eq(parse_u64(" 1", &v), -EINVAL);
}
