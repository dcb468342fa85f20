/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-bench-blk: a vhost-user-blk front-end with no VM. It shares a memfd
 * as "guest memory" with a back-end (cnh-blk, qemu-storage-daemon, ...),
 * starts split virtqueues in it and drives virtio-blk requests the way a
 * guest driver would, one thread per queue. Reports IOPS, MB/s, latency
 * percentiles and CPU per I/O of the back-end and of itself, as text and as
 * one JSON line. --rw verify writes a pattern and reads it back.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "blk_bench.h"
#include "common/opts.h"
#include "ipc/vhost_user.h"
#include "vu_front.h"

#define BB_MAX_QUEUES 64
#define BB_VERIFY_DEFAULT_SIZE MiB(8)

struct bb_cpu {
	uint64_t wall_ns, self_ns, backend_ns;
	bool backend_ok;
};

static const char *const bb_pattern_names[] = {
	[BB_RANDREAD] = "randread", [BB_RANDWRITE] = "randwrite", [BB_READ] = "read",
	[BB_WRITE] = "write",       [BB_VERIFY] = "verify",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: cnh-bench-blk (--socket PATH | --spawn -- CMD ARGS...) [options]\n"
		"  --socket PATH      connect to a listening vhost-user-blk back-end\n"
		"  --spawn            run the command after '--' with a socketpair end;\n"
		"                     '{fd}' in its arguments becomes the fd number\n"
		"  --pid PID          back-end pid for CPU accounting (default: spawned / SO_PEERCRED)\n"
		"  --rw PATTERN       randread|randwrite|read|write|verify (default randread)\n"
		"  --bs SIZE          block size (default 4k)\n"
		"  --iodepth N        requests in flight per queue (default 1)\n"
		"  --queues N         virtqueues, one driver thread each (default 1)\n"
		"  --queue-size N     virtqueue entries (default 256)\n"
		"  --runtime SEC      measured time (default 10)\n"
		"  --ramp SEC         unmeasured warm-up (default 1; 0 for verify)\n"
		"  --size SIZE        bytes of the disk to use (default: all; verify: 8M)\n"
		"  --poll             busy-poll the used ring instead of waiting for calls\n"
		"  --no-event-idx     do not negotiate VIRTIO_F_EVENT_IDX\n"
		"  --hugepages        back guest memory with hugetlbfs pages\n"
		"  --seed N           random / verify pattern seed (default 1)\n"
		"  --label TEXT       copied into the JSON line\n");
}

static double bb_now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime+stime of a process in ns, from /proc/PID/stat. */
static int bb_proc_cpu_ns(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after ") ": state(3) ... utime is field 14, stime 15 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -EIO;
	*ret = (ut + st) * (1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK));
	return 0;
}

static void bb_cpu_sample(pid_t pid, struct bb_cpu *c)
{
	c->wall_ns = (uint64_t)(bb_now_s(CLOCK_MONOTONIC) * 1e9);
	c->self_ns = (uint64_t)(bb_now_s(CLOCK_PROCESS_CPUTIME_ID) * 1e9);
	c->backend_ok = pid > 0 && bb_proc_cpu_ns(pid, &c->backend_ns) == 0;
}

static void bb_sleep(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (s > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int bb_parse_pattern(const char *s, enum bb_pattern *ret)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(bb_pattern_names); i++) {
		if (strcmp(s, bb_pattern_names[i]) == 0) {
			*ret = (enum bb_pattern)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int bb_parse_uint(const char *s, unsigned int lo, unsigned int hi, unsigned int *ret)
{
	uint64_t v;

	if (parse_u64(s, &v) < 0 || v < lo || v > hi)
		return -EINVAL;
	*ret = (unsigned int)v;
	return 0;
}

static void bb_wake_all(struct bench *b)
{
	uint64_t one = 1;

	for (unsigned int i = 0; i < b->cfg.queues; i++)
		if (write(b->q[i].call_fd, &one, sizeof(one)) < 0)
			continue;
}

static void bb_set_phase(struct bench *b, int phase)
{
	__atomic_store_n(&b->phase, phase, __ATOMIC_RELAXED);
	if (phase >= BB_STOP)
		bb_wake_all(b);
}

/* Join every thread; after grace_s, abort the rest. */
static void bb_join(struct bench *b, double grace_s)
{
	for (unsigned int i = 0; i < b->cfg.queues; i++) {
		struct timespec dl;

		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += (time_t)grace_s + 1;
		while (pthread_timedjoin_np(b->q[i].thr, NULL, &dl) == ETIMEDOUT) {
			if (!b->q[i].fatal)
				b->q[i].fatal = -ETIMEDOUT;
			bb_set_phase(b, BB_ABORT);
			clock_gettime(CLOCK_REALTIME, &dl);
			dl.tv_sec += 1;
		}
	}
}

struct bb_result {
	struct hist hist;
	uint64_t ios, bytes, io_errors, verify_errors, first_bad_off, kicks, kicks_saved, wakeups;
	int fatal;
	double secs, backend_us_per_io, self_us_per_io;
	bool backend_cpu;
};

static void bb_collect(struct bench *b, const struct bb_cpu *c0, const struct bb_cpu *c1,
		       struct bb_result *r)
{
	memset(r, 0, sizeof(*r));
	hist_init(&r->hist);
	r->first_bad_off = UINT64_MAX;
	for (unsigned int i = 0; i < b->cfg.queues; i++) {
		struct bb_queue *q = &b->q[i];

		hist_merge(&r->hist, &q->hist);
		r->ios += q->ios;
		r->bytes += q->bytes;
		r->io_errors += q->io_errors;
		r->verify_errors += q->verify_errors;
		if (q->verify_errors && q->first_bad_off < r->first_bad_off)
			r->first_bad_off = q->first_bad_off;
		r->kicks += q->vq.kicks;
		r->kicks_saved += q->vq.kicks_saved;
		r->wakeups += q->wakeups;
		if (q->fatal && !r->fatal)
			r->fatal = q->fatal;
	}
	r->secs = (double)(c1->wall_ns - c0->wall_ns) / 1e9;
	r->backend_cpu = c0->backend_ok && c1->backend_ok;
	if (r->ios) {
		r->self_us_per_io = (double)(c1->self_ns - c0->self_ns) / 1e3 / (double)r->ios;
		if (r->backend_cpu)
			r->backend_us_per_io = (double)(c1->backend_ns - c0->backend_ns) / 1e3 / (double)r->ios;
	}
}

static void bb_report(const struct bench *b, const struct vu_front *fe, const char *label,
		      const struct bb_result *r)
{
	const struct bb_config *cfg = &b->cfg;
	double iops = r->secs > 0 ? (double)r->ios / r->secs : 0;
	double mbps = r->secs > 0 ? (double)r->bytes / r->secs / 1e6 : 0;
	double p50 = (double)hist_percentile(&r->hist, 50) / 1e3;
	double p99 = (double)hist_percentile(&r->hist, 99) / 1e3;
	double p999 = (double)hist_percentile(&r->hist, 99.9) / 1e3;
	double mean = r->hist.count ? (double)r->hist.sum_ns / (double)r->hist.count / 1e3 : 0;
	double max = (double)r->hist.max_ns / 1e3;

	printf("%s bs=%" PRIu64 " iodepth=%u queues=%u%s%s: %.0f IOPS, %.1f MB/s, %" PRIu64 " I/Os in %.2f s\n",
	       bb_pattern_names[cfg->pattern], cfg->bs, cfg->depth, cfg->queues,
	       cfg->poll ? " poll" : "", cfg->event_idx ? " event_idx" : "", iops, mbps, r->ios, r->secs);
	printf("  latency us: mean %.1f p50 %.1f p99 %.1f p99.9 %.1f max %.1f\n", mean, p50, p99, p999, max);
	if (r->backend_cpu)
		printf("  cpu us/io: back-end %.2f (pid %d), harness %.2f\n", r->backend_us_per_io,
		       (int)fe->pid, r->self_us_per_io);
	else
		printf("  cpu us/io: back-end unknown, harness %.2f\n", r->self_us_per_io);
	printf("  kicks %" PRIu64 " (%" PRIu64 " suppressed), wakeups %" PRIu64 ", io errors %" PRIu64 "\n",
	       r->kicks, r->kicks_saved, r->wakeups, r->io_errors);
	if (cfg->pattern == BB_VERIFY)
		printf("  verify: %" PRIu64 " bytes, seed %" PRIu64 ", %" PRIu64 " bad blocks%s\n", cfg->size,
		       cfg->seed, r->verify_errors, r->verify_errors ? " (FAILED)" : " (ok)");
	printf("{\"tool\":\"cnh-bench-blk\",\"label\":\"%s\",\"rw\":\"%s\",\"bs\":%" PRIu64
	       ",\"iodepth\":%u,\"queues\":%u,\"queue_size\":%u,\"poll\":%s,\"event_idx\":%s"
	       ",\"backend_pid\":%d,\"runtime_s\":%.3f,\"ios\":%" PRIu64 ",\"iops\":%.1f,\"mbps\":%.2f"
	       ",\"lat_us\":{\"mean\":%.2f,\"p50\":%.2f,\"p99\":%.2f,\"p99.9\":%.2f,\"max\":%.2f}",
	       label, bb_pattern_names[cfg->pattern], cfg->bs, cfg->depth, cfg->queues, cfg->qsize,
	       cfg->poll ? "true" : "false", cfg->event_idx ? "true" : "false", (int)fe->pid, r->secs,
	       r->ios, iops, mbps, mean, p50, p99, p999, max);
	if (r->backend_cpu)
		printf(",\"backend_cpu_us_per_io\":%.3f", r->backend_us_per_io);
	else
		printf(",\"backend_cpu_us_per_io\":null");
	printf(",\"harness_cpu_us_per_io\":%.3f,\"kicks\":%" PRIu64 ",\"kicks_suppressed\":%" PRIu64
	       ",\"wakeups\":%" PRIu64 ",\"io_errors\":%" PRIu64,
	       r->self_us_per_io, r->kicks, r->kicks_saved, r->wakeups, r->io_errors);
	if (cfg->pattern == BB_VERIFY)
		printf(",\"verify_size\":%" PRIu64 ",\"verify_seed\":%" PRIu64 ",\"verify_errors\":%" PRIu64,
		       cfg->size, cfg->seed, r->verify_errors);
	printf(",\"error\":%s}\n", r->fatal ? "true" : "false");
	fflush(stdout);
}

struct bb_args {
	const char *socket, *label;
	char **spawn_argv;
	pid_t pid;
	bool size_set;
};

static int bb_parse_args(int argc, char **argv, struct bb_config *cfg, struct bb_args *a)
{
	enum { O_SOCKET = 256, O_SPAWN, O_PID, O_RW, O_BS, O_DEPTH, O_QUEUES, O_QSIZE, O_RUNTIME,
	       O_RAMP, O_SIZE, O_POLL, O_NOEVIDX, O_HUGE, O_SEED, O_LABEL, O_HELP };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, O_SOCKET }, { "spawn", no_argument, NULL, O_SPAWN },
		{ "pid", required_argument, NULL, O_PID },       { "rw", required_argument, NULL, O_RW },
		{ "bs", required_argument, NULL, O_BS },         { "iodepth", required_argument, NULL, O_DEPTH },
		{ "queues", required_argument, NULL, O_QUEUES }, { "queue-size", required_argument, NULL, O_QSIZE },
		{ "runtime", required_argument, NULL, O_RUNTIME }, { "ramp", required_argument, NULL, O_RAMP },
		{ "size", required_argument, NULL, O_SIZE },     { "poll", no_argument, NULL, O_POLL },
		{ "no-event-idx", no_argument, NULL, O_NOEVIDX }, { "hugepages", no_argument, NULL, O_HUGE },
		{ "seed", required_argument, NULL, O_SEED },     { "label", required_argument, NULL, O_LABEL },
		{ "help", no_argument, NULL, O_HELP },           { NULL, 0, NULL, 0 },
	};
	bool spawn = false, ramp_set = false;
	unsigned int pid;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET: a->socket = optarg; break;
		case O_SPAWN: spawn = true; break;
		case O_PID:
			if (bb_parse_uint(optarg, 1, 0x7fffffff, &pid) < 0)
				goto bad;
			a->pid = (pid_t)pid;
			break;
		case O_RW:
			if (bb_parse_pattern(optarg, &cfg->pattern) < 0)
				goto bad;
			break;
		case O_BS:
			if (parse_size(optarg, &cfg->bs) < 0 || cfg->bs < 512 || cfg->bs % 512 ||
			    cfg->bs > MiB(4))
				goto bad;
			break;
		case O_DEPTH:
			if (bb_parse_uint(optarg, 1, 10922, &cfg->depth) < 0)
				goto bad;
			break;
		case O_QUEUES:
			if (bb_parse_uint(optarg, 1, BB_MAX_QUEUES, &cfg->queues) < 0)
				goto bad;
			break;
		case O_QSIZE:
			if (bb_parse_uint(optarg, 4, 32768, &cfg->qsize) < 0 || (cfg->qsize & (cfg->qsize - 1)))
				goto bad;
			break;
		case O_RUNTIME:
		case O_RAMP: {
			double v = strtod(optarg, &end);

			if (end == optarg || *end || !(v >= 0 && v <= 86400))
				goto bad;
			if (c == O_RUNTIME)
				cfg->runtime_s = v;
			else
				cfg->ramp_s = v, ramp_set = true;
			break;
		}
		case O_SIZE:
			if (parse_size(optarg, &cfg->size) < 0 || cfg->size == 0)
				goto bad;
			a->size_set = true;
			break;
		case O_POLL: cfg->poll = true; break;
		case O_NOEVIDX: cfg->event_idx = false; break;
		case O_HUGE: cfg->hugepages = true; break;
		case O_SEED:
			if (parse_u64(optarg, &cfg->seed) < 0)
				goto bad;
			break;
		case O_LABEL: a->label = optarg; break;
		case O_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (spawn == !!a->socket) {
		fprintf(stderr, "cnh-bench-blk: give exactly one of --socket and --spawn\n");
		return -EINVAL;
	}
	if (spawn) {
		if (optind >= argc) {
			fprintf(stderr, "cnh-bench-blk: --spawn needs a command after --\n");
			return -EINVAL;
		}
		a->spawn_argv = &argv[optind];
	} else if (optind < argc) {
		fprintf(stderr, "cnh-bench-blk: unexpected argument %s\n", argv[optind]);
		return -EINVAL;
	}
	if (3ull * cfg->depth > cfg->qsize) {
		fprintf(stderr, "cnh-bench-blk: iodepth %u needs %u descriptors, queue size is %u\n",
			cfg->depth, 3 * cfg->depth, cfg->qsize);
		return -EINVAL;
	}
	if (cfg->pattern == BB_VERIFY && !ramp_set)
		cfg->ramp_s = 0;
	return 0;
bad:
	fprintf(stderr, "cnh-bench-blk: bad value for option: %s\n", optarg);
	return -EINVAL;
}

/* Negotiate, read the geometry and start every queue. */
static int bb_setup(struct bench *b, struct vu_front *fe, int memfd, uint8_t *mem, uint64_t memsize,
		    const struct bb_args *a)
{
	struct bb_config *cfg = &b->cfg;
	uint8_t config[36] = { 0 };
	uint64_t want, capacity;
	uint32_t blk_size = 512;
	uint64_t base = 0;
	int rc;

	rc = vu_front_hello(fe, (1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) |
					(1ull << VHOST_USER_PROTOCOL_F_CONFIG));
	if (rc < 0)
		return rc;
	if (!(fe->dev_features & (1ull << VIRTIO_F_VERSION_1))) {
		snprintf(fe->err, sizeof(fe->err), "back-end does not offer VIRTIO_F_VERSION_1");
		return -ENOTSUP;
	}
	rc = vu_front_get_config(fe, config, sizeof(config));
	if (rc < 0)
		return rc;
	memcpy(&capacity, config, 8);
	capacity *= 512;
	if (fe->dev_features & (1ull << VIRTIO_BLK_F_BLK_SIZE))
		memcpy(&blk_size, config + 20, 4);
	if (cfg->size == 0 || cfg->size > capacity)
		cfg->size = a->size_set ? cfg->size : capacity;
	if (cfg->size > capacity || cfg->size < cfg->bs * cfg->queues) {
		snprintf(fe->err, sizeof(fe->err), "disk of %" PRIu64 " bytes is too small for --size %" PRIu64,
			 capacity, cfg->size);
		return -EINVAL;
	}
	if (cfg->bs % blk_size) {
		snprintf(fe->err, sizeof(fe->err), "bs %" PRIu64 " is not a multiple of blk_size %u", cfg->bs,
			 blk_size);
		return -EINVAL;
	}
	if (cfg->queues > fe->max_queues) {
		snprintf(fe->err, sizeof(fe->err), "back-end has %u queues, %u asked", fe->max_queues,
			 cfg->queues);
		return -EINVAL;
	}
	if (cfg->pattern != BB_RANDREAD && cfg->pattern != BB_READ &&
	    (fe->dev_features & (1ull << VIRTIO_BLK_F_RO))) {
		snprintf(fe->err, sizeof(fe->err), "disk is read-only");
		return -EROFS;
	}
	want = (1ull << VIRTIO_F_VERSION_1) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES) |
	       (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH);
	if (cfg->queues > 1)
		want |= 1ull << VIRTIO_BLK_F_MQ;
	if (cfg->event_idx)
		want |= 1ull << VIRTIO_RING_F_EVENT_IDX;
	want &= fe->dev_features;
	cfg->event_idx = want & (1ull << VIRTIO_RING_F_EVENT_IDX);
	rc = vu_front_set_features(fe, want);
	if (rc == 0)
		rc = vu_front_set_mem(fe, memfd, mem, memsize);
	for (unsigned int i = 0; rc == 0 && i < cfg->queues; i++) {
		struct bb_queue *q = &b->q[i];
		struct vu_front_vring vr;

		rc = bb_queue_init(q, b, i, mem, base);
		if (rc < 0)
			break;
		q->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call_fd = eventfd(0, EFD_CLOEXEC);
		if (q->kick_fd < 0 || q->call_fd < 0) {
			rc = -errno;
			break;
		}
		vr.num = cfg->qsize;
		vr.desc_uaddr = (uint64_t)(uintptr_t)q->vq.desc;
		vr.avail_uaddr = (uint64_t)(uintptr_t)q->vq.avail;
		vr.used_uaddr = (uint64_t)(uintptr_t)q->vq.used;
		vr.kick_fd = q->kick_fd;
		vr.call_fd = q->call_fd;
		rc = vu_front_start_vring(fe, i, &vr);
		base += bb_queue_layout(cfg);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct bb_config *cfg;
	struct bench b = { 0 };
	struct bb_args a = { .label = "" };
	struct vu_front fe;
	struct bb_cpu c0, c1;
	struct bb_result r;
	uint8_t *mem = MAP_FAILED;
	uint64_t memsize = 0;
	unsigned int started = 0;
	int memfd = -1, rc, ret = 1;

	cfg = &b.cfg;
	*cfg = (struct bb_config){ .pattern = BB_RANDREAD, .bs = 4096, .depth = 1, .queues = 1, .qsize = 256,
				   .runtime_s = 10, .ramp_s = 1, .event_idx = true, .seed = 1 };
	vu_front_init(&fe);
	if (bb_parse_args(argc, argv, cfg, &a) < 0)
		return 1;
	if (cfg->pattern == BB_VERIFY && !a.size_set)
		cfg->size = BB_VERIFY_DEFAULT_SIZE;

	b.q = calloc(cfg->queues, sizeof(*b.q));
	if (!b.q)
		goto out;
	for (unsigned int i = 0; i < cfg->queues; i++)
		b.q[i].kick_fd = b.q[i].call_fd = -1;
	for (unsigned int i = 0; i < cfg->queues; i++)
		memsize += bb_queue_layout(cfg);
	memsize = ALIGN_UP(memsize, cfg->hugepages ? MiB(2) : 4096);
	memfd = memfd_create("cnh-bench-guest", MFD_CLOEXEC | (cfg->hugepages ? MFD_HUGETLB : 0));
	if (memfd < 0 || ftruncate(memfd, (off_t)memsize) < 0) {
		fprintf(stderr, "cnh-bench-blk: guest memory: %s\n", strerror(errno));
		goto out;
	}
	mem = mmap(NULL, memsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, memfd, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "cnh-bench-blk: mmap guest memory: %s\n", strerror(errno));
		goto out;
	}
	rc = a.socket ? vu_front_connect(&fe, a.socket, 10000) : vu_front_spawn(&fe, a.spawn_argv);
	if (rc < 0)
		goto fail;
	if (a.pid)
		fe.pid = a.pid;
	rc = bb_setup(&b, &fe, memfd, mem, memsize, &a);
	if (rc < 0)
		goto fail;

	__atomic_store_n(&b.phase, cfg->ramp_s > 0 ? BB_RAMP : BB_MEASURE, __ATOMIC_RELAXED);
	bb_cpu_sample(fe.pid, &c0);
	for (; started < cfg->queues; started++) {
		rc = -pthread_create(&b.q[started].thr, NULL, bb_queue_thread, &b.q[started]);
		if (rc < 0) {
			snprintf(fe.err, sizeof(fe.err), "pthread_create: %s", strerror(-rc));
			bb_set_phase(&b, BB_ABORT);
			bb_join(&b, 0);
			goto fail;
		}
	}
	if (cfg->ramp_s > 0) {
		bb_sleep(cfg->ramp_s);
		bb_cpu_sample(fe.pid, &c0);
		bb_set_phase(&b, BB_MEASURE);
	}
	bb_sleep(cfg->runtime_s);
	if (cfg->pattern != BB_VERIFY)
		bb_cpu_sample(fe.pid, &c1);
	bb_set_phase(&b, BB_STOP);
	/* verify finishes its write and read-back passes whatever the runtime */
	bb_join(&b, cfg->pattern == BB_VERIFY ? 120 : 10);
	if (cfg->pattern == BB_VERIFY)
		bb_cpu_sample(fe.pid, &c1);
	bb_collect(&b, &c0, &c1, &r);
	bb_report(&b, &fe, a.label, &r);
	for (unsigned int i = 0; i < cfg->queues && !r.fatal; i++) {
		uint32_t base;

		if (vu_front_stop_vring(&fe, i, &base) < 0)
			break;
	}
	if (r.fatal)
		fprintf(stderr, "cnh-bench-blk: a queue failed: %s\n", strerror(-r.fatal));
	if (r.fatal)
		ret = 1;
	else if (r.io_errors || r.verify_errors || r.ios == 0)
		ret = 2;
	else
		ret = 0;
	if (r.verify_errors)
		fprintf(stderr, "cnh-bench-blk: verify FAILED: %" PRIu64 " bad blocks, first at byte %" PRIu64 "\n",
			r.verify_errors, r.first_bad_off);
	goto out;
fail:
	fprintf(stderr, "cnh-bench-blk: %s\n", fe.err[0] ? fe.err : strerror(-rc));
out:
	vu_front_fini(&fe);
	if (b.q)
		for (unsigned int i = 0; i < cfg->queues; i++)
			bb_queue_fini(&b.q[i]);
	free(b.q);
	if (mem != MAP_FAILED)
		munmap(mem, memsize);
	closep(&memfd);
	return ret;
}
