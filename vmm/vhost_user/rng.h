/* SPDX-License-Identifier: Apache-2.0 */
/* The virtio entropy device type (device id 4): one request queue, no config space. */
#ifndef CNH_VMM_VHOST_USER_RNG_H
#define CNH_VMM_VHOST_USER_RNG_H

#include "vmm/vhost_user/frontend.h"

extern const struct vhost_user_fe_type vhost_user_rng_type;

#endif
