/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/opts.h"
#include "vmm/layout.h"

enum {
	OPT_KERNEL = 256,
	OPT_INITRAMFS,
	OPT_CMDLINE,
	OPT_CPUS,
	OPT_MEMORY,
	OPT_SERIAL,
	OPT_LOG_LEVEL,
	OPT_KVM_DEVICE,
	OPT_DISK,
	OPT_TRACE_BOOT,
	OPT_API_SOCKET,
	OPT_EVENT_MONITOR,
	OPT_NET,
	OPT_FS,
	OPT_PMEM,
	OPT_VSOCK,
	OPT_RNG,
	OPT_CONSOLE,
	OPT_SECCOMP,
	OPT_SANDBOX_LEVEL,
};

static const struct option config_long_options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initramfs", required_argument, NULL, OPT_INITRAMFS },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "serial", required_argument, NULL, OPT_SERIAL },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "kvm-device", required_argument, NULL, OPT_KVM_DEVICE },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "trace-boot", no_argument, NULL, OPT_TRACE_BOOT },
	{ "api-socket", required_argument, NULL, OPT_API_SOCKET },
	{ "event-monitor", required_argument, NULL, OPT_EVENT_MONITOR },
	{ "net", required_argument, NULL, OPT_NET },
	{ "fs", required_argument, NULL, OPT_FS },
	{ "pmem", required_argument, NULL, OPT_PMEM },
	{ "vsock", required_argument, NULL, OPT_VSOCK },
	{ "rng", optional_argument, NULL, OPT_RNG },
	{ "console", required_argument, NULL, OPT_CONSOLE },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "sandbox-level", required_argument, NULL, OPT_SANDBOX_LEVEL },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

const char *config_usage(void)
{
	return "Usage: cnh [OPTIONS]\n"
	       "cnh, a cloud native hypervisor: boots a KVM virtual machine.\n"
	       "\n"
	       "  --kernel PATH            bzImage (64-bit boot protocol) or vmlinux ELF with a PVH note\n"
	       "  --initramfs PATH         initial ramdisk\n"
	       "  --cmdline STRING         kernel command line\n"
	       "  --cpus boot=N            number of vCPUs (default 1)\n"
	       "  --memory size=SIZE[,hugepages=on|off]\n"
	       "                           guest RAM, e.g. 512M or 2G (default 512M); memfd backed,\n"
	       "                           shared so that vhost-user back-ends can map it\n"
	       "  --serial tty|pty|null|off|file=PATH|socket=PATH\n"
	       "                           where the 16550 UART (COM1, ttyS0) goes (default tty);\n"
	       "                           null discards its output, off removes the UART\n"
	       "  --disk path=FILE[,readonly=on][,direct=on][,num_queues=N][,queue_size=N][,id=NAME]\n"
	       "                           a virtio block device served by a cnh-blk process that\n"
	       "                           cnh starts (num_queues 1..16, default 1; queue_size a\n"
	       "                           power of two up to 1024, default 128); repeat for up to 8\n"
	       "  --disk vhost_user=true,socket=PATH[,num_queues=N][,queue_size=N][,id=NAME]\n"
	       "                           a virtio block device served by a vhost-user back-end\n"
	       "                           already listening on PATH\n"
	       "  --net tap=NAME[,mac=MAC][,ip=A[,mask=M]][,mtu=N][,num_queues=N][,queue_size=N][,id=NAME]\n"
	       "                           a virtio-net device on a tap served by cnh-net (num_queues\n"
	       "                           counts rx+tx queues: even, 2..16, default 2; queue_size\n"
	       "                           default 256); repeat for up to 8\n"
	       "  --net vhost_user=true,socket=PATH[,mac=MAC][,num_queues=N][,queue_size=N][,id=NAME]\n"
	       "                           a virtio-net device served by an external vhost-user back-end\n"
	       "  --fs tag=TAG,socket=PATH[,num_queues=N][,queue_size=N][,id=NAME]\n"
	       "                           virtio-fs served by a virtiofsd-style back-end on PATH\n"
	       "  --fs tag=TAG,path=DIR[,cache=none|auto|always][,sandbox=chroot|namespace|none]\n"
	       "                           virtio-fs sharing DIR through a cnh-fs that cnh starts\n"
	       "  --pmem file=PATH[,size=SIZE][,discard_writes=on][,id=NAME]\n"
	       "                           virtio-pmem: PATH mapped into the guest (size: a multiple\n"
	       "                           of 2 MiB, default the file's size); flushes by cnh-pmem\n"
	       "  --vsock cid=N,socket=PATH[,id=NAME]\n"
	       "                           virtio-vsock (guest cid 3..2^32-2) served by cnh-vsock;\n"
	       "                           host side: the unix socket PATH (at most one)\n"
	       "  --rng [src=PATH] | --rng vhost_user=true,socket=PATH\n"
	       "                           virtio-rng served by cnh-rng (getrandom; src is accepted\n"
	       "                           for Cloud Hypervisor compatibility)\n"
	       "  --console off|null|pty|tty|file=PATH|socket=PATH\n"
	       "                           virtio-console (hvc0) through cnh-console (default off;\n"
	       "                           only one of --serial and --console may be tty)\n"
	       "  --log-level error|warn|info|debug\n"
	       "  -v, --verbose            same as --log-level debug\n"
	       "  --kvm-device PATH        KVM device node (default /dev/kvm)\n"
	       "  --trace-boot             print boot trace points (cnh-trace: NAME NS) on stderr\n"
	       "  --api-socket path=PATH|fd=N\n"
	       "                           serve the REST API (Cloud Hypervisor's endpoints) on a unix\n"
	       "                           socket; without --kernel, wait for vm.create and vm.boot\n"
	       "  --event-monitor path=PATH|fd=N\n"
	       "                           write JSON events (booted, shutdown, device added, ...)\n"
	       "  --seccomp true|false|log|strict\n"
	       "                           per-thread seccomp filters (default true: a forbidden syscall\n"
	       "                           in the main loop, a vCPU or the API thread kills cnh; strict:\n"
	       "                           the same as true; log: allow and log to the kernel audit log;\n"
	       "                           false: none)\n"
	       "  --sandbox-level basic|none\n"
	       "                           the sandbox of the daemons cnh starts (default basic: own\n"
	       "                           namespaces, no capabilities, rlimits; none: run as cnh);\n"
	       "                           they also get cnh's --seccomp (strict: true)\n"
	       "  -h, --help               this text\n"
	       "  -V, --version            version\n"
	       "\n"
	       "The VM powers off with exit status 0; a guest crash (triple fault, emulation\n"
	       "failure) prints the vCPU registers and exits with status 1.\n";
}

/* The daemons' own spelling (vu_main's --sandbox-level), indexed by level. */
static const char *const config_sandbox_levels[] = {
	[CONFIG_SANDBOX_BASIC] = "basic",
	[CONFIG_SANDBOX_NONE] = "none",
};

const char *config_sandbox_level_name(enum config_sandbox_level level)
{
	return (size_t)level < ARRAY_SIZE(config_sandbox_levels) ? config_sandbox_levels[level] : "?";
}

static int config_sandbox_level_parse(const char *s, enum config_sandbox_level *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_sandbox_levels); i++) {
		if (!strcmp(s, config_sandbox_levels[i])) {
			*ret = (enum config_sandbox_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int config_cpus(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct opts o;
	uint64_t n = 1;
	const char *bad;
	int r;

	if (opts_parse(s, &o) < 0) {
		snprintf(err, errlen, "--cpus: cannot parse '%s'", s);
		return -EINVAL;
	}
	r = opts_get_u64(&o, "boot", &n);
	if (r == -EINVAL || r == -ERANGE || (r == 0 && (n < 1 || n > LAYOUT_MAX_VCPUS))) {
		snprintf(err, errlen, "--cpus: boot must be 1..%d, got '%s'", LAYOUT_MAX_VCPUS,
			 opts_get(&o, "boot"));
		r = -EINVAL;
		goto out;
	}
	bad = opts_unused(&o);
	if (bad) {
		snprintf(err, errlen, "--cpus: unknown parameter '%s'", bad);
		r = -EINVAL;
		goto out;
	}
	cfg->cpus_boot = (unsigned int)n;
	r = 0;
out:
	opts_fini(&o);
	return r;
}

static int config_memory(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct opts o;
	uint64_t size = cfg->mem_size;
	bool huge = false;
	const char *bad;
	int r;

	if (opts_parse(s, &o) < 0) {
		snprintf(err, errlen, "--memory: cannot parse '%s'", s);
		return -EINVAL;
	}
	r = opts_get_size(&o, "size", &size);
	if (r == -EINVAL || r == -ERANGE) {
		snprintf(err, errlen, "--memory: bad size '%s'", opts_get(&o, "size"));
		r = -EINVAL;
		goto out;
	}
	if (size < CONFIG_MIN_MEMORY) {
		snprintf(err, errlen, "--memory: size must be at least %llu MiB",
			 (unsigned long long)(CONFIG_MIN_MEMORY >> 20));
		r = -EINVAL;
		goto out;
	}
	if (!IS_ALIGNED(size, MiB(1))) {
		snprintf(err, errlen, "--memory: size must be a multiple of 1 MiB");
		r = -EINVAL;
		goto out;
	}
	r = opts_get_bool(&o, "hugepages", &huge);
	if (r == -EINVAL) {
		snprintf(err, errlen, "--memory: hugepages must be on or off, got '%s'",
			 opts_get(&o, "hugepages"));
		goto out;
	}
	if (huge && !IS_ALIGNED(size, MiB(2))) {
		snprintf(err, errlen, "--memory: with hugepages=on size must be a multiple of 2 MiB");
		r = -EINVAL;
		goto out;
	}
	bad = opts_unused(&o);
	if (bad) {
		snprintf(err, errlen, "--memory: unknown parameter '%s'", bad);
		r = -EINVAL;
		goto out;
	}
	cfg->mem_size = size;
	cfg->hugepages = huge;
	r = 0;
out:
	opts_fini(&o);
	return r;
}

/* num_queues / queue_size: -EINVAL with err set when present and bad. */
static int config_disk_queues(struct opts *o, struct disk_config *d, char *err, size_t errlen)
{
	uint64_t v;
	int r;

	r = opts_get_u64(o, "num_queues", &v);
	if (r == 0 && (v < 1 || v > CONFIG_DISK_MAX_QUEUES))
		r = -EINVAL;
	if (r == -EINVAL || r == -ERANGE) {
		snprintf(err, errlen, "--disk: num_queues must be 1..%d, got '%s'", CONFIG_DISK_MAX_QUEUES,
			 opts_get(o, "num_queues"));
		return -EINVAL;
	}
	if (r == 0)
		d->num_queues = (unsigned int)v;
	r = opts_get_u64(o, "queue_size", &v);
	if (r == 0 && (v < 2 || v > CONFIG_DISK_MAX_QUEUE_SIZE || (v & (v - 1))))
		r = -EINVAL;
	if (r == -EINVAL || r == -ERANGE) {
		snprintf(err, errlen, "--disk: queue_size must be a power of two from 2 to %d, got '%s'",
			 CONFIG_DISK_MAX_QUEUE_SIZE, opts_get(o, "queue_size"));
		return -EINVAL;
	}
	if (r == 0)
		d->queue_size = (unsigned int)v;
	return 0;
}

static int config_disk_bool(struct opts *o, const char *key, bool *ret, char *err, size_t errlen)
{
	if (opts_get_bool(o, key, ret) == -EINVAL) {
		snprintf(err, errlen, "--disk: %s must be on or off, got '%s'", key, opts_get(o, key));
		return -EINVAL;
	}
	return 0;
}

static int config_disk(const char *s, struct vm_config *cfg, char *err, size_t errlen)
{
	struct disk_config d = {
		.num_queues = CONFIG_DISK_DEFAULT_QUEUES,
		.queue_size = CONFIG_DISK_DEFAULT_QUEUE_SIZE,
	};
	const char *path, *sock, *id, *bad;
	struct opts o;
	int r;

	if (cfg->ndisks >= CONFIG_MAX_DISKS) {
		snprintf(err, errlen, "--disk: at most %d disks", CONFIG_MAX_DISKS);
		return -EINVAL;
	}
	if (opts_parse(s, &o) < 0) {
		snprintf(err, errlen, "--disk: cannot parse '%s'", s);
		return -EINVAL;
	}
	r = config_disk_bool(&o, "vhost_user", &d.vhost_user, err, errlen);
	if (r == 0)
		r = config_disk_bool(&o, "readonly", &d.readonly, err, errlen);
	if (r == 0)
		r = config_disk_bool(&o, "direct", &d.direct, err, errlen);
	if (r == 0)
		r = config_disk_queues(&o, &d, err, errlen);
	if (r < 0)
		goto out;
	path = opts_get(&o, "path");
	sock = opts_get(&o, "socket");
	id = opts_get(&o, "id");
	r = -EINVAL;
	bad = opts_unused(&o);
	if (bad) {
		snprintf(err, errlen, "--disk: unknown parameter '%s'", bad);
		goto out;
	}
	if (d.vhost_user) {
		if (path) {
			snprintf(err, errlen, "--disk: path= and vhost_user=true exclude each other");
			goto out;
		}
		if (!sock || !*sock) {
			snprintf(err, errlen, "--disk: vhost_user=true needs socket=PATH");
			goto out;
		}
		if (d.readonly || d.direct) {
			snprintf(err, errlen,
				 "--disk: readonly and direct apply to path= disks (the vhost-user back-end decides)");
			goto out;
		}
	} else {
		if (sock) {
			snprintf(err, errlen, "--disk: socket= needs vhost_user=true");
			goto out;
		}
		if (!path || !*path) {
			snprintf(err, errlen, "--disk: path=FILE or vhost_user=true,socket=PATH is required");
			goto out;
		}
	}
	if (id && !config_id_ok(id)) {
		snprintf(err, errlen, "--disk: id must be 1..%d letters, digits, '_', '-' or '.', got '%s'",
			 CONFIG_MAX_ID, id);
		goto out;
	}
	if (id)
		snprintf(d.id, sizeof(d.id), "%s", id);
	else
		snprintf(d.id, sizeof(d.id), "disk%u", cfg->ndisks);
	for (unsigned int i = 0; i < cfg->ndisks; i++) {
		if (strcmp(cfg->disks[i].id, d.id) == 0) {
			snprintf(err, errlen, "--disk: id '%s' is used twice", d.id);
			goto out;
		}
	}
	if (path)
		d.path = strdup(path);
	if (sock)
		d.socket = strdup(sock);
	if ((path && !d.path) || (sock && !d.socket)) {
		free(d.path);
		free(d.socket);
		snprintf(err, errlen, "--disk: out of memory");
		r = -ENOMEM;
		goto out;
	}
	cfg->disks[cfg->ndisks++] = d;
	r = 0;
out:
	opts_fini(&o);
	return r;
}

static int config_parse_args(int argc, char **argv, struct vm_config *cfg, enum config_result *ret_action,
			     char *err, size_t errlen);

int config_parse(int argc, char **argv, struct vm_config *ret, enum config_result *ret_action,
		 char *err, size_t errlen)
{
	struct vm_config cfg = {
		.cpus_boot = 1,
		.mem_size = CONFIG_DEFAULT_MEMORY,
		.log_level = LOG_LVL_INFO,
		.seccomp = SC_MODE_ENFORCE,
		.seccomp_main = SC_MODE_ENFORCE,
	};
	enum config_result action = CONFIG_RUN;
	int r;

	r = config_parse_args(argc, argv, &cfg, &action, err, errlen);
	if (r < 0 || action != CONFIG_RUN) {
		config_fini(&cfg);
		if (r == 0)
			*ret_action = action;
		return r;
	}
	*ret = cfg;
	*ret_action = CONFIG_RUN;
	return 0;
}

/* The option loop; cfg holds the defaults and may own disk strings on error. */
static int config_parse_args(int argc, char **argv, struct vm_config *cfg, enum config_result *ret_action,
			     char *err, size_t errlen)
{
	const char *serial = "tty";
	int c, r;

	/* getopt keeps state in globals: reset it so the parser can run twice (tests). */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hvV", config_long_options, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_INITRAMFS:
			cfg->initramfs = optarg;
			break;
		case OPT_CMDLINE:
			if (strlen(optarg) > CONFIG_MAX_CMDLINE) {
				snprintf(err, errlen, "--cmdline: longer than %d bytes", CONFIG_MAX_CMDLINE);
				return -EINVAL;
			}
			cfg->cmdline = optarg;
			break;
		case OPT_CPUS:
			r = config_cpus(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_MEMORY:
			r = config_memory(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_SERIAL:
			serial = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (log_parse_level(optarg, &cfg->log_level) < 0) {
				snprintf(err, errlen, "--log-level: expected error|warn|info|debug, got '%s'",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_KVM_DEVICE:
			cfg->kvm_path = optarg;
			break;
		case OPT_DISK:
			r = config_disk(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_NET:
			r = config_net(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_FS:
			r = config_fs(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_PMEM:
			r = config_pmem(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_VSOCK:
			r = config_vsock(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_RNG: {
			/* "--rng" alone, "--rng=src=X" or "--rng src=X" (Cloud Hypervisor). */
			const char *v = optarg;

			if (!v && optind < argc && argv[optind][0] != '-')
				v = argv[optind++];
			r = config_rng(v ? v : "", cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		}
		case OPT_CONSOLE:
			r = config_console(optarg, cfg, err, errlen);
			if (r < 0)
				return r;
			break;
		case OPT_API_SOCKET:
			r = api_server_parse(optarg, &cfg->api, err, errlen);
			if (r < 0)
				return r;
			cfg->has_api = true;
			break;
		case OPT_EVENT_MONITOR:
			cfg->event_monitor = optarg;
			break;
		case OPT_SECCOMP:
			/* strict: what true meant before the main loop enforced too; old command lines work. */
			if (strcmp(optarg, "strict") == 0) {
				cfg->seccomp = SC_MODE_ENFORCE;
			} else if (seccomp_parse_mode(optarg, &cfg->seccomp) < 0) {
				snprintf(err, errlen, "--seccomp: expected true, false or log, not '%s'", optarg);
				return -EINVAL;
			}
			/* Daemons come from the spawn helper and do not inherit the main loop's filter. */
			cfg->seccomp_main = cfg->seccomp;
			break;
		case OPT_SANDBOX_LEVEL:
			if (config_sandbox_level_parse(optarg, &cfg->sandbox_level) < 0) {
				snprintf(err, errlen, "--sandbox-level: expected basic or none, not '%s'", optarg);
				return -EINVAL;
			}
			break;
		case OPT_TRACE_BOOT:
			cfg->trace_boot = true;
			break;
		case 'v':
			cfg->log_level = LOG_LVL_DEBUG;
			break;
		case 'h':
			*ret_action = CONFIG_HELP;
			return 0;
		case 'V':
			*ret_action = CONFIG_VERSION;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (!cfg->kernel && !cfg->has_api) {
		snprintf(err, errlen, "--kernel is required (see --help)");
		return -EINVAL;
	}
	r = console_parse(serial, &cfg->serial, err, errlen);
	if (r < 0)
		return r;
	r = config_check_devices(cfg, err, errlen);
	if (r < 0)
		return r;
	*ret_action = CONFIG_RUN;
	return 0;
}

void config_fini(struct vm_config *cfg)
{
	for (unsigned int i = 0; i < cfg->ndisks && i < CONFIG_MAX_DISKS; i++) {
		free(cfg->disks[i].path);
		free(cfg->disks[i].socket);
		cfg->disks[i].path = NULL;
		cfg->disks[i].socket = NULL;
	}
	cfg->ndisks = 0;
	config_fini_devices(cfg);
}
