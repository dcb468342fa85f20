/* SPDX-License-Identifier: Apache-2.0 */
/* --pmem file mappings and their guest-physical windows. */
#include "vmm/vhost_user/devices.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/vhost_user/frontend.h"

int vhost_user_pmem_map(const struct pmem_config *pc, struct vhost_user_pmem_region *ret, char *err,
			size_t errlen)
{
	struct stat st;
	uint64_t size;
	void *p;
	int fd, r;

	/* A private (discard_writes) mapping is writable on a read-only file too. */
	fd = open(pc->file, (pc->discard_writes ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot open %s: %s", pc->id, pc->file, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "%s: %s is not a regular file", pc->id, pc->file);
		goto out;
	}
	size = pc->size ? pc->size : (uint64_t)st.st_size;
	r = -EINVAL;
	if (size == 0 || !IS_ALIGNED(size, CONFIG_PMEM_ALIGN)) {
		snprintf(err, errlen, "%s: %s: size %llu is not a non-zero multiple of 2 MiB (give size=)",
			 pc->id, pc->file, (unsigned long long)size);
		goto out;
	}
	if (size > CONFIG_PMEM_MAX_TOTAL) {
		snprintf(err, errlen, "%s: %s is larger than 32 GiB", pc->id, pc->file);
		goto out;
	}
	/* Beyond the end of the file the guest would fault (SIGBUS in KVM_RUN). */
	if (size > (uint64_t)st.st_size) {
		snprintf(err, errlen, "%s: %s is smaller than size=%llu (extend it first, e.g. truncate -s)",
			 pc->id, pc->file, (unsigned long long)size);
		goto out;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 (pc->discard_writes ? MAP_PRIVATE : MAP_SHARED) | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		snprintf(err, errlen, "%s: cannot map %s: %s", pc->id, pc->file, strerror(-r));
		goto out;
	}
	*ret = (struct vhost_user_pmem_region){ .hva = p, .size = size };
	r = 0;
out:
	close(fd);
	return r;
}

void vhost_user_pmem_unmap(struct vhost_user_pmem_region *r)
{
	if (r->hva)
		munmap(r->hva, r->size);
	r->hva = NULL;
}

int vhost_user_devices_place_pmem(struct vhost_user_set *set, uint64_t base, uint64_t size)
{
	uint64_t top = base + size, total = 0;

	for (unsigned int i = 0; i < set->npmem; i++)
		total += set->pmem[i].size;
	if (total > size / 2)
		return -ENOSPC;
	for (unsigned int i = 0; i < set->npmem; i++) {
		top = ALIGN_DOWN(top - set->pmem[i].size, CONFIG_PMEM_ALIGN);
		set->pmem[i].gpa = top;
	}
	for (unsigned int i = 0; i < set->ndevs; i++) {
		struct vhost_user_set_entry *e = &set->ents[i];

		if (e->pmem_index < 0)
			continue;
		if (e->arg.pmem.start != set->pmem[e->pmem_index].gpa) {
			e->arg.pmem.start = set->pmem[e->pmem_index].gpa;
			vhost_user_fe_config_invalidate(e->fe);
		}
	}
	return 0;
}
