/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio console device type (device id 3): one port, receiveq and
 * transmitq. VIRTIO_CONSOLE_F_SIZE and F_EMERG_WRITE pass through when the
 * back-end offers them (cols/rows and emerg_wr then come from its config
 * space); MULTIPORT is not offered (no control queues).
 */
#ifndef CNH_VMM_VHOST_USER_CONSOLE_H
#define CNH_VMM_VHOST_USER_CONSOLE_H

#include "vmm/vhost_user/frontend.h"

extern const struct vhost_user_fe_type vhost_user_console_type;

#endif
