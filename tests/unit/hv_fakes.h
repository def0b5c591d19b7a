/* hv_fakes.h: a pvisord core without KVM for unit suites: domains with plain memory, vCPUs that only count kicks. */
#ifndef PVISOR_HV_FAKES_H
#define PVISOR_HV_FAKES_H

#include "../../hypervisor/pvisord.h"

/* A domain with `pages` frames of RAM, nvcpus vCPUs, the given port and grant-frame
 * limits, registered so domain_get(domid) finds it. Free with fake_domain_free. */
struct domain *fake_domain(uint32_t domid, unsigned pages, unsigned nvcpus, unsigned ports,
                           unsigned gnt_frames);
void fake_domain_free(struct domain *d);
/* Kicks seen by vcpu_kick, and the last port delivered to a dom0 handle. */
extern unsigned fake_kicks;
extern int fake_dom0_port;
extern unsigned fake_dom0_deliveries;
/* What sub_vcpu_get_mode reports for every vCPU (PVH address translation tests). */
extern struct sub_mode fake_mode;

#endif
