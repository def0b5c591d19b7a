/* hvfuzz.h: shared parts of the hypervisor fuzz targets: two fresh guest domains per input on
 * pvisord's core with fake KVM (tests/unit/hv_fakes*.c), and the invariants checked after
 * every hypercall. */
#ifndef HVFUZZ_H
#define HVFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../unit/hv_fakes.h"

/* How a guest's vCPUs address memory. */
enum hvf_mode {
    HVF_PV64,  /* PV, 64-bit, page tables at frames 0-3 mapping 2 MiB one to one, 4 KiB pages */
    HVF_PVH64, /* PVH, 64-bit, paging off (fake_mode): addresses are guest-physical */
    HVF_PVH32, /* PVH, 32-bit calling convention and layouts (hc_compat) */
};

#define HVF_PAGES_A 64 /* domain 1: frames of RAM, 2 vCPUs, 64 ports, up to 4 grant frames */
#define HVF_PAGES_B 32 /* domain 2: 1 vCPU, 32 ports, up to 2 grant frames */

/* Domains 1 (index 0) and 2 (index 1) in the given modes, and one unbound domain-0 port for
 * each of them (its number in hvf_dom0_port[i]). */
void hvf_start(enum hvf_mode a, enum hvf_mode b);
extern struct domain *hvf_d[2];
extern unsigned hvf_dom0_port[2];

/* Tears both domains down (grant maps, ports, dom0's ports) and checks that every
 * reference and every domain-0 port came back. */
void hvf_stop(void);

/* Runs one hypercall on vCPU v (what vcpu.c's handle_hcall does, minus the registers). */
long hvf_call(struct vcpu *v, unsigned nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
              uint64_t a4, uint64_t a5);

/*
 * The invariants, after every hypercall:
 *  - event channels: every interdomain port's peer points back at it (also with domain 0
 *    and within one domain), every VIRQ port is the one registered for its vCPU and VIRQ
 *    and the other way round, port 0 stays reserved, states are known;
 *  - grant tables: each active entry's read-only and writable pin counts equal the
 *    mappings that all maptracks hold of it, nr_maps counts the used maptrack slots, no
 *    slot is left busy, and each domain's reference count is 1 plus the mappings other
 *    domains hold of its grants (a lost domain_put would show here).
 */
void hvf_check(void);

/* For the harness's own checking loops: not coverage-instrumented (they would feed the
 * fuzzer's guidance with noise and cost most of the time), still under ASan. */
#if defined(__clang__)
#define HVF_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define HVF_NO_COVERAGE
#endif

/* Aborts with a message (a finding). */
void hvf_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
