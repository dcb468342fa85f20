/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Boot trace points (`cnh --trace-boot`), for tools/bench/boot.py.
 *
 * Each point writes one line to the trace fd:
 *
 *     cnh-trace: <name> <ns since process start>\n
 *
 * "Process start" is a CLOCK_MONOTONIC sample taken by trace_start(), the
 * first statement of main() (so exec and dynamic linking are not included;
 * boot.py measures those from its side through the origin line below).
 * trace_init() also writes, once, the origin itself as an absolute
 * CLOCK_MONOTONIC value:
 *
 *     cnh-trace-origin: CLOCK_MONOTONIC <ns>\n
 *
 * trace_point() formats on the stack and issues one write(2) per line (atomic
 * on a pipe): no locks, no malloc, no stdio, so it is cheap and safe on any
 * thread, vCPU threads included. When tracing is disabled it is one branch.
 *
 * The state (origin, fd, enabled) is the one process-wide variable of this
 * file: written by trace_start()/trace_init() on the main thread before any
 * other thread exists, read-only afterwards.
 */
#ifndef CNH_VMM_TRACE_H
#define CNH_VMM_TRACE_H

#include <stdbool.h>
#include <stdint.h>

/* Trace point names used by cnh, in boot order. */
#define TRACE_MAIN_START "main-start"
#define TRACE_KVM_OPEN "kvm-open"
#define TRACE_MEMORY_READY "memory-ready"
#define TRACE_ACPI_BUILT "acpi-built"
#define TRACE_KERNEL_LOADED "kernel-loaded"
#define TRACE_VCPUS_CREATED "vcpus-created"
#define TRACE_DEVICES_CONNECTED "devices-connected"
#define TRACE_FIRST_KVM_RUN "first-kvm-run"
#define TRACE_GUEST_POWEROFF "guest-poweroff"
#define TRACE_VMM_EXIT "vmm-exit"
/* POST writes are named "post-0xNN" (trace_post()). */

/* Sample the origin (CLOCK_MONOTONIC). Call first thing in main(). */
void trace_start(void);

/*
 * Enable or disable tracing to fd (not owned, not closed; usually 2). Samples
 * the origin now if trace_start() was not called. When enabled, writes the
 * origin line and the "main-start 0" point.
 */
void trace_init(bool enabled, int fd);

bool trace_enabled(void);

/* One line "cnh-trace: <name> <now - origin>". Names longer than 64 bytes are cut. */
void trace_point(const char *name);

/* Same, for an event time-stamped earlier with CLOCK_MONOTONIC (mono_ns). */
void trace_point_at(const char *name, uint64_t mono_ns);

/*
 * A post_fn (devices/post.h) for post_new(): every byte written to port 0x80
 * becomes the point "post-0xNN" at the device's own timestamp. opaque unused.
 */
void trace_post(void *opaque, uint8_t value, uint64_t ts_ns);

/* Nanoseconds since the origin, or 0 before trace_start()/trace_init(). */
uint64_t trace_now_ns(void);

#endif
