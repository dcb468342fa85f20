/* SPDX-License-Identifier: Apache-2.0 */
/* cnh: the core VMM executable. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/api.h"
#include "vmm/config.h"
#include "vmm/event.h"
#include "vmm/seccomp.h"
#include "vmm/spawner.h"
#include "vmm/trace.h"
#include "vmm/vm.h"
#include "vmm/vm_control.h"

/*
 * Started with stdin, stdout or stderr closed, the next fds opened (the
 * spawn helper's socket, /dev/kvm) would take those numbers, and log lines
 * or a daemon's stdio would land in them: fill the gaps with /dev/null.
 */
static int main_stdio_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct api_server *server = NULL;
	struct event_monitor *events = NULL;
	enum config_result action;
	struct vm_control ctl;
	struct vm_config cfg;
	struct ev_loop *loop;
	struct vmm vmm;
	char err[512] = "";
	int code = 1, r;

	if (main_stdio_open() < 0)
		return 1;
	trace_start();
	log_set_ident("cnh");
	if (config_parse(argc, argv, &cfg, &action, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		return 2;
	}
	if (action == CONFIG_HELP) {
		fputs(config_usage(), stdout);
		return 0;
	}
	if (action == CONFIG_VERSION) {
		printf("cnh %s\n", CNH_VERSION);
		return 0;
	}
	log_set_level(cfg.log_level);
	trace_init(cfg.trace_boot, STDERR_FILENO);
	/*
	 * The spawn helper, before any thread, filter or device fd exists: every
	 * daemon comes from it, unfiltered, so the main loop's filter needs
	 * neither fork nor execve (vmm/spawner.h).
	 */
	r = spawner_start();
	if (r < 0) {
		fprintf(stderr, "cnh: cannot start the spawn helper: %s\n", strerror(-r));
		config_fini(&cfg);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if (cfg.event_monitor && event_monitor_open(cfg.event_monitor, &events, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		spawner_stop();
		config_fini(&cfg);
		return 2;
	}
	event_monitor_emit(events, "vmm", "starting", NULL);

	/* The default loop: child watchers (spawned daemons) only work there. */
	loop = ev_default_loop(EVFLAG_SIGNALFD);
	if (!loop) {
		fprintf(stderr, "cnh: cannot create the event loop\n");
		spawner_stop();
		event_monitor_free(events);
		config_fini(&cfg);
		return 1;
	}
	vmm_init(&vmm, loop);
	vmm.events = events;
	vmm.seccomp = cfg.seccomp;
	vm_control_init(&ctl, &vmm, &cfg);
	cfg.api.seccomp = cfg.seccomp;
	if (cfg.has_api) {
		size_t nroutes;
		const struct api_route *routes = vm_api_routes(&nroutes);

		if (api_server_new(&cfg.api, loop, routes, nroutes, &ctl.api, &server, err,
				   sizeof(err)) < 0) {
			fprintf(stderr, "cnh: --api-socket: %s\n", err);
			goto out;
		}
	}
	/* --kernel on the command line: boot now, as vm.create + vm.boot would. */
	if (cfg.kernel && vm_control_boot_cmdline(&ctl, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		goto out;
	}
	/*
	 * The main loop's filter, just before its loop: the API thread and the
	 * command-line boot's vCPUs already run under their own; daemons, now
	 * and later, come from the spawn helper and never inherit it.
	 */
	if (vmm_seccomp_load(VMM_SECCOMP_MAIN, cfg.seccomp_main, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		goto out;
	}
	code = vmm_run(&vmm);
out:
	/* The API thread first: no request may reach a machine being torn down. */
	api_server_free(server);
	vmm_fini(&vmm);
	vm_control_fini(&ctl);
	/* After the daemons are gone: it exits when its socket closes. */
	spawner_stop();
	event_monitor_emit(events, "vmm", "shutdown", json_pack("{s:i}", "exit_code", code));
	event_monitor_free(events);
	config_fini(&cfg);
	trace_point(TRACE_VMM_EXIT);
	return code;
}
