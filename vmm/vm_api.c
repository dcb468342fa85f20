/* SPDX-License-Identifier: Apache-2.0 */
#include "vmm/vm_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VM_API_ERR 256

/* ---- replies ---- */

static void vm_api_reply(struct api_reply *ret, int status, char *json)
{
	ret->status = status;
	ret->body = json;
}

static void vm_api_error(struct api_reply *ret, int status, const char *msg)
{
	vm_api_reply(ret, status, api_error_to_json(msg));
}

static int vm_api_status(int r)
{
	switch (r) {
	case -EINVAL:
		return 400;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EBUSY:
	case -EALREADY:
	case -EOPNOTSUPP:
		return 409;
	default:
		return 500;
	}
}

static void vm_api_op_failed(struct api_reply *ret, int r, const char *err, const char *what)
{
	char msg[VM_API_ERR + 64];

	snprintf(msg, sizeof(msg), "%s: %s", what, *err ? err : strerror(-r));
	vm_api_error(ret, vm_api_status(r), msg);
}

/* 409 unless the state is one of the allowed ones (a bit mask of 1 << state). */
static bool vm_api_state_ok(struct vm_api *a, unsigned int allowed, const char *action,
			    struct api_reply *ret)
{
	char msg[128];

	if (allowed & (1u << a->state))
		return true;
	if (a->state == API_VM_NOT_CREATED)
		snprintf(msg, sizeof(msg), "cannot %s: the VM is not created", action);
	else
		snprintf(msg, sizeof(msg), "cannot %s: the VM is %s", action, api_vm_state_name(a->state));
	vm_api_error(ret, 409, msg);
	return false;
}

#define S(x) (1u << API_VM_##x)
#define S_CREATED_ANY (S(CREATED) | S(RUNNING) | S(PAUSED) | S(SHUTDOWN))

/* ---- device kinds, for ids and cold plug ---- */

struct vm_api_kind {
	const char *name;   /* "disk" */
	const char *prefix; /* automatic ids: "_disk0" */
	size_t elsize;
	size_t arr_off, n_off, id_off;
	unsigned int max;
	int (*parse)(const char *body, size_t len, void *ret, char *err, size_t errlen);
	void (*fini)(void *dev);
	int (*hotplug)(const struct vm_control_ops *ops, void *opaque, const void *dev, char *err,
		       size_t errlen);
};

#define VM_API_KIND(kname, type, arr, n, maxn)                                                    \
	static int vm_api_parse_##kname(const char *b, size_t l, void *r, char *e, size_t el)      \
	{                                                                                          \
		return api_parse_##kname(b, l, (type *)r, e, el);                                  \
	}                                                                                          \
	static void vm_api_fini_##kname(void *d)                                                   \
	{                                                                                          \
		api_##kname##_fini((type *)d);                                                     \
	}                                                                                          \
	static int vm_api_hot_##kname(const struct vm_control_ops *ops, void *o, const void *d,    \
				      char *e, size_t el)                                          \
	{                                                                                          \
		if (!ops->add_##kname)                                                             \
			return -EOPNOTSUPP;                                                        \
		return ops->add_##kname(o, (const type *)d, e, el);                                \
	}                                                                                          \
	static const struct vm_api_kind vm_api_kind_##kname = {                                    \
		.name = #kname, .prefix = "_" #kname, .elsize = sizeof(type),                      \
		.arr_off = offsetof(struct api_vm_config, arr),                                    \
		.n_off = offsetof(struct api_vm_config, n), .id_off = offsetof(type, id),          \
		.max = maxn, .parse = vm_api_parse_##kname, .fini = vm_api_fini_##kname,           \
		.hotplug = vm_api_hot_##kname,                                                     \
	};

VM_API_KIND(disk, struct api_disk, disks, ndisks, API_MAX_DISKS)
VM_API_KIND(net, struct api_net, net, nnet, API_MAX_NETS)
VM_API_KIND(fs, struct api_fs, fs, nfs, API_MAX_FS)
VM_API_KIND(pmem, struct api_pmem, pmem, npmem, API_MAX_PMEM)
VM_API_KIND(vsock, struct api_vsock, vsock, nvsock, 1)

static const struct vm_api_kind *const vm_api_kinds[] = {
	&vm_api_kind_disk, &vm_api_kind_net, &vm_api_kind_fs, &vm_api_kind_pmem, &vm_api_kind_vsock,
};

static char **vm_api_arr(struct api_vm_config *cfg, const struct vm_api_kind *k)
{
	return (char **)((char *)cfg + k->arr_off);
}

static unsigned int *vm_api_count(struct api_vm_config *cfg, const struct vm_api_kind *k)
{
	return (unsigned int *)((char *)cfg + k->n_off);
}

static char **vm_api_id(const struct vm_api_kind *k, void *dev)
{
	return (char **)((char *)dev + k->id_off);
}

/* The device with this id: its kind and index. */
static bool vm_api_find(struct api_vm_config *cfg, const char *id, const struct vm_api_kind **ret_kind,
			unsigned int *ret_index)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_api_kinds); i++) {
		const struct vm_api_kind *k = vm_api_kinds[i];
		char *arr = *vm_api_arr(cfg, k);

		for (unsigned int j = 0; j < *vm_api_count(cfg, k); j++) {
			char *dev_id = *vm_api_id(k, arr + j * k->elsize);

			if (dev_id && strcmp(dev_id, id) == 0) {
				*ret_kind = k;
				*ret_index = j;
				return true;
			}
		}
	}
	return false;
}

/* Give dev an id ("_disk3") unless it has one. 0 or -ENOMEM. */
static int vm_api_assign_id(struct api_vm_config *cfg, const struct vm_api_kind *k, void *dev)
{
	char **id = vm_api_id(k, dev);
	const struct vm_api_kind *kk;
	unsigned int idx;
	char buf[32];

	if (*id)
		return 0;
	for (unsigned int n = 0;; n++) {
		snprintf(buf, sizeof(buf), "%s%u", k->prefix, n);
		if (!vm_api_find(cfg, buf, &kk, &idx))
			break;
	}
	*id = strdup(buf);
	return *id ? 0 : -ENOMEM;
}

/* Duplicate ids are -EEXIST; missing ones are assigned. */
static int vm_api_check_ids(struct api_vm_config *cfg, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_api_kinds); i++) {
		const struct vm_api_kind *k = vm_api_kinds[i];
		char *arr = *vm_api_arr(cfg, k);

		for (unsigned int j = 0; j < *vm_api_count(cfg, k); j++) {
			char *id = *vm_api_id(k, arr + j * k->elsize);
			const struct vm_api_kind *fk;
			unsigned int fj;

			if (!id)
				continue;
			vm_api_find(cfg, id, &fk, &fj);
			if (fk != k || fj != j) {
				snprintf(err, errlen, "device id '%s' is used twice", id);
				return -EEXIST;
			}
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(vm_api_kinds); i++) {
		const struct vm_api_kind *k = vm_api_kinds[i];

		for (unsigned int j = 0; j < *vm_api_count(cfg, k); j++) {
			int r = vm_api_assign_id(cfg, k, *vm_api_arr(cfg, k) + j * k->elsize);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ---- endpoints ---- */

static void vm_api_ping(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	static const char *const features[] = { "kvm", "vhost-user" };

	vm_api_reply(ret, 200, api_ping_to_json(CNH_VERSION, getpid(), features, ARRAY_SIZE(features)));
}

static void vm_api_vmm_shutdown(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	if (a->ops->shutdown_vmm)
		a->ops->shutdown_vmm(a->opaque);
	if (a->state == API_VM_RUNNING || a->state == API_VM_PAUSED)
		a->state = API_VM_SHUTDOWN;
	vm_api_reply(ret, 204, NULL);
}

static void vm_api_create(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	struct api_vm_config cfg;
	char err[VM_API_ERR] = "";
	int r;

	if (!vm_api_state_ok(a, S(NOT_CREATED), "create", ret))
		return;
	r = api_parse_vm_config(body, len, &cfg, err, sizeof(err));
	if (r < 0) {
		vm_api_error(ret, vm_api_status(r), err);
		return;
	}
	r = vm_api_check_ids(&cfg, err, sizeof(err));
	if (r == -EEXIST)
		r = -EINVAL; /* a bad body, not a conflict with the VM */
	if (r == 0 && a->ops->create)
		r = a->ops->create(a->opaque, &cfg, err, sizeof(err));
	if (r < 0) {
		api_vm_config_fini(&cfg);
		vm_api_op_failed(ret, r, err, "vm.create");
		return;
	}
	a->cfg = cfg;
	a->state = API_VM_CREATED;
	vm_api_reply(ret, 204, NULL);
}

/* The simple transitions: allowed states, the op, the state after. */
static void vm_api_transition(struct vm_api *a, unsigned int allowed, const char *action,
			      int (*op)(void *, char *, size_t), enum api_vm_state next,
			      struct api_reply *ret)
{
	char err[VM_API_ERR] = "";
	char what[64];
	int r;

	if (!vm_api_state_ok(a, allowed, action, ret))
		return;
	r = op ? op(a->opaque, err, sizeof(err)) : -EOPNOTSUPP;
	if (r < 0) {
		snprintf(what, sizeof(what), "vm.%s", action);
		vm_api_op_failed(ret, r, err, what);
		return;
	}
	a->state = next;
	vm_api_reply(ret, 204, NULL);
}

static void vm_api_boot(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	char err[VM_API_ERR] = "";
	int r;

	if (!vm_api_state_ok(a, S(CREATED) | S(SHUTDOWN), "boot", ret))
		return;
	r = a->ops->boot ? a->ops->boot(a->opaque, &a->cfg, err, sizeof(err)) : -EOPNOTSUPP;
	if (r < 0) {
		vm_api_op_failed(ret, r, err, "vm.boot");
		return;
	}
	a->state = API_VM_RUNNING;
	vm_api_reply(ret, 204, NULL);
}

static void vm_api_shutdown(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	vm_api_transition(a, S(RUNNING) | S(PAUSED), "shutdown", a->ops->shutdown, API_VM_SHUTDOWN, ret);
}

static void vm_api_reboot(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	vm_api_transition(a, S(RUNNING), "reboot", a->ops->reboot, API_VM_RUNNING, ret);
}

static void vm_api_power_button(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	vm_api_transition(a, S(RUNNING), "power-button", a->ops->power_button, API_VM_RUNNING, ret);
}

static void vm_api_pause(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	vm_api_transition(a, S(RUNNING), "pause", a->ops->pause, API_VM_PAUSED, ret);
}

static void vm_api_resume(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;

	vm_api_transition(a, S(PAUSED), "resume", a->ops->resume, API_VM_RUNNING, ret);
}

static void vm_api_info(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	uint64_t actual = a->cfg.memory.size;
	char *json;

	if (!vm_api_state_ok(a, S_CREATED_ANY, "get info", ret))
		return;
	if (a->ops->info && (a->state == API_VM_RUNNING || a->state == API_VM_PAUSED) &&
	    a->ops->info(a->opaque, &actual) < 0)
		actual = a->cfg.memory.size;
	json = api_vm_info_to_json(&a->cfg, a->state, actual);
	if (!json) {
		vm_api_error(ret, 500, "out of memory");
		return;
	}
	vm_api_reply(ret, 200, json);
}

static void vm_api_counters(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	struct api_counter *c = NULL;
	size_t n = 0;
	char *json;
	int r;

	if (!vm_api_state_ok(a, S_CREATED_ANY, "get counters", ret))
		return;
	if (a->ops->counters) {
		r = a->ops->counters(a->opaque, &c, &n);
		if (r < 0) {
			vm_api_op_failed(ret, r, "", "vm.counters");
			return;
		}
	}
	json = api_counters_to_json(c, n);
	free(c);
	if (!json) {
		vm_api_error(ret, 500, "out of memory");
		return;
	}
	vm_api_reply(ret, 200, json);
}

static void vm_api_delete(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	char err[VM_API_ERR] = "";
	int r;

	if (a->state == API_VM_RUNNING || a->state == API_VM_PAUSED) {
		r = a->ops->shutdown ? a->ops->shutdown(a->opaque, err, sizeof(err)) : -EOPNOTSUPP;
		if (r < 0) {
			vm_api_op_failed(ret, r, err, "vm.delete");
			return;
		}
	}
	api_vm_config_fini(&a->cfg);
	a->state = API_VM_NOT_CREATED;
	vm_api_reply(ret, 204, NULL);
}

static void vm_api_add(struct vm_api *a, const struct vm_api_kind *k, const char *body, size_t len,
		       struct api_reply *ret)
{
	char err[VM_API_ERR] = "", action[32], msg[VM_API_ERR + 64];
	const struct vm_api_kind *fk;
	unsigned int fi, *n;
	char *dev, **arr, *grown;
	int r;

	dev = calloc(1, k->elsize);
	if (!dev) {
		vm_api_error(ret, 500, "out of memory");
		return;
	}
	r = k->parse(body, len, dev, err, sizeof(err));
	if (r < 0) {
		vm_api_error(ret, vm_api_status(r), err);
		goto out;
	}
	snprintf(action, sizeof(action), "add a %s", k->name);
	if (!vm_api_state_ok(a, S_CREATED_ANY, action, ret))
		goto fini;
	if (*vm_api_id(k, dev) && vm_api_find(&a->cfg, *vm_api_id(k, dev), &fk, &fi)) {
		snprintf(msg, sizeof(msg), "a device with id '%s' exists", *vm_api_id(k, dev));
		vm_api_error(ret, 409, msg);
		goto fini;
	}
	n = vm_api_count(&a->cfg, k);
	if (*n >= k->max) {
		snprintf(msg, sizeof(msg), "at most %u %s device%s", k->max, k->name, k->max > 1 ? "s" : "");
		vm_api_error(ret, 409, msg);
		goto fini;
	}
	if (vm_api_assign_id(&a->cfg, k, dev) < 0) {
		vm_api_error(ret, 500, "out of memory");
		goto fini;
	}
	if (a->state == API_VM_RUNNING || a->state == API_VM_PAUSED) {
		r = k->hotplug(a->ops, a->opaque, dev, err, sizeof(err));
		if (r == -EOPNOTSUPP && !*err)
			snprintf(err, sizeof(err), "hotplug is not supported yet; add devices before vm.boot");
		if (r < 0) {
			snprintf(msg, sizeof(msg), "vm.add-%s", k->name);
			vm_api_op_failed(ret, r, err, msg);
			goto fini;
		}
	}
	arr = vm_api_arr(&a->cfg, k);
	grown = realloc(*arr, (*n + 1) * k->elsize);
	if (!grown) {
		vm_api_error(ret, 500, "out of memory");
		goto fini;
	}
	*arr = grown;
	memcpy(grown + *n * k->elsize, dev, k->elsize); /* the config owns dev's strings now */
	(*n)++;
	vm_api_reply(ret, 204, NULL);
	goto out;
fini:
	k->fini(dev);
out:
	free(dev);
}

#define VM_API_ADD(kname)                                                                       \
	static void vm_api_add_##kname(void *opaque, const char *body, size_t len,              \
				       struct api_reply *ret)                                   \
	{                                                                                       \
		vm_api_add(opaque, &vm_api_kind_##kname, body, len, ret);                       \
	}
VM_API_ADD(disk)
VM_API_ADD(net)
VM_API_ADD(fs)
VM_API_ADD(pmem)
VM_API_ADD(vsock)

static void vm_api_remove_device(void *opaque, const char *body, size_t len, struct api_reply *ret)
{
	struct vm_api *a = opaque;
	struct api_remove_device rd;
	const struct vm_api_kind *k;
	char err[VM_API_ERR] = "", msg[VM_API_ERR + 64];
	unsigned int idx, *n;
	char *arr;
	int r;

	r = api_parse_remove_device(body, len, &rd, err, sizeof(err));
	if (r < 0) {
		vm_api_error(ret, vm_api_status(r), err);
		return;
	}
	if (!vm_api_state_ok(a, S_CREATED_ANY, "remove a device", ret))
		goto out;
	if (!vm_api_find(&a->cfg, rd.id, &k, &idx)) {
		snprintf(msg, sizeof(msg), "no device with id '%s'", rd.id);
		vm_api_error(ret, 404, msg);
		goto out;
	}
	if (a->state == API_VM_RUNNING || a->state == API_VM_PAUSED) {
		r = a->ops->remove_device ? a->ops->remove_device(a->opaque, rd.id, err, sizeof(err))
					  : -EOPNOTSUPP;
		if (r == -EOPNOTSUPP && !*err)
			snprintf(err, sizeof(err), "hotplug is not supported yet; remove devices while the VM is not running");
		if (r < 0) {
			vm_api_op_failed(ret, r, err, "vm.remove-device");
			goto out;
		}
	}
	arr = *vm_api_arr(&a->cfg, k);
	n = vm_api_count(&a->cfg, k);
	k->fini(arr + idx * k->elsize);
	memmove(arr + idx * k->elsize, arr + (idx + 1) * k->elsize, (*n - idx - 1) * k->elsize);
	(*n)--;
	vm_api_reply(ret, 204, NULL);
out:
	api_remove_device_fini(&rd);
}

static const struct api_route vm_api_route_table[] = {
	{ "vmm.ping", HTTP_GET, false, vm_api_ping },
	{ "vmm.shutdown", HTTP_PUT, false, vm_api_vmm_shutdown },
	{ "vm.create", HTTP_PUT, true, vm_api_create },
	{ "vm.boot", HTTP_PUT, false, vm_api_boot },
	{ "vm.shutdown", HTTP_PUT, false, vm_api_shutdown },
	{ "vm.reboot", HTTP_PUT, false, vm_api_reboot },
	{ "vm.power-button", HTTP_PUT, false, vm_api_power_button },
	{ "vm.pause", HTTP_PUT, false, vm_api_pause },
	{ "vm.resume", HTTP_PUT, false, vm_api_resume },
	{ "vm.info", HTTP_GET, false, vm_api_info },
	{ "vm.counters", HTTP_GET, false, vm_api_counters },
	{ "vm.delete", HTTP_PUT, false, vm_api_delete },
	{ "vm.add-disk", HTTP_PUT, true, vm_api_add_disk },
	{ "vm.add-net", HTTP_PUT, true, vm_api_add_net },
	{ "vm.add-fs", HTTP_PUT, true, vm_api_add_fs },
	{ "vm.add-pmem", HTTP_PUT, true, vm_api_add_pmem },
	{ "vm.add-vsock", HTTP_PUT, true, vm_api_add_vsock },
	{ "vm.remove-device", HTTP_PUT, true, vm_api_remove_device },
};

const struct api_route *vm_api_routes(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(vm_api_route_table);
	return vm_api_route_table;
}

/* ---- life cycle ---- */

void vm_api_init(struct vm_api *a, const struct vm_control_ops *ops, void *opaque)
{
	a->ops = ops;
	a->opaque = opaque;
	a->state = API_VM_NOT_CREATED;
	api_vm_config_init(&a->cfg);
}

void vm_api_fini(struct vm_api *a)
{
	if (!a)
		return;
	api_vm_config_fini(&a->cfg);
	a->state = API_VM_NOT_CREATED;
}

int vm_api_adopt(struct vm_api *a, struct api_vm_config *cfg, enum api_vm_state state, char *err,
		 size_t errlen)
{
	int r = vm_api_check_ids(cfg, err, errlen);

	if (r < 0) {
		if (r == -EEXIST)
			r = -EINVAL;
		api_vm_config_fini(cfg);
		return r;
	}
	api_vm_config_fini(&a->cfg);
	a->cfg = *cfg;
	api_vm_config_init(cfg);
	a->state = state;
	return 0;
}

void vm_api_set_state(struct vm_api *a, enum api_vm_state state)
{
	a->state = state;
}
