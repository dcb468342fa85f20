/* SPDX-License-Identifier: Apache-2.0 */
/* Daemon spawning/supervision and the device set built from --disk. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "fake_backend.h"
#include "spawn_util.h"
#include "vmm/config_api.h"
#include "vmm/daemon.h"
#include "vmm/vhost_user/devices.h"

static char dir[64];

static void make_dir(void)
{
	su_make_dir(dir, sizeof(dir), "cnh-daemon-test");
}

static void remove_dir(void)
{
	su_remove_dir(dir);
}

static void write_script(const char *name, const char *body, mode_t mode)
{
	char text[PATH_MAX * 2 + 16];

	snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	su_write_file(dir, name, text, mode);
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

static bool gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

Test(daemon, find)
{
	char buf[PATH_MAX], expect[PATH_MAX], path[PATH_MAX * 2];
	const char *old_path = getenv("PATH");

	make_dir();
	write_script("cnh-blk", "exit 0", 0755);
	write_script("cnh-noexec", "exit 0", 0644);
	setenv("CNH_DAEMON_DIR", dir, 1);
	cr_assert_eq(daemon_find("cnh-blk", buf, sizeof(buf)), 0);
	snprintf(expect, sizeof(expect), "%s/cnh-blk", dir);
	cr_assert_str_eq(buf, expect);
	cr_assert_eq(daemon_find("cnh-noexec", buf, sizeof(buf)), -ENOENT, "not executable");
	cr_assert_eq(daemon_find("cnh-net", buf, sizeof(buf)), -ENOENT, "the override is exclusive");
	cr_assert_eq(daemon_find("../cnh-blk", buf, sizeof(buf)), -EINVAL);
	unsetenv("CNH_DAEMON_DIR");

	/* PATH last (no cnh-pathtest next to the test binary or in the build tree). */
	write_script("cnh-pathtest", "exit 0", 0755);
	snprintf(path, sizeof(path), "/nonexistent:%s", dir);
	setenv("PATH", path, 1);
	cr_assert_eq(daemon_find("cnh-pathtest", buf, sizeof(buf)), 0);
	snprintf(expect, sizeof(expect), "%s/cnh-pathtest", dir);
	cr_assert_str_eq(buf, expect);
	cr_assert_eq(daemon_find("cnh-none", buf, sizeof(buf)), -ENOENT);
	setenv("PATH", old_path, 1);
	remove_dir();
}

/* The daemon gets fd 3 (the socket) and stdio only, an empty signal mask and its argv. */
Test(daemon, child_environment)
{
	static const char prog[] =
		SU_PROBE_PY
		"os.write(3, ('%s|%s|%s' % (','.join(map(str,fds)), blk, ' '.join(sys.argv[1:]))).encode())\n";
	char *argv[] = { "python3", "-c", (char *)prog, "--fd", "3", "--x", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d;
	char buf[512] = "", exe[PATH_MAX];
	sigset_t block, old;
	ssize_t n;
	int fd, leak;

	if (daemon_find("python3", exe, sizeof(exe)) < 0)
		cr_skip_test("python3 not in PATH");
	/* A parent fd without CLOEXEC and a blocked signal must not reach the daemon. */
	leak = open("/dev/null", O_RDONLY);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &old);
	cr_assert_eq(daemon_spawn(loop, exe, argv, "t0", NULL, NULL, &fd, &d), 0);
	sigprocmask(SIG_SETMASK, &old, NULL);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	n = read(fd, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	cr_assert_str_eq(buf, "0,1,2,3,4|0000000000000000|--fd 3 --x", "daemon saw '%s'", buf);
	close(fd);
	close(leak);
	daemon_free(d);
}

/* The counters channel: one byte asks, one line answers; a silent daemon times out. */
Test(daemon, query_stats)
{
	static const char prog[] =
		"import os\n"
		"n = 0\n"
		"while True:\n"
		"    b = os.read(4, 64)\n"
		"    if not b:\n"
		"        break\n"
		"    n += 1\n"
		"    if n == 3:\n"
		"        continue\n"
		"    os.write(4, ('{\"queries\": %d}\\n' % n).encode())\n";
	char *argv[] = { "python3", "-c", (char *)prog, NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct daemon *d;
	char line[DAEMON_STATS_MAX], exe[PATH_MAX];
	int fd;

	if (daemon_find("python3", exe, sizeof(exe)) < 0)
		cr_skip_test("python3 not in PATH");
	cr_assert_eq(daemon_spawn(loop, exe, argv, "t5", NULL, NULL, &fd, &d), 0);
	cr_assert_eq(daemon_query_stats(d, 5000, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "{\"queries\": 1}");
	cr_assert_eq(daemon_query_stats(d, 5000, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "{\"queries\": 2}");
	cr_assert_eq(daemon_query_stats(d, 200, line, sizeof(line)), -ETIMEDOUT);
	cr_assert_eq(daemon_query_stats(d, 5000, line, sizeof(line)), 0);
	cr_assert_str_eq(line, "{\"queries\": 4}");
	cr_assert_eq(daemon_query_stats(d, 5000, line, 4), -EMSGSIZE);
	close(fd);
	daemon_free(d);
}

Test(daemon, terminate_and_reap)
{
	char *argv[] = { "sleep", "100", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct timespec t;
	struct daemon *d;
	char exe[PATH_MAX];
	pid_t pid;
	int fd;

	cr_assert_eq(daemon_find("sleep", exe, sizeof(exe)), 0);
	cr_assert_eq(daemon_spawn(loop, exe, argv, "t1", NULL, NULL, &fd, &d), 0);
	pid = daemon_pid(d);
	cr_assert(daemon_running(d));
	clock_gettime(CLOCK_MONOTONIC, &t);
	daemon_free(d);
	cr_assert_lt(ms_since(&t), DAEMON_GRACE_MS, "SIGTERM was enough");
	cr_assert(gone(pid), "pid %d left over", (int)pid);
	close(fd);
}

Test(daemon, sigkill_after_grace)
{
	char *argv[] = { "sh", "-c", "trap '' TERM; exec sleep 100", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct timespec t;
	struct daemon *d;
	pid_t pid;
	int fd;

	log_set_level(LOG_LVL_ERROR);
	cr_assert_eq(daemon_spawn(loop, "/bin/sh", argv, "t2", NULL, NULL, &fd, &d), 0);
	pid = daemon_pid(d);
	nanosleep(&(struct timespec){ .tv_nsec = 200 * 1000 * 1000 }, NULL); /* let the trap be set */
	clock_gettime(CLOCK_MONOTONIC, &t);
	daemon_free(d);
	cr_assert_geq(ms_since(&t), DAEMON_GRACE_MS - 50);
	cr_assert(gone(pid), "pid %d left over", (int)pid);
	close(fd);
}

Test(daemon, exit_watched_on_loop)
{
	char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct ev_loop *loop = ev_default_loop(0);
	struct su_exit_record rec = { 0 };
	struct daemon *d;
	int fd;

	log_set_level(LOG_LVL_ERROR);
	cr_assert_eq(daemon_spawn(loop, "/bin/sh", argv, "t3", su_on_exit, &rec, &fd, &d), 0);
	su_run_for(loop, 5.0);
	cr_assert_eq(rec.calls, 1, "no exit callback");
	cr_assert(WIFEXITED(rec.status) && WEXITSTATUS(rec.status) == 3);
	cr_assert_not(daemon_running(d));
	daemon_free(d);
	close(fd);
}

Test(devices, spawn_failure_cleans_up)
{
	char args[PATH_MAX], body[PATH_MAX * 2], line[512] = "";
	struct vm_config cfg = { 0 };
	struct vhost_user_set *set = NULL;
	char err[256] = "";
	FILE *f;

	log_set_level(LOG_LVL_ERROR);
	make_dir();
	snprintf(args, sizeof(args), "%s/args", dir);
	/* A cnh-blk that records its command line and exits without a handshake. */
	snprintf(body, sizeof(body), "echo \"$*\" > %s", args);
	write_script("cnh-blk", body, 0755);
	setenv("CNH_DAEMON_DIR", dir, 1);
	cfg.ndisks = 1;
	cfg.disks[0] = (struct disk_config){
		.id = "disk0", .path = "/x.img", .readonly = true, .num_queues = 2, .queue_size = 64,
	};
	cr_assert_lt(vhost_user_devices_create(&cfg, ev_default_loop(0), NULL, &set, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "disk0"), "%s", err);
	f = fopen(args, "r");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_str_eq(line, "--fd 3 --stats-fd 4 --seccomp false --sandbox-level basic --path /x.img --readonly --num-queues 2 --queue-size 64\n");
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
	cr_assert_eq(errno, ECHILD);

	/* No executable at all: a clear error. */
	unlink(args);
	snprintf(args, sizeof(args), "%s/cnh-blk", dir);
	unlink(args);
	cr_assert_eq(vhost_user_devices_create(&cfg, ev_default_loop(0), NULL, &set, err, sizeof(err)), -ENOENT);
	cr_assert_not_null(strstr(err, "cannot find cnh-blk"), "%s", err);
	unsetenv("CNH_DAEMON_DIR");
	remove_dir();
}

static void *accept_thread(void *arg)
{
	struct fake_backend *fb = arg;
	int lfd = fb->sock;
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	close(lfd);
	if (c >= 0)
		fake_start(fb, c);
	return NULL;
}

Test(devices, external_backend)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vm_config cfg = { 0 };
	struct vhost_user_set *set = NULL;
	struct fake_backend fb;
	pthread_t t;
	char err[256] = "";
	uint64_t cap = 0;
	int lfd;

	make_dir();
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vub.sock", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(lfd, 1), 0);
	fake_init(&fb);
	fb.config[0] = 8; /* capacity */
	fb.sock = lfd;
	cr_assert_eq(pthread_create(&t, NULL, accept_thread, &fb), 0);
	cfg.ndisks = 1;
	cfg.disks[0] = (struct disk_config){
		.id = "ext", .socket = sa.sun_path, .vhost_user = true, .num_queues = 1, .queue_size = 128,
	};
	cr_assert_eq(vhost_user_devices_create(&cfg, ev_default_loop(0), NULL, &set, err, sizeof(err)), 0, "%s", err);
	pthread_join(t, NULL);
	cr_assert_eq(set->ndevs, 1);
	cr_assert_eq(set->devs[0]->device_id, 2);
	cr_assert_str_eq(set->devs[0]->name, "ext");
	cr_assert_eq(set->devs[0]->queue_max_size, 128);
	set->devs[0]->ops->config_read(set->devs[0], 0, &cap, sizeof(cap));
	cr_assert_eq(cap, 8);
	vhost_user_devices_free(set);
	fake_join(&fb);
	cr_assert_gt(fb.n, 0);

	/* Nothing listening: a clear error naming the socket. */
	unlink(sa.sun_path);
	cr_assert_lt(vhost_user_devices_create(&cfg, ev_default_loop(0), NULL, &set, err, sizeof(err)), 0);
	cr_assert_not_null(strstr(err, "vub.sock"), "%s", err);
	remove_dir();
}

/* Each daemon's exact command line (a fake daemon records it and exits). */
static void expect_argv(const char *prog, struct vm_config *cfg, const char *want)
{
	char args[PATH_MAX], body[PATH_MAX * 2], line[1024] = "";
	struct vhost_user_set *set = NULL;
	char err[256] = "";
	FILE *f;

	snprintf(args, sizeof(args), "%s/args", dir);
	unlink(args);
	snprintf(body, sizeof(body), "echo \"$*\" > %s", args);
	write_script(prog, body, 0755);
	cr_assert_lt(vhost_user_devices_create(cfg, ev_default_loop(0), NULL, &set, err, sizeof(err)), 0);
	f = fopen(args, "r");
	cr_assert_not_null(f, "%s did not run: %s", prog, err);
	cr_assert_not_null(fgets(line, sizeof(line), f));
	fclose(f);
	cr_assert_str_eq(line, want);
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
}

/* Every type gets the shared options first: non-default ones, to see them forwarded. */
#define SHARED "--fd 3 --stats-fd 4 --seccomp log --sandbox-level none"

static void reset_cfg(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->seccomp = SC_MODE_LOG;
	cfg->sandbox_level = CONFIG_SANDBOX_NONE;
}

Test(devices, daemon_argv_per_type)
{
	struct vm_config cfg;
	char pfile[PATH_MAX];
	FILE *f;

	log_set_level(LOG_LVL_ERROR);
	make_dir();
	setenv("CNH_DAEMON_DIR", dir, 1);

	reset_cfg(&cfg);
	cfg.nnets = 1;
	cfg.nets[0] = (struct net_config){ .id = "net0", .tap = "tap0", .has_mac = true,
					   .mac = { 0x52, 0x54, 0, 0xab, 0xcd, 0xef }, .ip = "10.0.0.1",
					   .mask = "255.255.255.0", .mtu = 1400, .num_queues = 4,
					   .queue_size = 256 };
	expect_argv("cnh-net", &cfg,
		    SHARED " --tap tap0 --mac 52:54:00:ab:cd:ef --ip 10.0.0.1 --mask 255.255.255.0 --mtu 1400 --num-queues 4 --queue-size 256\n");

	reset_cfg(&cfg);
	cfg.has_rng = true;
	expect_argv("cnh-rng", &cfg, SHARED "\n");

	reset_cfg(&cfg);
	cfg.console = (struct console_config){ .mode = CONSOLE_FILE, .path = "/tmp/c.log" };
	expect_argv("cnh-console", &cfg, SHARED " --output file=/tmp/c.log\n");

	reset_cfg(&cfg);
	cfg.nfs = 1;
	cfg.fs[0] = (struct fs_config){ .id = "fs0", .tag = "myfs", .path = "/srv", .cache = "auto",
					.sandbox = "none", .num_queues = 1, .queue_size = 1024 };
	expect_argv("cnh-fs", &cfg, SHARED " --shared-dir /srv --tag myfs --cache auto --sandbox none\n");

	reset_cfg(&cfg);
	cfg.has_vsock = true;
	cfg.vsock = (struct vsock_config){ .id = "vsock0", .cid = 42, .socket = "/tmp/v.sock" };
	expect_argv("cnh-vsock", &cfg, SHARED " --cid 42 --uds-path /tmp/v.sock\n");

	snprintf(pfile, sizeof(pfile), "%s/pmem.img", dir);
	f = fopen(pfile, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), MiB(2)), 0);
	fclose(f);
	reset_cfg(&cfg);
	cfg.npmem = 1;
	cfg.pmem[0] = (struct pmem_config){ .id = "pmem0", .file = pfile };
	{
		char want[PATH_MAX + 96];

		snprintf(want, sizeof(want), SHARED " --file %s\n", pfile);
		expect_argv("cnh-pmem", &cfg, want);
	}
	unsetenv("CNH_DAEMON_DIR");
	remove_dir();
}

/* cnh's --seccomp and --sandbox-level, from its command line, reach the daemons of either boot path. */
Test(devices, daemon_argv_forwards_sandbox)
{
	static const struct {
		const char *seccomp, *level; /* cnh's options; NULL: not given */
		const char *want;
	} cases[] = {
		{ NULL, NULL, "--seccomp true --sandbox-level basic" },
		{ "true", "basic", "--seccomp true --sandbox-level basic" },
		{ "strict", NULL, "--seccomp true --sandbox-level basic" },
		{ "log", NULL, "--seccomp log --sandbox-level basic" },
		{ "log", "none", "--seccomp log --sandbox-level none" },
		{ "false", "none", "--seccomp false --sandbox-level none" },
		{ "false", NULL, "--seccomp false --sandbox-level basic" },
	};

	log_set_level(LOG_LVL_ERROR);
	make_dir();
	setenv("CNH_DAEMON_DIR", dir, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[9] = { "cnh", "--kernel", "k", "--rng" };
		struct vm_config cfg, booted;
		struct api_vm_config api;
		enum config_result act;
		char want[128], err[256] = "";
		int argc = 4;

		if (cases[i].seccomp) {
			argv[argc++] = "--seccomp";
			argv[argc++] = (char *)cases[i].seccomp;
		}
		if (cases[i].level) {
			argv[argc++] = "--sandbox-level";
			argv[argc++] = (char *)cases[i].level;
		}
		cr_assert_eq(config_parse(argc, argv, &cfg, &act, err, sizeof(err)), 0, "%s", err);
		snprintf(want, sizeof(want), "--fd 3 --stats-fd 4 %s\n", cases[i].want);
		expect_argv("cnh-rng", &cfg, want);
		/* Every boot goes through vm.create's form: the machine from it, the rest from argv. */
		api_vm_config_init(&api);
		api.payload.kernel = "k";
		api.has_rng = true;
		cr_assert_eq(config_from_api(&api, &cfg, &booted, err, sizeof(err)), 0, "%s", err);
		expect_argv("cnh-rng", &booted, want);
		config_fini(&booted);
		config_fini(&cfg);
	}
	unsetenv("CNH_DAEMON_DIR");
	remove_dir();
}

Test(devices, pmem_size_and_placement)
{
	struct vhost_user_pmem_region reg = { 0 };
	struct pmem_config pc = { .id = "pmem0" };
	struct vhost_user_set set = { 0 };
	char pfile[PATH_MAX], err[256];
	FILE *f;

	make_dir();
	snprintf(pfile, sizeof(pfile), "%s/p.img", dir);
	f = fopen(pfile, "w");
	cr_assert_not_null(f);
	cr_assert_eq(ftruncate(fileno(f), MiB(3)), 0);
	fclose(f);
	pc.file = pfile;
	cr_assert_eq(vhost_user_pmem_map(&pc, &reg, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "multiple of 2 MiB"), "%s", err);
	pc.size = MiB(4);
	cr_assert_eq(vhost_user_pmem_map(&pc, &reg, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, "smaller"), "%s", err);
	pc.size = MiB(2);
	cr_assert_eq(vhost_user_pmem_map(&pc, &reg, err, sizeof(err)), 0, "%s", err);
	set.npmem = 2;
	set.pmem[0] = reg;
	set.pmem[1] = (struct vhost_user_pmem_region){ .size = MiB(4) };
	cr_assert_eq(vhost_user_devices_place_pmem(&set, GiB(64), GiB(64)), 0);
	cr_assert_eq(set.pmem[0].gpa, GiB(128) - MiB(2));
	cr_assert_eq(set.pmem[1].gpa, GiB(128) - MiB(6));
	cr_assert_eq(vhost_user_devices_place_pmem(&set, GiB(64), MiB(8)), -ENOSPC);
	vhost_user_pmem_unmap(&set.pmem[0]);
	remove_dir();
}
