/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hybrid vsock handshake on the host's unix socket (Firecracker's and
 * Cloud Hypervisor's convention): a host program connects to the socket,
 * writes "CONNECT <port>\n" and, once the guest listener on <port> accepts,
 * reads "OK <host port>\n"; the rest is the byte stream. Connections the
 * guest makes to host port P go to the unix socket "<path>_<P>".
 */
#ifndef CNH_VSOCK_PROTO_H
#define CNH_VSOCK_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

/* Longest accepted CONNECT line, newline included. */
#define VSOCK_PROTO_MAX_LINE 32

/*
 * Parse the CONNECT line at the start of buf[0..len). 0 with the port and
 * the line's length (newline included) in ret_consumed; -EAGAIN when no
 * newline yet and the line may still become valid; -EINVAL when it cannot
 * (wrong keyword, not a u32 port, too long, NUL bytes).
 * Accepts "CONNECT <decimal port>" with one optional "\r" before "\n".
 */
int vsock_proto_parse_connect(const char *buf, size_t len, uint32_t *ret_port, size_t *ret_consumed) __must_check;

/* "OK <port>\n" into buf; returns its length (buf holds at least 20 bytes). */
size_t vsock_proto_format_ok(char *buf, size_t size, uint32_t port);

/* "<uds_path>_<port>" into buf. 0 or -ENAMETOOLONG. */
int vsock_proto_listener_path(char *buf, size_t size, const char *uds_path, uint32_t port) __must_check;

#endif
