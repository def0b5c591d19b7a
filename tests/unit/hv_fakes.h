/* hv_fakes.h: a pvisord core without KVM for unit suites: domains with plain memory, vCPUs that only count kicks. */
#ifndef PVISOR_HV_FAKES_H
#define PVISOR_HV_FAKES_H

#include "../../hypervisor/pvisord.h"

/* A PV domain with `pages` frames of RAM (memfd-backed as in domain.c, with its grant
 * window), nvcpus vCPUs, the given port and grant-frame limits, registered so
 * domain_get(domid) (domid 1..63) finds it. Free with fake_domain_free. */
struct domain *fake_domain(uint32_t domid, unsigned pages, unsigned nvcpus, unsigned ports,
                           unsigned gnt_frames);
void fake_domain_free(struct domain *d);
/* Kicks seen by vcpu_kick, and the last port delivered to a dom0 handle. */
extern unsigned fake_kicks;
extern int fake_dom0_port;
extern unsigned fake_dom0_deliveries;
/* What sub_vcpu_get_mode reports for every vCPU (PVH address translation tests). */
extern struct sub_mode fake_mode;

/*
 * hv_fakes_hc.c: what hypercall handlers need besides (time, waits, shutdown, crash
 * reports, the substrate's registers), for suites and fuzz targets that call
 * hypercall_dispatch(). Time is a counter (fake_now, ns). A wait does not block: it
 * advances fake_now to its deadline and makes domain_running() false until fake_wake(),
 * so a blocking hypercall returns as if the domain had been paused.
 */
extern uint64_t fake_now;
extern unsigned fake_waits, fake_crashes;
extern struct sub_regs fake_regs; /* every vCPU's registers */
void fake_wake(void);

#endif
