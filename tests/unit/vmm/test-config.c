/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/config.h"

static char err[256];

#define PARSE(ret_cfg, ret_act, ...)                                                      \
	({                                                                                \
		char *argv_[] = { "cnh", __VA_ARGS__, NULL };                             \
		err[0] = '\0';                                                            \
		config_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, ret_cfg, \
			     ret_act, err, sizeof(err));                                  \
	})

Test(config, defaults)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--kernel", "k"), 0, "%s", err);
	cr_assert_eq(a, CONFIG_RUN);
	cr_assert_str_eq(c.kernel, "k");
	cr_assert_eq(c.cpus_boot, 1);
	cr_assert_eq(c.mem_size, CONFIG_DEFAULT_MEMORY);
	cr_assert_null(c.initramfs);
	cr_assert_eq(c.serial.mode, CONSOLE_TTY);
}

Test(config, full)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--initramfs", "i", "--cmdline", "console=ttyS0",
			   "--cpus", "boot=4", "--memory", "size=2G,hugepages=on", "--serial", "off",
			   "-v"),
		     0, "%s", err);
	cr_assert_str_eq(c.initramfs, "i");
	cr_assert_str_eq(c.cmdline, "console=ttyS0");
	cr_assert_eq(c.cpus_boot, 4);
	cr_assert_eq(c.mem_size, 2ULL << 30);
	cr_assert(c.hugepages);
	cr_assert_eq(c.serial.mode, CONSOLE_OFF);
	cr_assert_eq(c.log_level, LOG_LVL_DEBUG);
}

Test(config, help_and_version)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--help"), 0);
	cr_assert_eq(a, CONFIG_HELP);
	cr_assert_eq(PARSE(&c, &a, "-V"), 0);
	cr_assert_eq(a, CONFIG_VERSION);
	cr_assert_not_null(strstr(config_usage(), "--memory size=SIZE"));
}

static void expect_error(const char *needle, int argc, char **argv)
{
	struct vm_config c;
	enum config_result a;

	err[0] = '\0';
	cr_assert_eq(config_parse(argc, argv, &c, &a, err, sizeof(err)), -EINVAL, "accepted: %s", argv[1]);
	cr_assert_not_null(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

#define EXPECT_ERROR(needle, ...)                                                   \
	do {                                                                        \
		char *argv_[] = { "cnh", __VA_ARGS__, NULL };                       \
		expect_error(needle, (int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_); \
	} while (0)

Test(config, errors)
{
	EXPECT_ERROR("unknown option '--nope'", "--nope");
	EXPECT_ERROR("--kernel is required", "--cpus", "boot=2");
	EXPECT_ERROR("needs a value", "--kernel");
	EXPECT_ERROR("--memory: bad size 'x'", "--kernel", "k", "--memory", "size=x");
	EXPECT_ERROR("--memory: bad size", "--kernel", "k", "--memory", "size=99999999999T");
	EXPECT_ERROR("at least", "--kernel", "k", "--memory", "size=1M");
	EXPECT_ERROR("multiple of 1 MiB", "--kernel", "k", "--memory", "size=1048577K");
	EXPECT_ERROR("unknown parameter 'foo'", "--kernel", "k", "--memory", "size=1G,foo=1");
	EXPECT_ERROR("hugepages must be on or off", "--kernel", "k", "--memory", "hugepages=maybe");
	EXPECT_ERROR("multiple of 2 MiB", "--kernel", "k", "--memory", "size=17M,hugepages=on");
	EXPECT_ERROR("--cpus: boot must be", "--kernel", "k", "--cpus", "boot=0");
	EXPECT_ERROR("--cpus: boot must be", "--kernel", "k", "--cpus", "boot=255");
	EXPECT_ERROR("--cpus: boot must be", "--kernel", "k", "--cpus", "boot=two");
	EXPECT_ERROR("unknown parameter 'max'", "--kernel", "k", "--cpus", "boot=1,max=2");
	EXPECT_ERROR("--log-level", "--kernel", "k", "--log-level", "loud");
	EXPECT_ERROR("unexpected argument 'extra'", "--kernel", "k", "extra");
}
