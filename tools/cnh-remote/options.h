/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cloud Hypervisor style option strings ("path=disk.img,readonly=on") into
 * the API structs, for cnh-remote's create and add-* subcommands. Pure.
 * Errors: -EINVAL with a one-line message in err naming the option.
 */
#ifndef CNH_REMOTE_OPTIONS_H
#define CNH_REMOTE_OPTIONS_H

#include "ipc/api.h"

int remote_parse_disk(const char *s, struct api_disk *ret, char *err, size_t errlen) __must_check;
int remote_parse_net(const char *s, struct api_net *ret, char *err, size_t errlen) __must_check;
int remote_parse_fs(const char *s, struct api_fs *ret, char *err, size_t errlen) __must_check;
int remote_parse_pmem(const char *s, struct api_pmem *ret, char *err, size_t errlen) __must_check;
int remote_parse_vsock(const char *s, struct api_vsock *ret, char *err, size_t errlen) __must_check;
/* "boot=N" */
int remote_parse_cpus(const char *s, struct api_cpus *ret, char *err, size_t errlen) __must_check;
/* "size=512M[,hugepages=on][,shared=on]" */
int remote_parse_memory(const char *s, struct api_memory *ret, char *err, size_t errlen) __must_check;
/* "off|null|tty|pty|file=PATH|socket=PATH" */
int remote_parse_serial(const char *s, struct api_serial *ret, char *err, size_t errlen) __must_check;

#endif
