/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The REST API's JSON bodies: the first byte picks the endpoint schema, the
 * rest is the body. Parsed, and when accepted written back and re-parsed.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc/api.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	char err[256];

	if (size < 1)
		return 0;
	switch (data[0] % 7) {
	case 0: {
		struct api_vm_config c;

		if (api_parse_vm_config(body, len, &c, err, sizeof(err)) == 0) {
			char *json = api_vm_config_to_json(&c);
			struct api_vm_config again;

			if (json && api_parse_vm_config(json, strlen(json), &again, err, sizeof(err)) == 0)
				api_vm_config_fini(&again);
			free(json);
			api_vm_config_fini(&c);
		}
		break;
	}
	case 1: {
		struct api_disk d;

		if (api_parse_disk(body, len, &d, err, sizeof(err)) == 0)
			api_disk_fini(&d);
		break;
	}
	case 2: {
		struct api_net n;

		if (api_parse_net(body, len, &n, err, sizeof(err)) == 0)
			api_net_fini(&n);
		break;
	}
	case 3: {
		struct api_fs f;

		if (api_parse_fs(body, len, &f, err, sizeof(err)) == 0)
			api_fs_fini(&f);
		break;
	}
	case 4: {
		struct api_pmem p;

		if (api_parse_pmem(body, len, &p, err, sizeof(err)) == 0)
			api_pmem_fini(&p);
		break;
	}
	case 5: {
		struct api_vsock v;

		if (api_parse_vsock(body, len, &v, err, sizeof(err)) == 0)
			api_vsock_fini(&v);
		break;
	}
	default: {
		struct api_remove_device r;

		if (api_parse_remove_device(body, len, &r, err, sizeof(err)) == 0)
			free(r.id);
		break;
	}
	}
	return 0;
}
