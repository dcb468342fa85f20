/* SPDX-License-Identifier: Apache-2.0 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/event.h"

Test(event, parse_specs)
{
	const char *path;
	char err[128];
	int fd;

	cr_assert_eq(event_monitor_parse("path=/tmp/x", &path, &fd, err, sizeof(err)), 0);
	cr_assert_str_eq(path, "/tmp/x");
	cr_assert_eq(fd, -1);
	cr_assert_eq(event_monitor_parse("fd=7", &path, &fd, err, sizeof(err)), 0);
	cr_assert_null(path);
	cr_assert_eq(fd, 7);
	const char *bad[] = { "", "path=", "fd=", "fd=-1", "fd=3x", "fd=99999999999", "file=/x", "path" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(event_monitor_parse(bad[i], &path, &fd, err, sizeof(err)), -EINVAL, "%s", bad[i]);
	cr_assert_eq(event_monitor_parse(NULL, &path, &fd, err, sizeof(err)), -EINVAL);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 65536);

	cr_assert_not_null(f);
	fread(buf, 1, 65535, f);
	fclose(f);
	return buf;
}

Test(event, lines_are_json_objects)
{
	char tmpl[] = "/tmp/cnh-event-XXXXXX", spec[64], err[128];
	struct event_monitor *m;
	json_t *o;
	char *text, *line2;
	int fd = mkstemp(tmpl);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(spec, sizeof(spec), "path=%s", tmpl);
	cr_assert_eq(event_monitor_open(spec, &m, err, sizeof(err)), 0, "%s", err);
	event_monitor_emit(m, "vmm", "starting", NULL);
	event_monitor_emit_id(m, "virtio-device", "activated", "disk0");
	event_monitor_free(m);
	/* NULL monitor: no-op, properties freed (ASan would notice a leak). */
	event_monitor_emit(NULL, "vm", "booted", json_pack("{s:i}", "x", 1));

	text = slurp(tmpl);
	line2 = strchr(text, '\n');
	cr_assert_not_null(line2);
	*line2++ = '\0';
	cr_assert_not_null(strchr(line2, '\n'), "every event ends with a newline");
	cr_assert_eq(strchr(strchr(line2, '\n') + 1, '\n'), NULL, "two lines only");

	o = json_loads(text, 0, NULL);
	cr_assert_not_null(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "source")), "vmm");
	cr_assert_str_eq(json_string_value(json_object_get(o, "event")), "starting");
	cr_assert(json_is_null(json_object_get(o, "properties")));
	cr_assert(json_is_integer(json_object_get(json_object_get(o, "timestamp"), "secs")));
	json_int_t nanos = json_integer_value(json_object_get(json_object_get(o, "timestamp"), "nanos"));
	cr_assert(nanos >= 0 && nanos < 1000000000);
	json_decref(o);

	o = json_loads(line2, JSON_DISABLE_EOF_CHECK, NULL);
	cr_assert_not_null(o);
	cr_assert_str_eq(json_string_value(json_object_get(o, "event")), "activated");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "properties"), "id")), "disk0");
	json_decref(o);
	free(text);

	/* O_APPEND: a second monitor on the same file adds to it. */
	cr_assert_eq(event_monitor_open(spec, &m, err, sizeof(err)), 0);
	event_monitor_emit(m, "vmm", "shutdown", NULL);
	event_monitor_free(m);
	text = slurp(tmpl);
	cr_assert_not_null(strstr(text, "starting"));
	cr_assert_not_null(strstr(text, "shutdown"));
	free(text);
	unlink(tmpl);
}

Test(event, fd_is_taken_over)
{
	int p[2];
	char spec[32], err[128], buf[512] = "";
	struct event_monitor *m;

	cr_assert_eq(pipe(p), 0);
	snprintf(spec, sizeof(spec), "fd=%d", p[1]);
	cr_assert_eq(event_monitor_open(spec, &m, err, sizeof(err)), 0);
	cr_assert(fcntl(p[1], F_GETFD) & FD_CLOEXEC);
	event_monitor_emit(m, "daemon", "daemon-exited", json_pack("{s:s,s:i}", "id", "disk0", "pid", 42));
	event_monitor_free(m);
	cr_assert_eq(fcntl(p[1], F_GETFD), -1, "closed by _free");
	cr_assert_gt(read(p[0], buf, sizeof(buf) - 1), 0);
	cr_assert_not_null(strstr(buf, "\"pid\":42"));
	close(p[0]);
}
