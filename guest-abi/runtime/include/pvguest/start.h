/* start.h: what the runtime learnt at boot (start_info) and the guest's entry point. */
#ifndef PVGUEST_START_H
#define PVGUEST_START_H

#include <xen/xen.h>
#include <pvguest/lib.h>

/* start_info as the domain builder handed it over (stays mapped; read-only by habit). */
extern start_info_t *pv_start_info;

/* The guest command line (start_info.cmd_line, always NUL-terminated). */
const char *pv_cmdline(void);

/* Runtime internal: the boot after the start code set pv_start_info, mapped shared_info
 * (HYPERVISOR_shared_info) and set up memory; runs main() and never returns. */
PV_NORETURN void pv_runtime_main(void);

/*
 * The guest's entry point, called on vCPU 0 once the runtime is up (shared_info mapped,
 * callbacks registered, VIRQ_TIMER bound, events enabled).  Returning 0 powers the
 * domain off; any other value prints it and crashes the domain (SHUTDOWN_crash).
 */
int main(const char *cmdline);

#endif /* PVGUEST_START_H */
