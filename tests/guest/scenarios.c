// SPDX-License-Identifier: Apache-2.0
/* The table of device scenarios (see scenarios.h): add one line per scenario. */
#include "scenarios.h"

bool pmem_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* pmem.c */
bool rng_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* rng.c */
bool vconsole_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* vconsole.c */
bool fs_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* fs.c */
bool vsock_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* vsock.c */
bool net_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* net.c */
bool hostile_scenario(struct scenario_ctx *ctx, char *detail, size_t size); /* hostile.c */

const struct scenario device_scenarios[] = {
	{ "pmem", pmem_scenario },
	{ "rng", rng_scenario },
	{ "vconsole", vconsole_scenario },
	{ "fs", fs_scenario },
	{ "vsock", vsock_scenario },
	{ "net", net_scenario },
	{ "virtio-hostile", hostile_scenario },
	{ NULL, NULL }, /* keeps the array non-empty; skipped */
};

const size_t device_scenarios_n = ARRAY_SIZE(device_scenarios);
