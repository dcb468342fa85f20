/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scripted vhost-user back-end on a thread: answers a front-end on one
 * socket, records every message (request, flags, payload, identity of the
 * fds it got) and misbehaves on request when told to.
 */
#ifndef CNH_TESTS_FAKE_BACKEND_H
#define CNH_TESTS_FAKE_BACKEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc/vhost_user.h"

#define FAKE_MAX_LOG 128

enum fake_fault {
	FAKE_OK,
	FAKE_CLOSE,       /* close the socket instead of handling the request */
	FAKE_WRONG_ID,    /* reply with another request id */
	FAKE_SHORT,       /* reply with a 4-byte payload */
	FAKE_NACK,        /* REPLY_ACK with a non-zero status */
	FAKE_NO_REPLY_FLAG, /* reply without FLAG_REPLY */
};

struct fake_entry {
	struct vhost_user_hdr hdr;
	union vhost_user_payload payload;
	unsigned int nfds;
	ino_t ino[VHOST_USER_MAX_FDS]; /* fstat of each fd received */
};

struct fake_backend {
	int sock;
	pthread_t thread;
	/* script */
	uint64_t features;
	uint64_t protocol;
	uint64_t queue_num;
	uint64_t max_mem_slots;
	uint8_t config[VHOST_USER_MAX_CONFIG_SIZE];
	uint32_t fault_request; /* the request that gets fault ... */
	unsigned int fault_nth; /* ... on its nth occurrence (1-based) */
	enum fake_fault fault;
	/* what happened */
	pthread_mutex_t lock;
	unsigned int n;
	struct fake_entry log[FAKE_MAX_LOG];
	int inflight_fd; /* the memfd given in GET_INFLIGHT_FD replies */
	ino_t inflight_ino;
	bool protocol_error; /* a message failed vhost_user_msg_validate */
	int backend_fd;      /* the channel from SET_BACKEND_REQ_FD (kept), -1: none */
	int err_fd;          /* the fd of the last SET_VRING_ERR (kept), -1: none */
};

/* Defaults: a block back-end with every protocol feature cnh wants. */
void fake_init(struct fake_backend *f);
/* Start serving sock (taken over). */
void fake_start(struct fake_backend *f, int sock);
/* Wait until the front-end hung up; then the log is stable. */
void fake_join(struct fake_backend *f);
/* Index of the first logged request req at or after from, or -1. */
int fake_find(struct fake_backend *f, uint32_t req, unsigned int from);

#endif
