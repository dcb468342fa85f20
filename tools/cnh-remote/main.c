/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cnh-remote: drive a cnh VMM through its REST API socket.
 * Exit status: 0 done, 1 the API answered an error (its message printed),
 * 2 bad usage, 3 cannot connect to the socket (or no valid answer).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/api.h"
#include "ipc/http.h"
#include "tools/cnh-remote/client.h"
#include "tools/cnh-remote/options.h"

#define EXIT_API 1
#define EXIT_USAGE 2
#define EXIT_CONNECT 3

enum remote_arg {
	ARG_NONE,
	ARG_CREATE,
	ARG_DISK,
	ARG_NET,
	ARG_FS,
	ARG_PMEM,
	ARG_VSOCK,
	ARG_ID,
};

struct remote_cmd {
	const char *name;
	const char *method;
	const char *endpoint;
	enum remote_arg arg;
	const char *usage; /* after the subcommand name */
	const char *help;
};

static const struct remote_cmd remote_cmds[] = {
	{ "ping", "GET", "vmm.ping", ARG_NONE, "", "check that the VMM answers; print its version" },
	{ "shutdown-vmm", "PUT", "vmm.shutdown", ARG_NONE, "", "stop the VM and end the VMM process" },
	{ "create", "PUT", "vm.create", ARG_CREATE,
	  "FILE.json | - | --kernel PATH [--initramfs PATH] [--cmdline STR] [--cpus boot=N]\n"
	  "        [--memory size=SIZE[,hugepages=on]] [--serial MODE] [--disk OPTS]... [--net OPTS]...\n"
	  "        [--fs OPTS]... [--pmem OPTS]... [--vsock OPTS]",
	  "create the VM from a VmConfig JSON file (- for stdin) or from cnh-style options" },
	{ "boot", "PUT", "vm.boot", ARG_NONE, "", "boot the created VM" },
	{ "shutdown", "PUT", "vm.shutdown", ARG_NONE, "", "stop the VM (it can be booted again)" },
	{ "reboot", "PUT", "vm.reboot", ARG_NONE, "", "reset the VM and boot it again" },
	{ "power-button", "PUT", "vm.power-button", ARG_NONE, "", "press the ACPI power button" },
	{ "pause", "PUT", "vm.pause", ARG_NONE, "", "pause the vCPUs" },
	{ "resume", "PUT", "vm.resume", ARG_NONE, "", "resume the paused vCPUs" },
	{ "info", "GET", "vm.info", ARG_NONE, "", "print the VM state and configuration" },
	{ "counters", "GET", "vm.counters", ARG_NONE, "", "print the device counters" },
	{ "delete", "PUT", "vm.delete", ARG_NONE, "", "shut the VM down and forget its configuration" },
	{ "add-disk", "PUT", "vm.add-disk", ARG_DISK,
	  "path=PATH[,readonly=on][,direct=on][,num_queues=N][,queue_size=N][,vhost_user=on,socket=PATH][,serial=S][,id=ID]",
	  "add a virtio-blk disk" },
	{ "add-net", "PUT", "vm.add-net", ARG_NET,
	  "[tap=NAME][,mac=MAC][,ip=IP,mask=MASK][,mtu=N][,num_queues=N][,queue_size=N][,vhost_user=on,socket=PATH][,id=ID]",
	  "add a virtio-net device" },
	{ "add-fs", "PUT", "vm.add-fs", ARG_FS, "tag=TAG,socket=PATH[,num_queues=N][,queue_size=N][,id=ID]",
	  "add a virtio-fs device (vhost-user)" },
	{ "add-pmem", "PUT", "vm.add-pmem", ARG_PMEM, "file=PATH[,size=SIZE][,discard_writes=on][,id=ID]",
	  "add a virtio-pmem device" },
	{ "add-vsock", "PUT", "vm.add-vsock", ARG_VSOCK, "cid=N,socket=PATH[,id=ID]", "add a virtio-vsock device" },
	{ "remove-device", "PUT", "vm.remove-device", ARG_ID, "ID", "remove the device with this id" },
};

static void remote_usage(FILE *f)
{
	fprintf(f, "Usage: cnh-remote --api-socket PATH [--json] [--timeout SECONDS] COMMAND [ARGS]\n"
		   "Drive a cnh VMM through its REST API (Cloud Hypervisor's /api/v1).\n\nCommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(remote_cmds); i++)
		fprintf(f, "  %-14s %s\n", remote_cmds[i].name, remote_cmds[i].help);
	fprintf(f, "\n'cnh-remote COMMAND --help' describes a command's arguments.\n"
		   "--json prints the API's JSON answer as is.\n"
		   "Exit status: 0 ok, 1 the API refused (message printed), 2 bad usage,\n"
		   "3 cannot connect to the socket.\n");
}

static void remote_cmd_usage(const struct remote_cmd *c, FILE *f)
{
	fprintf(f, "Usage: cnh-remote --api-socket PATH %s %s\n%s (%s /api/v1/%s)\n", c->name, c->usage,
		c->help, c->method, c->endpoint);
}

/* ---- request bodies ---- */

static int remote_read_json_file(const char *path, char **ret)
{
	void *buf = NULL;
	size_t len = 0;
	int r;

	if (strcmp(path, "-") == 0)
		path = "/dev/stdin";
	r = read_file(path, HTTP_DEFAULT_MAX_BODY, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "cnh-remote: %s: %s\n", path, strerror(-r));
		return EXIT_USAGE;
	}
	*ret = realloc(buf, len + 1);
	if (!*ret) {
		free(buf);
		return EXIT_USAGE;
	}
	(*ret)[len] = '\0';
	return 0;
}

/* Append a parsed device to an array in cfg. */
#define REMOTE_APPEND(arr, n, type, parse, value)                                 \
	do {                                                                      \
		type *grown = realloc(cfg->arr, (cfg->n + 1) * sizeof(type));     \
		if (!grown)                                                       \
			goto nomem;                                               \
		cfg->arr = grown;                                                 \
		if (parse(value, &cfg->arr[cfg->n], err, sizeof(err)) < 0)       \
			goto bad;                                                 \
		cfg->n++;                                                         \
	} while (0)

static int remote_build_config(int argc, char **argv, struct api_vm_config *cfg)
{
	char err[512] = "";

	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char **dst = NULL;

		if (!v) {
			fprintf(stderr, "cnh-remote: create: %s needs a value\n", opt);
			return EXIT_USAGE;
		}
		i++;
		if (strcmp(opt, "--kernel") == 0)
			dst = &cfg->payload.kernel;
		else if (strcmp(opt, "--initramfs") == 0)
			dst = &cfg->payload.initramfs;
		else if (strcmp(opt, "--cmdline") == 0)
			dst = &cfg->payload.cmdline;
		if (dst) {
			free(*dst);
			*dst = strdup(v);
			if (!*dst)
				goto nomem;
		} else if (strcmp(opt, "--cpus") == 0) {
			if (remote_parse_cpus(v, &cfg->cpus, err, sizeof(err)) < 0)
				goto bad;
		} else if (strcmp(opt, "--memory") == 0) {
			if (remote_parse_memory(v, &cfg->memory, err, sizeof(err)) < 0)
				goto bad;
		} else if (strcmp(opt, "--serial") == 0) {
			if (remote_parse_serial(v, &cfg->serial, err, sizeof(err)) < 0)
				goto bad;
		} else if (strcmp(opt, "--disk") == 0) {
			REMOTE_APPEND(disks, ndisks, struct api_disk, remote_parse_disk, v);
		} else if (strcmp(opt, "--net") == 0) {
			REMOTE_APPEND(net, nnet, struct api_net, remote_parse_net, v);
		} else if (strcmp(opt, "--fs") == 0) {
			REMOTE_APPEND(fs, nfs, struct api_fs, remote_parse_fs, v);
		} else if (strcmp(opt, "--pmem") == 0) {
			REMOTE_APPEND(pmem, npmem, struct api_pmem, remote_parse_pmem, v);
		} else if (strcmp(opt, "--vsock") == 0) {
			if (cfg->nvsock) {
				fprintf(stderr, "cnh-remote: create: --vsock given twice\n");
				return EXIT_USAGE;
			}
			REMOTE_APPEND(vsock, nvsock, struct api_vsock, remote_parse_vsock, v);
		} else {
			fprintf(stderr, "cnh-remote: create: unknown option '%s'\n", opt);
			return EXIT_USAGE;
		}
	}
	if (!cfg->payload.kernel) {
		fprintf(stderr, "cnh-remote: create: --kernel is required\n");
		return EXIT_USAGE;
	}
	return 0;
bad:
	fprintf(stderr, "cnh-remote: create: %s\n", err);
	return EXIT_USAGE;
nomem:
	fprintf(stderr, "cnh-remote: out of memory\n");
	return EXIT_USAGE;
}

/* Turn the subcommand's arguments into a JSON body (NULL: none). */
static int remote_body(const struct remote_cmd *c, int argc, char **argv, char **ret)
{
	char err[512] = "";
	int r = 0;

	*ret = NULL;
	if (c->arg == ARG_NONE) {
		if (argc) {
			fprintf(stderr, "cnh-remote: %s takes no arguments\n", c->name);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (c->arg == ARG_CREATE) {
		struct api_vm_config cfg;

		if (argc == 1 && strncmp(argv[0], "--", 2) != 0)
			return remote_read_json_file(argv[0], ret);
		api_vm_config_init(&cfg);
		r = remote_build_config(argc, argv, &cfg);
		if (r == 0) {
			*ret = api_vm_config_to_json(&cfg);
			r = *ret ? 0 : EXIT_USAGE;
		}
		api_vm_config_fini(&cfg);
		return r;
	}
	if (argc != 1) {
		remote_cmd_usage(c, stderr);
		return EXIT_USAGE;
	}
	switch (c->arg) {
	case ARG_DISK: {
		struct api_disk d;

		if ((r = remote_parse_disk(argv[0], &d, err, sizeof(err))) == 0) {
			*ret = api_disk_to_json(&d);
			api_disk_fini(&d);
		}
		break;
	}
	case ARG_NET: {
		struct api_net n;

		if ((r = remote_parse_net(argv[0], &n, err, sizeof(err))) == 0) {
			*ret = api_net_to_json(&n);
			api_net_fini(&n);
		}
		break;
	}
	case ARG_FS: {
		struct api_fs f;

		if ((r = remote_parse_fs(argv[0], &f, err, sizeof(err))) == 0) {
			*ret = api_fs_to_json(&f);
			api_fs_fini(&f);
		}
		break;
	}
	case ARG_PMEM: {
		struct api_pmem p;

		if ((r = remote_parse_pmem(argv[0], &p, err, sizeof(err))) == 0) {
			*ret = api_pmem_to_json(&p);
			api_pmem_fini(&p);
		}
		break;
	}
	case ARG_VSOCK: {
		struct api_vsock v;

		if ((r = remote_parse_vsock(argv[0], &v, err, sizeof(err))) == 0) {
			*ret = api_vsock_to_json(&v);
			api_vsock_fini(&v);
		}
		break;
	}
	case ARG_ID:
		*ret = api_remove_device_to_json(argv[0]);
		break;
	default:
		break;
	}
	if (r < 0) {
		fprintf(stderr, "cnh-remote: %s: %s\n", c->name, err);
		return EXIT_USAGE;
	}
	return *ret ? 0 : EXIT_USAGE;
}

/* ---- human output ---- */

static void remote_print_size(const char *label, json_int_t v)
{
	printf("%s%lld MiB\n", label, (long long)(v >> 20));
}

static void remote_print_info(json_t *root)
{
	json_t *cfg = json_object_get(root, "config"), *a;
	const char *key;
	size_t i;
	json_t *v;

	printf("state: %s\n", json_string_value(json_object_get(root, "state")) ?: "?");
	printf("cpus: %lld\n", (long long)json_integer_value(json_object_get(json_object_get(cfg, "cpus"), "boot_vcpus")));
	remote_print_size("memory: ", json_integer_value(json_object_get(json_object_get(cfg, "memory"), "size")));
	if (json_object_get(root, "memory_actual_size"))
		remote_print_size("memory actual: ",
				  json_integer_value(json_object_get(root, "memory_actual_size")));
	v = json_object_get(cfg, "payload");
	json_object_foreach(v, key, a)
		printf("%s: %s\n", key, json_string_value(a) ?: "");
	printf("serial: %s\n", json_string_value(json_object_get(json_object_get(cfg, "serial"), "mode")) ?: "?");
	static const char *const arrays[] = { "disks", "net", "fs", "pmem" };
	for (size_t k = 0; k < ARRAY_SIZE(arrays); k++) {
		json_array_foreach(json_object_get(cfg, arrays[k]), i, a) {
			const char *akey;
			json_t *av;

			printf("%s %s:", arrays[k], json_string_value(json_object_get(a, "id")) ?: "?");
			json_object_foreach(a, akey, av) {
				char *s;

				if (strcmp(akey, "id") == 0)
					continue;
				s = json_dumps(av, JSON_ENCODE_ANY | JSON_COMPACT);
				printf(" %s=%s", akey, s ? s : "?");
				free(s);
			}
			printf("\n");
		}
	}
	v = json_object_get(cfg, "vsock");
	if (v)
		printf("vsock %s: cid=%lld socket=%s\n", json_string_value(json_object_get(v, "id")) ?: "?",
		       (long long)json_integer_value(json_object_get(v, "cid")),
		       json_string_value(json_object_get(v, "socket")) ?: "");
}

static void remote_print(const struct remote_cmd *c, const char *body)
{
	json_t *root = json_loads(body, 0, NULL), *v;
	const char *key, *k2;
	json_t *dev;
	size_t i;

	if (!root) {
		printf("%s\n", body);
		return;
	}
	if (strcmp(c->endpoint, "vmm.ping") == 0) {
		printf("cnh %s (pid %lld)\n", json_string_value(json_object_get(root, "version")) ?: "?",
		       (long long)json_integer_value(json_object_get(root, "pid")));
		printf("features:");
		json_array_foreach(json_object_get(root, "features"), i, v)
			printf(" %s", json_string_value(v) ?: "?");
		printf("\n");
	} else if (strcmp(c->endpoint, "vm.info") == 0) {
		remote_print_info(root);
	} else if (strcmp(c->endpoint, "vm.counters") == 0) {
		json_object_foreach(root, key, dev)
			json_object_foreach(dev, k2, v)
				printf("%s.%s: %lld\n", key, k2, (long long)json_integer_value(v));
	} else {
		char *s = json_dumps(root, JSON_INDENT(2));

		printf("%s\n", s ? s : body);
		free(s);
	}
	json_decref(root);
}

int main(int argc, char **argv)
{
	const char *socket_path = NULL;
	const struct remote_cmd *cmd = NULL;
	struct remote_response resp = { 0 };
	bool json = false;
	int timeout_ms = 60000, i, r;
	char err[512] = "", *body = NULL;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			remote_usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("cnh-remote %s\n", CNH_VERSION);
			return 0;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--api-socket") == 0 && i + 1 < argc) {
			socket_path = argv[++i];
		} else if (strncmp(a, "--api-socket=", 13) == 0) {
			socket_path = a + 13;
		} else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
			timeout_ms = atoi(argv[++i]) * 1000;
			if (timeout_ms <= 0) {
				fprintf(stderr, "cnh-remote: --timeout: expected a positive number of seconds\n");
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "cnh-remote: unknown option '%s' (see --help)\n", a);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		remote_usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < ARRAY_SIZE(remote_cmds); k++)
		if (strcmp(remote_cmds[k].name, argv[i]) == 0)
			cmd = &remote_cmds[k];
	if (!cmd) {
		fprintf(stderr, "cnh-remote: unknown command '%s' (see --help)\n", argv[i]);
		return EXIT_USAGE;
	}
	for (int k = i + 1; k < argc; k++) {
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			remote_cmd_usage(cmd, stdout);
			return 0;
		}
	}
	if (!socket_path) {
		fprintf(stderr, "cnh-remote: --api-socket PATH is required\n");
		return EXIT_USAGE;
	}
	r = remote_body(cmd, argc - i - 1, argv + i + 1, &body);
	if (r)
		return r;
	r = remote_request(socket_path, cmd->method, cmd->endpoint, body, timeout_ms, &resp, err,
			   sizeof(err));
	free(body);
	if (r < 0) {
		fprintf(stderr, "cnh-remote: %s\n", err);
		return EXIT_CONNECT;
	}
	if (resp.status >= 200 && resp.status < 300) {
		if (resp.body && resp.body_len)
			json ? printf("%s\n", resp.body) : remote_print(cmd, resp.body);
		free(resp.body);
		return 0;
	}
	if (json && resp.body) {
		printf("%s\n", resp.body);
	} else {
		json_t *root = resp.body ? json_loads(resp.body, 0, NULL) : NULL;
		const char *msg = json_string_value(json_object_get(root, "error"));

		fprintf(stderr, "cnh-remote: %s: %d %s%s%s\n", cmd->endpoint, resp.status,
			http_status_reason(resp.status), msg || resp.body ? ": " : "",
			msg ? msg : resp.body ? resp.body : "");
		json_decref(root);
	}
	free(resp.body);
	return EXIT_API;
}
