/* SPDX-License-Identifier: Apache-2.0 */
/* AML byte-code builder; see aml.h and ACPI 6.x chapters 6.4 and 20. */
#include "vmm/acpi/aml.h"

#include <stdlib.h>
#include <string.h>

/* AML opcodes (ACPI 6.x 20.2). */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_STRING_PREFIX 0x0d
#define AML_QWORD_PREFIX 0x0e
#define AML_SCOPE_OP 0x10
#define AML_BUFFER_OP 0x11
#define AML_PACKAGE_OP 0x12
#define AML_METHOD_OP 0x14
#define AML_DUAL_NAME_PREFIX 0x2e
#define AML_MULTI_NAME_PREFIX 0x2f
#define AML_EXT_OP_PREFIX 0x5b
#define AML_ROOT_CHAR 0x5c
#define AML_PARENT_PREFIX 0x5e
#define AML_LOCAL0_OP 0x60
#define AML_ARG0_OP 0x68
#define AML_STORE_OP 0x70
#define AML_AND_OP 0x7b
#define AML_NOTIFY_OP 0x86
#define AML_LEQUAL_OP 0x93
#define AML_IF_OP 0xa0
#define AML_RETURN_OP 0xa4
/* After AML_EXT_OP_PREFIX. */
#define AML_EXT_REGION_OP 0x80
#define AML_EXT_FIELD_OP 0x81
#define AML_EXT_DEVICE_OP 0x82

/* Resource descriptor tags (ACPI 6.x 6.4). */
#define RES_IRQ_NOFLAGS 0x22 /* small, type 0x04, length 2 */
#define RES_IO 0x47          /* small, type 0x08, length 7 */
#define RES_END_TAG 0x79     /* small, type 0x0f, length 1 */
#define RES_MEM32_FIXED 0x86
#define RES_DWORD_ADDR 0x87
#define RES_WORD_ADDR 0x88
#define RES_EXT_IRQ 0x89
#define RES_QWORD_ADDR 0x8a
#define RES_REGISTER 0x82

#define RES_ADDR_MEMORY 0
#define RES_ADDR_IO 1
#define RES_ADDR_BUS 2
/* General flags: ResourceProducer, PosDecode, MinFixed, MaxFixed. */
#define RES_ADDR_FIXED_PRODUCER 0x0c

void aml_init(struct aml *a)
{
	memset(a, 0, sizeof(*a));
}

void aml_fini(struct aml *a)
{
	if (!a)
		return;
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

static void aml_fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

/* Make room for n more bytes; false (and the error recorded) on failure. */
static bool aml_reserve(struct aml *a, size_t n)
{
	size_t want, cap;
	uint8_t *p;

	if (a->err)
		return false;
	if (n > AML_MAX_LEN || a->len + n > AML_MAX_LEN) {
		aml_fail(a, -E2BIG);
		return false;
	}
	want = a->len + n;
	if (want <= a->cap)
		return true;
	cap = a->cap ? a->cap : 256;
	while (cap < want)
		cap *= 2;
	p = realloc(a->buf, cap);
	if (!p) {
		aml_fail(a, -ENOMEM);
		return false;
	}
	a->buf = p;
	a->cap = cap;
	return true;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (!aml_reserve(a, n))
		return;
	if (n)
		memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

void aml_le16(struct aml *a, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	aml_bytes(a, b, sizeof(b));
}

void aml_le32(struct aml *a, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(a, b, sizeof(b));
}

void aml_le64(struct aml *a, uint64_t v)
{
	aml_le32(a, (uint32_t)v);
	aml_le32(a, (uint32_t)(v >> 32));
}

/* ---- PkgLength ---- */

int aml_pkglen_raw(uint32_t value, uint8_t out[4])
{
	if (value <= 0x3f) {
		out[0] = (uint8_t)value;
		return 1;
	}
	if (value > 0x0fffffff)
		return -E2BIG;
	/* Lead byte: bits 7-6 count of following bytes, bits 3-0 low nibble. */
	int n = value <= 0xfff ? 2 : value <= 0xfffff ? 3 : 4;

	out[0] = (uint8_t)(((n - 1) << 6) | (value & 0x0f));
	for (int i = 1; i < n; i++)
		out[i] = (uint8_t)(value >> (4 + 8 * (i - 1)));
	return n;
}

int aml_pkglen_pkg(size_t body, uint8_t out[4])
{
	/* The encoded length includes the PkgLength bytes themselves. */
	for (size_t n = 1; n <= 4; n++) {
		static const uint32_t max[] = { 0x3f, 0xfff, 0xfffff, 0x0fffffff };

		if (body <= max[n - 1] - n)
			return aml_pkglen_raw((uint32_t)(body + n), out);
	}
	return -E2BIG;
}

size_t aml_pkg_begin(struct aml *a)
{
	return a->len;
}

void aml_end(struct aml *a, size_t mark)
{
	uint8_t enc[4];
	int n;

	if (a->err)
		return;
	if (mark > a->len) {
		aml_fail(a, -EINVAL);
		return;
	}
	n = aml_pkglen_pkg(a->len - mark, enc);
	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	if (!aml_reserve(a, (size_t)n))
		return;
	memmove(a->buf + mark + n, a->buf + mark, a->len - mark);
	memcpy(a->buf + mark, enc, (size_t)n);
	a->len += (size_t)n;
}

/* ---- names ---- */

static bool aml_lead_char(char c)
{
	return (c >= 'A' && c <= 'Z') || c == '_';
}

static bool aml_name_char(char c)
{
	return aml_lead_char(c) || (c >= '0' && c <= '9');
}

void aml_namestring(struct aml *a, const char *name)
{
	uint8_t segs[255][4];
	size_t nsegs = 0;
	const char *p = name;

	if (!name) {
		aml_fail(a, -EINVAL);
		return;
	}
	if (*p == '\\') {
		aml_byte(a, AML_ROOT_CHAR);
		p++;
	} else {
		while (*p == '^') {
			aml_byte(a, AML_PARENT_PREFIX);
			p++;
		}
	}
	while (*p) {
		size_t n = 0;

		if (nsegs == ARRAY_SIZE(segs))
			goto invalid;
		while (p[n] && p[n] != '.') {
			if (n == 4 || !(n == 0 ? aml_lead_char(p[n]) : aml_name_char(p[n])))
				goto invalid;
			segs[nsegs][n] = (uint8_t)p[n];
			n++;
		}
		if (n == 0)
			goto invalid;
		for (size_t i = n; i < 4; i++)
			segs[nsegs][i] = '_';
		nsegs++;
		p += n;
		if (*p == '.') {
			p++;
			if (!*p)
				goto invalid;
		}
	}
	if (nsegs == 0) {
		aml_byte(a, 0x00); /* NullName */
	} else if (nsegs == 2) {
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	} else if (nsegs > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)nsegs);
	}
	aml_bytes(a, segs, nsegs * 4);
	return;
invalid:
	aml_fail(a, -EINVAL);
}

void aml_ref(struct aml *a, const char *name)
{
	aml_namestring(a, name);
}

/* ---- data objects ---- */

void aml_int(struct aml *a, uint64_t v)
{
	if (v == 0) {
		aml_byte(a, AML_ZERO_OP);
	} else if (v == 1) {
		aml_byte(a, AML_ONE_OP);
	} else if (v <= UINT8_MAX) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_byte(a, (uint8_t)v);
	} else if (v <= UINT16_MAX) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le16(a, (uint16_t)v);
	} else if (v <= UINT32_MAX) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le32(a, (uint32_t)v);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le64(a, v);
	}
}

void aml_string(struct aml *a, const char *s)
{
	if (!s) {
		aml_fail(a, -EINVAL);
		return;
	}
	/* AsciiCharList is 0x01-0x7f. */
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			aml_fail(a, -EINVAL);
			return;
		}
	}
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static int aml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;

	if (!id || strlen(id) != 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	/* Three letters compressed to 5 bits each, then four hex digits. */
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			aml_fail(a, -EINVAL);
			return;
		}
		v |= (uint32_t)(id[i] - 0x40) << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int d = aml_hex_digit(id[i]);

		if (d < 0) {
			aml_fail(a, -EINVAL);
			return;
		}
		v |= (uint32_t)d << (4 * (6 - i));
	}
	/* The compressed id is stored big-endian. */
	aml_byte(a, AML_DWORD_PREFIX);
	aml_le32(a, __builtin_bswap32(v));
}

void aml_buffer(struct aml *a, const void *data, size_t len)
{
	size_t m;

	aml_byte(a, AML_BUFFER_OP);
	m = aml_pkg_begin(a);
	aml_int(a, len);
	aml_bytes(a, data, len);
	aml_end(a, m);
}

size_t aml_package_begin(struct aml *a, uint8_t nelems)
{
	size_t m;

	aml_byte(a, AML_PACKAGE_OP);
	m = aml_pkg_begin(a);
	aml_byte(a, nelems);
	return m;
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_namestring(a, name);
}

void aml_name_int(struct aml *a, const char *name, uint64_t v)
{
	aml_name(a, name);
	aml_int(a, v);
}

void aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_name(a, name);
	aml_string(a, s);
}

void aml_name_eisaid(struct aml *a, const char *name, const char *id)
{
	aml_name(a, name);
	aml_eisaid(a, id);
}

/* ---- named objects ---- */

size_t aml_scope_begin(struct aml *a, const char *name)
{
	size_t m;

	aml_byte(a, AML_SCOPE_OP);
	m = aml_pkg_begin(a);
	aml_namestring(a, name);
	return m;
}

size_t aml_device_begin(struct aml *a, const char *name)
{
	size_t m;

	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_EXT_DEVICE_OP);
	m = aml_pkg_begin(a);
	aml_namestring(a, name);
	return m;
}

size_t aml_method_begin(struct aml *a, const char *name, unsigned int nargs, bool serialized)
{
	size_t m;

	if (nargs > 7)
		aml_fail(a, -EINVAL);
	aml_byte(a, AML_METHOD_OP);
	m = aml_pkg_begin(a);
	aml_namestring(a, name);
	/* MethodFlags: bits 0-2 ArgCount, bit 3 SerializeFlag, SyncLevel 0. */
	aml_byte(a, (uint8_t)((nargs & 7) | (serialized ? 0x08 : 0)));
	return m;
}

void aml_op_region(struct aml *a, const char *name, enum aml_region_space space,
		   uint64_t offset, uint64_t len)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_EXT_REGION_OP);
	aml_namestring(a, name);
	aml_byte(a, (uint8_t)space);
	aml_int(a, offset);
	aml_int(a, len);
}

size_t aml_field_begin(struct aml *a, const char *region, uint8_t flags)
{
	size_t m;

	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_EXT_FIELD_OP);
	m = aml_pkg_begin(a);
	aml_namestring(a, region);
	aml_byte(a, flags);
	return m;
}

static void aml_field_len(struct aml *a, uint32_t bits)
{
	uint8_t enc[4];
	int n = aml_pkglen_raw(bits, enc);

	if (n < 0) {
		aml_fail(a, n);
		return;
	}
	aml_bytes(a, enc, (size_t)n);
}

void aml_field_unit(struct aml *a, const char *name, uint32_t bits)
{
	size_t before = a->len;

	/* NamedField: a bare NameSeg, then the bit length. */
	aml_namestring(a, name);
	if (!a->err && a->len - before != 4)
		aml_fail(a, -EINVAL);
	aml_field_len(a, bits);
}

void aml_field_reserved(struct aml *a, uint32_t bits)
{
	aml_byte(a, 0x00); /* ReservedField */
	aml_field_len(a, bits);
}

/* ---- terms and operators ---- */

void aml_local(struct aml *a, unsigned int n)
{
	if (n > 7)
		aml_fail(a, -EINVAL);
	aml_byte(a, (uint8_t)(AML_LOCAL0_OP + (n & 7)));
}

void aml_arg(struct aml *a, unsigned int n)
{
	if (n > 6)
		aml_fail(a, -EINVAL);
	aml_byte(a, (uint8_t)(AML_ARG0_OP + (n % 7)));
}

void aml_null_target(struct aml *a)
{
	aml_byte(a, 0x00);
}

void aml_op_store(struct aml *a)
{
	aml_byte(a, AML_STORE_OP);
}

void aml_op_and(struct aml *a)
{
	aml_byte(a, AML_AND_OP);
}

void aml_op_lequal(struct aml *a)
{
	aml_byte(a, AML_LEQUAL_OP);
}

void aml_op_notify(struct aml *a)
{
	aml_byte(a, AML_NOTIFY_OP);
}

void aml_op_return(struct aml *a)
{
	aml_byte(a, AML_RETURN_OP);
}

size_t aml_if_begin(struct aml *a)
{
	aml_byte(a, AML_IF_OP);
	return aml_pkg_begin(a);
}

/* ---- resource descriptors ---- */

void aml_res_io(struct aml *r, uint16_t min, uint16_t max, uint8_t align, uint8_t len)
{
	aml_byte(r, RES_IO);
	aml_byte(r, 0x01); /* Decode16 */
	aml_le16(r, min);
	aml_le16(r, max);
	aml_byte(r, align);
	aml_byte(r, len);
}

void aml_res_irq_noflags(struct aml *r, unsigned int irq)
{
	if (irq > 15) {
		aml_fail(r, -EINVAL);
		return;
	}
	aml_byte(r, RES_IRQ_NOFLAGS);
	aml_le16(r, (uint16_t)(1u << irq));
}

void aml_res_mem32_fixed(struct aml *r, bool rw, uint32_t base, uint32_t len)
{
	aml_byte(r, RES_MEM32_FIXED);
	aml_le16(r, 9);
	aml_byte(r, rw ? 1 : 0);
	aml_le32(r, base);
	aml_le32(r, len);
}

static uint8_t aml_mem_flags(enum aml_mem_cache cache, bool rw)
{
	/* _MTP AddressRangeMemory, _TTP TypeStatic; _MEM bits 2-1, _RW bit 0. */
	return (uint8_t)(((unsigned int)cache & 3) << 1 | (rw ? 1 : 0));
}

static void aml_res_word(struct aml *r, uint8_t type, uint8_t type_flags, uint16_t min,
			 uint16_t max)
{
	if (min > max) {
		aml_fail(r, -EINVAL);
		return;
	}
	aml_byte(r, RES_WORD_ADDR);
	aml_le16(r, 13);
	aml_byte(r, type);
	aml_byte(r, RES_ADDR_FIXED_PRODUCER);
	aml_byte(r, type_flags);
	aml_le16(r, 0); /* granularity */
	aml_le16(r, min);
	aml_le16(r, max);
	aml_le16(r, 0); /* translation */
	aml_le16(r, (uint16_t)(max - min + 1));
}

void aml_res_word_bus(struct aml *r, uint16_t min, uint16_t max)
{
	aml_res_word(r, RES_ADDR_BUS, 0, min, max);
}

void aml_res_word_io(struct aml *r, uint16_t min, uint16_t max)
{
	/* _RNG EntireRange. */
	aml_res_word(r, RES_ADDR_IO, 0x03, min, max);
}

void aml_res_dword_memory(struct aml *r, enum aml_mem_cache cache, bool rw, uint32_t min,
			  uint32_t max)
{
	if (min > max) {
		aml_fail(r, -EINVAL);
		return;
	}
	aml_byte(r, RES_DWORD_ADDR);
	aml_le16(r, 23);
	aml_byte(r, RES_ADDR_MEMORY);
	aml_byte(r, RES_ADDR_FIXED_PRODUCER);
	aml_byte(r, aml_mem_flags(cache, rw));
	aml_le32(r, 0);
	aml_le32(r, min);
	aml_le32(r, max);
	aml_le32(r, 0);
	aml_le32(r, max - min + 1);
}

void aml_res_qword_memory(struct aml *r, enum aml_mem_cache cache, bool rw, uint64_t min,
			  uint64_t max)
{
	if (min > max) {
		aml_fail(r, -EINVAL);
		return;
	}
	aml_byte(r, RES_QWORD_ADDR);
	aml_le16(r, 43);
	aml_byte(r, RES_ADDR_MEMORY);
	aml_byte(r, RES_ADDR_FIXED_PRODUCER);
	aml_byte(r, aml_mem_flags(cache, rw));
	aml_le64(r, 0);
	aml_le64(r, min);
	aml_le64(r, max);
	aml_le64(r, 0);
	aml_le64(r, max - min + 1);
}

void aml_res_interrupt(struct aml *r, uint8_t flags, uint32_t irq)
{
	aml_byte(r, RES_EXT_IRQ);
	aml_le16(r, 6);
	aml_byte(r, flags & 0x1f);
	aml_byte(r, 1);
	aml_le32(r, irq);
}

void aml_res_register(struct aml *r, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
		      uint8_t access_size, uint64_t address)
{
	aml_byte(r, RES_REGISTER);
	aml_le16(r, 12);
	aml_byte(r, space);
	aml_byte(r, bit_width);
	aml_byte(r, bit_offset);
	aml_byte(r, access_size);
	aml_le64(r, address);
}

void aml_resource_template(struct aml *a, const struct aml *res)
{
	static const uint8_t end_tag[] = { RES_END_TAG, 0x00 }; /* checksum 0: none */
	size_t m;

	if (res->err) {
		aml_fail(a, res->err);
		return;
	}
	aml_byte(a, AML_BUFFER_OP);
	m = aml_pkg_begin(a);
	aml_int(a, res->len + sizeof(end_tag));
	aml_bytes(a, res->buf, res->len);
	aml_bytes(a, end_tag, sizeof(end_tag));
	aml_end(a, m);
}
