/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging: levels and a subsystem tag. Libraries log at debug level at most
 * and return errors; executables log once, at the boundary.
 * Output goes to stderr as "cnh[tag]: level: message".
 */
#ifndef CNH_COMMON_LOG_H
#define CNH_COMMON_LOG_H

#include "common/util.h"

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* Program name printed in front of every line ("cnh", "cnh-blk", ...). */
void log_set_ident(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parse "error|warn|info|debug"; 0 or -EINVAL. */
int log_parse_level(const char *s, enum log_level *ret_level) __must_check;

void log_msg(enum log_level level, const char *tag, const char *fmt, ...) __printf(3, 4);

#define log_error(tag, ...) log_msg(LOG_LVL_ERROR, tag, __VA_ARGS__)
#define log_warn(tag, ...) log_msg(LOG_LVL_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...) log_msg(LOG_LVL_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...)                                    \
	do {                                                   \
		if (log_get_level() >= LOG_LVL_DEBUG)          \
			log_msg(LOG_LVL_DEBUG, tag, __VA_ARGS__); \
	} while (0)

#endif
