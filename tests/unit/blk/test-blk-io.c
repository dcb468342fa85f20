/* SPDX-License-Identifier: Apache-2.0 */
/* The cnh-blk I/O engine against a temporary file, through a real io_uring. */
#include <criterion/criterion.h>
#include <endian.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_blk.h>

#include "vhost-user/blk/blk_disk.h"
#include "vhost-user/blk/blk_io.h"

#define DISK_BYTES (1u << 20)

struct fixture {
	char path[64];
	struct blk_disk disk;
	struct ev_loop *loop;
	struct vu_uring ring;
	struct blk_engine eng;
	unsigned int ndone;
	struct blk_io *last;
};

static struct fixture fx;

static void on_done(struct blk_engine *e, struct blk_io *io)
{
	fx.ndone++;
	fx.last = io;
}

static void open_disk(bool readonly, bool direct)
{
	struct blk_disk_opts o = { .path = fx.path, .readonly = readonly, .direct = direct,
				   .num_queues = 1, .queue_size = 128, .serial = "cnh-test-serial" };
	char err[128];

	cr_assert_eq(blk_disk_open(&fx.disk, &o, err, sizeof(err)), 0, "%s", err);
	fx.loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert_not_null(fx.loop);
	cr_assert_eq(vu_uring_init(&fx.ring, fx.loop, 64), 0);
	blk_engine_init(&fx.eng, &fx.ring, &fx.disk, on_done);
}

static void setup(void)
{
	int fd;

	memset(&fx, 0, sizeof(fx));
	strcpy(fx.path, "/var/tmp/cnh-blk-test-XXXXXX");
	fd = mkstemp(fx.path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(ftruncate(fd, DISK_BYTES), 0);
	close(fd);
}

static void teardown(void)
{
	vu_uring_fini(&fx.ring);
	if (fx.loop)
		ev_loop_destroy(fx.loop);
	blk_disk_fini(&fx.disk);
	unlink(fx.path);
}

/* Submit what was queued and run the loop until n requests are done. */
static void wait_done(unsigned int n)
{
	cr_assert_eq(vu_uring_submit(&fx.ring), 0);
	for (int i = 0; i < 1000 && fx.ndone < n; i++)
		ev_run(fx.loop, EVRUN_ONCE);
	cr_assert_eq(fx.ndone, n);
}

struct chain {
	struct virtio_blk_outhdr hdr;
	struct iovec out[4];
	struct iovec in[4];
	unsigned int nout, nin;
	uint8_t status;
	struct blk_io io;
};

static void chain_init(struct chain *c, uint32_t type, uint64_t sector)
{
	memset(c, 0, sizeof(*c));
	c->hdr.type = htole32(type);
	c->hdr.sector = htole64(sector);
	c->out[c->nout++] = (struct iovec){ &c->hdr, sizeof(c->hdr) };
	c->status = 0xee;
}

static int chain_go(struct chain *c)
{
	c->in[c->nin++] = (struct iovec){ &c->status, 1 };
	return blk_io_handle(&fx.eng, &c->io, c->out, c->nout, c->in, c->nin);
}

static void file_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(fx.path, O_RDONLY | O_CLOEXEC);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void write_pattern(uint64_t sector, size_t len, uint8_t seed)
{
	static uint8_t buf[16384];
	struct chain c;
	unsigned int before = fx.ndone;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7);
	chain_init(&c, VIRTIO_BLK_T_OUT, sector);
	/* Two guest buffers: the engine writes both with one writev. */
	c.out[c.nout++] = (struct iovec){ buf, len / 2 };
	c.out[c.nout++] = (struct iovec){ buf + len / 2, len - len / 2 };
	cr_assert_eq(chain_go(&c), 0);
	wait_done(before + 1);
	cr_assert_eq(c.status, BLK_S_OK);
	cr_assert_eq(c.io.req.used, 0);
}

TestSuite(blk_io, .init = setup, .fini = teardown);

Test(blk_io, write_then_read_back)
{
	uint8_t expect[8192], got[8192];
	struct chain c;

	open_disk(false, false);
	write_pattern(8, sizeof(expect), 3);
	for (size_t i = 0; i < sizeof(expect); i++)
		expect[i] = (uint8_t)(3 + i * 7);
	file_read(8 * 512, got, sizeof(got));
	cr_assert_arr_eq(got, expect, sizeof(got));

	memset(got, 0, sizeof(got));
	chain_init(&c, VIRTIO_BLK_T_IN, 8);
	c.in[c.nin++] = (struct iovec){ got, 512 };
	c.in[c.nin++] = (struct iovec){ got + 512, sizeof(got) - 512 };
	cr_assert_eq(chain_go(&c), 0);
	wait_done(2);
	cr_assert_eq(c.status, BLK_S_OK);
	cr_assert_eq(c.io.req.used, sizeof(got));
	cr_assert_arr_eq(got, expect, sizeof(got));
}

Test(blk_io, flush)
{
	struct chain c;

	open_disk(false, false);
	chain_init(&c, VIRTIO_BLK_T_FLUSH, 0);
	cr_assert_eq(chain_go(&c), 0);
	wait_done(1);
	cr_assert_eq(c.status, BLK_S_OK);
}

static void dwz(uint32_t type, uint64_t sector, uint32_t n, uint32_t flags, uint8_t expect_status)
{
	struct virtio_blk_discard_write_zeroes seg = {
		.sector = htole64(sector), .num_sectors = htole32(n), .flags = htole32(flags),
	};
	struct chain c;
	unsigned int before = fx.ndone;

	chain_init(&c, type, 0);
	c.out[c.nout++] = (struct iovec){ &seg, sizeof(seg) };
	cr_assert_eq(chain_go(&c), 0);
	wait_done(before + 1);
	cr_assert_eq(c.status, expect_status);
}

static void assert_zero(uint64_t off, size_t len)
{
	uint8_t got[8192], zero[8192] = { 0 };

	cr_assert_leq(len, sizeof(got));
	file_read(off, got, len);
	cr_assert_arr_eq(got, zero, len);
}

Test(blk_io, discard_and_write_zeroes)
{
	uint8_t got[512];

	open_disk(false, false);
	write_pattern(0, 16384, 1);
	dwz(VIRTIO_BLK_T_DISCARD, 8, 8, 0, BLK_S_OK);
	assert_zero(8 * 512, 4096);
	dwz(VIRTIO_BLK_T_WRITE_ZEROES, 16, 4, 0, BLK_S_OK);
	assert_zero(16 * 512, 2048);
	dwz(VIRTIO_BLK_T_WRITE_ZEROES, 20, 4, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, BLK_S_OK);
	assert_zero(20 * 512, 2048);
	/* Neighbours untouched. */
	file_read(24 * 512, got, sizeof(got));
	cr_assert_eq(got[0], (uint8_t)(1 + 24 * 512 * 7));
	/* Range checks reach the guest as IOERR. */
	dwz(VIRTIO_BLK_T_WRITE_ZEROES, DISK_BYTES / 512 - 2, 4, 0, BLK_S_IOERR);
}

Test(blk_io, get_id_and_unsupported)
{
	char id[BLK_ID_BYTES + 4];
	struct chain c;

	open_disk(false, false);
	memset(id, 0x55, sizeof(id));
	chain_init(&c, VIRTIO_BLK_T_GET_ID, 0);
	c.in[c.nin++] = (struct iovec){ id, BLK_ID_BYTES };
	cr_assert_eq(chain_go(&c), 0);
	cr_assert_eq(fx.ndone, 1); /* decided at once */
	cr_assert_eq(c.status, BLK_S_OK);
	cr_assert_eq(c.io.req.used, BLK_ID_BYTES);
	cr_assert_str_eq(id, "cnh-test-serial");
	cr_assert_eq(id[BLK_ID_BYTES], 0x55);

	chain_init(&c, 99, 0);
	cr_assert_eq(chain_go(&c), 0);
	cr_assert_eq(c.status, BLK_S_UNSUPP);
}

Test(blk_io, readonly_disk)
{
	uint8_t buf[512] = { 1 };
	struct chain c;

	open_disk(true, false);
	cr_assert(blk_disk_features(&fx.disk) & (1ull << VIRTIO_BLK_F_RO));
	chain_init(&c, VIRTIO_BLK_T_OUT, 0);
	c.out[c.nout++] = (struct iovec){ buf, sizeof(buf) };
	cr_assert_eq(chain_go(&c), 0);
	cr_assert_eq(c.status, BLK_S_IOERR);
	assert_zero(0, 512);
}

Test(blk_io, broken_chain_is_not_completed)
{
	struct chain c;

	open_disk(false, false);
	chain_init(&c, VIRTIO_BLK_T_FLUSH, 0);
	cr_assert_eq(blk_io_handle(&fx.eng, &c.io, c.out, c.nout, c.in, 0), -EPROTO);
	cr_assert_eq(fx.ndone, 0);
}

Test(blk_io, batch_completes_all)
{
	static uint8_t bufs[16][4096];
	static struct chain c[16];

	open_disk(false, false);
	for (int i = 0; i < 16; i++) {
		memset(bufs[i], i + 1, sizeof(bufs[i]));
		chain_init(&c[i], VIRTIO_BLK_T_OUT, (uint64_t)i * 8);
		c[i].out[c[i].nout++] = (struct iovec){ bufs[i], sizeof(bufs[i]) };
		cr_assert_eq(chain_go(&c[i]), 0);
	}
	wait_done(16);
	for (int i = 0; i < 16; i++) {
		uint8_t got[4096];

		cr_assert_eq(c[i].status, BLK_S_OK);
		file_read((uint64_t)i * 4096, got, sizeof(got));
		cr_assert_arr_eq(got, bufs[i], sizeof(got));
	}
}

Test(blk_io, direct_bounces_misaligned_buffers)
{
	uint8_t *mem = aligned_alloc(4096, 3 * 4096);
	uint8_t got[4096];
	struct chain c;

	cr_assert_not_null(mem);
	open_disk(false, true);
	cr_assert(fx.disk.blk_size == 512 || fx.disk.blk_size == 4096);
	for (int i = 0; i < 4096; i++)
		mem[1 + i] = (uint8_t)(i * 13);
	/* Buffer at an odd address: cannot go to O_DIRECT as it is. */
	chain_init(&c, VIRTIO_BLK_T_OUT, 0);
	c.out[c.nout++] = (struct iovec){ mem + 1, 4096 };
	cr_assert_eq(chain_go(&c), 0);
	wait_done(1);
	cr_assert_eq(c.status, BLK_S_OK);
	file_read(0, got, sizeof(got));
	cr_assert_arr_eq(got, mem + 1, sizeof(got));

	/* And read back into another odd buffer. */
	memset(mem + 4096 * 2 - 4000, 0, 4096);
	chain_init(&c, VIRTIO_BLK_T_IN, 0);
	c.in[c.nin++] = (struct iovec){ mem + 3, 4096 };
	cr_assert_eq(chain_go(&c), 0);
	wait_done(2);
	cr_assert_eq(c.status, BLK_S_OK);
	cr_assert_arr_eq(mem + 3, got, sizeof(got));
	free(mem);
}

Test(blk_io, config_space)
{
	struct virtio_blk_config cfg;

	open_disk(false, false);
	blk_disk_config(&fx.disk, &cfg);
	cr_assert_eq(le64toh(cfg.capacity), DISK_BYTES / 512);
	cr_assert_eq(le32toh(cfg.seg_max), 126);
	cr_assert_eq(le32toh(cfg.blk_size), 512);
	cr_assert_eq(le16toh(cfg.num_queues), 1);
	cr_assert_gt(le32toh(cfg.max_discard_sectors), 0);
	cr_assert_eq(le32toh(cfg.max_write_zeroes_seg), BLK_MAX_SEG);
	cr_assert(!(blk_disk_features(&fx.disk) & (1ull << VIRTIO_BLK_F_MQ)));
	cr_assert(blk_disk_features(&fx.disk) & (1ull << VIRTIO_BLK_F_DISCARD));
}
