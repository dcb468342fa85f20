// SPDX-License-Identifier: Apache-2.0
/*
 * cnh test guest: main. Parses the command line
 *   cnh.tests=serial,rtc,memory,acpi,smp,pci,blk,blk-hostile,reboot
 *             scenarios, run in order (also echo, hang and triplefault,
 *             for the VMM's own tests, and the device scenarios of
 *             scenarios.c such as rng or virtio-hostile)
 *   cnh.mem=<bytes> cnh.cpus=<n> cnh.time=<unix seconds>  expectations
 *   cnh.pci=<n>  virtio functions expected on bus 0
 *   cnh.blk.seed=<n> cnh.blk.queues=<n> cnh.blk.sectors=<n> cnh.blk.ro=1
 *   cnh.blk.index=<n> cnh.blk.strict=0  virtio-blk scenario parameters (see blk.h)
 * prints one "TEST <name> PASS|FAIL <detail>" line per scenario on COM1,
 * then "ALL TESTS DONE" and powers off through ACPI.
 */
#include "acpi.h"
#include "blk.h"
#include "boot.h"
#include "memory.h"
#include "pci.h"
#include "rtc.h"
#include "scenarios.h"
#include "serial.h"
#include "smp.h"

/* CMOS NVRAM bytes (bank 0, clear of time and memory registers). */
#define REBOOT_MARKER_LO 0x70
#define REBOOT_MARKER_HI 0x71
#define REBOOT_MAGIC_LO 0xc7
#define REBOOT_MAGIC_HI 0x4e

#define DETAIL_MAX 384

struct guest {
	struct boot_info bi;
	struct acpi_info ai;
	bool acpi_ok;
	char acpi_err[128];
	bool have_mem, have_cpus, have_time;
	uint64_t mem, cpus, time;
	struct pci_info pci;
	int64_t expect_virtio; /* cnh.pci, -1 if absent */
	struct blk_opts blk;
	struct virtio_vectors vv;
	bool vv_ready;
};

void guest_main(unsigned int mode, uint64_t info) __noreturn;

static void report(const char *name, size_t len, bool pass, const char *detail)
{
	printf("TEST %.*s %s %s\n", (int)len, name, pass ? "PASS" : "FAIL", detail);
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !memcmp(name, want, len);
}

static bool reboot_marker_present(void)
{
	return cmos_read(REBOOT_MARKER_LO) == REBOOT_MAGIC_LO &&
	       cmos_read(REBOOT_MARKER_HI) == REBOOT_MAGIC_HI;
}

static void reboot_marker_clear(void)
{
	cmos_write(REBOOT_MARKER_LO, 0);
	cmos_write(REBOOT_MARKER_HI, 0);
}

/* First boot: set the marker and reset; returns only if the reset failed. */
static void reboot_request(struct guest *g, char *detail, size_t size)
{
	const char *how;
	size_t how_len;

	cmos_write(REBOOT_MARKER_LO, REBOOT_MAGIC_LO);
	cmos_write(REBOOT_MARKER_HI, REBOOT_MAGIC_HI);
	if (!reboot_marker_present()) {
		snprintf(detail, size, "CMOS NVRAM 0x%x-0x%x does not hold the marker",
			 REBOOT_MARKER_LO, REBOOT_MARKER_HI);
		return;
	}
	printf("TEST reboot-request PASS rebooting\n");
	if (boot_cmdline_get(&g->bi, "cnh.reboot", &how, &how_len) && how_len == 5 &&
	    memcmp(how, "i8042", 5) == 0) {
		/* Pulse the reset line through the keyboard controller. */
		outb(0x64, 0xfe);
		snprintf(detail, size, "i8042 reset command had no effect");
		reboot_marker_clear();
		return;
	}
	acpi_reset(&g->ai, detail, size);
	reboot_marker_clear();
}

/*
 * "echo": read one line from COM1's receiver (polled, no interrupts) and
 * report it, so the host can check that console input reaches the guest.
 */
static bool echo_line(char *detail, size_t size)
{
	char line[64];
	size_t n = 0;

	printf("cnh-test-guest: echo: waiting for a line on COM1\n");
	for (;;) {
		char c;

		while (!(inb(0x3f8 + 5) & 0x01))
			__asm__ volatile("pause");
		c = (char)inb(0x3f8);
		if (c == '\r' || c == '\n')
			break;
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	line[n] = '\0';
	snprintf(detail, size, "got '%s'", line);
	return n > 0;
}

/*
 * "powerbutton": wait (up to 120 s) for the ACPI power button event in the
 * Generic Event Device's GDAT register (cnh's layout: 0xfeb00000, bit 0),
 * as the DSDT's _EVT would see it; interrupts stay off, so poll.
 */
static bool power_button_wait(char *detail, size_t size)
{
	const uint64_t ged = 0xfeb00000;

	printf("cnh-test-guest: powerbutton: waiting for the power button\n");
	for (unsigned int ms = 0; ms < 120000; ms++) {
		uint32_t ev = mmio_read32(ged);

		if (ev & 1) {
			snprintf(detail, size, "GED event 0x%x after ~%u ms", ev, ms);
			return true;
		}
		udelay(1000);
	}
	snprintf(detail, size, "no power button event within 120 s");
	return false;
}

/* "triplefault": an exception with an empty IDT; the VMM must report it. */
static void triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };

	printf("cnh-test-guest: triple fault now\n");
	__asm__ volatile("cli; lidt %0; ud2" : : "m"(empty_idt));
}

/* End of the highest e820 RAM range below 4 GiB (scratch for hostile DMA tests). */
static uint64_t ram_end_below_4g(const struct boot_info *bi)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < bi->e820_count; i++) {
		const struct e820_entry *e = &bi->e820[i];
		uint64_t end = e->addr + e->size;

		if (e->type == E820_RAM && end > e->addr && end <= GiB(4) && end > top)
			top = end;
	}
	return top;
}

static void parse_blk_opts(struct guest *g)
{
	uint64_t v;

	g->expect_virtio = boot_cmdline_u64(&g->bi, "cnh.pci", &v) ? (int64_t)v : -1;
	boot_cmdline_u64(&g->bi, "cnh.blk.seed", &g->blk.seed);
	if (!boot_cmdline_u64(&g->bi, "cnh.blk.queues", &g->blk.queues))
		g->blk.queues = 1;
	boot_cmdline_u64(&g->bi, "cnh.blk.index", &g->blk.index);
	boot_cmdline_u64(&g->bi, "cnh.blk.bar64", &g->blk.bar64);
	g->blk.have_sectors = boot_cmdline_u64(&g->bi, "cnh.blk.sectors", &g->blk.sectors);
	g->blk.ro = boot_cmdline_u64(&g->bi, "cnh.blk.ro", &v) && v;
	g->blk.lenient = boot_cmdline_u64(&g->bi, "cnh.blk.strict", &v) && !v;
	g->blk.ram_end = ram_end_below_4g(&g->bi);
}

static struct virtio_vectors *guest_vectors(struct guest *g)
{
	if (!g->vv_ready) {
		virtio_vectors_init(&g->vv);
		g->vv_ready = true;
	}
	return &g->vv;
}

static void run_one(struct guest *g, const char *name, size_t len)
{
	char detail[DETAIL_MAX];
	bool pass = false;

	detail[0] = '\0';
	if (name_is(name, len, "serial")) {
		pass = serial_selftest(detail, sizeof(detail));
	} else if (name_is(name, len, "rtc")) {
		pass = rtc_selftest(g->have_time, g->time, detail, sizeof(detail));
	} else if (name_is(name, len, "memory")) {
		pass = memory_selftest(&g->bi, g->have_mem, g->mem, detail, sizeof(detail));
	} else if (name_is(name, len, "acpi")) {
		if (g->acpi_ok)
			pass = acpi_selftest(&g->ai, g->have_cpus, g->cpus, detail,
					     sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "%s", g->acpi_err);
	} else if (name_is(name, len, "smp")) {
		if (g->acpi_ok)
			pass = smp_selftest(&g->ai, g->have_cpus, g->cpus, detail,
					    sizeof(detail));
		else
			snprintf(detail, sizeof(detail), "%s", g->acpi_err);
	} else if (name_is(name, len, "pci")) {
		pass = pci_selftest(&g->pci, g->expect_virtio, detail, sizeof(detail));
	} else if (name_is(name, len, "blk")) {
		pass = blk_selftest(&g->pci, guest_vectors(g), &g->blk, detail, sizeof(detail));
	} else if (name_is(name, len, "blk-hostile")) {
		pass = blk_hostile_selftest(&g->pci, guest_vectors(g), &g->blk, detail,
					    sizeof(detail));
	} else if (name_is(name, len, "reboot")) {
		reboot_request(g, detail, sizeof(detail));
	} else if (name_is(name, len, "powerbutton")) {
		pass = power_button_wait(detail, sizeof(detail));
	} else if (name_is(name, len, "echo")) {
		pass = echo_line(detail, sizeof(detail));
	} else if (name_is(name, len, "hang")) {
		/* Halted with interrupts off: only the VMM can end this (SIGTERM). */
		printf("TEST hang PASS halting\n");
		halt_forever();
	} else if (name_is(name, len, "triplefault")) {
		triple_fault();
		snprintf(detail, sizeof(detail), "still running after the fault");
	} else {
		struct scenario_ctx ctx = {
			.bi = &g->bi, .ai = g->acpi_ok ? &g->ai : NULL, .pci = &g->pci,
			.vv = guest_vectors(g), .ram_end = g->blk.ram_end,
		};
		size_t i;

		for (i = 0; i < device_scenarios_n; i++) {
			const struct scenario *sc = &device_scenarios[i];

			if (sc->name && name_is(name, len, sc->name)) {
				pass = sc->run(&ctx, detail, sizeof(detail));
				break;
			}
		}
		if (i == device_scenarios_n)
			snprintf(detail, sizeof(detail), "unknown scenario");
	}
	report(name, len, pass, detail);
}

/* Next comma-separated item of the list; false at the end. */
static bool list_next(const char **cursor, const char *end, const char **ret, size_t *ret_len)
{
	const char *p = *cursor, *start;

	if (p >= end)
		return false;
	start = p;
	while (p < end && *p != ',')
		p++;
	*ret = start;
	*ret_len = (size_t)(p - start);
	*cursor = p < end ? p + 1 : p;
	return true;
}

static void run_tests(struct guest *g)
{
	const char *list, *end, *cur, *name;
	size_t len, nlen;
	bool second_boot = reboot_marker_present();
	bool has_reboot = false;

	if (!boot_cmdline_get(&g->bi, "cnh.tests", &list, &len)) {
		printf("cnh-test-guest: no cnh.tests= on the command line\n");
		return;
	}
	end = list + len;
	for (cur = list; list_next(&cur, end, &name, &nlen);)
		has_reboot |= name_is(name, nlen, "reboot");
	if (second_boot && !has_reboot) {
		printf("cnh-test-guest: clearing stale reboot marker\n");
		reboot_marker_clear();
		second_boot = false;
	}

	for (cur = list; list_next(&cur, end, &name, &nlen);) {
		if (!nlen)
			continue;
		if (second_boot) {
			/* Scenarios before "reboot" ran on the first boot. */
			if (name_is(name, nlen, "reboot")) {
				reboot_marker_clear();
				second_boot = false;
				printf("TEST reboot PASS second boot\n");
			}
			continue;
		}
		run_one(g, name, nlen);
	}
}

void guest_main(unsigned int mode, uint64_t info)
{
	struct guest g = { 0 }; /* ~8 KiB; the boot stack is 64 KiB */
	char err[128];

	serial_init();
	if (!boot_parse(mode, info, &g.bi, err, sizeof(err))) {
		printf("cnh-test-guest: booted via %s with unusable boot info: %s\n",
		       g.bi.mode_name, err);
		halt_forever();
	}
	printf("cnh-test-guest: booted via %s cmdline=\"%s\"\n", g.bi.mode_name,
	       g.bi.cmdline);

	g.have_mem = boot_cmdline_u64(&g.bi, "cnh.mem", &g.mem);
	g.have_cpus = boot_cmdline_u64(&g.bi, "cnh.cpus", &g.cpus);
	g.have_time = boot_cmdline_u64(&g.bi, "cnh.time", &g.time);
	g.acpi_ok = acpi_init(&g.bi, &g.ai, g.acpi_err, sizeof(g.acpi_err));
	pci_init(g.acpi_ok ? &g.ai : NULL, &g.pci);
	parse_blk_opts(&g);

	run_tests(&g);

	printf("ALL TESTS DONE\n");
	if (!g.acpi_ok) {
		printf("TEST poweroff FAIL %s\n", g.acpi_err);
		halt_forever();
	}
	acpi_poweroff(&g.ai, err, sizeof(err));
	printf("TEST poweroff FAIL %s\n", err);
	halt_forever();
}
