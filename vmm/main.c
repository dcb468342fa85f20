/* SPDX-License-Identifier: Apache-2.0 */
/* cnh: the core VMM executable. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "vmm/config.h"
#include "vmm/trace.h"
#include "vmm/vm.h"

int main(int argc, char **argv)
{
	enum config_result action;
	struct vm_config cfg;
	struct ev_loop *loop;
	struct vmm vmm;
	char err[512] = "";
	int code;

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
	signal(SIGPIPE, SIG_IGN);

	loop = ev_default_loop(EVFLAG_SIGNALFD);
	if (!loop) {
		fprintf(stderr, "cnh: cannot create the event loop\n");
		return 1;
	}
	if (vmm_init(&vmm, &cfg, loop, err, sizeof(err)) < 0) {
		fprintf(stderr, "cnh: %s\n", err);
		vmm_fini(&vmm);
		config_fini(&cfg);
		return 1;
	}
	code = vmm_run(&vmm);
	vmm_fini(&vmm);
	config_fini(&cfg);
	trace_point(TRACE_VMM_EXIT);
	return code;
}
