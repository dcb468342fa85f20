/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Corpus replay: feed every file named on the command line (or found in a
 * directory named there) to the target once. A crash or sanitizer report
 * fails the test; the count printed shows the corpus was found.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "tests/fuzz/fuzz.h"

static unsigned int replay_file(const char *path)
{
	void *buf;
	size_t len;

	if (read_file(path, 1 << 24, &buf, &len) < 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 1;
}

static unsigned int replay(const char *path)
{
	struct stat st;
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: not found\n", path);
		exit(1);
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	d = opendir(path);
	if (!d)
		exit(1);
	while ((de = readdir(d))) {
		char child[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		n += replay(child);
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	unsigned int n = 0;

	for (int i = 1; i < argc; i++)
		n += replay(argv[i]);
	printf("%s: replayed %u inputs\n", argv[0], n);
	if (n == 0) {
		fprintf(stderr, "empty corpus\n");
		return 1;
	}
	return 0;
}
