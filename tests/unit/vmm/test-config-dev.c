/* SPDX-License-Identifier: Apache-2.0 */
/* --net, --fs, --pmem, --vsock, --rng, --console and their errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/config.h"

static char err[256];

static int parse(struct vm_config *cfg, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[8] = { "cnh", "--kernel", "/k" };
	enum config_result act;
	int n = 3;

	if (a1)
		argv[n++] = (char *)a1;
	if (a2)
		argv[n++] = (char *)a2;
	if (a3)
		argv[n++] = (char *)a3;
	if (a4)
		argv[n++] = (char *)a4;
	err[0] = '\0';
	return config_parse(n, argv, cfg, &act, err, sizeof(err));
}

static void bad(const char *opt, const char *val, const char *want)
{
	struct vm_config cfg;

	cr_assert_eq(parse(&cfg, opt, val, NULL, NULL), -EINVAL, "%s %s accepted", opt, val);
	cr_assert_not_null(strstr(err, want), "%s %s: got '%s', want '%s'", opt, val, err, want);
}

Test(config_dev, net)
{
	struct vm_config cfg;

	cr_assert_eq(parse(&cfg, "--net", "tap=tap0,mac=52:54:00:ab:cd:ef,ip=10.0.0.1,mtu=9000,num_queues=4", NULL, NULL), 0, "%s", err);
	cr_assert_eq(cfg.nnets, 1);
	cr_assert_str_eq(cfg.nets[0].tap, "tap0");
	cr_assert_str_eq(cfg.nets[0].id, "net0");
	cr_assert(cfg.nets[0].has_mac);
	cr_assert_eq(cfg.nets[0].mac[5], 0xef);
	cr_assert_str_eq(cfg.nets[0].mask, "255.255.255.0");
	cr_assert_eq(cfg.nets[0].mtu, 9000);
	cr_assert_eq(cfg.nets[0].num_queues, 4);
	cr_assert_eq(cfg.nets[0].queue_size, 256);
	config_fini(&cfg);
	cr_assert_eq(parse(&cfg, "--net", "vhost_user=true,socket=/s,num_queues=2", NULL, NULL), 0, "%s", err);
	cr_assert(cfg.nets[0].vhost_user);
	cr_assert_str_eq(cfg.nets[0].socket, "/s");
	config_fini(&cfg);
	bad("--net", "tap=t,num_queues=3", "must be even");
	bad("--net", "tap=t,mac=01:00:00:00:00:00", "unicast");
	bad("--net", "tap=t,mac=52:54:00:zz:00:00", "mac must");
	bad("--net", "tap=t,ip=1.2.3", "ip must");
	bad("--net", "tap=t,mask=255.0.0.0", "mask= needs ip");
	bad("--net", "tap=0123456789abcdef", "tap must");
	bad("--net", "mac=52:54:00:00:00:01", "tap=NAME or vhost_user");
	bad("--net", "vhost_user=true", "needs socket");
	bad("--net", "vhost_user=true,socket=/s,tap=t", "apply to tap=");
	bad("--net", "tap=t,socket=/s", "needs vhost_user");
	bad("--net", "tap=t,queue_size=100", "power of two");
	bad("--net", "tap=t,queue_size=2048", "at most 1024");
	bad("--net", "tap=t,bogus=1", "unknown parameter 'bogus'");
}

Test(config_dev, fs_pmem_vsock)
{
	struct vm_config cfg;

	cr_assert_eq(parse(&cfg, "--fs", "tag=t,path=/srv,cache=never", NULL, NULL), -EINVAL);
	cr_assert_eq(parse(&cfg, "--fs", "tag=t,path=/srv,cache=auto,sandbox=chroot", "--pmem",
			   "file=/p,size=4M,discard_writes=on"),
		     0, "%s", err);
	cr_assert_str_eq(cfg.fs[0].path, "/srv");
	cr_assert_str_eq(cfg.fs[0].cache, "auto");
	cr_assert_eq(cfg.fs[0].num_queues, 1);
	cr_assert_eq(cfg.fs[0].queue_size, 1024);
	cr_assert_eq(cfg.pmem[0].size, MiB(4));
	cr_assert(cfg.pmem[0].discard_writes);
	config_fini(&cfg);
	cr_assert_eq(parse(&cfg, "--vsock", "cid=3,socket=/v", "--fs", "tag=t,socket=/f,num_queues=2"), 0, "%s", err);
	cr_assert(cfg.has_vsock);
	cr_assert_eq(cfg.vsock.cid, 3);
	cr_assert_str_eq(cfg.fs[0].socket, "/f");
	config_fini(&cfg);
	bad("--fs", "tag=0123456789012345678901234567890123456,socket=/s", "tag must be");
	bad("--fs", "socket=/s", "tag=TAG is required");
	bad("--fs", "tag=t", "exactly one of");
	bad("--fs", "tag=t,socket=/s,path=/d", "exactly one of");
	bad("--fs", "tag=t,socket=/s,cache=auto", "apply to path=");
	bad("--pmem", "size=2M", "file=PATH is required");
	bad("--pmem", "file=/p,size=3M", "multiple of 2 MiB");
	bad("--pmem", "file=/p,size=64G", "at most 32 GiB");
	bad("--vsock", "cid=2,socket=/v", "cid must be");
	bad("--vsock", "socket=/v", "cid=N is required");
	bad("--vsock", "cid=3", "socket=PATH is required");
	cr_assert_eq(parse(&cfg, "--vsock", "cid=3,socket=/v", "--vsock", "cid=4,socket=/w"), -EINVAL);
	cr_assert_not_null(strstr(err, "at most one"), "%s", err);
	cr_assert_eq(parse(&cfg, "--net", "tap=a,id=x", "--pmem", "file=/p,id=x"), -EINVAL);
	cr_assert_not_null(strstr(err, "used twice"), "%s", err);
}

Test(config_dev, rng_console)
{
	struct vm_config cfg;

	cr_assert_eq(parse(&cfg, "--rng", NULL, NULL, NULL), 0, "%s", err);
	cr_assert(cfg.has_rng);
	cr_assert_null(cfg.rng.src);
	cr_assert_eq(cfg.console.mode, CONSOLE_OFF);
	config_fini(&cfg);
	cr_assert_eq(parse(&cfg, "--rng", "src=/dev/urandom", "--console", "pty"), 0, "%s", err);
	cr_assert_str_eq(cfg.rng.src, "/dev/urandom");
	cr_assert_eq(cfg.console.mode, CONSOLE_PTY);
	config_fini(&cfg);
	cr_assert_eq(parse(&cfg, "--rng=vhost_user=true,socket=/r", NULL, NULL, NULL), 0, "%s", err);
	cr_assert(cfg.rng.vhost_user);
	config_fini(&cfg);
	bad("--rng", "vhost_user=true", "needs socket");
	bad("--rng", "bogus=1", "unknown parameter");
	bad("--console", "tty", "cannot both be tty");
	bad("--console", "wat", "--console:");
	cr_assert_eq(parse(&cfg, "--serial", "off", "--console", "file=/tmp/x"), 0, "%s", err);
	cr_assert_eq(cfg.console.mode, CONSOLE_FILE);
	cr_assert_str_eq(cfg.console.path, "/tmp/x");
	config_fini(&cfg);
}
