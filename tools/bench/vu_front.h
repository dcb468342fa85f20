/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A minimal vhost-user front-end for the benchmark harness: connect to (or
 * spawn) a back-end, negotiate features, share one memory region and start
 * split virtqueues. Messages go through ipc/vhost_user.h; every reply is
 * validated. Errors come back as -errno with a line in err.
 */
#ifndef CNH_BENCH_VU_FRONT_H
#define CNH_BENCH_VU_FRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/util.h"

#define VU_FRONT_ERR_LEN 256

struct vu_front {
	int sock;
	pid_t pid;              /* back-end pid (spawned or SO_PEERCRED), 0 if unknown */
	bool spawned;           /* we own the child */
	uint64_t dev_features;  /* offered by the back-end */
	uint64_t features;      /* acked (SET_FEATURES) */
	uint64_t proto_features; /* negotiated protocol features */
	unsigned int max_queues; /* GET_QUEUE_NUM, 1 without MQ */
	char err[VU_FRONT_ERR_LEN];
};

struct vu_front_vring {
	unsigned int num;
	uint64_t desc_uaddr, avail_uaddr, used_uaddr; /* our virtual addresses */
	int kick_fd, call_fd; /* borrowed */
};

void vu_front_init(struct vu_front *fe);
/* Connect to a listening back-end, retrying for timeout_ms while the socket is not there. */
int vu_front_connect(struct vu_front *fe, const char *path, int timeout_ms) __must_check;
/*
 * Fork and exec argv with one end of a socketpair; each argument's "{fd}"
 * is replaced by that end's number (cnh-blk --fd={fd}).
 */
int vu_front_spawn(struct vu_front *fe, char *const argv[]) __must_check;
/* GET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_OWNER. */
int vu_front_hello(struct vu_front *fe, uint64_t want_proto) __must_check;
/* GET_CONFIG of size bytes from offset 0 into buf (needs PROTOCOL_F_CONFIG). */
int vu_front_get_config(struct vu_front *fe, void *buf, uint32_t size) __must_check;
/* SET_FEATURES: features must be a subset of dev_features. */
int vu_front_set_features(struct vu_front *fe, uint64_t features) __must_check;
/* SET_MEM_TABLE with one region: guest physical 0..size at our address base. */
int vu_front_set_mem(struct vu_front *fe, int memfd, void *base, uint64_t size) __must_check;
/* SET_VRING_NUM/BASE/ADDR/KICK/CALL and SET_VRING_ENABLE(1) for queue idx. */
int vu_front_start_vring(struct vu_front *fe, unsigned int idx, const struct vu_front_vring *vr) __must_check;
/* GET_VRING_BASE: stops the ring; returns its next avail index in *ret_base. */
int vu_front_stop_vring(struct vu_front *fe, unsigned int idx, uint32_t *ret_base) __must_check;
/* Close the socket; a spawned child gets SIGTERM and is reaped. */
void vu_front_fini(struct vu_front *fe);

#endif
