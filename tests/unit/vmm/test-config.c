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

Test(config, disks)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--disk", "path=/img/a.raw",
			   "--disk", "path=b.raw,readonly=on,direct=on,num_queues=4,queue_size=256,id=data",
			   "--disk", "vhost_user=true,socket=/run/vub.sock,num_queues=2"),
		     0, "%s", err);
	cr_assert_eq(c.ndisks, 3);
	cr_assert_str_eq(c.disks[0].path, "/img/a.raw");
	cr_assert_str_eq(c.disks[0].id, "disk0");
	cr_assert_not(c.disks[0].vhost_user);
	cr_assert_not(c.disks[0].readonly);
	cr_assert_eq(c.disks[0].num_queues, 1, "Cloud Hypervisor's default");
	cr_assert_eq(c.disks[0].queue_size, 128, "Cloud Hypervisor's default");
	cr_assert_str_eq(c.disks[1].id, "data");
	cr_assert(c.disks[1].readonly);
	cr_assert(c.disks[1].direct);
	cr_assert_eq(c.disks[1].num_queues, 4);
	cr_assert_eq(c.disks[1].queue_size, 256);
	cr_assert(c.disks[2].vhost_user);
	cr_assert_null(c.disks[2].path);
	cr_assert_str_eq(c.disks[2].socket, "/run/vub.sock");
	cr_assert_str_eq(c.disks[2].id, "disk2");
	cr_assert_eq(c.disks[2].num_queues, 2);
	config_fini(&c);
	cr_assert_eq(c.ndisks, 0);
	cr_assert_not_null(strstr(config_usage(), "--disk path=FILE"));
	cr_assert_not_null(strstr(config_usage(), "vhost_user=true,socket=PATH"));
}

Test(config, disk_limit)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--disk", "path=0", "--disk", "path=1", "--disk", "path=2",
			   "--disk", "path=3", "--disk", "path=4", "--disk", "path=5", "--disk", "path=6",
			   "--disk", "path=7"),
		     0, "%s", err);
	cr_assert_eq(c.ndisks, CONFIG_MAX_DISKS);
	cr_assert_str_eq(c.disks[7].path, "7");
	config_fini(&c);
	/* The ninth fails; the eight already parsed are freed (ASan checks). */
	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--disk", "path=0", "--disk", "path=1", "--disk", "path=2",
			   "--disk", "path=3", "--disk", "path=4", "--disk", "path=5", "--disk", "path=6",
			   "--disk", "path=7", "--disk", "path=8"),
		     -EINVAL);
	cr_assert_not_null(strstr(err, "at most 8 disks"), "%s", err);
}

Test(config, disk_errors)
{
	EXPECT_ERROR("--disk: unknown parameter 'size'", "--kernel", "k", "--disk", "path=a,size=1G");
	EXPECT_ERROR("exclude each other", "--kernel", "k", "--disk", "path=a,vhost_user=true,socket=s");
	EXPECT_ERROR("vhost_user=true needs socket=PATH", "--kernel", "k", "--disk", "vhost_user=true");
	EXPECT_ERROR("vhost_user=true needs socket=PATH", "--kernel", "k", "--disk", "vhost_user=on,socket=");
	EXPECT_ERROR("socket= needs vhost_user=true", "--kernel", "k", "--disk", "socket=/s");
	EXPECT_ERROR("path=FILE or vhost_user=true", "--kernel", "k", "--disk", "readonly=on");
	EXPECT_ERROR("path=FILE or vhost_user=true", "--kernel", "k", "--disk", "path=");
	EXPECT_ERROR("num_queues must be 1..16, got '0'", "--kernel", "k", "--disk", "path=a,num_queues=0");
	EXPECT_ERROR("num_queues must be 1..16, got '17'", "--kernel", "k", "--disk", "path=a,num_queues=17");
	EXPECT_ERROR("num_queues must be 1..16", "--kernel", "k", "--disk", "path=a,num_queues=x");
	EXPECT_ERROR("queue_size must be a power of two", "--kernel", "k", "--disk", "path=a,queue_size=100");
	EXPECT_ERROR("queue_size must be a power of two", "--kernel", "k", "--disk", "path=a,queue_size=2048");
	EXPECT_ERROR("queue_size must be a power of two", "--kernel", "k", "--disk", "path=a,queue_size=0");
	EXPECT_ERROR("readonly must be on or off", "--kernel", "k", "--disk", "path=a,readonly=maybe");
	EXPECT_ERROR("readonly and direct apply to path=", "--kernel", "k", "--disk",
		     "vhost_user=true,socket=s,readonly=on");
	EXPECT_ERROR("--disk: id must be", "--kernel", "k", "--disk", "path=a,id=a/b");
	EXPECT_ERROR("id 'x' is used twice", "--kernel", "k", "--disk", "path=a,id=x", "--disk", "path=b,id=x");
	EXPECT_ERROR("id 'disk1' is used twice", "--kernel", "k", "--disk", "path=a,id=disk1", "--disk", "path=b");
	EXPECT_ERROR("needs a value", "--kernel", "k", "--disk");
	/* A later error frees the disks parsed so far (ASan checks). */
	EXPECT_ERROR("--kernel is required", "--disk", "path=a");
}

/* --sandbox-level: what the spawned daemons are told (test-daemon.c checks their argv). */
Test(config, sandbox_level)
{
	struct vm_config c;
	enum config_result a;

	cr_assert_eq(PARSE(&c, &a, "--kernel", "k"), 0, "%s", err);
	cr_assert_eq(c.sandbox_level, CONFIG_SANDBOX_BASIC);
	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--sandbox-level", "none"), 0, "%s", err);
	cr_assert_eq(c.sandbox_level, CONFIG_SANDBOX_NONE);
	cr_assert_str_eq(config_sandbox_level_name(c.sandbox_level), "none");
	cr_assert_eq(PARSE(&c, &a, "--kernel", "k", "--sandbox-level", "none", "--sandbox-level", "basic"), 0,
		     "%s", err);
	cr_assert_eq(c.sandbox_level, CONFIG_SANDBOX_BASIC);
	cr_assert_str_eq(config_sandbox_level_name(c.sandbox_level), "basic");
	EXPECT_ERROR("--sandbox-level: expected basic or none, not 'full'", "--kernel", "k", "--sandbox-level",
		     "full");
	EXPECT_ERROR("needs a value", "--kernel", "k", "--sandbox-level");
	cr_assert_not_null(strstr(config_usage(), "--sandbox-level basic|none"));
}
