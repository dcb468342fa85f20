/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACPI tables: built into a fake guest memory and walked the way a guest
 * does (RSDP scan -> XSDT -> tables), then disassembled and recompiled by
 * iasl (acpica-tools, a declared test dependency) and the DSDT's _EVT and
 * \_S5 run in acpiexec.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "vmm/acpi/acpi.h"
#include "vmm/acpi/tables.h"
#include "vmm/layout.h"
#include "vmm/memory.h"

extern char **environ;

#define RAM_SIZE MiB(1) /* guest RAM 0..1 MiB holds the ACPI area */

struct case_cfg {
	unsigned int ncpus;
	bool mmio64;
};

static const struct case_cfg cases[] = {
	{ 1, false }, { 1, true }, { 2, false }, { 2, true }, { 8, false }, { 8, true },
};

static struct acpi_config make_cfg(const struct case_cfg *c)
{
	return (struct acpi_config){
		.ncpus = c->ncpus,
		.ecam_base = LAYOUT_PCI_ECAM_START,
		.bus_start = 0,
		.bus_end = 255,
		.mmio32_base = LAYOUT_PCI_MMIO32_START,
		.mmio32_size = LAYOUT_PCI_MMIO32_SIZE,
		.mmio64_base = c->mmio64 ? 0x8000000000ULL : 0,
		.mmio64_size = c->mmio64 ? 0x4000000000ULL : 0,
	};
}

/* ---- guest-side parsing ---- */

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Read a whole table at gpa (length from its header) into a malloc'd buffer. */
static uint8_t *read_table(const struct guest_mem *gm, uint64_t gpa, const char *sig)
{
	uint8_t hdr[ACPI_HEADER_LEN], *t;
	uint32_t len;

	cr_assert_eq(gm_read(gm, gpa, hdr, sizeof(hdr)), 0, "%s header at %#lx", sig, gpa);
	cr_assert(memcmp(hdr, sig, 4) == 0, "signature at %#lx is %.4s, want %s", gpa, hdr, sig);
	len = rd32(hdr + 4);
	cr_assert_geq(len, ACPI_HEADER_LEN);
	cr_assert_geq(gpa, LAYOUT_ACPI_START);
	cr_assert_leq(gpa + len, LAYOUT_ACPI_END, "%s outside the ACPI area", sig);
	t = malloc(len);
	cr_assert_not_null(t);
	cr_assert_eq(gm_read(gm, gpa, t, len), 0);
	cr_assert_eq(acpi_checksum(t, len), 0, "%s checksum", sig);
	cr_assert(memcmp(t + 10, "CNHVMM", 6) == 0);
	return t;
}

static void check_gas(const uint8_t *g, uint8_t space, uint8_t width, uint64_t addr)
{
	cr_assert_eq(g[0], space);
	cr_assert_eq(g[1], width);
	cr_assert_eq(g[2], 0);
	cr_assert_eq(g[3], ACPI_GAS_ACCESS_BYTE);
	cr_assert_eq(rd64(g + 4), addr, "GAS address %#lx want %#lx", rd64(g + 4), addr);
}

static void check_fadt(const struct guest_mem *gm, const uint8_t *f)
{
	uint32_t flags = rd32(f + FADT_OFF_FLAGS);
	uint8_t *dsdt;

	cr_assert_eq(rd32(f + 4), ACPI_FADT_LEN);
	cr_assert_eq(f[8], 6, "FADT revision");
	cr_assert(flags & FADT_F_HW_REDUCED_ACPI);
	cr_assert(flags & FADT_F_RESET_REG_SUP);
	cr_assert(flags & FADT_F_PWR_BUTTON);
	check_gas(f + FADT_OFF_RESET_REG, ACPI_GAS_SYSTEM_IO, 8, PORT_ACPI_PM + ACPI_PM_RESET);
	cr_assert_eq(f[FADT_OFF_RESET_VALUE], ACPI_RESET_VALUE);
	check_gas(f + FADT_OFF_SLEEP_CONTROL, ACPI_GAS_SYSTEM_IO, 8,
		  PORT_ACPI_PM + ACPI_PM_SLEEP_CONTROL);
	check_gas(f + FADT_OFF_SLEEP_STATUS, ACPI_GAS_SYSTEM_IO, 8,
		  PORT_ACPI_PM + ACPI_PM_SLEEP_STATUS);
	cr_assert_eq(rd32(f + 40), 0, "32-bit DSDT pointer unused");
	cr_assert(f[FADT_OFF_IAPC_BOOT_ARCH] & IAPC_BOOT_VGA_NOT_PRESENT);
	cr_assert(memcmp(f + FADT_OFF_HYPERVISOR_ID, "CNHVMM  ", 8) == 0);
	dsdt = read_table(gm, rd64(f + FADT_OFF_X_DSDT), "DSDT");
	cr_assert_geq(dsdt[8], 2, "DSDT revision must give 64-bit integers");
	free(dsdt);
}

static void check_madt(const uint8_t *m, unsigned int ncpus)
{
	uint32_t len = rd32(m + 4);
	unsigned int lapics = 0, ioapics = 0, nmis = 0;

	cr_assert_eq(rd32(m + 36), LAYOUT_LAPIC_START);
	for (uint32_t off = 44; off < len;) {
		const uint8_t *e = m + off;

		cr_assert_geq(e[1], 2);
		cr_assert_leq(off + e[1], len, "MADT entry overruns the table");
		switch (e[0]) {
		case MADT_LOCAL_APIC:
			cr_assert_eq(e[1], 8);
			cr_assert_eq(e[2], lapics, "processor UID");
			cr_assert_eq(e[3], lapics, "APIC id");
			cr_assert_eq(rd32(e + 4) & 1, 1, "enabled");
			lapics++;
			break;
		case MADT_IO_APIC:
			cr_assert_eq(e[1], 12);
			cr_assert_eq(e[2], 0);
			cr_assert_eq(rd32(e + 4), LAYOUT_IOAPIC_START);
			cr_assert_eq(rd32(e + 8), 0);
			ioapics++;
			break;
		case MADT_LOCAL_APIC_NMI:
			cr_assert_eq(e[1], 6);
			cr_assert_eq(e[2], 0xff);
			cr_assert_eq(e[5], 1, "LINT1");
			nmis++;
			break;
		default:
			cr_assert_fail("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	cr_assert_eq(lapics, ncpus);
	cr_assert_eq(ioapics, 1);
	cr_assert_eq(nmis, 1);
}

static void check_mcfg(const uint8_t *m, const struct acpi_config *cfg)
{
	cr_assert_eq(rd32(m + 4), 36 + 8 + 16);
	cr_assert_eq(rd64(m + 44), cfg->ecam_base);
	cr_assert_eq(m[52] | m[53] << 8, 0);
	cr_assert_eq(m[54], cfg->bus_start);
	cr_assert_eq(m[55], cfg->bus_end);
}

/* Walk the tables like a guest: scan for the RSDP, follow the XSDT. */
static void guest_walk(const struct guest_mem *gm, uint64_t want_rsdp,
		       const struct acpi_config *cfg)
{
	uint8_t rsdp[ACPI_RSDP_LEN], *xsdt;
	uint64_t found = 0;
	unsigned int nfadt = 0, nmadt = 0, nmcfg = 0, n;

	for (uint64_t a = LAYOUT_ACPI_START; a < LAYOUT_ACPI_END; a += 16) {
		uint8_t sig[8];

		cr_assert_eq(gm_read(gm, a, sig, 8), 0);
		if (memcmp(sig, "RSD PTR ", 8) == 0) {
			found = a;
			break;
		}
	}
	cr_assert_eq(found, want_rsdp, "RSDP scan found %#lx, acpi_build said %#lx", found,
		     want_rsdp);
	cr_assert_eq(gm_read(gm, found, rsdp, sizeof(rsdp)), 0);
	cr_assert_eq(acpi_checksum(rsdp, 20), 0, "RSDP checksum");
	cr_assert_eq(rsdp[15], 2, "RSDP revision");
	cr_assert_eq(rd32(rsdp + 20), ACPI_RSDP_LEN);
	cr_assert_eq(acpi_checksum(rsdp, ACPI_RSDP_LEN), 0, "RSDP extended checksum");

	xsdt = read_table(gm, rd64(rsdp + 24), "XSDT");
	cr_assert_eq((rd32(xsdt + 4) - ACPI_HEADER_LEN) % 8, 0);
	n = (rd32(xsdt + 4) - ACPI_HEADER_LEN) / 8;
	cr_assert_eq(n, 3);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t gpa = rd64(xsdt + ACPI_HEADER_LEN + 8 * i);
		uint8_t sig[4], *t;

		cr_assert_eq(gm_read(gm, gpa, sig, 4), 0);
		if (memcmp(sig, "FACP", 4) == 0) {
			t = read_table(gm, gpa, "FACP");
			check_fadt(gm, t);
			nfadt++;
		} else if (memcmp(sig, "APIC", 4) == 0) {
			t = read_table(gm, gpa, "APIC");
			check_madt(t, cfg->ncpus);
			nmadt++;
		} else if (memcmp(sig, "MCFG", 4) == 0) {
			t = read_table(gm, gpa, "MCFG");
			check_mcfg(t, cfg);
			nmcfg++;
		} else {
			cr_assert_fail("unexpected table %.4s in XSDT", sig);
		}
		free(t);
	}
	cr_assert_eq(nfadt, 1);
	cr_assert_eq(nmadt, 1);
	cr_assert_eq(nmcfg, 1);
	free(xsdt);
}

/* ---- acpi_build into guest memory ---- */

struct fake_guest {
	struct guest_mem gm;
	void *ram;
};

static void fake_guest_init(struct fake_guest *g)
{
	uint64_t gpa = 0, size = RAM_SIZE;

	g->ram = malloc(RAM_SIZE);
	cr_assert_not_null(g->ram);
	/* Garbage, so nothing passes by accident on zeroed memory. */
	memset(g->ram, 0xa5, RAM_SIZE);
	cr_assert_eq(gm_init_from_buffers(&g->gm, &gpa, &g->ram, &size, 1), 0);
}

static void fake_guest_fini(struct fake_guest *g)
{
	gm_fini(&g->gm);
	free(g->ram);
}

Test(acpi, guest_walk_all_configs)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct acpi_config cfg = make_cfg(&cases[i]);
		struct fake_guest g;
		uint64_t rsdp = 0;

		fake_guest_init(&g);
		cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &cfg, &rsdp), 0,
			     "ncpus %u", cfg.ncpus);
		cr_assert_eq(rsdp, LAYOUT_ACPI_START);
		guest_walk(&g.gm, rsdp, &cfg);
		fake_guest_fini(&g);
	}
}

Test(acpi, max_vcpus)
{
	struct case_cfg c = { LAYOUT_MAX_VCPUS, true };
	struct acpi_config cfg = make_cfg(&c);
	struct fake_guest g;
	uint64_t rsdp = 0;

	fake_guest_init(&g);
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &cfg, &rsdp), 0);
	guest_walk(&g.gm, rsdp, &cfg);
	fake_guest_fini(&g);
}

Test(acpi, errors)
{
	struct case_cfg c = { 2, true };
	struct acpi_config cfg = make_cfg(&c), bad;
	struct fake_guest g;
	uint64_t rsdp = 0x1234;

	fake_guest_init(&g);
	/* Too small a window. */
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_START + 512, &cfg, &rsdp),
		     -ENOSPC);
	/* Misaligned RSDP. */
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START + 8, LAYOUT_ACPI_END, &cfg, &rsdp),
		     -EINVAL);
	/* Not guest RAM. */
	cr_assert_eq(acpi_build(&g.gm, RAM_SIZE, RAM_SIZE + KiB(128), &cfg, &rsdp), -EFAULT);
	bad = cfg;
	bad.ncpus = 0;
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	bad.ncpus = LAYOUT_MAX_VCPUS + 1;
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	bad = cfg;
	bad.bus_start = 10;
	bad.bus_end = 9;
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	bad = cfg;
	bad.ecam_base = 0xffff00000ULL; /* ECAM reservation must sit below 4 GiB */
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	bad = cfg;
	bad.mmio32_size = 0;
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	bad = cfg;
	bad.mmio64_base = UINT64_MAX - 10;
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, &bad, &rsdp), -EINVAL);
	cr_assert_eq(acpi_build(&g.gm, LAYOUT_ACPI_START, LAYOUT_ACPI_END, NULL, &rsdp), -EINVAL);
	cr_assert_eq(rsdp, 0x1234, "ret_rsdp written on failure");
	fake_guest_fini(&g);
}

Test(acpi, tables_are_disjoint_and_aligned)
{
	struct case_cfg c = { 8, true };
	struct acpi_config cfg = make_cfg(&c);
	struct acpi_tables t;

	cr_assert_eq(acpi_tables_build(&t, &cfg, LAYOUT_ACPI_START, LAYOUT_ACPI_END), 0);
	for (int i = 0; i < ACPI_NTABLES; i++) {
		cr_assert_eq(t.t[i].gpa % 16, 0);
		cr_assert_gt(t.t[i].len, 0);
		for (int j = 0; j < ACPI_NTABLES; j++) {
			if (i == j)
				continue;
			cr_assert(t.t[i].gpa + t.t[i].len <= t.t[j].gpa ||
				  t.t[j].gpa + t.t[j].len <= t.t[i].gpa,
				  "%s overlaps %s", t.t[i].sig, t.t[j].sig);
		}
	}
	acpi_tables_fini(&t);
	acpi_tables_fini(&t);
}

/* ---- iasl / acpiexec ---- */

static void require_tool(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) != 0)
		cr_assert_fail("%s not found in PATH: install Debian package acpica-tools "
			       "(a required test dependency)", tool);
}

/* Run argv with stdout+stderr into out_path; returns the exit status. */
static int run_tool(char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t fa;
	int status = -1;
	pid_t pid;

	cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
	cr_assert_eq(posix_spawn_file_actions_addopen(&fa, 1, out_path,
						      O_WRONLY | O_CREAT | O_TRUNC, 0644), 0);
	cr_assert_eq(posix_spawn_file_actions_adddup2(&fa, 1, 2), 0);
	cr_assert_eq(posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ), 0,
		     "cannot run %s", argv[0]);
	posix_spawn_file_actions_destroy(&fa);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "%s crashed", argv[0]);
	return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	cr_assert_not_null(f, "cannot create %s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/*
 * iasl's console output for a good table has banner and progress lines only.
 * A bad one gets "Firmware Warning (ACPI): Incorrect checksum ...", "Error"
 * or "Invalid ..." lines, and "Incorrect checksum"/"**** " notes in the .dsl.
 */
static void assert_clean_iasl(const char *what, const char *log, const char *dsl)
{
	static const char *bad_log[] = { "Error", "Warning", "Invalid", "Incorrect", "does not contain" };
	static const char *bad_dsl[] = { "Incorrect", "Invalid", "**** ", "Unknown" };

	for (size_t i = 0; i < ARRAY_SIZE(bad_log); i++)
		cr_assert_null(strstr(log, bad_log[i]), "iasl -d %s: '%s' in output:\n%s", what,
			       bad_log[i], log);
	for (size_t i = 0; i < ARRAY_SIZE(bad_dsl); i++)
		cr_assert_null(strstr(dsl, bad_dsl[i]), "iasl -d %s: '%s' in the .dsl", what,
			       bad_dsl[i]);
}

static unsigned int count(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static void check_dsdt_source(const char *dsl, const struct acpi_config *cfg)
{
	static const char *want[] = {
		"Scope (\\_SB)",
		"Device (PCI0)",
		"EisaId (\"PNP0A08\")",
		"EisaId (\"PNP0A03\")",
		"Name (_SEG, Zero)",
		"Name (_BBN, Zero)",
		"WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode",
		"0x0CF8,             // Range Minimum",
		"0x1000,             // Range Minimum",
		"0xC0000000,         // Range Minimum",
		"0xDFFFFFFF,         // Range Maximum",
		"Device (MBRD)",
		"EisaId (\"PNP0C02\")",
		"Memory32Fixed (ReadWrite,\n                    0xE0000000,         // Address Base\n"
		"                    0x10000000,         // Address Length",
		"Device (COM1)",
		"EisaId (\"PNP0501\")",
		"0x03F8,             // Range Minimum",
		"IRQNoFlags ()\n                    {4}",
		"Device (PWRB)",
		"EisaId (\"PNP0C0C\")",
		"Device (GED)",
		"\"ACPI0013\"",
		"Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive, ,, )\n"
		"                {\n                    0x00000005,",
		"OperationRegion (GDST, SystemMemory, 0xFEB00000, 0x10)",
		"GDAT,   32",
		"Method (_EVT, 1, Serialized)",
		"Notify (\\_SB.PWRB, 0x80)",
		"Name (\\_S5, Package (0x04)",
	};

	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		cr_assert_not_null(strstr(dsl, want[i]), "DSDT lacks: %s", want[i]);
	cr_assert_eq(count(dsl, "\"ACPI0007\""), cfg->ncpus, "processor devices");
	cr_assert_eq(count(dsl, "QWordMemory"), cfg->mmio64_size ? 1 : 0);
	if (cfg->mmio64_size)
		cr_assert_not_null(strstr(dsl, "0x0000008000000000, // Range Minimum"));
}

static void iasl_check_case(const struct case_cfg *c)
{
	static const enum acpi_table_id ids[] = { ACPI_XSDT, ACPI_FADT, ACPI_DSDT, ACPI_MADT,
						  ACPI_MCFG };
	struct acpi_config cfg = make_cfg(c);
	char dir[] = "/tmp/cnh-acpi-XXXXXX";
	char path[256], prefix[256], logp[256], *log, *dsl;
	struct acpi_tables t;
	int rc;

	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(acpi_tables_build(&t, &cfg, LAYOUT_ACPI_START, LAYOUT_ACPI_END), 0);
	snprintf(logp, sizeof(logp), "%s/iasl.log", dir);

	/* The RSDP is not an SDT: iasl 2020 cannot disassemble it alone; the
	 * guest walk test checks it. */
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		const struct acpi_blob *b = &t.t[ids[i]];

		snprintf(path, sizeof(path), "%s/%.4s.dat", dir, b->sig);
		snprintf(prefix, sizeof(prefix), "%s/%.4s", dir, b->sig);
		write_file(path, b->data, b->len);
		rc = run_tool((char *const[]){ "iasl", "-p", prefix, "-d", path, NULL }, logp);
		log = slurp(logp);
		cr_assert_eq(rc, 0, "iasl -d %.4s exited %d:\n%s", b->sig, rc, log);
		snprintf(path, sizeof(path), "%s/%.4s.dsl", dir, b->sig);
		dsl = slurp(path);
		assert_clean_iasl(b->sig, log, dsl);
		if (ids[i] == ACPI_DSDT)
			check_dsdt_source(dsl, &cfg);
		free(log);
		free(dsl);
	}

	/* Recompile the disassembled DSDT. */
	snprintf(path, sizeof(path), "%s/DSDT.dsl", dir);
	snprintf(prefix, sizeof(prefix), "%s/recompiled", dir);
	rc = run_tool((char *const[]){ "iasl", "-p", prefix, path, NULL }, logp);
	log = slurp(logp);
	cr_assert_eq(rc, 0, "iasl DSDT.dsl exited %d:\n%s", rc, log);
	cr_assert_not_null(strstr(log, "Compilation successful. 0 Errors, 0 Warnings"),
			   "recompiling the DSDT:\n%s", log);
	free(log);

	acpi_tables_fini(&t);
	rm_tree(dir);
}

Test(acpi_iasl, disassemble_and_recompile, .timeout = 120)
{
	require_tool("iasl");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		iasl_check_case(&cases[i]);
}

/* A test-only SSDT: set GDAT as the VMM's GED would, then run _EVT. */
static const char ged_probe_asl[] =
	"DefinitionBlock (\"\", \"SSDT\", 2, \"CNHTST\", \"GEDPROBE\", 1)\n"
	"{\n"
	"    External (\\_SB.GED.GDAT, FieldUnitObj)\n"
	"    External (\\_SB.GED._EVT, MethodObj)\n"
	"    Method (\\TEVT, 1, Serialized)\n"
	"    {\n"
	"        \\_SB.GED.GDAT = Arg0\n"
	"        \\_SB.GED._EVT (0)\n"
	"    }\n"
	"}\n";

Test(acpi_iasl, acpiexec_runs_ged_event_and_s5, .timeout = 120)
{
	struct case_cfg c = { 2, true };
	struct acpi_config cfg = make_cfg(&c);
	char dir[] = "/tmp/cnh-acpi-XXXXXX";
	char dsdt[256], facp[256], asl[256], aml[256], prefix[256], logp[256], *log;
	char batch[] = "evaluate \\_S5;evaluate \\TEVT 2;evaluate \\TEVT 3";
	struct acpi_tables t;
	const char *p;
	int rc;

	require_tool("iasl");
	require_tool("acpiexec");
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(acpi_tables_build(&t, &cfg, LAYOUT_ACPI_START, LAYOUT_ACPI_END), 0);
	snprintf(dsdt, sizeof(dsdt), "%s/dsdt.dat", dir);
	snprintf(facp, sizeof(facp), "%s/facp.dat", dir);
	snprintf(asl, sizeof(asl), "%s/probe.asl", dir);
	snprintf(aml, sizeof(aml), "%s/probe.aml", dir);
	snprintf(prefix, sizeof(prefix), "%s/probe", dir);
	snprintf(logp, sizeof(logp), "%s/log", dir);
	write_file(dsdt, t.t[ACPI_DSDT].data, t.t[ACPI_DSDT].len);
	write_file(facp, t.t[ACPI_FADT].data, t.t[ACPI_FADT].len);
	write_file(asl, ged_probe_asl, strlen(ged_probe_asl));
	rc = run_tool((char *const[]){ "iasl", "-p", prefix, asl, NULL }, logp);
	cr_assert_eq(rc, 0, "compiling the probe SSDT");

	rc = run_tool((char *const[]){ "acpiexec", "-b", batch, facp, dsdt, aml, NULL }, logp);
	log = slurp(logp);
	cr_assert_eq(rc, 0, "acpiexec exited %d:\n%s", rc, log);
	cr_assert_null(strstr(log, "Error"), "acpiexec:\n%s", log);
	/* \_S5 = { 5, 0, 0, 0 } */
	p = strstr(log, "Evaluation of \\_S5 returned");
	cr_assert_not_null(p, "acpiexec:\n%s", log);
	cr_assert_not_null(strstr(p, "[Package] Contains 4 Elements:\n"
				     "    [Integer] = 0000000000000005\n"
				     "    [Integer] = 0000000000000000"),
			   "\\_S5 package:\n%s", log);
	/* GDAT = 2: no power button; GDAT = 3: exactly one Notify(PWRB, 0x80). */
	cr_assert_eq(count(log, "Notify on [PWRB]"), 1, "acpiexec:\n%s", log);
	cr_assert_not_null(strstr(log, "Value 0x80"));
	p = strstr(log, "Evaluating \\TEVT");
	cr_assert_not_null(p);
	p = strstr(p + 1, "Evaluating \\TEVT"); /* second call, GDAT = 3 */
	cr_assert_not_null(p);
	cr_assert_not_null(strstr(p, "Notify on [PWRB]"), "notify came from GDAT=2:\n%s", log);
	free(log);
	acpi_tables_fini(&t);
	rm_tree(dir);
}
