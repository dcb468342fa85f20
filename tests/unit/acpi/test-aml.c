/* SPDX-License-Identifier: Apache-2.0 */
/* AML builder: encodings checked byte for byte against ACPI 6.x chapter 20. */
#include <criterion/criterion.h>
#include <string.h>

#include "vmm/acpi/aml.h"

#define EXPECT_BYTES(a, ...)                                                        \
	do {                                                                        \
		const uint8_t exp_[] = { __VA_ARGS__ };                             \
		cr_assert_eq(aml_error(a), 0, "aml error %d", aml_error(a));        \
		cr_assert_eq((a)->len, sizeof(exp_), "len %zu, want %zu", (a)->len, \
			     sizeof(exp_));                                         \
		cr_assert(memcmp((a)->buf, exp_, sizeof(exp_)) == 0, "bytes differ"); \
	} while (0)

/* Decode a PkgLength the way an AML interpreter does. */
static uint32_t decode_pkglen(const uint8_t *p, int *ret_n)
{
	int n = (p[0] >> 6) + 1;
	uint32_t v;

	if (n == 1) {
		*ret_n = 1;
		return p[0] & 0x3f;
	}
	v = p[0] & 0x0f;
	for (int i = 1; i < n; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	*ret_n = n;
	return v;
}

Test(aml, pkglen_raw_boundaries)
{
	static const struct {
		uint32_t v;
		int n;
		uint8_t b[4];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 63, 1, { 0x3f } },
		{ 64, 2, { 0x40, 0x04 } },
		{ 0xfff, 2, { 0x4f, 0xff } },
		{ 0x1000, 3, { 0x80, 0x00, 0x01 } },
		{ 0xfffff, 3, { 0x8f, 0xff, 0xff } },
		{ 0x100000, 4, { 0xc0, 0x00, 0x00, 0x01 } },
		{ 0xfffffff, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	uint8_t out[4];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = aml_pkglen_raw(cases[i].v, out), dn;

		cr_assert_eq(n, cases[i].n, "value %#x: %d bytes, want %d", cases[i].v, n,
			     cases[i].n);
		cr_assert(memcmp(out, cases[i].b, (size_t)n) == 0, "value %#x bytes", cases[i].v);
		cr_assert_eq(decode_pkglen(out, &dn), cases[i].v);
		cr_assert_eq(dn, n);
	}
	cr_assert_eq(aml_pkglen_raw(0x10000000, out), -E2BIG);
}

Test(aml, pkglen_pkg_counts_itself)
{
	static const struct {
		size_t body;
		int n;
	} cases[] = {
		{ 0, 1 },        { 62, 1 },       { 63, 2 },        { 4093, 2 },
		{ 4094, 3 },     { 0xffffc, 3 },  { 0xffffd, 4 },   { 0xffffffb, 4 },
	};
	uint8_t out[4];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int n = aml_pkglen_pkg(cases[i].body, out), dn;

		cr_assert_eq(n, cases[i].n, "body %zu: %d bytes, want %d", cases[i].body, n,
			     cases[i].n);
		cr_assert_eq(decode_pkglen(out, &dn), cases[i].body + (size_t)n);
	}
	cr_assert_eq(aml_pkglen_pkg(0xffffffc, out), -E2BIG);
}

/* aml_end() inserts the right PkgLength for bodies at each size boundary. */
Test(aml, scope_pkglen_boundaries)
{
	/* Body = NameString (4 bytes "FOO_") + filler. */
	static const size_t bodies[] = { 4, 62, 63, 64, 4093, 4094, 70000 };

	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		struct aml a;
		size_t m;
		uint8_t *fill;
		uint32_t v;
		int n;

		aml_init(&a);
		m = aml_scope_begin(&a, "FOO");
		fill = calloc(1, bodies[i]);
		cr_assert_not_null(fill);
		aml_bytes(&a, fill, bodies[i] - 4);
		free(fill);
		aml_end(&a, m);
		cr_assert_eq(aml_error(&a), 0);
		cr_assert_eq(a.buf[0], 0x10);
		v = decode_pkglen(a.buf + 1, &n);
		cr_assert_eq(v, a.len - 1, "body %zu: pkglen %u, want %zu", bodies[i], v, a.len - 1);
		cr_assert_eq(v, bodies[i] + (size_t)n);
		cr_assert(memcmp(a.buf + 1 + n, "FOO_", 4) == 0);
		aml_fini(&a);
	}
}

Test(aml, nested_pkglen)
{
	struct aml a;
	size_t outer, inner;

	aml_init(&a);
	outer = aml_scope_begin(&a, "\\_SB");
	inner = aml_device_begin(&a, "PWRB");
	aml_name_int(&a, "_UID", 0);
	aml_end(&a, inner);
	aml_end(&a, outer);
	/* Scope(\_SB) { Device(PWRB) { Name(_UID, Zero) } } */
	EXPECT_BYTES(&a, 0x10, 0x13, 0x5c, '_', 'S', 'B', '_', 0x5b, 0x82, 0x0b, 'P', 'W', 'R',
		     'B', 0x08, '_', 'U', 'I', 'D', 0x00);
	aml_fini(&a);
}

Test(aml, names)
{
	struct aml a;

	aml_init(&a);
	aml_namestring(&a, "_HID");
	EXPECT_BYTES(&a, '_', 'H', 'I', 'D');
	aml_fini(&a);

	aml_init(&a);
	aml_namestring(&a, "\\_SB");
	EXPECT_BYTES(&a, 0x5c, '_', 'S', 'B', '_');
	aml_fini(&a);

	aml_init(&a);
	aml_namestring(&a, "\\_SB.PCI0");
	EXPECT_BYTES(&a, 0x5c, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
	aml_fini(&a);

	aml_init(&a);
	aml_namestring(&a, "\\_SB.PCI0.ISA");
	EXPECT_BYTES(&a, 0x5c, 0x2f, 0x03, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'I', 'S', 'A',
		     '_');
	aml_fini(&a);

	aml_init(&a);
	aml_namestring(&a, "^^GED.GDAT");
	EXPECT_BYTES(&a, 0x5e, 0x5e, 0x2e, 'G', 'E', 'D', '_', 'G', 'D', 'A', 'T');
	aml_fini(&a);

	aml_init(&a);
	aml_namestring(&a, "\\");
	EXPECT_BYTES(&a, 0x5c, 0x00);
	aml_fini(&a);
}

Test(aml, bad_names_are_sticky_errors)
{
	static const char *bad[] = { "abcd", "TOOLONG", "A..B", "1ABC", "\\_SB.", ".X", "",
				     "A-B" };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct aml a;

		aml_init(&a);
		aml_namestring(&a, bad[i]);
		if (bad[i][0] == '\0') {
			/* Empty relative name is a NullName. */
			EXPECT_BYTES(&a, 0x00);
		} else {
			cr_assert_eq(aml_error(&a), -EINVAL, "name '%s' accepted", bad[i]);
			/* Later calls do nothing and keep the first error. */
			size_t len = a.len;

			aml_int(&a, 5);
			cr_assert_eq(a.len, len);
			cr_assert_eq(aml_error(&a), -EINVAL);
		}
		aml_fini(&a);
	}
}

Test(aml, integers)
{
	static const struct {
		uint64_t v;
		size_t n;
		uint8_t b[9];
	} cases[] = {
		{ 0, 1, { 0x00 } },
		{ 1, 1, { 0x01 } },
		{ 2, 2, { 0x0a, 0x02 } },
		{ 0xff, 2, { 0x0a, 0xff } },
		{ 0x100, 3, { 0x0b, 0x00, 0x01 } },
		{ 0xffff, 3, { 0x0b, 0xff, 0xff } },
		{ 0x10000, 5, { 0x0c, 0x00, 0x00, 0x01, 0x00 } },
		{ 0xffffffff, 5, { 0x0c, 0xff, 0xff, 0xff, 0xff } },
		{ 0x100000000ULL, 9, { 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 } },
		{ 0x0123456789abcdefULL, 9, { 0x0e, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aml a;

		aml_init(&a);
		aml_int(&a, cases[i].v);
		cr_assert_eq(a.len, cases[i].n, "value %#llx", (unsigned long long)cases[i].v);
		cr_assert(memcmp(a.buf, cases[i].b, cases[i].n) == 0, "value %#llx",
			  (unsigned long long)cases[i].v);
		aml_fini(&a);
	}
}

Test(aml, strings_and_eisaid)
{
	struct aml a;

	aml_init(&a);
	aml_name_string(&a, "_HID", "ACPI0013");
	EXPECT_BYTES(&a, 0x08, '_', 'H', 'I', 'D', 0x0d, 'A', 'C', 'P', 'I', '0', '0', '1', '3',
		     0x00);
	aml_fini(&a);

	/* EisaId("PNP0A08") == 0x080AD041 */
	aml_init(&a);
	aml_eisaid(&a, "PNP0A08");
	EXPECT_BYTES(&a, 0x0c, 0x41, 0xd0, 0x0a, 0x08);
	aml_fini(&a);

	aml_init(&a);
	aml_eisaid(&a, "PNP0C0C");
	EXPECT_BYTES(&a, 0x0c, 0x41, 0xd0, 0x0c, 0x0c);
	aml_fini(&a);

	aml_init(&a);
	aml_eisaid(&a, "pnp0a08");
	cr_assert_eq(aml_error(&a), -EINVAL);
	aml_fini(&a);
}

Test(aml, package_and_method)
{
	struct aml a;
	size_t m, c;

	aml_init(&a);
	aml_name(&a, "_S5");
	m = aml_package_begin(&a, 4);
	aml_int(&a, 5);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_int(&a, 0);
	aml_end(&a, m);
	EXPECT_BYTES(&a, 0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00);
	aml_fini(&a);

	/* Method(_EVT, 1, Serialized) { If (LEqual(And(Local0, 1, Zero), 1)) {
	 *   Notify(PWRB, 0x80) } Return (Arg0) } */
	aml_init(&a);
	m = aml_method_begin(&a, "_EVT", 1, true);
	c = aml_if_begin(&a);
	aml_op_lequal(&a);
	aml_op_and(&a);
	aml_local(&a, 0);
	aml_int(&a, 1);
	aml_null_target(&a);
	aml_int(&a, 1);
	aml_op_notify(&a);
	aml_ref(&a, "PWRB");
	aml_int(&a, 0x80);
	aml_end(&a, c);
	aml_op_return(&a);
	aml_arg(&a, 0);
	aml_end(&a, m);
	EXPECT_BYTES(&a, 0x14, 0x17, '_', 'E', 'V', 'T', 0x09, 0xa0, 0x0e, 0x93, 0x7b, 0x60, 0x01,
		     0x00, 0x01, 0x86, 'P', 'W', 'R', 'B', 0x0a, 0x80, 0xa4, 0x68);
	aml_fini(&a);
}

Test(aml, region_field_store)
{
	struct aml a;
	size_t f;

	aml_init(&a);
	aml_op_region(&a, "GDST", AML_SYSTEM_MEMORY, 0xfeb00000, 0x10);
	f = aml_field_begin(&a, "GDST", AML_FIELD_DWORD_ACC);
	aml_field_reserved(&a, 64);
	aml_field_unit(&a, "GDAT", 32);
	aml_end(&a, f);
	aml_op_store(&a);
	aml_ref(&a, "GDAT");
	aml_local(&a, 0);
	EXPECT_BYTES(&a, 0x5b, 0x80, 'G', 'D', 'S', 'T', 0x00, 0x0c, 0x00, 0x00, 0xb0, 0xfe, 0x0a,
		     0x10,
		     /* Field */
		     0x5b, 0x81, 0x0e, 'G', 'D', 'S', 'T', 0x03, 0x00, 0x40, 0x04, 'G', 'D', 'A',
		     'T', 0x20,
		     /* Store */
		     0x70, 'G', 'D', 'A', 'T', 0x60);
	aml_fini(&a);

	aml_init(&a);
	f = aml_field_begin(&a, "GDST", 0);
	aml_field_unit(&a, "\\GDA", 8); /* a field unit is a bare NameSeg */
	aml_end(&a, f);
	cr_assert_eq(aml_error(&a), -EINVAL);
	aml_fini(&a);
}

Test(aml, resource_descriptors)
{
	struct aml a, r;

	aml_init(&r);
	aml_res_io(&r, 0x3f8, 0x3f8, 1, 8);
	aml_res_irq_noflags(&r, 4);
	aml_init(&a);
	aml_resource_template(&a, &r);
	EXPECT_BYTES(&a, 0x11, 0x10, 0x0a, 0x0d, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		     0x22, 0x10, 0x00, 0x79, 0x00);
	aml_fini(&a);
	aml_fini(&r);

	aml_init(&r);
	aml_res_mem32_fixed(&r, true, 0xe0000000, 0x10000000);
	aml_res_interrupt(&r, AML_IRQ_CONSUMER | AML_IRQ_EDGE, 5);
	aml_res_word_bus(&r, 0, 0xff);
	cr_assert_eq(aml_error(&r), 0);
	{
		const uint8_t exp[] = {
			0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x10,
			0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00,
			0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x00,
			0x00, 0x00, 0x00, 0x01,
		};
		cr_assert_eq(r.len, sizeof(exp));
		cr_assert(memcmp(r.buf, exp, sizeof(exp)) == 0);
	}
	aml_fini(&r);

	/* Sizes of the large address descriptors: header 3 + declared length. */
	aml_init(&r);
	aml_res_dword_memory(&r, AML_MEM_NONCACHEABLE, true, 0xc0000000, 0xdfffffff);
	cr_assert_eq(r.len, 26);
	cr_assert_eq(r.buf[1] | r.buf[2] << 8, 23);
	cr_assert_eq(r.buf[5], 0x01); /* NonCacheable, ReadWrite */
	aml_res_qword_memory(&r, AML_MEM_PREFETCHABLE, true, 1ULL << 39, (3ULL << 38) - 1);
	cr_assert_eq(r.len, 26 + 46);
	cr_assert_eq(r.buf[27] | r.buf[28] << 8, 43);
	cr_assert_eq(r.buf[26 + 5], 0x07);
	aml_res_register(&r, 1, 8, 0, 1, 0x600);
	cr_assert_eq(r.len, 26 + 46 + 15);
	aml_res_word_io(&r, 0x2000, 0x1000); /* min > max */
	cr_assert_eq(aml_error(&r), -EINVAL);
	/* The error propagates into the template's buffer. */
	aml_init(&a);
	aml_resource_template(&a, &r);
	cr_assert_eq(aml_error(&a), -EINVAL);
	aml_fini(&a);
	aml_fini(&r);
}

Test(aml, size_cap)
{
	struct aml a;
	uint8_t *big = calloc(1, AML_MAX_LEN);

	cr_assert_not_null(big);
	aml_init(&a);
	aml_bytes(&a, big, AML_MAX_LEN);
	cr_assert_eq(aml_error(&a), 0);
	aml_byte(&a, 0);
	cr_assert_eq(aml_error(&a), -E2BIG);
	aml_fini(&a);
	aml_fini(&a); /* idempotent */
	free(big);
}
