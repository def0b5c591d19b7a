/* smp.h: per-vCPU state, vCPU discovery and bring-up for PV guests. */
#ifndef PVGUEST_SMP_H
#define PVGUEST_SMP_H

#include <xen/xen.h>
#include <xen/event_channel.h>
#include <pvguest/layout.h>
#include <pvguest/lib.h>

#define PV_CPU_MAGIC 0x70766370u /* "pvcp": overwritten means the stack overflowed */

/*
 * Runtime state of one vCPU.  It sits at the lowest address of the vCPU's naturally
 * aligned stack, so the running vCPU finds its own with no segment register.
 */
struct pv_cpu {
    uint32_t id;                   /* vCPU id */
    uint32_t magic;                /* PV_CPU_MAGIC */
    struct vcpu_info *vcpu_info;   /* where the hypervisor keeps this vCPU's event state */
    evtchn_port_t timer_port;      /* VIRQ_TIMER port of this vCPU (0: none yet) */
    volatile uint32_t online;      /* set by the vCPU itself once its runtime is ready */
    volatile uint64_t timer_ticks; /* VIRQ_TIMER events handled on this vCPU */
    void (*start_fn)(void *);      /* secondary vCPUs: what to run */
    void *start_arg;
    /* Target of pv_vcpu_info_register(): inside the stack's first page, 64-byte aligned. */
    struct vcpu_info own_vcpu_info __attribute__((aligned(64)));
};

/* The calling vCPU's pv_cpu block. */
static inline struct pv_cpu *pv_this_cpu(void)
{
    unsigned long sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    return (struct pv_cpu *)(sp & ~(unsigned long)(PV_STACK_SIZE - 1));
}

/* Id of the calling vCPU. */
static inline unsigned int smp_processor_id(void)
{
    return pv_this_cpu()->id;
}

/* The calling vCPU's vcpu_info (NULL only before the runtime mapped shared_info). */
static inline struct vcpu_info *pv_vcpu_info(void)
{
    return pv_this_cpu()->vcpu_info;
}

/* pv_cpu block of vCPU cpu (cpu < PV_MAX_CPUS), whether it runs or not. */
struct pv_cpu *pv_cpu_of(unsigned int cpu);

/*
 * Number of vCPUs the domain has: probes VCPUOP_is_up from 0 until -ENOENT (cached;
 * capped at PV_MAX_CPUS).  At least 1.
 */
unsigned int pv_nr_cpus(void);

/*
 * Starts vCPU cpu (1 <= cpu < pv_nr_cpus()) with VCPUOP_initialise + VCPUOP_up.  The new
 * vCPU registers its callbacks, binds its VIRQ_TIMER, enables events and calls fn(arg)
 * on its own stack; if fn returns the vCPU idles in SCHEDOP_block forever.  Waits up to
 * 5 s for the vCPU to come online.  Returns 0, -EINVAL (bad cpu), -EBUSY (already
 * started), -ETIMEDOUT, or the hypercall's error.  Call from vCPU 0 with events enabled.
 */
int pv_cpu_start(unsigned int cpu, void (*fn)(void *), void *arg);

/* True once vCPU cpu runs its start function (vCPU 0: after the runtime's setup). */
bool pv_cpu_online(unsigned int cpu);

/*
 * Moves the calling vCPU's vcpu_info from shared_info into its pv_cpu block with
 * VCPUOP_register_vcpu_info (Xen allows this once per vCPU).  Returns 0 or the error.
 */
int pv_vcpu_info_register(void);

/* Runtime internal (setup.c): sets up vCPU 0's pv_cpu block. */
void pv_smp_init_boot(void);

#endif /* PVGUEST_SMP_H */
