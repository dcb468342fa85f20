// SPDX-License-Identifier: Apache-2.0
/* cnh test guest: ACPI tables, \_S5 decoding, FADT sleep and reset. */
#include "acpi.h"

#define ACPI_HDR_LEN 36
#define ACPI_TABLE_MAX_LEN (1u << 20) /* refuse to checksum anything bigger */

#define RSDP_V1_LEN 20
#define RSDP_OFF_REV 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_LEN 20
#define RSDP_OFF_XSDT 24

#define FADT_OFF_DSDT 40
#define FADT_OFF_PM1A_CNT 64
#define FADT_OFF_FLAGS 112
#define FADT_OFF_RESET_REG 116
#define FADT_OFF_RESET_VALUE 128
#define FADT_OFF_X_DSDT 140
#define FADT_OFF_X_PM1A_CNT 172
#define FADT_OFF_SLEEP_CONTROL 244
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_FLAG_HW_REDUCED (1u << 20)

#define GAS_LEN 12
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1

#define SLEEP_CONTROL_SLP_EN (1u << 5)
#define PM1_CNT_SLP_EN (1u << 13)
#define PM1_CNT_SLP_TYP_SHIFT 10

#define MADT_OFF_ENTRIES 44
#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_X2APIC 9
#define MADT_ENABLED 1u

#define I8042_CMD 0x64
#define I8042_RESET 0xfe

static const char *const acpi_known_sigs[] = {
	"FACP", "APIC", "MCFG", "SSDT", "HPET", "SRAT", "SLIT", "WAET", "SPCR",
	"DBG2", "BGRT", "TPM2", "VIOT", "DMAR", "IVRS", "BERT", "HEST", "ERST",
	"EINJ", "PPTT", "FPDT", "CEDT", "HMAT", "NFIT", "IORT", "SBST", "ECDT",
};

static bool acpi_checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static uint32_t acpi_len(uint64_t table)
{
	return get_le32((const uint8_t *)phys(table) + 4);
}

/* Header sane (reachable, length in bounds) and checksum valid. */
static bool acpi_table_ok(uint64_t table)
{
	uint32_t len;

	if (!table || table >= GiB(4) - ACPI_TABLE_MAX_LEN)
		return false;
	len = acpi_len(table);
	if (len < ACPI_HDR_LEN || len > ACPI_TABLE_MAX_LEN)
		return false;
	return acpi_checksum_ok(phys(table), len);
}

static bool acpi_sig_is(uint64_t table, const char *sig)
{
	return table && !memcmp(phys(table), sig, 4);
}

static uint64_t acpi_scan_rsdp(uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a + RSDP_V1_LEN <= end; a += 16) {
		if (!memcmp(phys(a), "RSD PTR ", 8) &&
		    acpi_checksum_ok(phys(a), RSDP_V1_LEN))
			return a;
	}
	return 0;
}

bool acpi_init(const struct boot_info *bi, struct acpi_info *ai, char *err, size_t size)
{
	const uint8_t *rsdp;
	uint64_t root;
	unsigned int entry_size;
	uint32_t len;

	memset(ai, 0, sizeof(*ai));
	ai->rsdp = bi->rsdp;
	if (!ai->rsdp) {
		uint64_t ebda = (uint64_t)get_le16(phys(0x40e)) << 4;

		if (ebda >= 0x80000 && ebda < 0xa0000)
			ai->rsdp = acpi_scan_rsdp(ebda, ebda + 1024);
		if (!ai->rsdp)
			ai->rsdp = acpi_scan_rsdp(0xe0000, 0x100000);
	}
	if (!ai->rsdp || ai->rsdp >= GiB(4)) {
		snprintf(err, size, "no RSDP (boot info gave 0x%lx)", bi->rsdp);
		return false;
	}
	rsdp = phys(ai->rsdp);
	ai->rsdt = get_le32(rsdp + RSDP_OFF_RSDT);
	if (rsdp[RSDP_OFF_REV] >= 2)
		ai->xsdt = get_le64(rsdp + RSDP_OFF_XSDT);

	root = ai->xsdt ? ai->xsdt : ai->rsdt;
	entry_size = ai->xsdt ? 8 : 4;
	if (!acpi_table_ok(root)) {
		snprintf(err, size, "root table at 0x%lx invalid", root);
		return false;
	}
	len = acpi_len(root);
	for (uint32_t off = ACPI_HDR_LEN; off + entry_size <= len; off += entry_size) {
		const uint8_t *e = (const uint8_t *)phys(root) + off;

		if (ai->ntables >= ACPI_MAX_TABLES)
			break;
		ai->tables[ai->ntables++] = entry_size == 8 ? get_le64(e) : get_le32(e);
	}
	ai->fadt = acpi_find(ai, "FACP");
	ai->madt = acpi_find(ai, "APIC");
	ai->mcfg = acpi_find(ai, "MCFG");
	if (ai->fadt && acpi_len(ai->fadt) >= FADT_OFF_X_DSDT + 8)
		ai->dsdt = get_le64((const uint8_t *)phys(ai->fadt) + FADT_OFF_X_DSDT);
	if (ai->fadt && !ai->dsdt && acpi_len(ai->fadt) >= FADT_OFF_DSDT + 4)
		ai->dsdt = get_le32((const uint8_t *)phys(ai->fadt) + FADT_OFF_DSDT);
	return true;
}

uint64_t acpi_find(const struct acpi_info *ai, const char *sig)
{
	for (unsigned int i = 0; i < ai->ntables; i++) {
		uint64_t t = ai->tables[i];

		if (t && t < GiB(4) && acpi_sig_is(t, sig))
			return t;
	}
	return 0;
}

int acpi_madt_cpus(const struct acpi_info *ai, uint32_t *ids, unsigned int max)
{
	const uint8_t *madt;
	uint32_t len;
	int n = 0;

	if (!ai->madt || !acpi_table_ok(ai->madt))
		return -1;
	madt = phys(ai->madt);
	len = acpi_len(ai->madt);
	for (uint32_t off = MADT_OFF_ENTRIES; off + 2 <= len;) {
		const uint8_t *e = madt + off;
		uint32_t id, flags;

		if (e[1] < 2 || off + e[1] > len)
			break;
		if (e[0] == MADT_TYPE_LAPIC && e[1] >= 8) {
			id = e[3];
			flags = get_le32(e + 4);
		} else if (e[0] == MADT_TYPE_X2APIC && e[1] >= 16) {
			id = get_le32(e + 4);
			flags = get_le32(e + 8);
		} else {
			off += e[1];
			continue;
		}
		if (flags & MADT_ENABLED) {
			if ((unsigned int)n < max)
				ids[n] = id;
			n++;
		}
		off += e[1];
	}
	return n;
}

static bool acpi_sig_known(uint64_t table)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(acpi_known_sigs); i++) {
		if (acpi_sig_is(table, acpi_known_sigs[i]))
			return true;
	}
	return false;
}

static uint32_t acpi_fadt_flags(const struct acpi_info *ai)
{
	if (!ai->fadt || acpi_len(ai->fadt) < FADT_OFF_FLAGS + 4)
		return 0;
	return get_le32((const uint8_t *)phys(ai->fadt) + FADT_OFF_FLAGS);
}

bool acpi_selftest(const struct acpi_info *ai, bool have_cpus, uint64_t cpus,
		   char *detail, size_t size)
{
	const uint8_t *rsdp = phys(ai->rsdp);
	char sigs[ACPI_MAX_TABLES * 5 + 1];
	size_t slen = 0;
	uint32_t ids[ACPI_MAX_CPUS];
	int ncpus;

	if (memcmp(rsdp, "RSD PTR ", 8) || !acpi_checksum_ok(rsdp, RSDP_V1_LEN)) {
		snprintf(detail, size, "RSDP at 0x%lx: bad signature or checksum", ai->rsdp);
		return false;
	}
	if (rsdp[RSDP_OFF_REV] < 2 || !ai->xsdt) {
		snprintf(detail, size, "RSDP revision %u has no XSDT", rsdp[RSDP_OFF_REV]);
		return false;
	}
	if (get_le32(rsdp + RSDP_OFF_LEN) < 36 || get_le32(rsdp + RSDP_OFF_LEN) > 4096 ||
	    !acpi_checksum_ok(rsdp, get_le32(rsdp + RSDP_OFF_LEN))) {
		snprintf(detail, size, "RSDP extended checksum bad (length %u)",
			 get_le32(rsdp + RSDP_OFF_LEN));
		return false;
	}
	if (!acpi_sig_is(ai->xsdt, "XSDT") || !acpi_table_ok(ai->xsdt)) {
		snprintf(detail, size, "XSDT at 0x%lx: bad signature or checksum", ai->xsdt);
		return false;
	}
	for (unsigned int i = 0; i < ai->ntables; i++) {
		uint64_t t = ai->tables[i];

		if (!acpi_table_ok(t)) {
			snprintf(detail, size, "XSDT entry %u at 0x%lx: bad length or checksum",
				 i, t);
			return false;
		}
		if (!acpi_sig_known(t)) {
			snprintf(detail, size, "XSDT entry %u at 0x%lx: unknown signature %.*s",
				 i, t, 4, (const char *)phys(t));
			return false;
		}
		memcpy(sigs + slen, phys(t), 4);
		slen += 4;
		sigs[slen++] = ',';
	}
	if (slen)
		slen--;
	sigs[slen] = '\0';

	if (!ai->fadt) {
		snprintf(detail, size, "no FADT (tables %s)", sigs);
		return false;
	}
	if (!(acpi_fadt_flags(ai) & FADT_FLAG_HW_REDUCED)) {
		snprintf(detail, size, "FADT flags 0x%x lack HW_REDUCED_ACPI",
			 acpi_fadt_flags(ai));
		return false;
	}
	if (!acpi_sig_is(ai->dsdt, "DSDT") || !acpi_table_ok(ai->dsdt)) {
		snprintf(detail, size, "DSDT at 0x%lx: bad signature or checksum", ai->dsdt);
		return false;
	}
	if (!ai->mcfg) {
		snprintf(detail, size, "no MCFG (tables %s)", sigs);
		return false;
	}
	ncpus = acpi_madt_cpus(ai, ids, ARRAY_SIZE(ids));
	if (ncpus < 0) {
		snprintf(detail, size, "no valid MADT (tables %s)", sigs);
		return false;
	}
	if (have_cpus && (uint64_t)ncpus != cpus) {
		snprintf(detail, size, "MADT lists %d enabled cpus, expected %lu", ncpus, cpus);
		return false;
	}
	snprintf(detail, size, "tables %s+DSDT, %d cpus, hw-reduced", sigs, ncpus);
	return true;
}

/* Decode an AML integer data object (ZeroOp, OneOp, OnesOp, Byte/Word/DWordPrefix). */
static bool acpi_aml_int(const uint8_t *p, const uint8_t *end, uint64_t *ret)
{
	if (p >= end)
		return false;
	switch (p[0]) {
	case 0x00: *ret = 0; return true;
	case 0x01: *ret = 1; return true;
	case 0xff: *ret = ~0ull; return true;
	case 0x0a: if (p + 2 > end) return false; *ret = p[1]; return true;
	case 0x0b: if (p + 3 > end) return false; *ret = get_le16(p + 1); return true;
	case 0x0c: if (p + 5 > end) return false; *ret = get_le32(p + 1); return true;
	default: return false;
	}
}

/* SLP_TYP for S5 from "Name(_S5_, Package(){ typ, ... })" in the table. */
static bool acpi_find_s5(uint64_t table, uint64_t *ret)
{
	const uint8_t *t, *end;

	if (!acpi_table_ok(table))
		return false;
	t = phys(table);
	end = t + acpi_len(table);
	for (const uint8_t *p = t + ACPI_HDR_LEN; p + 4 < end; p++) {
		const uint8_t *q;
		unsigned int pkglen_bytes;

		if (memcmp(p, "_S5_", 4))
			continue;
		q = p + 4;
		if (q >= end || *q != 0x12) /* PackageOp */
			continue;
		q++;
		if (q >= end)
			continue;
		pkglen_bytes = (unsigned int)(*q >> 6) + 1; /* PkgLength lead byte */
		q += pkglen_bytes + 1;                      /* + NumElements */
		if (acpi_aml_int(q, end, ret))
			return true;
	}
	return false;
}

static bool acpi_gas_write(const uint8_t *gas, uint64_t value)
{
	uint64_t addr = get_le64(gas + 4);
	unsigned int width = gas[3] ? 8u << (gas[3] - 1) : gas[1];

	if (!addr)
		return false;
	if (gas[0] == GAS_SPACE_IO && addr <= 0xffff) {
		if (width <= 8)
			outb((uint16_t)addr, (uint8_t)value);
		else if (width <= 16)
			outw((uint16_t)addr, (uint16_t)value);
		else
			outl((uint16_t)addr, (uint32_t)value);
		return true;
	}
	if (gas[0] == GAS_SPACE_MEMORY && addr < GiB(4)) {
		if (width <= 8)
			mmio_write8(addr, (uint8_t)value);
		else if (width <= 16)
			mmio_write16(addr, (uint16_t)value);
		else if (width <= 32)
			mmio_write32(addr, (uint32_t)value);
		else
			mmio_write64(addr, value);
		return true;
	}
	return false;
}

void acpi_poweroff(const struct acpi_info *ai, char *err, size_t size)
{
	const uint8_t *fadt;
	uint64_t slp_typ = 0;
	bool found;

	if (!ai->fadt || !acpi_table_ok(ai->fadt)) {
		snprintf(err, size, "no valid FADT");
		return;
	}
	fadt = phys(ai->fadt);
	found = acpi_find_s5(ai->dsdt, &slp_typ);
	for (unsigned int i = 0; !found && i < ai->ntables; i++) {
		if (acpi_sig_is(ai->tables[i], "SSDT"))
			found = acpi_find_s5(ai->tables[i], &slp_typ);
	}
	if (!found) {
		snprintf(err, size, "no \\_S5_ package in DSDT/SSDT");
		return;
	}
	if (acpi_fadt_flags(ai) & FADT_FLAG_HW_REDUCED) {
		if (acpi_len(ai->fadt) < FADT_OFF_SLEEP_CONTROL + GAS_LEN ||
		    !acpi_gas_write(fadt + FADT_OFF_SLEEP_CONTROL,
				    ((slp_typ & 7) << 2) | SLEEP_CONTROL_SLP_EN)) {
			snprintf(err, size, "hw-reduced FADT without usable SLEEP_CONTROL_REG");
			return;
		}
	} else {
		uint64_t port = 0;

		if (acpi_len(ai->fadt) >= FADT_OFF_X_PM1A_CNT + GAS_LEN &&
		    fadt[FADT_OFF_X_PM1A_CNT] == GAS_SPACE_IO)
			port = get_le64(fadt + FADT_OFF_X_PM1A_CNT + 4);
		if (!port)
			port = get_le32(fadt + FADT_OFF_PM1A_CNT);
		if (!port || port > 0xffff) {
			snprintf(err, size, "FADT without usable PM1a_CNT_BLK");
			return;
		}
		outw((uint16_t)port, (uint16_t)((inw((uint16_t)port) & 0x1c03) |
						((slp_typ & 7) << PM1_CNT_SLP_TYP_SHIFT) |
						PM1_CNT_SLP_EN));
	}
	udelay(2000000);
	snprintf(err, size, "still running after writing SLP_TYP=%lu", slp_typ);
}

void acpi_reset(const struct acpi_info *ai, char *err, size_t size)
{
	const uint8_t *fadt = ai->fadt ? phys(ai->fadt) : NULL;

	if (fadt && acpi_len(ai->fadt) > FADT_OFF_RESET_VALUE &&
	    get_le64(fadt + FADT_OFF_RESET_REG + 4)) {
		if (!acpi_gas_write(fadt + FADT_OFF_RESET_REG, fadt[FADT_OFF_RESET_VALUE])) {
			snprintf(err, size, "FADT RESET_REG in unsupported space %u",
				 fadt[FADT_OFF_RESET_REG]);
			return;
		}
		udelay(2000000);
		snprintf(err, size, "still running after FADT RESET_REG write");
		return;
	}
	outb(I8042_CMD, I8042_RESET);
	udelay(2000000);
	snprintf(err, size, "still running after i8042 reset (no FADT RESET_REG)");
}
