/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/api.h"

static char err[512];

static int vm(const char *body, struct api_vm_config *cfg)
{
	err[0] = '\0';
	return api_parse_vm_config(body, strlen(body), cfg, err, sizeof(err));
}

/* The parse fails and the message starts with want. */
static void vm_bad(const char *body, const char *want)
{
	struct api_vm_config cfg;

	cr_assert_eq(vm(body, &cfg), -EINVAL, "accepted: %s", body);
	cr_assert_eq(strncmp(err, want, strlen(want)), 0, "for %s: got '%s', want '%s'", body, err, want);
}

Test(schema, full_vm_config)
{
	struct api_vm_config cfg;

	cr_assert_eq(vm("{\"payload\":{\"kernel\":\"/k\",\"initramfs\":\"/i\",\"cmdline\":\"console=ttyS0\"},"
			"\"cpus\":{\"boot_vcpus\":2,\"max_vcpus\":2},"
			"\"memory\":{\"size\":1073741824,\"hugepages\":true,\"shared\":true},"
			"\"serial\":{\"mode\":\"File\",\"file\":\"/tmp/s\"},"
			"\"disks\":[{\"path\":\"/d0\",\"readonly\":true,\"direct\":true,\"num_queues\":2,"
			"\"queue_size\":256,\"id\":\"root\"},{\"vhost_user\":true,\"vhost_socket\":\"/s\"}],"
			"\"net\":[{\"tap\":\"tap0\",\"mac\":\"12:34:56:78:9a:bc\",\"num_queues\":4}],"
			"\"fs\":[{\"tag\":\"share\",\"socket\":\"/fs.sock\"}],"
			"\"pmem\":[{\"file\":\"/p\",\"size\":4194304}],"
			"\"vsock\":{\"cid\":3,\"socket\":\"/v.sock\"}}",
			&cfg),
		     0, "%s", err);
	cr_assert_str_eq(cfg.payload.kernel, "/k");
	cr_assert_str_eq(cfg.payload.initramfs, "/i");
	cr_assert_str_eq(cfg.payload.cmdline, "console=ttyS0");
	cr_assert_eq(cfg.cpus.boot_vcpus, 2);
	cr_assert_eq(cfg.memory.size, 1ULL << 30);
	cr_assert(cfg.memory.hugepages);
	cr_assert_eq(cfg.serial.mode, API_CONSOLE_FILE);
	cr_assert_str_eq(cfg.serial.file, "/tmp/s");
	cr_assert_eq(cfg.ndisks, 2);
	cr_assert(cfg.disks[0].readonly && cfg.disks[0].direct);
	cr_assert_eq(cfg.disks[0].num_queues, 2);
	cr_assert_eq(cfg.disks[0].queue_size, 256);
	cr_assert_str_eq(cfg.disks[0].id, "root");
	cr_assert(cfg.disks[1].vhost_user);
	cr_assert_eq(cfg.disks[1].queue_size, 128, "default");
	cr_assert_eq(cfg.nnet, 1);
	cr_assert_eq(cfg.net[0].num_queues, 4);
	cr_assert_eq(cfg.nfs, 1);
	cr_assert_eq(cfg.fs[0].queue_size, 1024);
	cr_assert_eq(cfg.npmem, 1);
	cr_assert_eq(cfg.nvsock, 1);
	cr_assert_eq(cfg.vsock[0].cid, 3);

	/* Round trip: what we write parses back to the same config. */
	char *json = api_vm_config_to_json(&cfg);
	struct api_vm_config again;

	cr_assert_not_null(json);
	cr_assert_eq(vm(json, &again), 0, "%s: %s", json, err);
	char *json2 = api_vm_config_to_json(&again);
	cr_assert_str_eq(json, json2);
	free(json);
	free(json2);
	api_vm_config_fini(&again);
	api_vm_config_fini(&cfg);
}

Test(schema, defaults)
{
	struct api_vm_config cfg;

	cr_assert_eq(vm("{\"payload\":{\"kernel\":\"/k\"}}", &cfg), 0, "%s", err);
	cr_assert_eq(cfg.cpus.boot_vcpus, 1);
	cr_assert_eq(cfg.memory.size, 512ULL << 20);
	cr_assert_eq(cfg.serial.mode, API_CONSOLE_TTY);
	cr_assert_eq(cfg.ndisks, 0);
	cr_assert_null(cfg.vsock);
	api_vm_config_fini(&cfg);
}

Test(schema, vm_config_errors_name_the_field)
{
	vm_bad("", "a JSON body is required");
	vm_bad("{", "invalid JSON");
	vm_bad("[]", "expected a JSON object");
	vm_bad("{}", "payload: required");
	vm_bad("{\"payload\":{}}", "payload.kernel: required");
	vm_bad("{\"payload\":{\"kernel\":\"\"}}", "payload.kernel: must not be empty");
	vm_bad("{\"payload\":{\"kernel\":5}}", "payload.kernel: expected a string");
	vm_bad("{\"payload\":{\"kernel\":\"a\\u0000b\"}}", "invalid JSON"); /* jansson refuses \\u0000 */
	vm_bad("{\"payload\":{\"kernel\":\"/k\",\"firmware\":\"/f\"}}", "payload.firmware: unknown field");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"balloon\":{}}", "balloon: unknown field");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"console\":{\"mode\":\"File\"}}", "console.file: required with mode File");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"fs\":[{\"tag\":\"t\"}]}", "fs[0].socket: exactly one of socket and path is required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"payload\":{\"kernel\":\"/k\"}}", "invalid JSON");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":\"1G\"}}", "memory.size: expected an integer");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":1.5}}", "memory.size: expected an integer");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":-1}}", "memory.size: must be between");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":1048576}}", "memory.size: must be between");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":17825793}}", "memory.size: must be a multiple of 1 MiB");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"size\":17825792,\"hugepages\":true}}",
	       "memory.size: must be a multiple of 2 MiB");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"memory\":{\"hugepages\":1}}", "memory.hugepages: expected true or false");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"cpus\":{\"boot_vcpus\":0}}", "cpus.boot_vcpus: must be between 1 and 254");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"cpus\":{\"boot_vcpus\":2,\"max_vcpus\":4}}", "cpus.max_vcpus: must equal");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"cpus\":3}", "cpus: expected an object");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"serial\":{}}", "serial.mode: required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"serial\":{\"mode\":\"Loud\"}}", "serial.mode: expected one of");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"serial\":{\"mode\":\"Socket\"}}", "serial.socket: required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":{}}", "disks: expected an array");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\"},{\"path\":3}]}", "disks[1].path: expected a string");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{}]}", "disks[0].path: required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\",\"queue_size\":100}]}",
	       "disks[0].queue_size: must be a power of two");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"vhost_user\":true}]}", "disks[0].vhost_socket: required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\",\"id\":\"_x\"}]}", "disks[0].id: ids starting");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\",\"bogus\":1}]}", "disks[0].bogus: unknown field");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\",\"id\":\"a b\"}]}", "disks[0].id: letters, digits");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"disks\":[{\"path\":\"/a\",\"num_queues\":17}]}", "disks[0].num_queues: must be between 1 and 16");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"net\":[{\"mac\":\"zz\"}]}", "net[0].mac: expected");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"net\":[{\"num_queues\":3}]}", "net[0].num_queues: must be even");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"pmem\":[{\"size\":1}]}", "pmem[0].file: required");
	vm_bad("{\"payload\":{\"kernel\":\"/k\"},\"vsock\":{\"cid\":2,\"socket\":\"/s\"}}", "vsock.cid: must be between 3");

	/* Array bound. */
	char big[4096] = "{\"payload\":{\"kernel\":\"/k\"},\"disks\":[";
	for (int i = 0; i <= API_MAX_DISKS; i++)
		strcat(big, i ? ",{\"path\":\"/d\"}" : "{\"path\":\"/d\"}");
	strcat(big, "]}");
	vm_bad(big, "disks: at most 8 entries");
}

Test(schema, device_bodies)
{
	struct api_disk d;
	struct api_net n;
	struct api_fs f;
	struct api_pmem p;
	struct api_vsock v;
	struct api_remove_device rd;

#define P(fn, body, obj) api_parse_##fn(body, strlen(body), obj, err, sizeof(err))
	cr_assert_eq(P(disk, "{\"path\":\"/a\",\"readonly\":true}", &d), 0, "%s", err);
	cr_assert(d.readonly);
	api_disk_fini(&d);
	cr_assert_eq(P(disk, "{\"path\":1}", &d), -EINVAL);
	cr_assert_str_eq(err, "path: expected a string");
	cr_assert_eq(P(net, "{\"tap\":\"tap0\",\"vhost_mode\":\"Server\",\"vhost_user\":true,\"vhost_socket\":\"/s\"}", &n), 0, "%s", err);
	api_net_fini(&n);
	cr_assert_eq(P(net, "{\"tap\":\"a-name-longer-than-15\"}", &n), -EINVAL);
	cr_assert_str_eq(err, "tap: longer than 15 bytes");
	cr_assert_eq(P(fs, "{\"tag\":\"t\",\"socket\":\"/s\",\"num_queues\":1,\"queue_size\":512}", &f), 0, "%s", err);
	cr_assert_eq(f.queue_size, 512);
	api_fs_fini(&f);
	cr_assert_eq(P(fs, "{\"socket\":\"/s\"}", &f), -EINVAL);
	cr_assert_str_eq(err, "tag: required");
	cr_assert_eq(P(pmem, "{\"file\":\"/p\",\"discard_writes\":true}", &p), 0, "%s", err);
	api_pmem_fini(&p);
	cr_assert_eq(P(pmem, "{\"file\":\"/p\",\"size\":12345}", &p), -EINVAL);
	cr_assert_str_eq(err, "size: must be a multiple of 2 MiB");
	cr_assert_eq(P(vsock, "{\"cid\":42,\"socket\":\"/v\"}", &v), 0, "%s", err);
	cr_assert_eq(v.cid, 42);
	api_vsock_fini(&v);
	cr_assert_eq(P(vsock, "{\"socket\":\"/v\"}", &v), -EINVAL);
	cr_assert_str_eq(err, "cid: required");
	cr_assert_eq(P(remove_device, "{\"id\":\"_disk0\"}", &rd), 0, "%s", err);
	cr_assert_str_eq(rd.id, "_disk0");
	api_remove_device_fini(&rd);
	cr_assert_eq(P(remove_device, "{}", &rd), -EINVAL);
	cr_assert_str_eq(err, "id: required");
	cr_assert_eq(P(remove_device, "{\"id\":\"\"}", &rd), -EINVAL);
	cr_assert_str_eq(err, "id: must not be empty");
#undef P
}

Test(schema, writers)
{
	static const char *const feats[] = { "kvm" };
	struct api_counter c[] = { { "_disk0", "read_bytes", 10 }, { "_disk0", "write_bytes", 20 },
				   { "_net0", "rx_bytes", 5 } };
	struct api_vm_config cfg;
	json_t *root;
	char *s;

	s = api_ping_to_json("1.2.3", 42, feats, 1);
	root = json_loads(s, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(root, "version")), "1.2.3");
	cr_assert_eq(json_integer_value(json_object_get(root, "pid")), 42);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(root, "features"), 0)), "kvm");
	json_decref(root);
	free(s);

	s = api_counters_to_json(c, 3);
	root = json_loads(s, 0, NULL);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(root, "_disk0"), "write_bytes")), 20);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(root, "_net0"), "rx_bytes")), 5);
	json_decref(root);
	free(s);

	cr_assert_eq(vm("{\"payload\":{\"kernel\":\"/k\"}}", &cfg), 0);
	s = api_vm_info_to_json(&cfg, API_VM_PAUSED, 123);
	root = json_loads(s, 0, NULL);
	cr_assert_str_eq(json_string_value(json_object_get(root, "state")), "Paused");
	cr_assert_eq(json_integer_value(json_object_get(root, "memory_actual_size")), 123);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(root, "config"),
									      "payload"), "kernel")), "/k");
	json_decref(root);
	free(s);
	api_vm_config_fini(&cfg);

	s = api_error_to_json("memory.size: expected an integer");
	cr_assert_str_eq(s, "{\"error\":\"memory.size: expected an integer\"}");
	free(s);
	cr_assert_str_eq(api_vm_state_name(API_VM_NOT_CREATED), "NotCreated");
	enum api_console_mode m;
	cr_assert_eq(api_console_mode_parse("socket", &m), 0);
	cr_assert_eq(m, API_CONSOLE_SOCKET);
}
