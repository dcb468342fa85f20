/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every cnh component. libc only. */
#ifndef CNH_COMMON_UTIL_H
#define CNH_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define __must_check __attribute__((warn_unused_result))
#define __packed __attribute__((packed))
#define __unused __attribute__((unused))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/* Close an fd if it is valid and set it to -1. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

/* True if [base, base+len) overflows a 64-bit address space. */
static inline int range_overflows(uint64_t base, uint64_t len)
{
	return len != 0 && base + len - 1 < base;
}

/* Write all of buf, retrying on EINTR and short writes. 0 or -errno. */
int write_full(int fd, const void *buf, size_t len) __must_check;
/* Read exactly len bytes. 0, -errno, or -EPIPE on early EOF. */
int read_full(int fd, void *buf, size_t len) __must_check;
/* Read a whole file into a malloc'd buffer, at most max bytes. */
int read_file(const char *path, size_t max, void **ret_buf, size_t *ret_len) __must_check;

#endif
