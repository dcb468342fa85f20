/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The event monitor (--event-monitor path=PATH|fd=N), as in Cloud
 * Hypervisor: one JSON object per line,
 *
 *   {"timestamp": {"secs": 1, "nanos": 5000}, "source": "vm",
 *    "event": "booted", "properties": {"id": "disk0"}}
 *
 * timestamp is the time since the monitor was opened (CLOCK_MONOTONIC);
 * source is "vmm", "vm", "virtio-device" or "daemon"; properties is an
 * object or null. Only the main loop's thread emits: other threads post
 * through the VMM's event path. A write error is logged once and the
 * monitor keeps going (events are advisory, the VM is not).
 */
#ifndef CNH_VMM_EVENT_H
#define CNH_VMM_EVENT_H

#include <jansson.h>
#include <stddef.h>

#include "common/util.h"

struct event_monitor;

/*
 * Parse "path=PATH" or "fd=N" (N >= 0). Exactly one key. On success
 * *ret_path points into spec (or is NULL) and *ret_fd is N (or -1).
 */
int event_monitor_parse(const char *spec, const char **ret_path, int *ret_fd, char *err,
			size_t errlen) __must_check;
/*
 * Open the monitor: path= is opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC
 * (0600), fd= is taken over (closed by _free, set O_CLOEXEC).
 */
int event_monitor_open(const char *spec, struct event_monitor **ret, char *err,
		       size_t errlen) __must_check;
void event_monitor_free(struct event_monitor *m);
/*
 * Write one event. properties is stolen (may be NULL: "properties": null).
 * m may be NULL (no monitor): properties is freed, nothing written.
 */
void event_monitor_emit(struct event_monitor *m, const char *source, const char *event,
			json_t *properties);
/* Shorthand: properties {"id": id} (id may be NULL: no properties). */
void event_monitor_emit_id(struct event_monitor *m, const char *source, const char *event,
			   const char *id);

#endif
