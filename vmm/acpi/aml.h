/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small AML (ACPI Machine Language) byte-code builder, after ACPI 6.x
 * chapter 20. Output is appended to a growable buffer in prefix order, the
 * way AML is laid out: an operator, then its operands. Constructs that carry
 * a PkgLength (Scope, Device, Method, If, Package, Field) are opened with a
 * *_begin() call that returns a mark and closed with aml_end(mark), which
 * inserts the PkgLength in its smallest encoding.
 *
 * Errors are sticky: emitters return nothing, the first failure (-ENOMEM,
 * -EINVAL for a bad name or value, -E2BIG) is kept in the buffer and
 * reported by aml_error(); later calls become no-ops.
 *
 *   struct aml a;
 *   aml_init(&a);
 *   size_t sb = aml_scope_begin(&a, "\\_SB");
 *   size_t dev = aml_device_begin(&a, "PWRB");
 *   aml_name_eisaid(&a, "_HID", "PNP0C0C");
 *   aml_end(&a, dev);
 *   aml_end(&a, sb);
 *   if (aml_error(&a)) ...
 */
#ifndef CNH_VMM_ACPI_AML_H
#define CNH_VMM_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/util.h"

/* Hard cap on one buffer: far above any table we build. */
#define AML_MAX_LEN (1u << 20)

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err; /* first error, 0 if none */
};

void aml_init(struct aml *a);
/* Frees the buffer; accepts a zeroed or already finalized struct. */
void aml_fini(struct aml *a);
static inline int aml_error(const struct aml *a)
{
	return a->err;
}

/* Raw bytes. */
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_le16(struct aml *a, uint16_t v);
void aml_le32(struct aml *a, uint32_t v);
void aml_le64(struct aml *a, uint64_t v);

/*
 * PkgLength encodings (ACPI 6.x 20.2.4).
 * aml_pkglen_raw: encode value itself (as field unit bit lengths are);
 * aml_pkglen_pkg: encode the PkgLength of a package whose contents after the
 * PkgLength are body bytes (the value then counts the PkgLength bytes too).
 * Both return the number of bytes written to out (1..4) or -E2BIG.
 */
int aml_pkglen_raw(uint32_t value, uint8_t out[4]) __must_check;
int aml_pkglen_pkg(size_t body, uint8_t out[4]) __must_check;

/* Open a PkgLength at the current position; aml_end() fills it in. */
size_t aml_pkg_begin(struct aml *a);
void aml_end(struct aml *a, size_t mark);

/*
 * NameString: "\\_SB.PCI0", "^FOO", "_HID", "\\". Segments of fewer than four
 * characters are padded with '_'. Invalid names set -EINVAL.
 */
void aml_namestring(struct aml *a, const char *name);

/* Data objects. */
void aml_int(struct aml *a, uint64_t v); /* Zero/One/Byte/Word/DWord/QWord */
void aml_string(struct aml *a, const char *s);
void aml_eisaid(struct aml *a, const char *id); /* "PNP0A08" as a DWord */
void aml_buffer(struct aml *a, const void *data, size_t len);
size_t aml_package_begin(struct aml *a, uint8_t nelems);

/* Name (name, <data object follows>) and common shorthands. */
void aml_name(struct aml *a, const char *name);
void aml_name_int(struct aml *a, const char *name, uint64_t v);
void aml_name_string(struct aml *a, const char *name, const char *s);
void aml_name_eisaid(struct aml *a, const char *name, const char *id);

/* Namespace modifiers and named objects. */
size_t aml_scope_begin(struct aml *a, const char *name);
size_t aml_device_begin(struct aml *a, const char *name);
size_t aml_method_begin(struct aml *a, const char *name, unsigned int nargs, bool serialized);

enum aml_region_space {
	AML_SYSTEM_MEMORY = 0x00,
	AML_SYSTEM_IO = 0x01,
	AML_PCI_CONFIG = 0x02,
};
void aml_op_region(struct aml *a, const char *name, enum aml_region_space space,
		   uint64_t offset, uint64_t len);

/* Field flags: access type | lock rule | update rule. */
#define AML_FIELD_ANY_ACC 0x00
#define AML_FIELD_BYTE_ACC 0x01
#define AML_FIELD_WORD_ACC 0x02
#define AML_FIELD_DWORD_ACC 0x03
#define AML_FIELD_QWORD_ACC 0x04
#define AML_FIELD_LOCK 0x10
#define AML_FIELD_WRITE_AS_ONES 0x20
#define AML_FIELD_WRITE_AS_ZEROS 0x40
size_t aml_field_begin(struct aml *a, const char *region, uint8_t flags);
void aml_field_unit(struct aml *a, const char *name, uint32_t bits);
void aml_field_reserved(struct aml *a, uint32_t bits);

/* Terms: LocalN, ArgN, a name reference, the null target. */
void aml_local(struct aml *a, unsigned int n); /* 0..7 */
void aml_arg(struct aml *a, unsigned int n);   /* 0..6 */
void aml_ref(struct aml *a, const char *name); /* same as aml_namestring */
void aml_null_target(struct aml *a);

/*
 * Operators, emitted before their operands:
 *   Store (src, dst)             aml_op_store;  src; dst
 *   And (x, y, target)           aml_op_and;    x; y; target
 *   LEqual (x, y)                aml_op_lequal; x; y
 *   Notify (obj, value)          aml_op_notify; obj; value
 *   Return (x)                   aml_op_return; x
 *   If (pred) { ... }            m = aml_if_begin; pred; body; aml_end(m)
 */
void aml_op_store(struct aml *a);
void aml_op_and(struct aml *a);
void aml_op_lequal(struct aml *a);
void aml_op_notify(struct aml *a);
void aml_op_return(struct aml *a);
size_t aml_if_begin(struct aml *a);

/*
 * Resource descriptors (ACPI 6.x 6.4), appended to a separate struct aml that
 * aml_resource_template() then wraps in a Buffer with an end tag.
 */
void aml_res_io(struct aml *r, uint16_t min, uint16_t max, uint8_t align, uint8_t len);
void aml_res_irq_noflags(struct aml *r, unsigned int irq); /* 0..15 */
void aml_res_mem32_fixed(struct aml *r, bool rw, uint32_t base, uint32_t len);

/* Address space descriptors are ResourceProducer, PosDecode, MinFixed, MaxFixed. */
enum aml_mem_cache {
	AML_MEM_NONCACHEABLE = 0,
	AML_MEM_CACHEABLE = 1,
	AML_MEM_WRITE_COMBINING = 2,
	AML_MEM_PREFETCHABLE = 3,
};
void aml_res_word_bus(struct aml *r, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml *r, uint16_t min, uint16_t max);
void aml_res_dword_memory(struct aml *r, enum aml_mem_cache cache, bool rw, uint32_t min,
			  uint32_t max);
void aml_res_qword_memory(struct aml *r, enum aml_mem_cache cache, bool rw, uint64_t min,
			  uint64_t max);

/* Extended Interrupt descriptor with one interrupt number. */
#define AML_IRQ_CONSUMER 0x01
#define AML_IRQ_EDGE 0x02
#define AML_IRQ_ACTIVE_LOW 0x04
#define AML_IRQ_SHARED 0x08
#define AML_IRQ_WAKE 0x10
void aml_res_interrupt(struct aml *r, uint8_t flags, uint32_t irq);

/* Generic Register descriptor (a GAS). */
void aml_res_register(struct aml *r, uint8_t space, uint8_t bit_width, uint8_t bit_offset,
		      uint8_t access_size, uint64_t address);

/* Buffer { res bytes, EndTag }. An error in res propagates into a. */
void aml_resource_template(struct aml *a, const struct aml *res);

#endif
